import Foundation
import Frontend
import ParaPlan

/// `pp_call`'s commands: a JSON request keyed by the CLI's flag names, a JSON (or text) answer.
enum Commands {
    static func run(_ command: String, request: String) throws(FrontendError) -> Data {
        switch command {
        case "presets":
            _ = try OptionsReader(json: request, allowed: [])
            return try json(PresetCatalog.current)
        case "estimate": return try estimate(request)
        case "layouts": return try layouts(request)
        case "validate":
            let reader = try OptionsReader(json: request, allowed: ["plan", "source"])
            let source = try reader.string("source") ?? "plan"
            let summary = try PlanTools.validate(try planText(reader), source: source)
            return try json(["kind": summary.kind.rawValue, "description": summary.description])
        case "format":
            let reader = try OptionsReader(json: request, allowed: ["plan", "source", "compact"])
            return try PlanTools.format(
                try planText(reader), source: try reader.string("source") ?? "plan", compact: try reader.bool("compact")
            )
        case "compare": return try compare(request)
        case "whatif":
            let reader = try OptionsReader(json: request, allowed: ["trace", "meta", "source", "layers"])
            guard let trace = try reader.string("trace") else {
                throw .badInput("trace", "required (the trace's CSV text)")
            }
            guard let meta = try reader.string("meta") else {
                throw .badInput("meta", "required (the meta file's text)")
            }
            let source = try reader.string("source") ?? "trace"
            let result = try WhatIfRequest.analysis(
                traceData: Data(trace.utf8), trace: source, metaData: Data(meta.utf8),
                meta: "\(source) (meta)", layers: try reader.int("layers"))
            return try json(result.report)
        case "report":
            let reader = try OptionsReader(
                json: request,
                allowed: [
                    "plan", "source", "lengths", "loads", "profile", "model", "cluster",
                    "graph", "graph-stats", "vertices", "estimates",
                ])
            let estimates = try reader.labelledTexts("estimates", textKey: "estimate") ?? []
            let plan = reader.has("plan") || estimates.isEmpty ? try planReport(reader) : nil
            return try ReportRequest.withEstimates(plan, estimates: estimates.map { ($0.label, Data($0.text.utf8)) })
        case "trace":
            let reader = try OptionsReader(
                json: request,
                allowed: [
                    "plan", "source", "lengths", "samples", "profile", "model", "cluster",
                    "graph", "graph-stats", "vertices",
                ])
            let source = try reader.string("source") ?? "plan"
            if try TimelineRequest.kind(of: try planText(reader), source: source) == .gnnPipeline {
                let (planner, result) = try gnnPlan(reader, plan: try planText(reader), source: source)
                return TimelineRequest.gnnPipeline(planner, result)
            }
            let cost = try PlannerCostSource.of(
                profile: try reader.source("profile"), model: try reader.source("model"),
                cluster: try reader.source("cluster"))
            // The samples as a samples file's text (JSON Lines or CSV), read as the CLI reads the file.
            if let samples = try reader.string("samples") {
                return try TimelineRequest.batchBalance(
                    plan: try planText(reader), planSource: source, samples: Data(samples.utf8),
                    samplesSource: "samples", cost: cost)
            }
            let lengths = try planLengths(reader)
            return try TimelineRequest.sequenceParallel(
                plan: try planText(reader), planSource: source,
                lengths: lengths, cost: cost)
        default:
            throw .badInput(
                "command", value: "\"\(command.prefix(60))\"",
                "must be one of presets, estimate, layouts, validate, format, compare, whatif, trace, report")
        }
    }

    private static let costInputKeys: Set<String> = ["model", "cluster", "gpu", "nodes", "gpus-per-node", "profile"]
    private static let shapeKeys: Set<String> = [
        "global-batch", "seq-len", "zero", "fp8", "tp-comm-overlap", "memory-headroom",
        "fp8-recipe", "grad-reduce-bf16", "full-iteration-cuda-graph", "cuda-graph-modules", "moe-dispatcher",
        "main-params-dtype", "exp-avg-dtype", "exp-avg-sq-dtype",
    ]

