import Foundation
import TraceAnalysis

/// `paraplan whatif`: a trace and its meta file in, the what-if analysis and its report out.
public enum WhatIfRequest {
    /// From files (the CLI).
    public static func analysis(trace: String, meta: String, layers: Int? = nil) throws(FrontendError)
        -> (analysis: WhatIfAnalysis, report: WhatIfReport) {
        try analysis(traceData: try InputFile.readOrFail(trace), trace: trace, metaData: try InputFile.readOrFail(meta),
                     meta: meta, layers: layers)
    }

    /// From the files' contents (the C ABI); `trace` and `meta` name them in messages.
    public static func analysis(traceData: Data, trace: String, metaData: Data, meta: String, layers: Int? = nil)
        throws(FrontendError) -> (analysis: WhatIfAnalysis, report: WhatIfReport) {
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
