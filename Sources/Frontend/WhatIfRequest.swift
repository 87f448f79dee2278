import Foundation
import TraceAnalysis

/// `paraplan whatif`: a trace and its meta file in, the what-if report out.
public enum WhatIfRequest {
    public static func analyse(trace: String, meta: String, layers: Int? = nil) throws(FrontendError) -> WhatIfReport {
        try analyse(traceData: try InputFile.readOrFail(trace), trace: trace, metaData: try InputFile.readOrFail(meta), meta: meta,
                    layers: layers)
    }

    /// The same from the files' contents; `trace` and `meta` name them in messages.
    public static func analyse(traceData: Data, trace: String, metaData: Data, meta: String,
                               layers: Int? = nil) throws(FrontendError) -> WhatIfReport {
        do {
            let shape = try TraceReader.shape(meta: metaData, source: meta)
            let operations = try TraceReader.operations(csv: traceData, source: trace)
            return try WhatIfAnalysis(operations: operations, shape: shape).report(layers: layers)
        } catch {
            throw FrontendError.badInput(message: error.message.hasPrefix(trace) || error.message.hasPrefix(meta)
                                         ? error.message : "\(trace): \(error.message)")
        }
    }

    /// The analysis itself (for timelines) with its report.
    public static func analysis(trace: String, meta: String, layers: Int? = nil) throws(FrontendError)
        -> (analysis: WhatIfAnalysis, report: WhatIfReport) {
        let traceData = try InputFile.readOrFail(trace), metaData = try InputFile.readOrFail(meta)
        do {
            let shape = try TraceReader.shape(meta: metaData, source: meta)
            let analysis = try WhatIfAnalysis(operations: try TraceReader.operations(csv: traceData, source: trace), shape: shape)
            return (analysis, try analysis.report(layers: layers))
        } catch {
            throw FrontendError.badInput(message: error.message.hasPrefix(trace) || error.message.hasPrefix(meta)
                                         ? error.message : "\(trace): \(error.message)")
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
