import CostModel
import Foundation
import InputFiles

/// Where a model, cluster or profile comes from: a preset name or a file path (as the CLI's flags take them), or a
/// document already in memory (a dict handed to the Python package).
public enum InputSource: Sendable, Equatable {
    case named(String)
    /// The document's bytes (YAML or JSON) and the name errors use for it.
    case inline(Data, label: String)

    /// The name errors and derived costs use: the path, preset or label.
    public var label: String {
        switch self {
        case .named(let name): name
        case .inline(_, let label): label
        }
    }

    /// The bytes to parse: the file's, or the inline document's.
    func data() throws(CostModelError) -> Data {
        switch self {
        case .named(let path): try InputFile.read(path)
        case .inline(let data, _): data
        }
    }

    /// A path that exists wins over a preset of the same name, as on the command line.
    var isFile: Bool {
        switch self {
        case .named(let name): FileManager.default.fileExists(atPath: name)
        case .inline: true
        }
    }
}

/// Models, clusters and calibration profiles from presets, files or inline documents, with the CLI's messages.
public enum CostInputs {
    public static func model(_ source: InputSource) throws(FrontendError) -> TransformerModel {
        if case .named(let name) = source, !source.isFile {
            guard let preset = TransformerModel.preset(named: name) else {
                throw .badInput(
                    "--model", value: name,
                    "no such file and no such preset; presets: \(TransformerModel.presets.map(\.name).joined(separator: ", "))"
                )
            }
            return preset
        }
        let file = modelFile(source)
        return try costModelCall { () throws(CostModelError) in
            try TransformerModel.load(data: try file.data(), source: file.label)
        }
    }

    /// A Hugging Face checkpoint directory stands for the `config.json` in it, as `from_pretrained` reads it.
    static func modelFile(_ source: InputSource) -> InputSource {
        guard case .named(let path) = source else { return source }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return source
        }
        return .named(URL(fileURLWithPath: path).appendingPathComponent("config.json").path)
    }

    /// A cluster file when the source is an existing path or a document, else a preset such as `hgx-h100:4`.
    public static func cluster(_ source: InputSource) throws(FrontendError) -> Cluster {
        if case .named(let name) = source, !source.isFile {
            return try costModelCall { () throws(CostModelError) in try Cluster.preset(name) }
        }
        return try costModelCall { () throws(CostModelError) in
            try Cluster.load(data: try source.data(), source: source.label)
        }
    }

    /// One speed per planner rank from a cluster file or `whatif --speed-factors` output: per GPU, or, when each
    /// rank spans several consecutive GPUs, the slowest of them.
    public static func speedFactors(_ source: InputSource, ranks: Int, flag: String = "--speed-factors")
        throws(FrontendError) -> [Double]
    {
        let factors = try costModelCall { () throws(CostModelError) in
            try SpeedFactors.load(data: try source.data(), source: source.label)
        }
        guard let perRank = SpeedFactors.perRank(factors, ranks: ranks) else {
            throw .badInput(
                flag, value: source.label, "\(factors.count) speeds do not split evenly over \(ranks) ranks")
        }
        return perRank
    }

    /// `gpu` × `nodes` × `gpusPerNode`, as `--gpu`, `--nodes` and `--gpus-per-node` give it.
    public static func cluster(gpu name: String, nodes: Int, gpusPerNode: Int) throws(FrontendError) -> Cluster {
        guard let spec = GPUSpec.preset(named: name) else {
            throw .badInput(
                "--gpu", value: name, "unknown GPU; known: \(GPUSpec.presets.map(\.name).joined(separator: ", "))")
        }
        let built = Cluster(gpu: spec, nodes: nodes, gpusPerNode: gpusPerNode)
        try costModelCall { () throws(CostModelError) in try built.validate(source: "flags") }
        return built
    }

    /// The calibration profile, checked against the cluster's GPU (a profile measured on another GPU is refused).
    public static func calibration(_ source: InputSource, for cluster: Cluster) throws(FrontendError)
        -> CalibrationProfile
    {
        try costModelCall { () throws(CostModelError) in
            let loaded = try CalibrationProfile.load(data: try source.data(), source: source.label)
            try loaded.validate(for: cluster.gpu, source: source.label)
            return loaded
        }
    }
}

/// A planner's cost: a profile, or a model and cluster to derive one from.
public enum PlannerCostSource: Sendable, Equatable {
    case profile(InputSource)
    case derived(model: InputSource, cluster: InputSource)

    /// The source the three options name, with the CLI's messages for a wrong combination.
    public static func of(profile: InputSource?, model: InputSource?, cluster: InputSource?) throws(FrontendError)
        -> PlannerCostSource
    {
        switch (profile, model) {
        case (let profile?, nil):
            guard cluster == nil else { throw .badInput("--cluster", "goes with --model, not --profile") }
            return .profile(profile)
        case (nil, let model?):
            guard let cluster else { throw .badInput("--cluster", "required with --model") }
            return .derived(model: model, cluster: cluster)
        case (_?, _?):
            throw .badInput("--profile", "give either --profile or --model with --cluster, not both")
        case (nil, nil):
            throw .badInput("--profile", "required (or --model with --cluster)")
        }
    }

    func resolve<Cost>(
        load: (Data, String) throws(CostModelError) -> Cost,
        derive: (TransformerModel, Cluster) throws(CostModelError) -> Cost
    ) throws(FrontendError) -> Cost {
        switch self {
        case .profile(let source):
            return try costModelCall { () throws(CostModelError) in try load(try source.data(), source.label) }
        case .derived(let modelSource, let clusterSource):
            let model = try CostInputs.model(modelSource)
            let cluster = try CostInputs.cluster(clusterSource)
            return try costModelCall { () throws(CostModelError) in try derive(model, cluster) }
        }
    }
}
