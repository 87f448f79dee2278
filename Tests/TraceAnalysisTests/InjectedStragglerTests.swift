import SolverFixtures
import Testing
import TraceAnalysis

/// Generated traces with a straggler of known size and place: the analysis must find its size and its culprit.
@Suite struct InjectedStragglerTests {
    static let shape = JobShape(name: "synthetic", dataParallel: 4, pipelineParallel: 4)

    static func trace(_ configure: (inout SyntheticTrace) -> Void) throws -> WhatIfReport {
        var trace = SyntheticTrace(shape: shape, microBatches: 8, steps: 6)
        trace.jitter = 0.005
        configure(&trace)
        return try WhatIfAnalysis(operations: trace.operations(), shape: shape).report()
    }

    @Test func balancedJobHasNoStraggler() throws {
        let report = try Self.trace { _ in }
        #expect(report.slowdown < 1.03)
        #expect(report.replayError < 1e-9)
        #expect(report.culprit.hasPrefix("no straggling"))
    }

    @Test(arguments: [Worker(dataParallelRank: 2, stage: 1), Worker(dataParallelRank: 0, stage: 3)])
    func oneSlowWorkerIsFound(worker: Worker) throws {
        let report = try Self.trace { $0.slowWorker = (worker, 2.0, nil) }
        // A worker at half speed holds its whole pipeline and, at the DP collectives, every other one.
        #expect(report.slowdown > 1.3)
        #expect(report.mw.workers == [worker])
        #expect(report.mw.recovered >= 0.9)
        #expect(
            report.attribution.byWorker.first.map { Worker(dataParallelRank: $0.dataParallelRank, stage: $0.stage) }
                == worker)
        #expect(report.culprit.hasPrefix("one worker"))
        let machines = report.slowMachines.slowMachines
        #expect(machines.map { Worker(dataParallelRank: $0.dataParallelRank, stage: $0.stage) } == [worker])
        #expect(machines.first.map { abs($0.computeRatio - 2) < 0.05 } == true)
        // Its GPU (the generator numbers ranks dp × stages + stage) runs at about half speed; every other at 1.
        let factors = SlowMachineDetection.speedFactors(report.slowMachines, shape: Self.shape)
        let slowGPU = worker.dataParallelRank * 4 + worker.stage
        #expect(factors.count == 16 && abs(factors[slowGPU] - 0.5) < 0.02)
        #expect(factors.enumerated().allSatisfy { $0.offset == slowGPU || $0.element == 1 })
    }

    /// Replacing a half-speed worker against planning around it: its DP peers take more of each step's batch, so
    /// every rank computes 4 / 3.5 of a nominal rank's work; the compute of a step is 8 × (0.05 + 0.1) s.
    @Test func plannedAroundASlowMachineCostsItsLostCapacity() throws {
        let shape = JobShape(name: "synthetic-dp", dataParallel: 4, pipelineParallel: 1)
        var trace = SyntheticTrace(shape: shape, microBatches: 8, steps: 6)
        trace.jitter = 0.005
        trace.slowWorker = (Worker(dataParallelRank: 1, stage: 0), 2.0, nil)
        let report = try WhatIfAnalysis(operations: trace.operations(), shape: shape).report()
        let replaced = try #require(report.remedies.replacedSlowMachines)
        let around = try #require(report.remedies.plannedAroundSlowMachines)
        let compute = 8 * (0.05 + 0.1)
        #expect(
            abs(around.seconds - (replaced.seconds + compute * (4 / 3.5 - 1))) < 0.03,
            "planned around \(around.seconds), replaced \(replaced.seconds)")
        #expect(around.speedUp > 1.6 && around.speedUp < replaced.speedUp)
    }

    @Test func slowWorkerInSomeStepsShowsInThoseSteps() throws {
        let worker = Worker(dataParallelRank: 1, stage: 2)
        let report = try Self.trace { $0.slowWorker = (worker, 1.8, 3..<6) }
        let slow = report.stepSeconds.slowdown
        #expect(slow[0..<3].allSatisfy { $0 < 1.03 })
        #expect(slow[3..<6].allSatisfy { $0 > 1.3 })
        let row = try #require(report.heatmapWorkers.firstIndex(of: worker))
        #expect(report.heatmap[row][4] > report.heatmap[row][1])
        // Slow in 3 of 6 steps, from step 3: a slow machine, with when it started.
        let machine = try #require(report.slowMachines.slowMachines.first)
        #expect(machine.sinceStep == 3 && machine.slowSteps == 3)
    }

    @Test func heavyLastStageIsFound() throws {
        let report = try Self.trace { $0.lastStageFactor = 1.5 }
        #expect(report.slowdown > 1.15)
        #expect(report.ms.recovered >= 0.9)
        #expect(report.culprit.hasPrefix("the last pipeline stage"))
        #expect(report.attribution.byStage["3"].map { $0 > 1.1 } == true)
    }

    @Test func heavyLastStageIsResplit() throws {
        var trace = SyntheticTrace(shape: Self.shape, microBatches: 8, steps: 4)
        trace.jitter = 0.005
        trace.lastStageFactor = 1.5
        let report = try WhatIfAnalysis(operations: trace.operations(), shape: Self.shape).report(layers: 32)
        let split = try #require(report.remedies.resplitStages)
        #expect(split.layersBefore == [8, 8, 8, 8])
        #expect(split.layersAfter.reduce(0, +) == 32 && split.layersAfter[3] < 8)
        #expect(split.extraSeconds[3] > split.extraSeconds[1])
        #expect(split.remedy.speedUp > 1.05)
        #expect(throws: TraceError.self) {
            _ = try WhatIfAnalysis(operations: trace.operations(), shape: Self.shape).report(layers: 30)
        }
    }

    @Test func slowNetworkOfOneRankIsFound() throws {
        let report = try Self.trace {
            $0.slowNetwork = (dataParallelRank: 3, factor: 40)
        }
        let ranks = report.attribution.byDPRank
        let slowest = try #require(ranks.max { $0.value < $1.value })
        #expect(slowest.key == "3")
        let pipelineTransfers = max(
            report.attribution.byOpType["forward-pp-comm"] ?? 0, report.attribution.byOpType["backward-pp-comm"] ?? 0)
        let compute = max(
            report.attribution.byOpType["forward-compute"] ?? 0, report.attribution.byOpType["backward-compute"] ?? 0)
        #expect(pipelineTransfers > compute)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func dataDependentImbalanceIsSpread(seed: UInt64) throws {
        let report = try Self.trace {
            $0.seed = seed
            $0.sequenceImbalance = 0.3
            $0.steps = 12
        }
        #expect(report.slowdown > 1.05)
        #expect(report.mw.recovered < 0.9)
        #expect(report.ms.recovered < 0.9)
        #expect(report.culprit.hasPrefix("spread over the workers"))
        #expect(report.slowMachines.slowMachines.isEmpty)
        #expect(report.remedies.balancedBatches.speedUp > 1.05)
    }

    /// Reassigning the recorded micro-batches among DP ranks, with a balancer passed in (the CLI passes ParaPlan's):
    /// each unit's weight is its measured compute on every stage; leaving them where they ran replays the job as it
    /// was; a greedy equal-count balancer wins most of what balanced batches (the bound) wins.
    @Test func microBatchesReassignedByTheGivenBalancer() throws {
        var trace = SyntheticTrace(shape: Self.shape, microBatches: 8, steps: 8)
        trace.jitter = 0.005
        trace.sequenceImbalance = 0.3
        let analysis = try WhatIfAnalysis(operations: trace.operations(), shape: Self.shape)
        let stay: MicroBatchBalancer = { _, loaded, ranks in
            (0..<ranks).map { rank in loaded.indices.filter { loaded[$0] == rank } }
        }
        let unchanged = try #require(try analysis.report(balancer: stay).remedies.rebalancedMicroBatches)
        #expect(unchanged.movedMicroBatches == 0)
        #expect(abs(unchanged.remedy.speedUp - 1) < 1e-9)
        // Heaviest first to the rank with the least compute among those with room (8 each).
        let greedy: MicroBatchBalancer = { weights, loaded, ranks in
            let perRank = weights.count / ranks
            var assignment = [[Int]](repeating: [], count: ranks)
            var loads = [Double](repeating: 0, count: ranks)
            for unit in weights.indices.sorted(by: { weights[$0] > weights[$1] }) {
                let rank = (0..<ranks).filter { assignment[$0].count < perRank }.min { loads[$0] < loads[$1] }!
                assignment[rank].append(unit)
                loads[rank] += weights[unit]
            }
            return assignment
        }
        let report = try analysis.report(balancer: greedy)
        let rebalanced = try #require(report.remedies.rebalancedMicroBatches)
        #expect(rebalanced.movedMicroBatches > 0)
        #expect(rebalanced.remedy.speedUp > 1.05)
        #expect(rebalanced.remedy.speedUp <= report.remedies.balancedBatches.speedUp * 1.01)
        // A balancer that loses a micro-batch leaves the remedy out (no crash, no wrong figure).
        let lossy: MicroBatchBalancer = { weights, _, ranks in
            (0..<ranks).map { $0 == 0 ? Array(1..<weights.count) : [] }
        }
        #expect(try analysis.report(balancer: lossy).remedies.rebalancedMicroBatches == nil)
        // Without a balancer (the library alone) there is no such remedy.
        #expect(try analysis.report().remedies.rebalancedMicroBatches == nil)
    }
}
