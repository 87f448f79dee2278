import Foundation
import SolverFixtures
import Testing
import TraceAnalysis

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Traces that break the format or the dependency model are errors that name the row, column or operation.
@Suite struct MalformedTraceTests {
    static let header = "dp_rank,stage,rank,step,optype,start_ts,duration,seq_id,mc,mb_id,gmc"
    static let shape = JobShape(name: "small", dataParallel: 1, pipelineParallel: 2)

    /// A one-micro-batch, two-stage step written as CSV rows.
    static func rows(swapStageZeroCompute: Bool = false, dropForwardReceive: Bool = false) -> String {
        var lines = [header]
        let f0 = swapStageZeroCompute ? 5.0 : 0.0
        let b0 = swapStageZeroCompute ? 0.0 : 5.0
        lines.append("0,0,0,1,forward-compute,\(f0),0.5,0,0,0,0")
        lines.append("0,0,0,1,forward-send,\(f0 + 0.5),0.1,0,,,")
        lines.append("0,0,0,1,backward-recv,\(b0 - 0.5),0.1,0,,,")
        lines.append("0,0,0,1,backward-compute,\(b0),1.0,0,0,0,0")
        if !dropForwardReceive { lines.append("0,1,1,1,forward-recv,0.5,0.1,0,,,") }
        lines.append("0,1,1,1,forward-compute,1.0,0.5,0,0,0,1")
        lines.append("0,1,1,1,backward-compute,2.0,1.0,0,0,0,1")
        lines.append("0,1,1,1,backward-send,3.0,0.1,0,,,")
        lines.append("0,0,0,1,optimizer,7.0,0.1,0,,,")
        lines.append("0,1,1,1,optimizer,7.0,0.1,0,,,")
        return lines.joined(separator: "\n") + "\n"
    }

    func analyse(_ text: String) throws -> WhatIfReport {
        let operations = try TraceReader.operations(csv: Data(text.utf8), source: "t.csv")
        return try WhatIfAnalysis(operations: operations, shape: Self.shape).report()
    }

    func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func wellFormedStepReplaysExactly() throws {
        let report = try analyse(Self.rows())
        #expect(report.replayError < 1e-9)
        #expect(report.stepSeconds.recorded == [7.1])
    }

    @Test func missingPartnerIsNamed() {
        let text = message { _ = try analyse(Self.rows(dropForwardReceive: true)) }
        #expect(text.contains("forward-send 0 has no partner"))
    }

    @Test func cycleIsAnError() {
        let text = message { _ = try analyse(Self.rows(swapStageZeroCompute: true)) }
        #expect(text.contains("cannot finish"))
    }

    @Test(arguments: [
        ("dp_rank,stage,rank,step,optype,start_ts,duration\n", "column seq_id missing"),
        (header + "\n0,0,0,1,forward-compute,abc,0.5,0,0,0,0\n", "row 2, column start_ts = \"abc\""),
        (header + "\n0,0,0,1,forward-compute,0,-1,0,0,0,0\n", "row 2, column duration"),
        (header + "\n0,0,0,1,fwd,0,1,0,0,0,0\n", "row 2, column optype = \"fwd\""),
        (header + "\n0,0,0,1,forward-compute,0,1,0,0\n", "row 2: 9 cells"),
        (header + "\n-1,0,0,1,forward-compute,0,1,0,0,0,0\n", "row 2, column dp_rank = \"-1\""),
        (header + "\n", "no operations"),
        ("", "empty file"),
    ])
    func badRowsNameRowAndColumn(text: String, expected: String) {
        let error = message { _ = try TraceReader.operations(csv: Data(text.utf8), source: "t.csv") }
        #expect(error.contains(expected), "\(error)")
    }

    @Test func outsideTheMetaShapeIsAnError() {
        let text = message {
            let operations = try TraceReader.operations(csv: Data(Self.rows().utf8), source: "t.csv")
            _ = try WhatIfAnalysis(
                operations: operations, shape: JobShape(name: "x", dataParallel: 1, pipelineParallel: 1))
        }
        #expect(text.contains("outside the meta file"))
    }

    @Test(arguments: [
        ("dp_size: 2\npp_size: 0\n", "pp_size = \"0\""),
        ("pp_size: 2\n", "dp_size missing"),
        ("dp_size: 2\npp_size: 2\nworld_size: 5\n", "world_size = 5"),
        ("dp_size 2\n", "expected key: value"),
        ("dp_size: 2\ndp_size: 3\npp_size: 1\n", "repeated"),
        ("dp_size: 65536\npp_size: 65536\ntp_size: 65536\ndsp_size: 65536\n", "more than 2^63: at most 2^18 GPUs"),
        ("dp_size: 512\npp_size: 1024\n", "524288: at most 2^18 GPUs"),
        ("dp_size: 300000\npp_size: 1\n", "from 1 to 2^18"),
    ])
    func badMetaFilesAreNamed(text: String, expected: String) {
        let error = message { _ = try TraceReader.shape(meta: Data(text.utf8), source: "m.yaml") }
        #expect(error.contains(expected), "\(error)")
    }

    @Test func allZeroDurationsAreRefused() {
        let zero = Self.rows().split(separator: "\n").enumerated().map { index, line -> String in
            guard index > 0 else { return String(line) }
            var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            cells[6] = "0"
            return cells.joined(separator: ",")
        }.joined(separator: "\n")
        let text = message { _ = try analyse(zero) }
        #expect(text.contains("no slowdown to measure"))
    }

    @Test func hugeShapeFromTheLibraryIsRefused() {
        let text = message {
            let operations = try TraceReader.operations(csv: Data(Self.rows().utf8), source: "t.csv")
            _ = try WhatIfAnalysis(
                operations: operations, shape: JobShape(name: "x", dataParallel: 1 << 40, pipelineParallel: 1 << 40))
        }
        #expect(text.contains("dp_size = 1099511627776"))
    }

    @Test func heatmapIsWellFormedSVG() throws {
        var trace = SyntheticTrace(
            shape: JobShape(name: "svg <&>", dataParallel: 2, pipelineParallel: 2), microBatches: 4, steps: 3)
        trace.slowWorker = (Worker(dataParallelRank: 1, stage: 0), 1.5, nil)
        let report = try WhatIfAnalysis(operations: trace.operations(), shape: trace.shape).report()
        let svg = HeatmapSVG.render(report)
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        // One cell per worker and step, plus the ten legend swatches.
        #expect(svg.components(separatedBy: "<rect").count - 1 == 4 * 3 + 10)
        // A report that disagrees with itself (decoded from elsewhere) draws what its arrays hold, without trapping.
        var broken = report
        broken.heatmap = [[Double.nan, .infinity]]
        broken.stepSeconds.steps = [1]
        let partial = HeatmapSVG.render(broken)
        #expect(partial.components(separatedBy: "<rect").count - 1 == 1 + 10)
    }
}
