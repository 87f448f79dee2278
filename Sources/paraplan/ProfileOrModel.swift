import ArgumentParser
import Foundation
import ParaPlan

/// A planner's cost source: a profile file, or a model and cluster to derive one from. Shared by the `plan` commands.
struct ProfileOrModelOptions: ParsableArguments {
    @Option(help: "Planner profile (YAML/JSON).")
    var profile: String?

    @Option(help: "Model preset, file or checkpoint directory, with --cluster, to derive the profile.")
    var model: String?

    @Option(help: "Cluster preset (e.g. hgx-h100:8 = 8 nodes of 8 GPUs) or file, with --model.")
    var cluster: String?

    func source() throws -> PlannerCostSource {
        try PlannerCostSource.of(
            profile: profile.map { .named($0) }, model: model.map { .named($0) }, cluster: cluster.map { .named($0) })
    }
}