    private static func estimate(_ text: String) throws(FrontendError) -> Data {
        let reader = try OptionsReader(
            json: text,
            allowed: costInputKeys.union(shapeKeys).union([
                "tp", "pp", "dp", "cp", "ep", "micro-batch", "recompute", "sequence-parallel", "interleave",
                "no-overlap-grad-reduce", "no-overlap-p2p-communication",
                "no-flash-attention", "causal-halved", "etp", "ep-comm-overlap", "recompute-layers",
                "recompute-modules", "cpu-offload-layers",
            ]))
        var request = EstimateRequest(inputs: try inputs(reader), shape: try shape(reader))
        request.tp = try reader.int("tp", default: 1)
        request.pp = try reader.int("pp", default: 1)
        request.dp = try reader.int("dp")
        request.cp = try reader.int("cp", default: 1)
        request.ep = try reader.int("ep", default: 1)
        request.etp = try reader.int("etp")
        request.epCommOverlap = try reader.bool("ep-comm-overlap")
        request.recomputeLayers = try reader.int("recompute-layers")
        request.cpuOffloadLayers = try reader.int("cpu-offload-layers")
        request.recomputeModules = try reader.string("recompute-modules").map { text throws(FrontendError) in
            try RecomputeModule.list(text)
        }
        request.microBatch = try reader.int("micro-batch", default: 1)
        request.interleave = try reader.int("interleave", default: 1)
        if let name = try reader.string("recompute") {
            guard let recompute = Recompute(rawValue: name) else {
                throw .badInput("--recompute", value: name, "must be none, selective or full")
            }
            request.recompute = recompute
        }
        request.sequenceParallel = try reader.bool("sequence-parallel")
        request.noOverlapGradReduce = try reader.bool("no-overlap-grad-reduce")
        request.noOverlapP2PCommunication = try reader.bool("no-overlap-p2p-communication")
        request.noFlashAttention = try reader.bool("no-flash-attention")
        request.causalHalved = try reader.bool("causal-halved")
        return try json(EstimateReport(try request.run()))
    }

    private static func layouts(_ text: String) throws(FrontendError) -> Data {
        let reader = try OptionsReader(
            json: text,
            allowed: costInputKeys.union(shapeKeys).union([
                "cp", "top", "all-variants", "tp", "pp", "ep", "micro-batch", "even-stages", "no-cpu-offload",
            ]))
        var request = LayoutsRequest(inputs: try inputs(reader), shape: try shape(reader))
        request.contextParallel = try reader.ints("cp") ?? [1]
        request.top = try reader.int("top", default: 10)
        request.allVariants = try reader.bool("all-variants")
        request.tensorParallel = try reader.ints("tp")
        request.pipelineParallel = try reader.ints("pp")
        request.expertParallel = try reader.ints("ep")
        request.microBatches = try reader.ints("micro-batch")
        request.evenStagesOnly = try reader.bool("even-stages")
        request.noCpuOffload = try reader.bool("no-cpu-offload")
        return try json(try request.run().report)
    }

