import Foundation
import SolverFixtures
import Testing
import TraceAnalysis

/// The replayed job as a Chrome trace: every operation once, each track without overlapping events, steps end to end.
@Suite struct TimelineTests {
    struct Event: Decodable {
        let ph: String
        let name: String
        let pid: Int
        let tid: Int?
        let ts: Double?
        let dur: Double?
    }

    struct Document: Decodable {
        let traceEvents: [Event]
        let displayTimeUnit: String
    }

    @Test(arguments: [Timeline.Version.recorded, .ideal])
    func everyOperationOnceWithoutOverlaps(version: Timeline.Version) throws {
        var trace = SyntheticTrace(
            shape: JobShape(name: "t", dataParallel: 2, pipelineParallel: 4), microBatches: 6, steps: 3)
        trace.slowWorker = (Worker(dataParallelRank: 1, stage: 2), 1.5, nil)
        let operations = try trace.operations()
        let analysis = try WhatIfAnalysis(operations: operations, shape: trace.shape)
        let report = try analysis.report()
        let document = try JSONDecoder().decode(Document.self, from: analysis.timeline(version))
        let events = document.traceEvents.filter { $0.ph == "X" }
        #expect(events.count == operations.count)
        // One process per worker, named; seven named threads each.
        let names = document.traceEvents.filter { $0.ph == "M" && $0.name == "process_name" }
        #expect(names.count == 8)
        #expect(document.traceEvents.filter { $0.name == "thread_name" }.count == 8 * 7)
        var tracks: [String: [(Double, Double)]] = [:]
        for event in events {
            tracks["\(event.pid)/\(event.tid ?? -1)", default: []].append(
                (event.ts ?? 0, (event.ts ?? 0) + (event.dur ?? 0)))
        }
        for (_, spans) in tracks {
            let sorted = spans.sorted { $0.0 < $1.0 }
            for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(b.0 >= a.1 - 2e-3) }  // times written to 1 ns
        }
        // The last event ends at the sum of the step times of that version.
        let end = events.map { ($0.ts ?? 0) + ($0.dur ?? 0) }.max() ?? 0
        let steps = version == .recorded ? report.stepSeconds.replayed : report.stepSeconds.ideal
        #expect(abs(end / 1e6 - steps.reduce(0, +)) < 1e-6 * max(1, end / 1e6))
    }
}
