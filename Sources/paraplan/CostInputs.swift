import ArgumentParser
import Foundation
import ParaPlan

/// `--model` and `--cluster` (or `--gpu`, `--nodes`, `--gpus-per-node`), resolved from presets or files.
struct CostInputOptions: ParsableArguments {
    @Option(help: "Model preset name (see 'paraplan presets'), Hugging Face config.json, or ParaPlan model file (YAML/JSON).")
    var model: String

    @Option(help: "Cluster preset (e.g. hgx-h100:4 for 4 nodes) or cluster file (YAML/JSON).")
    var cluster: String?

    @Option(help: "GPU preset, with --nodes and --gpus-per-node, instead of --cluster.")
    var gpu: String?

    @Option(help: "Nodes, with --gpu.")
    var nodes: Int?

    @Option(help: "GPUs per node, with --gpu (default 8).")
    var gpusPerNode: Int = 8

    @Option(help: "Calibration profile (YAML/JSON) overriding derived coefficients.")
    var profile: String?

    func resolveModel() throws -> TransformerModel {
        if let preset = TransformerModel.preset(named: model), !FileManager.default.fileExists(atPath: model) {
            return preset
        }
        guard FileManager.default.fileExists(atPath: model) else {
            throw CLIError.badInput("--model", value: model,
                                    "no such file and no such preset; presets: \(TransformerModel.presets.map(\.name).joined(separator: ", "))")
        }
        return try costModelCall { () throws(CostModelError) in try TransformerModel.load(data: try InputFile.read(model), source: model) }
    }

    /// A cluster file when `name` is an existing path, else a preset such as `hgx-h100:4`.
    static func cluster(_ name: String) throws -> Cluster {
        if FileManager.default.fileExists(atPath: name) {
            return try costModelCall { () throws(CostModelError) in try Cluster.load(data: try InputFile.read(name), source: name) }
        }
        return try costModelCall { () throws(CostModelError) in try Cluster.preset(name) }
    }

    func resolveCluster() throws -> Cluster {
        switch (cluster, gpu) {
        case (let name?, nil):
            return try Self.cluster(name)
        case (nil, let gpuName?):
            guard let spec = GPUSpec.preset(named: gpuName) else {
                throw CLIError.badInput("--gpu", value: gpuName, "unknown GPU; known: \(GPUSpec.presets.map(\.name).joined(separator: ", "))")
            }
            guard let nodes else { throw CLIError.badInput("--nodes", "required with --gpu") }
            let built = Cluster(gpu: spec, nodes: nodes, gpusPerNode: gpusPerNode)
            try costModelCall { () throws(CostModelError) in try built.validate(source: "flags") }
            return built
        case (_?, _?):
            throw CLIError.badInput("--cluster", "give either --cluster or --gpu with --nodes, not both")
        case (nil, nil):
            throw CLIError.badInput("--cluster", "required (or --gpu with --nodes)")
        }
    }

    /// Model, cluster and calibration profile, as `estimate` and `layouts` take them.
    func resolve() throws -> (model: TransformerModel, cluster: Cluster, profile: CalibrationProfile?) {
        let cluster = try resolveCluster()
        return (try resolveModel(), cluster, try resolveProfile(for: cluster))
    }

    /// The calibration profile, checked against the cluster's GPU (a profile measured on another GPU is refused).
    func resolveProfile(for cluster: Cluster) throws -> CalibrationProfile? {
        guard let profile else { return nil }
        return try costModelCall { () throws(CostModelError) in
            let loaded = try CalibrationProfile.load(data: try InputFile.read(profile), source: profile)
            try loaded.validate(for: cluster.gpu, source: profile)
            return loaded
        }
    }
}

/// Runs a cost-model call, turning its typed error (or a file error) into the CLI's one-line bad input.
func costModelCall<T>(_ body: () throws(CostModelError) -> T) throws(CLIError) -> T {
    do {
        return try body()
    } catch {
        throw CLIError(code: .badInput, message: error.description)
    }
}
