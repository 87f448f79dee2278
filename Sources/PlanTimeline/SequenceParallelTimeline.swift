import CostModel
import ExecutionPlan
import Foundation

/// A sequence-parallel plan's predicted schedule as a Chrome trace (docs/reports.md §Timelines): one process per node,
/// two threads per rank (compute, and the Ulysses all-to-alls, which Perfetto cannot nest on one track), a "step"
/// process with each micro-batch's span and its fixed overhead β1. Micro-batches run one after another; in each, a
/// group runs its sequences one after another on all its ranks, each sequence's compute then its all-to-alls, as
/// FlexSP's cost model adds them. Idle ranks show as gaps.
public enum SequenceParallelTimeline {
    public static func render(_ plan: Plan<SequenceParallelPlan>, lengths: [Int], cost: SequenceParallelCost)
        throws(TimelineError) -> Data
    {
        let body = plan.body
        guard cost.gpus == body.gpus else {
            throw TimelineError("profile: \(cost.gpus) GPUs, but the plan spans \(body.gpus)")
        }
        guard let digest = try? InputDigest.of(lengths, summary: ""), digest.sha256 == plan.inputs.sha256 else {
            throw TimelineError(
                "lengths: not the batch this plan was made for (\(lengths.count) sequences; the plan's input "
                    + "digest \(plan.inputs.sha256.prefix(12))… differs)")
        }
        // The digest ties the lengths to the plan, not its indices: an edited plan must not index past the batch.
        if let bad = body.microBatches.flatMap({ $0.groups.flatMap(\.sequences) }).first(where: {
            $0 < 0 || $0 >= lengths.count
        }) {
            throw TimelineError("plan: sequence \(bad) is not in the batch of \(lengths.count) sequences")
        }
        let perNode = max(1, min(cost.gpusPerNode, body.gpus))
        let nodes = (body.gpus + perNode - 1) / perNode
        var trace = ChromeTrace()
        for node in 0..<nodes {
            let first = node * perNode
            let last = min(body.gpus, first + perNode) - 1
            trace.process(node, name: "node \(node) (ranks \(first)-\(last))")
            for rank in first...last {
                trace.thread(node, 2 * rank, name: "rank \(rank) compute")
                trace.thread(node, 2 * rank + 1, name: "rank \(rank) all-to-all")
            }
        }
        let step = nodes
        trace.process(step, name: "step")
        trace.thread(step, 0, name: "micro-batches")
        trace.thread(step, 1, name: "overhead (β1)")
        var start = 0.0
        for (index, microBatch) in body.microBatches.enumerated() {
            var busiest = 0.0
            for group in microBatch.groups {
                let scheme = try cost.scheme(degree: group.degree, ulysses: group.ulysses, ring: group.ring)
                    .mapError { TimelineError("profile: " + $0.message) }.get()
                var clock = start
                for sequence in group.sequences {
                    let length = lengths[sequence]
                    let (compute, communication) = cost.parts(Double(length), degree: group.degree, scheme: scheme)
                    for rank in group.firstRank..<(group.firstRank + group.degree) {
                        let arguments: [(String, Double)] = [
                            ("sequence", Double(sequence)), ("tokens", Double(length)),
                            ("degree", Double(group.degree)), ("micro-batch", Double(index)),
                        ]
                        trace.event(
                            "seq \(sequence) (\(length) tokens, SP=\(group.degree))", category: "compute",
                            pid: rank / perNode, tid: 2 * rank, start: clock, seconds: compute, arguments: arguments)
                        if communication > 0 {
                            trace.event(
                                (group.ring ?? 1) > 1
                                    ? "all-to-all and ring seq \(sequence)" : "all-to-all seq \(sequence)",
                                category: "communication", pid: rank / perNode,
                                tid: 2 * rank + 1, start: clock + compute, seconds: communication, arguments: arguments)
                        }
                    }
                    clock += compute + communication
                }
                busiest = max(busiest, clock - start)
            }
            // The cost given must price the plan as it was planned (same profile, nominal speeds): the planner predicts
            // a micro-batch as its busiest group plus β1.
            guard abs(busiest + cost.beta1 - microBatch.predictedSeconds) <= 1e-9 * max(1, microBatch.predictedSeconds)
            else {
                throw TimelineError(
                    String(
                        format: "profile: micro-batch %d's groups take %.6f s with β1 here, but the plan "
                            + "predicts %.6f s (planned with another profile, or with speed factors?)",
                        index, busiest + cost.beta1, microBatch.predictedSeconds))
            }
            trace.event(
                "micro-batch \(index)", category: "micro-batch", pid: step, tid: 0, start: start,
                seconds: microBatch.predictedSeconds, arguments: [("groups", Double(microBatch.groups.count))])
            trace.event(
                "β1", category: "overhead", pid: step, tid: 1, start: start + microBatch.predictedSeconds - cost.beta1,
                seconds: cost.beta1)
            start += microBatch.predictedSeconds
        }
        return trace.data
    }
}
