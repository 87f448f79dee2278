import CostModel
import ExecutionPlan
import Foundation
import TraceAnalysis

/// `paraplan whatif`: a trace and its meta file in, the what-if analysis and its report out.
public enum WhatIfRequest {
    /// From files (the CLI).
    public static func analysis(trace: String, meta: String, layers: Int? = nil) throws(FrontendError)
        -> (analysis: WhatIfAnalysis, report: WhatIfReport)
    {
        try analysis(
            traceData: try InputFile.readOrFail(trace), trace: trace, metaData: try InputFile.readOrFail(meta),
            meta: meta, layers: layers)
    }

    /// From the files' contents (the C ABI); `trace` and `meta` name them in messages.
    public static func analysis(traceData: Data, trace: String, metaData: Data, meta: String, layers: Int? = nil)
        throws(FrontendError) -> (analysis: WhatIfAnalysis, report: WhatIfReport)
    {
        do {
            let shape = try TraceReader.shape(meta: metaData, source: meta)
            let analysis = try WhatIfAnalysis(
                operations: try TraceReader.operations(csv: traceData, source: trace), shape: shape)
            return (analysis, try analysis.report(layers: layers, balancer: MicroBatchRebalancing.balancer))
        } catch {
            throw FrontendError.badInput(
                message: error.message.hasPrefix(trace) || error.message.hasPrefix(meta)
                    ? error.message : "\(trace): \(error.message)")
        }
    }

    /// The measured speed of each GPU as a cluster file (`speedFactors` in rank order), or, without `gpu`, as a
    /// fragment to merge into one. `gpusPerNode` must divide the job's GPUs.
    public static func speedFactorsFile(_ report: WhatIfReport, gpu: String?, gpusPerNode: Int) throws(FrontendError)
        -> Data
    {
        let factors = SlowMachineDetection.speedFactors(report.slowMachines, shape: report.job)
        var document: [String: JSONValue] = ["speedFactors": .array(factors.map { .number($0) })]
        if let gpu {
            guard GPUSpec.preset(named: gpu) != nil else {
                throw .badInput(
                    "--gpu", value: gpu, "unknown GPU; known: \(GPUSpec.presets.map(\.name).joined(separator: ", "))")
            }
            guard gpusPerNode >= 1, gpusPerNode <= factors.count, factors.count % gpusPerNode == 0 else {
                throw .badInput(
                    "--gpus-per-node", value: "\(gpusPerNode)", "must divide the job's \(factors.count) GPUs")
            }
            document["gpu"] = .string(gpu)
            document["gpusPerNode"] = .number(Double(gpusPerNode))
            document["nodes"] = .number(Double(factors.count / gpusPerNode))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(document) + Data("\n".utf8)
        } catch {
            throw FrontendError(code: .internalFailure, message: "speed factors: \(error)")
        }
    }

    /// The report as JSON: sorted keys, pretty-printed, the same bytes from every entry point.
    public static func json(_ report: WhatIfReport) throws(FrontendError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do {
            return try encoder.encode(report)
        } catch {
            throw FrontendError(code: .internalFailure, message: "whatif report: \(error)")
        }
    }
}
