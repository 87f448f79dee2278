import CostModel
import ExecutionPlan
import Foundation
import PlanTimeline
import SequenceParallel
import Testing

/// A sequence-parallel plan's timeline is valid Chrome-trace JSON whose events reproduce the plan's predicted times.
@Suite struct SequenceParallelTimelineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Event {
        var name: String, category: String, pid: Int, tid: Int, start: Double, duration: Double
    }

    static func events(_ data: Data) throws -> (events: [Event], names: [String]) {
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let raw = try #require(document["traceEvents"] as? [[String: Any]])
        var events: [Event] = []
        var names: [String] = []
        for entry in raw {
            if entry["ph"] as? String == "M", let args = entry["args"] as? [String: Any],
                let name = args["name"] as? String
            {
                names.append(name)
            }
            guard entry["ph"] as? String == "X" else { continue }
            events.append(
                Event(
                    name: try #require(entry["name"] as? String), category: try #require(entry["cat"] as? String),
                    pid: try #require(entry["pid"] as? Int), tid: try #require(entry["tid"] as? Int),
                    start: try #require(entry["ts"] as? Double) / 1e6,
                    duration: try #require(entry["dur"] as? Double) / 1e6))
        }
        return (events, names)
    }

    static func batches() throws -> [(lengths: [Int], gpus: Int)] {
        let text = try String(
            contentsOf: root.appendingPathComponent("Examples/batches/wikipedia-batch0.txt"), encoding: .utf8)
        let wikipedia = text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        var state: UInt64 = 3
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        let tailed = (0..<300).map { _ in Int(min(40_000, 200 * pow(1 - next(), -1 / 1.1))) }
        return [(wikipedia, 64), (tailed, 32), (Array(tailed.prefix(40)), 8)]
    }

    @Test(arguments: 0..<3)
    func eventsReproduceThePredictedTimes(index: Int) throws {
        let batch = try Self.batches()[index]
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: batch.gpus)
        let plan = try SequenceParallelPlanner(cost: cost).plan(lengths: batch.lengths).executionPlan()
        let data = try SequenceParallelTimeline.render(plan, lengths: batch.lengths, cost: cost)
        #expect(try SequenceParallelTimeline.render(plan, lengths: batch.lengths, cost: cost) == data)
        let (events, names) = try Self.events(data)
        let nodes = (batch.gpus + 7) / 8
        #expect(
            names.contains("node 0 (ranks 0-7)") && names.contains("rank \(batch.gpus - 1) all-to-all")
                && names.contains("step"))
        // One compute event per sequence on each rank of its group; the micro-batch spans add up to the step.
        let groups = plan.body.microBatches.flatMap(\.groups)
        #expect(
            events.filter { $0.category == "compute" }.count == groups.reduce(0) { $0 + $1.degree * $1.sequences.count }
        )
        let spans = events.filter { $0.category == "micro-batch" }
        #expect(spans.count == plan.body.microBatches.count)
        #expect(abs(spans.reduce(0) { $0 + $1.duration } - plan.predicted.cost.stepSeconds) < 1e-6)
        // No track has overlapping events; every event is non-negative.
        var tracks: [[Int]: [Event]] = [:]
        for event in events { tracks[[event.pid, event.tid], default: []].append(event) }
        for (_, track) in tracks {
            let sorted = track.sorted { $0.start < $1.start }
            for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(a.start + a.duration <= b.start + 2e-9) }
            #expect(track.allSatisfy { $0.duration >= 0 })
        }
        // In each micro-batch the busiest rank works exactly the prediction less β1; the others no longer.
        for (position, span) in spans.sorted(by: { $0.start < $1.start }).enumerated() {
            let work = events.filter {
                $0.pid < nodes && $0.start >= span.start - 1e-9 && $0.start < span.start + span.duration - 1e-9
            }
            let lastEnd = work.map { $0.start + $0.duration }.max() ?? span.start
            #expect(abs(lastEnd - span.start - (plan.body.microBatches[position].predictedSeconds - cost.beta1)) < 2e-6)
        }
    }

    @Test func inputsThatDoNotMatchThePlanAreRefused() throws {
        let batch = try Self.batches()[0]
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 64)
        let plan = try SequenceParallelPlanner(cost: cost).plan(lengths: batch.lengths).executionPlan()
        var other = batch.lengths
        other[3] += 128
        #expect(throws: TimelineError.self) { try SequenceParallelTimeline.render(plan, lengths: other, cost: cost) }
        #expect(throws: TimelineError.self) {
            try SequenceParallelTimeline.render(
                plan, lengths: batch.lengths, cost: SequenceParallelCost.flexSPGPT7B(gpus: 32))
        }
        // An edited plan (same digest) that names a sequence outside the batch is refused, not indexed.
        var edited = plan
        edited.body.microBatches[0].groups[0].sequences[0] = batch.lengths.count + 5
        #expect(throws: TimelineError.self) {
            try SequenceParallelTimeline.render(edited, lengths: batch.lengths, cost: cost)
        }
        var slower = cost
        slower.alpha2 *= 1.5
        do {
            _ = try SequenceParallelTimeline.render(plan, lengths: batch.lengths, cost: slower)
            Issue.record("a cost that does not price the plan as planned was accepted")
        } catch {
            #expect(error.message.contains("micro-batch 0"))
        }
    }
}