    private static func compare(_ text: String) throws(FrontendError) -> Data {
        let parsed: JSONValue
        do { parsed = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) } catch {
            throw .badInput("request", "not valid JSON")
        }
        guard case .object(let members) = parsed, case .array(let items)? = members["plans"],
            Set(members.keys).isSubset(of: ["plans", "format"])
        else {
            throw .badInput("request", "must be {\"plans\": [{\"label\": ..., \"plan\": ...}], \"format\": ...}")
        }
        var plans: [(label: String, data: Data)] = []
        for (index, item) in items.enumerated() {
            guard case .string(let label)? = item["label"], case .string(let plan)? = item["plan"] else {
                throw .badInput("plans[\(index)]", "must hold a label and the plan's text")
            }
            plans.append((label, Data(plan.utf8)))
        }
        let comparison = try PlanTools.compare(plans)
        let format: String
        switch members["format"] {
        case nil, .null?: format = "json"
        case .string(let name)?: format = name
        default: throw .badInput("--format", "must be table, markdown, csv or json")
        }
        switch format {
        case "table": return Data(comparison.table().utf8)
        case "markdown": return Data(comparison.markdown().utf8)
        case "csv": return Data(comparison.csv().utf8)
        case "json":
            do { return Data(try comparison.json().utf8) } catch {
                throw FrontendError(code: .internalFailure, message: "\(error)")
            }
        default: throw .badInput("--format", value: format, "must be table, markdown, csv or json")
        }
    }

    /// `lengths` as a lengths file's text (one per line or a JSON array), read as the CLI reads the file.
    /// `report`'s plan part: the plan's kind says which inputs it takes.
    private static func planReport(_ reader: OptionsReader) throws(FrontendError) -> Data {
        let source = try reader.string("source") ?? "plan"
        let plan = try planText(reader)
        switch try TimelineRequest.kind(of: plan, source: source) {
        case .sequenceParallel:
            let lengths = try planLengths(reader)
            let cost = try PlannerCostSource.of(
                profile: try reader.source("profile"), model: try reader.source("model"),
                cluster: try reader.source("cluster"))
            return try ReportRequest.sequenceParallel(plan: plan, planSource: source, lengths: lengths, cost: cost)
        case .gnnPipeline:
            let (planner, result) = try gnnPlan(reader, plan: plan, source: source)
            return ReportRequest.gnnPipeline(planner, result)
        case .expertPlacement:
            // The loads as a loads file's text (JSON or CSV), read as the CLI reads the file.
            return try ReportRequest.expertPlacement(
                plan: plan, planSource: source,
                loads: try reader.string("loads").map { Data($0.utf8) }, loadsSource: "loads")
        case .batchBalance:
            return try ReportRequest.batchBalance(plans: [(source, plan)])
        }
    }

    /// A GNN plan's layout priced again from its graph (an edge list's text, with `vertices`) or graph statistics (a
    /// mapping or its JSON text), and its GNN model and cluster.
    private static func gnnPlan(
        _ reader: OptionsReader, plan: Data,
        source: String
    ) throws(FrontendError) -> (planner: GNNPipelinePlanner, result: GNNPipelineResult) {
        guard let model = try reader.source("model"), let cluster = try reader.source("cluster") else {
            throw .badInput("model", "a GNN plan needs the GNN model and the cluster it was made with")
        }
        let graph: GNNPipelineRequest.GraphInput
        switch (try reader.string("graph"), reader.has("graph-stats")) {
        case (let text?, false):
            graph = .graph(
                try GNNPipelineRequest.graph(
                    edgeList: Data(text.utf8), source: "graph", vertices: try reader.int("vertices")))
        case (nil, true):
            let stats = try reader.source("graph-stats")
            let data: Data
            switch stats {
            case .inline(let inline, _)?: data = inline
            case .named(let text)?: data = Data(text.utf8)
            case nil: throw .badInput("graph-stats", "required")
            }
            graph = .stats(try GNNPipelineRequest.stats(data, source: "graph-stats"))
        default:
            throw .badInput("graph", "a GNN plan needs exactly one of graph and graph-stats")
        }
        return try GNNPipelineRequest(model: model, cluster: cluster).evaluate(
            plan: plan, planSource: source, graph: graph)
    }

    private static func planLengths(_ reader: OptionsReader) throws(FrontendError) -> [Int] {
        guard let text = try reader.string("lengths") else {
            throw .badInput(
                "lengths",
                "required for a sequence-parallel plan (the lengths it was made for), or samples for "
                    + "a batch-balance plan")
        }
        do {
            return try LengthsFile.parse(Data(text.utf8), source: "lengths")
        } catch {
            throw .badInput(message: error.description)
        }
    }

    private static func planText(_ reader: OptionsReader) throws(FrontendError) -> Data {
        guard let text = try reader.string("plan") else { throw .badInput("plan", "required") }
        return Data(text.utf8)
    }

    private static func inputs(_ reader: OptionsReader) throws(FrontendError) -> CostModelInputs {
        guard let model = try reader.source("model") else { throw .badInput("--model", "required") }
        let profile = try reader.source("profile")
        switch (try reader.source("cluster"), try reader.string("gpu")) {
        case (let cluster?, nil):
            return CostModelInputs(model: model, cluster: .source(cluster), profile: profile)
        case (nil, let gpu?):
            guard let nodes = try reader.int("nodes") else { throw .badInput("--nodes", "required with --gpu") }
            return CostModelInputs(
                model: model,
                cluster: .gpu(name: gpu, nodes: nodes, gpusPerNode: try reader.int("gpus-per-node", default: 8)),
                profile: profile)
        case (_?, _?): throw .badInput("--cluster", "give either --cluster or --gpu with --nodes, not both")
        case (nil, nil): throw .badInput("--cluster", "required (or --gpu with --nodes)")
        }
    }

    private static func shape(_ reader: OptionsReader) throws(FrontendError) -> BatchShape {
        BatchShape(
            globalBatch: try reader.required("global-batch"), seqLen: try reader.required("seq-len"),
            zero: try reader.int("zero", default: 1),
            fp8: try reader.bool("fp8"), tpCommOverlap: try reader.bool("tp-comm-overlap"),
            memoryHeadroom: try reader.double("memory-headroom"),
            fp8Recipe: try reader.string("fp8-recipe").map { name throws(FrontendError) in
                try BatchShape.fp8Recipe(named: name)
            },
            gradReduceBF16: try reader.bool("grad-reduce-bf16"),
            fullIterationCUDAGraph: try reader.bool("full-iteration-cuda-graph"),
            cudaGraphModules: try reader.string("cuda-graph-modules").map { text throws(FrontendError) in
                try CUDAGraphModule.list(text)
            },
            moeDispatcher: try reader.string("moe-dispatcher").map { name throws(FrontendError) in
                try BatchShape.moeDispatcher(named: name)
            },
            optimizerPrecision: try BatchShape.optimizerPrecision(
                mainParams: try reader.string("main-params-dtype"), expAvg: try reader.string("exp-avg-dtype"),
                expAvgSq: try reader.string("exp-avg-sq-dtype")))
    }

    /// Sorted keys and slashes unescaped, as the CLI's `--json` prints (on one line).
    static func json(_ value: some Encodable) throws(FrontendError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(value)
        } catch {
            throw FrontendError(code: .internalFailure, message: "could not encode the answer: \(error)")
        }
    }
}
