import CostModel
import ExecutionPlan
import Foundation

/// A batch-balancing plan's predicted schedule as a Chrome trace (docs/reports.md §Timelines): one process per DP
/// rank with an encoder track (its images, split-image shares first) and an LLM track (its micro-batches in order),
/// and a step process with the phases. With an encoder section the LLM phase starts when the slowest rank's encoder
/// work ends (the ranks wait for each other between phases); without one, each rank encodes its samples' images as
/// part of their micro-batch.
public enum BatchBalanceTimeline {
    /// `tokens`, `images` and `loadedRanks` are the batch as the planner read it (checked against the plan's digest).
    public static func render(
        _ plan: Plan<BatchBalancePlan>, tokens: [Int], images: [[Int]], loadedRanks: [Int?],
        cost: BatchBalanceCost
    ) throws(TimelineError) -> Data {
        try checkBatch(plan, tokens: tokens, images: images, loadedRanks: loadedRanks)
        let body = plan.body
        // The digest ties the samples to the plan, not its indices: an edited plan must not index past the batch.
        let samples = body.ranks.flatMap { $0.microBatches.flatMap { $0 } }
        let imageRefs = (body.encoder ?? []).flatMap(\.images)
        if let bad = samples.first(where: { $0 < 0 || $0 >= tokens.count })
            ?? imageRefs.first(where: {
                $0.sample < 0 || $0.sample >= tokens.count || $0.image < 0 || $0.image >= images[$0.sample].count
            })?.sample
        {
            throw TimelineError(
                "plan: sample \(bad) (or one of its images) is not in the batch of \(tokens.count) samples")
        }
        func llm(_ sample: Int) -> Double { cost.llm.seconds(Double(tokens[sample])) }
        func encode(_ sample: Int, _ image: Int) -> Double { cost.encoder?.seconds(Double(images[sample][image])) ?? 0 }
        var trace = ChromeTrace()
        for rank in body.ranks {
            trace.process(rank.rank, name: "rank \(rank.rank)")
            trace.thread(rank.rank, 0, name: "encoder")
            trace.thread(rank.rank, 1, name: "LLM micro-batches")
        }
        let step = (body.ranks.map(\.rank).max() ?? -1) + 1
        trace.process(step, name: "step")
        trace.thread(step, 0, name: "phases")

        var encoderEnd = 0.0
        if let encoder = body.encoder {
            for rank in encoder {
                var clock = 0.0
                let whole = rank.images.reduce(0.0) { $0 + encode($1.sample, $1.image) }
                if let shards = rank.shards, !shards.isEmpty {
                    // Split images' shares: the rank's prediction less its whole images (the split cost's own model).
                    let share = max(0, rank.predictedSeconds - whole)
                    trace.event(
                        "\(shards.count) split image share\(shards.count == 1 ? "" : "s")", category: "encoder",
                        pid: rank.rank, tid: 0, start: 0, seconds: share)
                    clock = share
                }
                for image in rank.images {
                    let seconds = encode(image.sample, image.image)
                    trace.event(
                        "sample \(image.sample) image \(image.image)", category: "encoder", pid: rank.rank, tid: 0,
                        start: clock, seconds: seconds,
                        arguments: [("tokens", Double(images[image.sample][image.image]))])
                    clock += seconds
                }
                try check(clock, against: rank.predictedSeconds, "encoder rank \(rank.rank)")
                encoderEnd = max(encoderEnd, clock)
            }
            trace.event("encoder phase", category: "phase", pid: step, tid: 0, start: 0, seconds: encoderEnd)
        }
        var llmEnd = 0.0
        for rank in body.ranks {
            var clock = encoderEnd
            for (index, microBatch) in rank.microBatches.enumerated() {
                // Without an encoder section a sample's images are encoded with it.
                let seconds = microBatch.reduce(0.0) { total, sample in
                    total + llm(sample)
                        + (body.encoder == nil ? images[sample].indices.reduce(0) { $0 + encode(sample, $1) } : 0)
                }
                let sampleTokens = microBatch.reduce(0) { $0 + tokens[$1] }
                trace.event(
                    "micro-batch \(index) (\(microBatch.count) samples)", category: "llm", pid: rank.rank, tid: 1,
                    start: clock, seconds: seconds,
                    arguments: [("samples", Double(microBatch.count)), ("tokens", Double(sampleTokens))])
                clock += seconds
            }
            try check(clock - encoderEnd, against: rank.predictedSeconds, "rank \(rank.rank)")
            llmEnd = max(llmEnd, clock)
        }
        trace.event(
            body.encoder == nil ? "step" : "LLM phase", category: "phase", pid: step, tid: 0, start: encoderEnd,
            seconds: llmEnd - encoderEnd)
        try check(llmEnd, against: plan.predicted.cost.stepSeconds, "the step")
        return trace.data
    }

    /// The cost must price the plan as it was planned (the same profile, ranks at nominal speed).
    private static func check(_ seconds: Double, against predicted: Double, _ what: String) throws(TimelineError) {
        guard abs(seconds - predicted) <= 1e-9 * max(1, predicted) else {
            throw TimelineError(
                String(
                    format: "profile: %@ takes %.6f s here, but the plan predicts %.6f s (planned with "
                        + "another profile, or with speed factors?)", what, seconds, predicted))
        }
    }

    private static func checkBatch(
        _ plan: Plan<BatchBalancePlan>, tokens: [Int], images: [[Int]],
        loadedRanks: [Int?]
    ) throws(TimelineError) {
        guard images.count == tokens.count, loadedRanks.count == tokens.count,
            let digest = try? InputDigest.batchSha256(tokens: tokens, images: images, loadedRanks: loadedRanks),
            digest == plan.inputs.batchSha256
        else {
            throw TimelineError(
                "samples: not the batch this plan was made for (\(tokens.count) samples; the plan's batch "
                    + "digest \((plan.inputs.batchSha256 ?? "none").prefix(12))… differs)")
        }
    }
}
