import CostModel
import Foundation

/// An iteration estimate's pipeline schedule as a Chrome trace (docs/reports.md §Timelines): one process per pipeline
/// stage with its compute (forward and backward of each micro-batch and model chunk) and its data-parallel and
/// optimizer work, and a step process comparing the simulated schedule with the estimate. The schedule is simulated
/// from the estimate's per-micro-batch time on the busiest stage (forward a third, backward two thirds; every stage
/// priced alike), in Megatron-LM's order: 1F1B, or the interleaved order with virtual stages.
public enum EstimateTimeline {
    public static func render(strategy: ParallelStrategy, estimate: IterationEstimate) -> Data {
        let p = max(1, strategy.pipelineParallel)
        let m = max(1, strategy.microBatchesPerPipeline)
        // Megatron interleaves only when the micro-batches fill whole rounds of the pipeline.
        let v = strategy.interleave > 1 && m % p == 0 ? strategy.interleave : 1
        let b = estimate.breakdown
        let perMicroBatch =
            (b.compute + b.tensorParallel + b.pipelineTransfers + b.contextParallel + b.expertParallel + b.cpuOffload
                + b.fp8AmaxReduction) / Double(m)
        let forward = perMicroBatch / (3 * Double(v))
        let backward = 2 * perMicroBatch / (3 * Double(v))
        let orders = (0..<p).map { stage in order(stage: stage, stages: p, microBatches: m, chunks: v) }
        // Ends of finished work: forward and backward of (stage, chunk, micro-batch).
        var forwardEnd = [Double](repeating: -1, count: p * v * m)
        var backwardEnd = forwardEnd
        func key(_ stage: Int, _ chunk: Int, _ microBatch: Int) -> Int { (stage * v + chunk) * m + microBatch }
        var next = [Int](repeating: 0, count: p)
        var free = [Double](repeating: 0, count: p)
        var trace = ChromeTrace()
        let gpusPerStage = strategy.tensorParallel * strategy.contextParallel * strategy.dataParallel
        for stage in 0..<p {
            trace.process(stage, name: "stage \(stage) (\(gpusPerStage) GPUs)")
            trace.thread(stage, 0, name: "compute")
            trace.thread(stage, 1, name: "data parallel and optimizer")
        }
        trace.process(p, name: "step")
        trace.thread(p, 0, name: "estimate")
        trace.thread(p, 1, name: "simulated schedule")
        var progress = true
        while progress {
            progress = false
            for stage in 0..<p where next[stage] < orders[stage].count {
                let step = orders[stage][next[stage]]
                let ready: Double?
                if step.forward {
                    if stage > 0 {
                        ready = value(forwardEnd[key(stage - 1, step.chunk, step.microBatch)])
                    } else if step.chunk > 0 {
                        ready = value(forwardEnd[key(p - 1, step.chunk - 1, step.microBatch)])
                    } else {
                        ready = 0
                    }
                } else if stage < p - 1 {
                    ready = value(backwardEnd[key(stage + 1, step.chunk, step.microBatch)])
                } else if step.chunk < v - 1 {
                    ready = value(backwardEnd[key(0, step.chunk + 1, step.microBatch)])
                } else {
                    ready = value(forwardEnd[key(stage, step.chunk, step.microBatch)])
                }
                guard let ready else { continue }
                let start = max(free[stage], ready)
                let seconds = step.forward ? forward : backward
                trace.event(
                    "\(step.forward ? "F" : "B") mb \(step.microBatch)\(v > 1 ? " chunk \(step.chunk)" : "")",
                    category: step.forward ? "forward" : "backward", pid: stage, tid: 0, start: start, seconds: seconds,
                    arguments: [("micro-batch", Double(step.microBatch)), ("chunk", Double(step.chunk))])
                free[stage] = start + seconds
                if step.forward {
                    forwardEnd[key(stage, step.chunk, step.microBatch)] = free[stage]
                } else {
                    backwardEnd[key(stage, step.chunk, step.microBatch)] = free[stage]
                }
                next[stage] += 1
                progress = true
            }
        }
        // Every order is a valid Megatron schedule, so the loop ends with all work placed.
        let pipelineEnd = free.max() ?? 0
        for stage in 0..<p {
            if b.synchronisation > 0 {
                trace.event(
                    "wait for the slowest worker", category: "synchronisation", pid: stage, tid: 1, start: pipelineEnd,
                    seconds: b.synchronisation)
            }
            if b.dataParallel > 0 {
                trace.event(
                    "data-parallel (exposed)", category: "data-parallel", pid: stage, tid: 1,
                    start: pipelineEnd + b.synchronisation, seconds: b.dataParallel)
            }
            trace.event(
                "optimizer", category: "optimizer", pid: stage, tid: 1,
                start: pipelineEnd + b.synchronisation + b.dataParallel, seconds: b.optimizer)
        }
        let simulated = pipelineEnd + b.synchronisation + b.dataParallel + b.optimizer
        trace.event(
            "iteration (estimate)", category: "estimate", pid: p, tid: 0, start: 0, seconds: estimate.iterationSeconds,
            arguments: [("bubble", b.pipelineBubble)])
        trace.event(
            "iteration (simulated)", category: "simulated", pid: p, tid: 1, start: 0, seconds: simulated,
            arguments: [("bubble", pipelineEnd - Double(m) * perMicroBatch)])
        return trace.data
    }

    private static func value(_ end: Double) -> Double? { end >= 0 ? end : nil }

    struct Step {
        var forward: Bool
        var chunk: Int
        var microBatch: Int
    }

    /// A stage's work in Megatron-LM's order: (p − stage − 1) warm-up forwards, then one forward and one backward, then
    /// the remaining backwards; with v chunks, m·v virtual micro-batches and (p − stage − 1)·2 + (v − 1)·p warm-up
    /// forwards, the k-th running chunk (k mod pv) / p (reversed for backward) of micro-batch ⌊k / pv⌋·p + k mod p.
    static func order(stage: Int, stages p: Int, microBatches m: Int, chunks v: Int) -> [Step] {
        let total = m * v
        func step(_ k: Int, forward: Bool) -> Step {
            guard v > 1 else { return Step(forward: forward, chunk: 0, microBatch: k) }
            let c = (k % (p * v)) / p
            return Step(forward: forward, chunk: forward ? c : v - 1 - c, microBatch: (k / (p * v)) * p + k % p)
        }
        let warmUp = min(v > 1 ? (p - stage - 1) * 2 + (v - 1) * p : p - stage - 1, total)
        var steps = (0..<warmUp).map { step($0, forward: true) }
        for k in 0..<(total - warmUp) {
            steps.append(step(warmUp + k, forward: true))
            steps.append(step(k, forward: false))
        }
        steps += ((total - warmUp)..<total).map { step($0, forward: false) }
        return steps
    }
}
