/// How far a worker's compute in a step strays from its peers' (the same stage's other DP ranks): the spread the cost
/// model's `SynchronisationJitter` prices. On a job whose micro-batches carry equal work it is run-to-run and
/// machine-to-machine variation; where sequence lengths differ (the SE trace) it is mostly the data.
public enum ComputeDeviation {
    public struct Measured: Sendable, Equatable {
        /// Pooled standard deviation of a worker's compute per step relative to its stage's mean in that step.
        public var relative: Double
        /// Relative deviations pooled, less one per (step, stage) group: the degrees of freedom.
        public var degreesOfFreedom: Int
        /// Workers left out as persistently slow: 5 % (`SlowMachineDetection.threshold`) or more above their stage's
        /// median in at least half the steps.
        public var excluded: [Worker]
    }

    /// nil when no stage has two workers that are not persistently slow.
    public static func measure(_ operations: [TraceOperation]) -> Measured? {
        let workers = Set(operations.lazy.filter(\.kind.isCompute).map(\.worker)).sorted()
        let steps = Set(operations.lazy.filter(\.kind.isCompute).map(\.step)).sorted()
        let workerIndex = Dictionary(uniqueKeysWithValues: workers.enumerated().map { ($1, $0) })
        let stepIndex = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })
        var table = [[Double]](repeating: [Double](repeating: 0, count: steps.count), count: workers.count)
        for operation in operations where operation.kind.isCompute {
            table[workerIndex[operation.worker]!][stepIndex[operation.step]!] += operation.duration
        }
        return measure(computeTable: table, workers: workers)
    }

    /// How far one forward or backward compute operation strays from the same operation on its stage's other DP
    /// ranks (the same step, kind and position in the step): the spread `SynchronisationJitter.operationDeviation`
    /// prices where peers meet at every micro-batch. `excluding` the persistently slow workers `measure` found.
    public static func measurePerOperation(_ operations: [TraceOperation], excluding: [Worker] = []) -> Measured? {
        struct Key: Hashable {
            var step: Int
            var stage: Int
            var backward: Bool
            var sequence: Int
        }
        let excluded = Set(excluding)
        var slots: [Key: Int] = [:]
        // Each operation has its peers on the stage's other DP ranks: at most one slot per two operations.
        slots.reserveCapacity(operations.count / 2)
        // Count, sum and sum of squares per operation, in the order the trace first names each (the same sums on
        // every machine).
        var count: [Double] = []
        var sum: [Double] = []
        var squares: [Double] = []
        for operation in operations
        where operation.kind.isCompute && (excluded.isEmpty || !excluded.contains(operation.worker)) {
            let key = Key(
                step: operation.step, stage: operation.worker.stage, backward: operation.kind == .backwardCompute,
                sequence: operation.sequence)
            let slot =
                slots[key]
                ?? {
                    slots[key] = count.count
                    count.append(0)
                    sum.append(0)
                    squares.append(0)
                    return count.count - 1
                }()
            count[slot] += 1
            sum[slot] += operation.duration
            squares[slot] += operation.duration * operation.duration
        }
        var total = 0.0
        var degrees = 0
        for slot in count.indices where count[slot] >= 2 && sum[slot] > 0 {
            let mean = sum[slot] / count[slot]
            // Σ((x − mean) / mean)² = Σx² / mean² − n; a mean too small to divide by leaves the operation out.
            let spread = squares[slot] / (mean * mean) - count[slot]
            guard spread.isFinite else { continue }
            total += max(0, spread)
            degrees += Int(count[slot]) - 1
        }
        let relative = degrees > 0 ? (total / Double(degrees)).squareRoot() : .nan
        guard relative.isFinite else { return nil }
        return Measured(relative: relative, degreesOfFreedom: degrees, excluded: excluding.sorted())
    }

    /// From each worker's compute (rows, in `workers`' order) per step (columns); a step in which a worker of a stage
    /// has no compute is left out for that stage.
    static func measure(computeTable table: [[Double]], workers: [Worker]) -> Measured? {
        let steps = table.first?.count ?? 0
        // Stages in order, so the sums below add in the same order on every machine.
        let byStage = Dictionary(grouping: workers.indices, by: { workers[$0].stage }).sorted { $0.key < $1.key }
            .map(\.value)
        // A worker slower than its stage's median in most steps is a slow machine, not spread.
        var ratios = [[Double]](repeating: [], count: workers.count)
        for step in 0..<steps {
            for peers in byStage where peers.count >= 2 {
                let times = peers.map { table[$0][step] }
                guard times.allSatisfy({ $0 > 0 }) else { continue }
                let median = SlowMachineDetection.median(times)
                for (worker, time) in zip(peers, times) { ratios[worker].append(time / median) }
            }
        }
        let threshold = 1 + SlowMachineDetection.threshold
        let slow = workers.indices.map { !ratios[$0].isEmpty && SlowMachineDetection.median(ratios[$0]) >= threshold }
        var squares = 0.0
        var degrees = 0
        for step in 0..<steps {
            for peers in byStage {
                let times = peers.filter { !slow[$0] }.map { table[$0][step] }
                guard times.count >= 2, times.allSatisfy({ $0 > 0 }) else { continue }
                let mean = times.reduce(0, +) / Double(times.count)
                squares += times.reduce(0) { $0 + (($1 - mean) / mean) * (($1 - mean) / mean) }
                degrees += times.count - 1
            }
        }
        guard degrees > 0 else { return nil }
        return Measured(
            relative: (squares / Double(degrees)).squareRoot(), degreesOfFreedom: degrees,
            excluded: workers.indices.filter { slow[$0] }.map { workers[$0] })
    }
}
