import ArgumentParser
import Foundation
import ParaPlan

struct PlanGNNPipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gnn-pipeline",
        abstract:
            "Chooses graph-parallel ways × pipeline stages, each stage's layers and the chunk count for full-graph GNN training.",
        discussion: """
            Give the graph (edge list, or METIS format for .graph/.metis files) or its --graph-stats. Baselines: \
            graph-parallel, pipeline and gnnpipe-fixed (C = 4N, equal layer split). Exit 2 for bad input.
            """
    )

    @Option(help: "Graph: edge list (one \"u v\" per line, # comments) or METIS graph format (.graph, .metis).")
    var graph: String?

    @Option(
        help:
            "Graph statistics (JSON {\"vertices\", \"edges\", \"mirrors\": {\"k\": M_k}}) for graphs too large to load."
    )
    var graphStats: String?

    @Option(help: "GNN model file (YAML/JSON): type, layers, inputWidth, hiddenWidth, outputWidth[, heads].")
    var model: String

    @Option(help: "Cluster preset (e.g. dgx-a100:2 = 2 nodes of 8 GPUs) or cluster file.")
    var cluster: String

    @Option(parsing: .unconditional, help: "Total chunks (a multiple of the ways); searched when absent.")
    var chunks: Int?

    @Option(parsing: .unconditional, help: "Graph-parallel ways D (dividing the GPU count); searched when absent.")
    var ways: Int?

    @Option(
        help:
            "Also write the layout's HTML report: epoch against the baselines, the pipeline schedule, communication volume."
    )
    var report: String?

    @Option(help: "Also write the layout's epoch schedule as a Chrome trace for Perfetto.")
    var trace: String?

    @OptionGroup var outputOptions: PlanOutputOptions

    /// Above this many vertices the chunk ids go to a side file next to the plan.
    static let inlineChunkLimit = 100_000

    func run() throws {
        try outputOptions.checkCompactHasOutput()
        let planner = try GNNPipelineRequest(model: .named(model), cluster: .named(cluster), chunks: chunks, ways: ways)
            .makePlanner()
        let result: GNNPipelineResult
        switch (graph, graphStats) {
        case (let path?, nil):
            let parsed: GraphFile.Parsed
            do {
                parsed = try GraphFile.parse(try InputFile.readOrFail(path), format: .of(path: path), source: path)
            } catch let error as GraphError {
                throw CLIError(code: .badInput, message: error.description)
            }
            for warning in parsed.warnings {
                FileHandle.standardError.write(Data("paraplan: warning: \(warning)\n".utf8))
            }
            result = try GNNPipelineRequest.plan(planner, graph: parsed.graph)
        case (nil, let path?):
            let stats = try GNNPipelineRequest.stats(try InputFile.readOrFail(path), source: path)
            result = try GNNPipelineRequest.plan(planner, stats: stats)
        default:
            throw CLIError.badInput("--graph", "give exactly one of --graph and --graph-stats")
        }
        outputOptions.summary(render(result))
        // The plan does not carry the mirror counts and layouts compared that these need: they are written now.
        if let report { try OutputFile.write(ReportRequest.gnnPipeline(planner, result), to: report) }
        if let trace { try OutputFile.write(TimelineRequest.gnnPipeline(planner, result), to: trace) }
        guard let output = outputOptions.output else { return }
        var sideFile: String?
        if let chunkOf = result.chunkOf, chunkOf.count > Self.inlineChunkLimit {
            guard output != "-" else {
                throw CLIError.badInput(
                    "--output", value: "-",
                    "\(chunkOf.count) vertices' chunks go to a side file next to the plan: give a file")
            }
            let path = output + ".chunks.txt"
            let text = chunkOf.map(String.init).joined(separator: "\n") + "\n"
            try OutputFile.write(Data(text.utf8), to: path)
            sideFile = URL(fileURLWithPath: path).lastPathComponent
        }
        try outputOptions.write(try result.executionPlan(chunkOfFile: sideFile))
    }

    private func render(_ result: GNNPipelineResult) -> String {
        let layout = result.layout
        let estimate = result.estimate
        let stages = layout.stageLayers.map { "[\($0.lowerBound), \($0.upperBound))" }.joined(separator: " ")
        var lines = [
            "\(counted(layout.ways, "way")) × \(counted(layout.stages, "stage")), \(counted(layout.ways * layout.chunksPerWay, "chunk")) "
                + "(\(layout.chunksPerWay) per way): "
                + String(
                    format: "epoch %.4g s, %.3f GiB sent, bubble %.1f %%", estimate.epochSeconds,
                    estimate.communicationBytes / 1_073_741_824, estimate.bubbleFraction * 100)
        ]
        lines.append("stage layers: \(stages)")
        lines.append(
            String(format: "lower bound %.4g s; mirrors from %@", result.lowerBoundSeconds, result.mirrorsSource))
        for baseline in result.baselines {
            lines.append(
                String(
                    format: "baseline %@: epoch %.4g s (%.2f× the plan), %.3f GiB", baseline.name,
                    baseline.estimate.epochSeconds,
                    baseline.estimate.epochSeconds / max(estimate.epochSeconds, 1e-12),
                    baseline.estimate.communicationBytes / 1_073_741_824))
        }
        lines.append(String(format: "planned in %.2f ms", result.planningSeconds * 1000))
        return lines.joined(separator: "\n")
    }
}
