/// Which slowness stays with a machine and which moves between workers (in the spirit of Minder, NSDI'25): each
/// worker's compute in each step against its peers, the workers of the same stage in the same step, which run the
/// same layers (docs/whatif.md §Slow machines). A worker is slow in a step when its compute takes at least
/// `threshold` more than the peers' median; it is a slow machine when that holds in at least half the steps (and 3)
/// and its median ratio over all steps is at least 1 + 2 × `threshold` (data-dependent imbalance also makes a worker
/// slow in many steps by chance, but not in its typical step).
public struct SlowMachineDetection: Sendable {
    public static let threshold = 0.05

    public struct SlowWorker: Codable, Sendable, Equatable {
        public var dataParallelRank: Int
        public var stage: Int
        /// Steps in which it was slow, and their share of all steps.
        public var slowSteps: Int
        public var share: Double
        /// The first step of its slowness (the earliest slow step of the trace's order).
        public var sinceStep: Int
        /// Median over steps of its compute / its peers' median compute.
        public var computeRatio: Double
        /// Per operation kind: its mean duration / the peers' mean, over all steps (compute and pipeline transfers).
        public var byOperation: [String: Double]
        /// The global rank the trace records for it (one of its tensor-parallel ranks).
        public var globalRank: Int
    }

    public struct Findings: Codable, Sendable, Equatable {
        /// Workers slow in most steps: a machine to replace or plan around.
        public var slowMachines: [SlowWorker]
        /// Steps with some worker slow, and how many distinct workers were slow: slowness that moves with the data.
        public var stepsWithSlowWorkers: Int
        public var distinctSlowWorkers: Int
    }

    /// Compute per worker (rows, by `workerOf`) and step (columns, by `stepOf`).
    static func computeTable(
        _ operations: [TraceOperation], steps: Int, stepOf: [Int32], workerOf: [Int32], workers: Int
    ) -> [[Double]] {
        var table = [[Double]](repeating: [Double](repeating: 0, count: steps), count: workers)
        for (index, operation) in operations.enumerated() where operation.kind.isCompute {
            table[Int(workerOf[index])][Int(stepOf[index])] += operation.duration
        }
        return table
    }

    static func findings(computeTable: [[Double]], operations: [TraceOperation], steps: [Int], workers: [Worker])
        -> Findings
    {
        var compute: [Worker: [Double]] = [:]
        for (position, worker) in workers.enumerated() { compute[worker] = computeTable[position] }
        let peersByStage = Dictionary(grouping: compute.keys.sorted(), by: \.stage)
        var slowIn: [Worker: [Int]] = [:]
        var ratios: [Worker: [Double]] = [:]
        var stepsWithSlow = 0
        for step in steps.indices {
            var anySlow = false
            for (_, peers) in peersByStage where peers.count >= 2 {
                let median = Self.median(peers.map { compute[$0]![step] })
                guard median > 0 else { continue }
                for worker in peers {
                    let ratio = compute[worker]![step] / median
                    ratios[worker, default: []].append(ratio)
                    if ratio >= 1 + threshold {
                        slowIn[worker, default: []].append(step)
                        anySlow = true
                    }
                }
            }
            if anySlow { stepsWithSlow += 1 }
        }
        var machines: [SlowWorker] = []
        for (worker, slowSteps) in slowIn where slowSteps.count * 2 >= steps.count && slowSteps.count >= 3 {
            guard median(ratios[worker] ?? [1]) >= 1 + 2 * threshold else { continue }
            machines.append(
                SlowWorker(
                    dataParallelRank: worker.dataParallelRank, stage: worker.stage, slowSteps: slowSteps.count,
                    share: Double(slowSteps.count) / Double(steps.count), sinceStep: steps[slowSteps.min()!],
                    computeRatio: median(ratios[worker] ?? [1]),
                    byOperation: byOperation(worker, operations),
                    globalRank: operations.first { $0.worker == worker }?.globalRank ?? 0))
        }
        machines.sort {
            $0.computeRatio != $1.computeRatio
                ? $0.computeRatio > $1.computeRatio
                : ($0.dataParallelRank, $0.stage) < ($1.dataParallelRank, $1.stage)
        }
        return Findings(slowMachines: machines, stepsWithSlowWorkers: stepsWithSlow, distinctSlowWorkers: slowIn.count)
    }

    /// The worker's mean duration of each compute and transfer kind over its peers' (same stage) mean.
    private static func byOperation(_ worker: Worker, _ operations: [TraceOperation]) -> [String: Double] {
        var own: [OperationKind: (Double, Int)] = [:]
        var peers: [OperationKind: (Double, Int)] = [:]
        for operation in operations
        where operation.worker.stage == worker.stage
            && (operation.kind.isCompute || operation.kind.isPipelineTransfer)
        {
            if operation.worker == worker {
                own[operation.kind, default: (0, 0)].0 += operation.duration
                own[operation.kind, default: (0, 0)].1 += 1
            } else {
                peers[operation.kind, default: (0, 0)].0 += operation.duration
                peers[operation.kind, default: (0, 0)].1 += 1
            }
        }
        var result: [String: Double] = [:]
        for (kind, mine) in own {
            guard let theirs = peers[kind], theirs.1 > 0, theirs.0 > 0, mine.1 > 0 else { continue }
            result[kind.rawValue] = (mine.0 / Double(mine.1)) / (theirs.0 / Double(theirs.1))
        }
        return result
    }

    /// Per GPU of the job (dp × pp × tp × dsp, in rank order), its measured speed: 1 / the compute ratio for the
    /// GPUs of a slow machine, 1 elsewhere. A worker's GPUs are taken to be the tp × dsp consecutive ranks around the
    /// rank the trace records for it (Megatron keeps tensor-parallel ranks adjacent). Rounded to 3 decimals.
    public static func speedFactors(_ findings: Findings, shape: JobShape) -> [Double] {
        var factors = [Double](repeating: 1, count: shape.worldSize)
        let block = shape.tensorParallel * shape.sequenceParallel
        for machine in findings.slowMachines where machine.computeRatio > 0 {
            let first = machine.globalRank / block * block
            for gpu in first..<min(first + block, factors.count) where gpu >= 0 {
                factors[gpu] = (1 / machine.computeRatio * 1000).rounded() / 1000
            }
        }
        return factors
    }

    /// The middle value (the mean of the two middle ones for an even count); 0 for none.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
