import ArgumentParser
import Foundation
import ParaPlan

/// A planner's cost source: a profile file, or a model and cluster to derive one from. Shared by the `plan` commands.
struct ProfileOrModelOptions: ParsableArguments {
    @Option(help: "Planner profile (YAML/JSON).")
    var profile: String?

    @Option(help: "Model preset or file, with --cluster, to derive the profile.")
    var model: String?

    @Option(help: "Cluster preset (e.g. hgx-h100:8) or file, with --model.")
    var cluster: String?

    func resolve<Cost>(
        load: (Data, String) throws(CostModelError) -> Cost,
        derive: (TransformerModel, Cluster) throws(CostModelError) -> Cost
    ) throws -> Cost {
        switch (profile, model) {
        case (let path?, nil):
            guard cluster == nil else { throw CLIError.badInput("--cluster", "goes with --model, not --profile") }
            return try costModelCall { () throws(CostModelError) in try load(try InputFile.read(path), path) }
        case (nil, let modelName?):
            guard let clusterName = cluster else { throw CLIError.badInput("--cluster", "required with --model") }
            let inputs = try CostInputOptions.parse(["--model", modelName, "--cluster", clusterName])
            let model = try inputs.resolveModel()
            let cluster = try inputs.resolveCluster()
            return try costModelCall { () throws(CostModelError) in try derive(model, cluster) }
        case (_?, _?):
            throw CLIError.badInput("--profile", "give either --profile or --model with --cluster, not both")
        case (nil, nil):
            throw CLIError.badInput("--profile", "required (or --model with --cluster)")
        }
    }
}
