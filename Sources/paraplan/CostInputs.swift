import ArgumentParser
import Foundation
import ParaPlan

/// `--model` and `--cluster` (or `--gpu`, `--nodes`, `--gpus-per-node`), resolved from presets or files.
struct CostInputOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Model preset name (see 'paraplan presets'), Hugging Face config.json or a checkpoint "
                + "directory holding one, or ParaPlan model file (YAML/JSON)."))
    var model: String

    @Option(help: "Cluster preset (e.g. hgx-h100:4 = 4 nodes of 8 GPUs) or cluster file (YAML/JSON).")
    var cluster: String?

    @Option(help: "GPU preset, with --nodes and --gpus-per-node, instead of --cluster.")
    var gpu: String?

    @Option(parsing: .unconditional, help: "Nodes, with --gpu.")
    var nodes: Int?

    @Option(parsing: .unconditional, help: "GPUs per node, with --gpu (default 8).")
    var gpusPerNode: Int = 8

    @Option(help: "Calibration profile (YAML/JSON) overriding derived coefficients.")
    var profile: String?

    /// The flags as the Frontend takes them, with the CLI's messages for a wrong combination.
    func request() throws -> CostModelInputs {
        switch (cluster, gpu) {
        case (let name?, nil):
            return CostModelInputs(
                model: .named(model), cluster: .source(.named(name)), profile: profile.map { .named($0) })
        case (nil, let gpuName?):
            guard let nodes else { throw CLIError.badInput("--nodes", "required with --gpu") }
            return CostModelInputs(
                model: .named(model), cluster: .gpu(name: gpuName, nodes: nodes, gpusPerNode: gpusPerNode),
                profile: profile.map { .named($0) })
        case (_?, _?):
            throw CLIError.badInput("--cluster", "give either --cluster or --gpu with --nodes, not both")
        case (nil, nil):
            throw CLIError.badInput("--cluster", "required (or --gpu with --nodes)")
        }
    }
}
