import Dispatch
import Synchronization

/// Reassigns a step's micro-batches among DP ranks: `weights[u]` the measured compute of unit u (one micro-batch of one
/// DP rank, over every stage), `loaded[u]` the rank that ran it, `ranks` DP ranks, each to get as many units as it
/// had. Returns each rank's units. The Frontend passes ParaPlan's batch balancer; TraceAnalysis itself plans nothing.
public typealias MicroBatchBalancer = @Sendable (_ weights: [Double], _ loaded: [Int], _ ranks: Int) throws -> [[Int]]

extension WhatIfAnalysis {
    /// One step's micro-batches: units (dp rank, micro-batch id) in (rank, id) order, with their compute.
    struct StepUnits {
        var units: [(rank: Int, microBatch: Int)]
        var weights: [Double]
    }

    /// Each step's units, or nil when the trace does not say which micro-batch a compute belongs to, or when DP ranks
    /// ran different numbers of micro-batches (a reassignment must keep the counts).
    func microBatchUnits(_ base: OperationTimes) -> [StepUnits]? {
        var perStep = [[Int: Double]](repeating: [:], count: model.steps.count)
        for (index, operation) in operations.enumerated() where operation.kind.isCompute {
            guard let microBatch = operation.microBatch else { return nil }
            let key = operation.worker.dataParallelRank << 32 | microBatch
            perStep[Int(stepOf[index])][key, default: 0] += base.duration[index]
        }
        var result: [StepUnits] = []
        for units in perStep {
            let keys = units.keys.sorted()
            let pairs = keys.map { (rank: $0 >> 32, microBatch: $0 & 0xFFFF_FFFF) }
            var counts: [Int: Int] = [:]
            for pair in pairs { counts[pair.rank, default: 0] += 1 }
            guard Set(counts.values).count <= 1 else { return nil }
            result.append(StepUnits(units: pairs, weights: keys.map { units[$0]! }))
        }
        return result
    }

    /// The compute of every step with its micro-batches where `balancer` puts them: rank r's k-th micro-batch slot (by
    /// id) runs the k-th unit it was given (by rank, then id), on every stage, forward and backward. Also the number
    /// of micro-batches that changed rank.
    func rebalanced(_ base: OperationTimes, units: [StepUnits], balancer: MicroBatchBalancer) throws(TraceError)
        -> (times: OperationTimes, moved: Int)
    {
        // (dp, stage, micro-batch, kind, chunk) → operation, per step, to find the compute a moved micro-batch brings.
        struct ComputeKey: Hashable {
            var rank: Int32, stage: Int32, microBatch: Int32, kind: Int32, chunk: Int32
        }
        func key(_ rank: Int, _ stage: Int, _ microBatch: Int, _ kind: OperationKind, _ chunk: Int?) -> ComputeKey {
            ComputeKey(
                rank: Int32(truncatingIfNeeded: rank), stage: Int32(truncatingIfNeeded: stage),
                microBatch: Int32(truncatingIfNeeded: microBatch), kind: Int32(kind.ordinal),
                chunk: Int32(truncatingIfNeeded: chunk ?? -1))
        }
        let ranks = shape.dataParallel
        // Steps are planned independently: on all cores, each result in its own slot.
        let plans = Mutex([Result<[[Int]], TraceError>](repeating: .success([]), count: units.count))
        let steps = model.steps
        DispatchQueue.concurrentPerform(iterations: units.count) { step in
            let result: Result<[[Int]], TraceError>
            do {
                result = .success(try balancer(units[step].weights, units[step].units.map(\.rank), ranks))
            } catch {
                result = .failure(TraceError("micro-batch rebalancing, step \(steps[step].step): \(error)"))
            }
            plans.withLock { $0[step] = result }
        }
        let planned = plans.withLock { $0 }
        var times = base
        var moved = 0
        for (step, stepUnits) in units.enumerated() {
            var lookup: [ComputeKey: Int] = [:]
            for member in model.steps[step].operations where operations[Int(member)].kind.isCompute {
                let operation = operations[Int(member)]
                lookup[
                    key(
                        operation.worker.dataParallelRank, operation.worker.stage, operation.microBatch ?? -1,
                        operation.kind, operation.chunk)] = Int(member)
            }
            let assignment = try planned[step].get()
            // A balancer passed in by a caller must hand back every unit once.
            let given = assignment.flatMap { $0 }
            guard given.count == stepUnits.units.count, Set(given).count == given.count,
                given.allSatisfy({ $0 >= 0 && $0 < stepUnits.units.count })
            else {
                throw TraceError(
                    "micro-batch rebalancing, step \(model.steps[step].step): the balancer must return each of the "
                        + "\(stepUnits.units.count) micro-batches once")
            }
            // Where each micro-batch slot's compute now comes from.
            var source: [Int: (rank: Int, microBatch: Int)] = [:]
            for rank in 0..<min(ranks, assignment.count) {
                let slots = stepUnits.units.filter { $0.rank == rank }.map(\.microBatch)
                let given = assignment[rank].sorted()
                for (slot, unit) in zip(slots, given) {
                    source[rank << 32 | slot] = stepUnits.units[unit]
                    if stepUnits.units[unit].rank != rank { moved += 1 }
                }
            }
            for member in model.steps[step].operations {
                let index = Int(member)
                let operation = operations[index]
                guard operation.kind.isCompute, let slot = operation.microBatch,
                    let from = source[operation.worker.dataParallelRank << 32 | slot],
                    let other = lookup[
                        key(from.rank, operation.worker.stage, from.microBatch, operation.kind, operation.chunk)]
                else { continue }
                times.duration[index] = base.duration[other]
            }
        }
        return (times, moved)
    }
}
