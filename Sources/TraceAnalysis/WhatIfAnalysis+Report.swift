import Dispatch
import Foundation
import Synchronization

/// One replay of a report: it runs with the scratch of the thread that takes it.
typealias ReplayJob = @Sendable (inout Replay.Scratch) -> [Double]

extension WhatIfAnalysis {
    /// Share of workers M_W fixes (the paper's 3 %), rounded up to at least one worker.
    public static let slowestWorkerShare = 0.03
    /// Workers replayed one by one for `byWorker`.
    public static let workersReplayed = 8

    /// The report; with `layers` (the model's transformer layers, split evenly over the stages when the trace was
    /// recorded) it also prices the best re-split of whole layers.
    /// `balancer`, when given, reassigns each step's recorded micro-batches among the DP ranks (the Frontend passes
    /// ParaPlan's batch balancer); the report then prices that plan by replay too.
    public func report(layers: Int? = nil, balancer: MicroBatchBalancer? = nil) throws(TraceError) -> WhatIfReport {
        let steps = model.steps.map(\.step)
        let recordedSteps = model.steps.map { _, members -> Double in
            let first = members.map { operations[Int($0)].start }.min()!
            return members.map { operations[Int($0)].end }.max()! - first
        }
        var noDelay = recorded
        noDelay.launchDelay = nil
        let base = parallel([
            { [recorded] in simulate(recorded, &$0) }, { [noDelay] in simulate(noDelay, &$0) },
            { [ideal] in simulate(ideal, &$0) },
        ])
        let (replayed, withoutDelays, idealSteps) = (base[0], base[1], base[2])
        let idealMean = mean(idealSteps)
        guard idealMean > 0 else {
            throw TraceError(
                "every operation's typical duration is 0 s, so the ideal step takes no time: no slowdown to measure")
        }
        let slowdown = mean(withoutDelays) / idealMean
        let replayError = zip(replayed, recordedSteps).map { abs($0 - $1) / max($1, 1e-12) }.max() ?? 0

        // Attribution: the ideal job with one group of operations at its recorded durations. The groups are
        // independent replays, run on all cores; each result goes to its own slot, so the report does not depend on
        // scheduling.
        let kindGroups = indicesByAttributionGroup
        let rankGroups = indices(byDense: { operations[$0].worker.dataParallelRank }, count: shape.dataParallel)
        let stageGroups = indices(byDense: { operations[$0].worker.stage }, count: shape.pipelineParallel)
        let attributed = replayAll(
            [kindGroups.map(\.indices), rankGroups.map(\.indices), stageGroups.map(\.indices)],
            from: ideal, values: noDelay)
        func ratios(_ times: [Double]) -> (mean: Double, perStep: [Double]) {
            (mean(times) / idealMean, zip(times, idealSteps).map(ratio))
        }
        var byOpType: [String: Double] = [:]
        for (offset, group) in kindGroups.enumerated() { byOpType[group.key] = ratios(attributed[offset]).mean }
        var byRank: [Int: (mean: Double, perStep: [Double])] = [:]
        for (offset, group) in rankGroups.enumerated() {
            byRank[group.key] = ratios(attributed[kindGroups.count + offset])
        }
        var byStage: [Int: (mean: Double, perStep: [Double])] = [:]
        for (offset, group) in stageGroups.enumerated() {
            byStage[group.key] = ratios(attributed[kindGroups.count + rankGroups.count + offset])
        }
        let stages = byStage.keys.sorted()

        // A worker's score: the smaller of its DP rank's and its stage's slowdown (the artifact's ranking).
        let byWorkerIndices = Dictionary(
            uniqueKeysWithValues: indices(byDense: { Int(workerOf[$0]) }, count: self.workers.count)
                .map { (self.workers[$0.key], $0.indices) })
        let workers = byWorkerIndices.keys.sorted()
        func score(_ worker: Worker) -> Double {
            min(byRank[worker.dataParallelRank]!.mean, byStage[worker.stage]!.mean)
        }
        let ranked = workers.sorted { score($0) != score($1) ? score($0) > score($1) : $0 < $1 }
        // The second round of what-ifs, all independent: workers alone, M_W and M_S both ways, the remedies.
        func chosen(_ set: [Worker]) -> [Int] { set.flatMap { byWorkerIndices[$0]! } }
        let replayedWorkers = Array(ranked.prefix(Self.workersReplayed))
        let slowest = Array(ranked.prefix(max(1, Int((Double(workers.count) * Self.slowestWorkerShare).rounded(.up)))))
        let lastStage = workers.filter { $0.stage == (stages.last ?? 0) }
        let computeTable = SlowMachineDetection.computeTable(
            operations, steps: steps.count, stepOf: stepOf, workerOf: workerOf, workers: self.workers.count)
        let detection = SlowMachineDetection.findings(
            computeTable: computeTable, operations: operations, steps: steps, workers: self.workers)
        let deviation = ComputeDeviation.measure(computeTable: computeTable, workers: self.workers)
        let machines = detection.slowMachines.map { Worker(dataParallelRank: $0.dataParallelRank, stage: $0.stage) }
        let split = try layers.map { layers throws(TraceError) in try resplit(layers: layers, base: noDelay) }
        // The micro-batch reassignment is planned inside its job, so that it overlaps the other replays; a balancer
        // that refuses a step leaves the remedy out.
        let rebalanceMoves = Mutex<Int?>(nil)
        let units = balancer == nil ? nil : microBatchUnits(noDelay)
        let workerKeys = keys(workers.map { byWorkerIndices[$0]! })
        var jobs: [ReplayJob] = []
        if let balancer, let units {
            jobs.append { [noDelay] scratch in
                guard let plan = try? rebalanced(noDelay, units: units, balancer: balancer) else { return [] }
                rebalanceMoves.withLock { $0 = plan.moved }
                return simulate(plan.times, &scratch)
            }
        }
        let rebalanceJob = jobs.isEmpty ? nil : 0
        jobs += replayedWorkers.map { worker in
            let key = Int32(workers.firstIndex(of: worker)!)
            return { [ideal, noDelay] in simulate(ideal, values: noDelay, selected: .key(workerKeys, key), &$0) }
        }
        for group in [chosen(slowest), chosen(lastStage)] {
            let mask = self.mask(group)
            jobs.append { [ideal, noDelay] in simulate(noDelay, values: ideal, selected: .mask(mask), &$0) }
            jobs.append { [ideal, noDelay] in simulate(ideal, values: noDelay, selected: .mask(mask), &$0) }
        }
        jobs.append { [noDelay] in simulate(balancedBatches(noDelay), &$0) }
        jobs.append { [noDelay] in simulate(balancedStages(noDelay), &$0) }
        let machineIndices = chosen(machines)
        if !machines.isEmpty {
            let slow = detection.slowMachines
            jobs.append { [ideal, noDelay] in
                simulate(replaced(slow, indices: machineIndices, base: noDelay, ideal: ideal), &$0)
            }
            jobs.append { [noDelay] in simulate(plannedAround(slow, base: noDelay), &$0) }
        }
        if let split { jobs.append { simulate(split.times, &$0) } }
        var results = parallel(jobs)[...]
        let rebalancedSteps = rebalanceJob.map { _ in results.removeFirst() }
        func next() -> [Double] { results.removeFirst() }

        var byWorker = replayedWorkers.map { worker in
            WhatIfReport.WorkerSlowdown(
                dataParallelRank: worker.dataParallelRank, stage: worker.stage, slowdown: ratios(next()).mean)
        }
        byWorker.sort {
            $0.slowdown != $1.slowdown
                ? $0.slowdown > $1.slowdown
                : ($0.dataParallelRank, $0.stage) < ($1.dataParallelRank, $1.stage)
        }
        let originalMean = mean(withoutDelays)
        func recovery(_ workers: [Worker]) -> WhatIfReport.Recovery {
            let fixed = mean(next())
            let onlyThese = mean(next())
            let loss = originalMean - idealMean
            return .init(
                workers: workers.sorted(), recovered: loss != 0 ? (originalMean - fixed) / loss : 0,
                added: loss != 0 ? (onlyThese - idealMean) / loss : 0, originalSeconds: originalMean,
                idealSeconds: idealMean, fixedSeconds: fixed, onlyTheseSeconds: onlyThese)
        }
        let mw = recovery(slowest)
        let ms = recovery(lastStage)
        func remedy() -> WhatIfReport.Remedy {
            let seconds = mean(next())
            return .init(seconds: seconds, speedUp: ratio(originalMean, seconds))
        }
        let remedies = WhatIfReport.Remedies(
            balancedBatches: remedy(), balancedStages: remedy(),
            replacedSlowMachines: machines.isEmpty ? nil : remedy(),
            plannedAroundSlowMachines: machines.isEmpty ? nil : remedy(),
            resplitStages: split.map { plan in
                WhatIfReport.Resplit(
                    layersBefore: plan.before, layersAfter: plan.after, layerSeconds: plan.layerSeconds,
                    extraSeconds: plan.extra, remedy: remedy())
            },
            rebalancedMicroBatches: rebalanceMoves.withLock { $0 }.flatMap { moved in
                rebalancedSteps.map { steps in
                    WhatIfReport.Rebalance(
                        movedMicroBatches: moved,
                        remedy: .init(seconds: mean(steps), speedUp: ratio(originalMean, mean(steps))))
                }
            })
        // Per step, the DP rank whose recorded durations alone cost the most.
        let slowestRanks = steps.indices.map { step in
            byRank.keys.sorted().max { byRank[$0]!.perStep[step] < byRank[$1]!.perStep[step] } ?? 0
        }
        let heatmap = workers.map { worker in
            steps.indices.map { min(byRank[worker.dataParallelRank]!.perStep[$0], byStage[worker.stage]!.perStep[$0]) }
        }
        return WhatIfReport(
            job: shape, operations: operations.count, slowdown: slowdown,
            launchSlowdown: ratio(mean(recordedSteps), mean(withoutDelays)),
            replayError: replayError,
            stepSeconds: .init(
                steps: steps, recorded: recordedSteps, replayed: replayed, withoutLaunchDelays: withoutDelays,
                ideal: idealSteps, slowdown: zip(withoutDelays, idealSteps).map(ratio)),
            attribution: .init(
                byOpType: byOpType,
                byDPRank: Dictionary(uniqueKeysWithValues: byRank.map { (String($0.key), $0.value.mean) }),
                byStage: Dictionary(uniqueKeysWithValues: byStage.map { (String($0.key), $0.value.mean) }),
                byWorker: byWorker),
            mw: mw, ms: ms, heatmapWorkers: workers, heatmap: heatmap,
            culprit: Self.culprit(
                slowdown: slowdown, mw: mw, ms: ms, workers: workers.count, slowestRanks: slowestRanks),
            slowMachines: detection,
            computeDeviation: deviation?.relative,
            operationDeviation: ComputeDeviation.measurePerOperation(
                operations, excluding: deviation?.excluded ?? [])?.relative,
            remedies: remedies)
    }

    /// Compute durations replaced by their mean over the same step, stage and kind: every DP rank and micro-batch of a
    /// stage doing the same work in a step.
    func balancedBatches(_ base: OperationTimes) -> OperationTimes {
        let stages = shape.pipelineParallel
        func slot(_ index: Int) -> Int {
            (Int(stepOf[index]) * stages + operations[index].worker.stage) * 2
                + (operations[index].kind == .forwardCompute ? 0 : 1)
        }
        var sums = [Double](repeating: 0, count: model.steps.count * stages * 2)
        var counts = [Int](repeating: 0, count: sums.count)
        for (index, operation) in operations.enumerated() where operation.kind.isCompute {
            sums[slot(index)] += base.duration[index]
            counts[slot(index)] += 1
        }
        var times = base
        for (index, operation) in operations.enumerated() where operation.kind.isCompute {
            times.duration[index] = sums[slot(index)] / Double(counts[slot(index)])
        }
        return times
    }

    /// The slow machines replaced by machines as fast as their peers: their compute at its recorded time over their
    /// compute ratio (the peers' median), everything else they run at its typical time. (The paper's ideal compute, the
    /// mean over workers, still holds the slow machine's share.)
    func replaced(
        _ slow: [SlowMachineDetection.SlowWorker], indices: [Int], base: OperationTimes,
        ideal: OperationTimes
    ) -> OperationTimes {
        var times = keeping(indices, from: base, values: ideal)
        var ratio: [Worker: Double] = [:]
        for machine in slow where machine.computeRatio > 0 {
            ratio[Worker(dataParallelRank: machine.dataParallelRank, stage: machine.stage)] = machine.computeRatio
        }
        for index in indices where operations[index].kind.isCompute {
            if let factor = ratio[operations[index].worker] { times.duration[index] = base.duration[index] / factor }
        }
        return times
    }

    /// The slow machines kept, each stage's compute re-divided over its DP ranks in proportion to their speed (1 over a
    /// slow machine's compute ratio, 1 elsewhere): worker (d, p) does D·s_dp / Σ_d' s_d'p of the stage's recorded
    /// per-rank work at its own speed, so its compute takes its recorded time × D·s_dp / Σ s (docs/whatif.md
    /// §Remedies).
    func plannedAround(_ slow: [SlowMachineDetection.SlowWorker], base: OperationTimes) -> OperationTimes {
        let ranks = shape.dataParallel
        let stages = shape.pipelineParallel
        var speeds = [Double](repeating: 1, count: ranks * stages)
        for machine in slow where machine.computeRatio > 0 && machine.dataParallelRank < ranks && machine.stage < stages
        {
            speeds[machine.stage * ranks + machine.dataParallelRank] = 1 / machine.computeRatio
        }
        var factors = speeds
        for stage in 0..<stages {
            let total = speeds[(stage * ranks)..<((stage + 1) * ranks)].reduce(0, +)
            for rank in 0..<ranks {
                factors[stage * ranks + rank] = speeds[stage * ranks + rank] * Double(ranks) / total
            }
        }
        var times = base
        for (index, operation) in operations.enumerated() where operation.kind.isCompute {
            let worker = operation.worker
            guard worker.dataParallelRank < ranks, worker.stage < stages else { continue }
            times.duration[index] *= factors[worker.stage * ranks + worker.dataParallelRank]
        }
        return times
    }

    /// Each stage's compute scaled so that every stage does the mean stage's total.
    func balancedStages(_ base: OperationTimes) -> OperationTimes {
        // Arrays in stage order, so the sums are added in the same order on every run (a dictionary's order is not).
        var totals = [Double](repeating: 0, count: shape.pipelineParallel)
        var present = [Bool](repeating: false, count: shape.pipelineParallel)
        for (index, operation) in operations.enumerated() where operation.kind.isCompute {
            totals[operation.worker.stage] += base.duration[index]
            present[operation.worker.stage] = true
        }
        let used = totals.indices.filter { present[$0] }
        let target = used.reduce(0) { $0 + totals[$1] } / Double(max(used.count, 1))
        var times = base
        for (index, operation) in operations.enumerated() where operation.kind.isCompute {
            let total = totals[operation.worker.stage]
            if total > 0 { times.duration[index] *= target / total }
        }
        return times
    }

    /// The best split of `layers` whole layers over the stages (docs/whatif.md §Remedies): a layer's compute is the
    /// cheapest stage's compute per layer, the rest of each stage's compute is its own (embedding, head, loss); layers
    /// go one at a time to the stage that would then finish first, which minimises the slowest stage. The compute of
    /// each stage's operations is scaled to its new total.
    func resplit(layers: Int, base: OperationTimes) throws(TraceError)
        -> (before: [Int], after: [Int], layerSeconds: Double, extra: [Double], times: OperationTimes)
    {
        let stages = shape.pipelineParallel
        guard layers >= stages, layers <= 1 << 16, layers % stages == 0 else {
            throw TraceError(
                "--layers = \(layers): must be a multiple of pp_size (\(stages)) from \(stages) to 65536, "
                    + "as an even split over the stages")
        }
        // Per stage, the compute of one worker in one step (mean over steps and DP ranks).
        var totals = [Double](repeating: 0, count: stages)
        for (index, operation) in operations.enumerated() where operation.kind.isCompute {
            totals[operation.worker.stage] += base.duration[index]
        }
        let workerSteps = Double(model.steps.count * max(1, Set(workers.map(\.dataParallelRank)).count))
        totals = totals.map { $0 / workerSteps }
        let before = [Int](repeating: layers / stages, count: stages)
        let layerSeconds = zip(totals, before).map { $0 / Double($1) }.min() ?? 0
        let extra = zip(totals, before).map { max(0, $0 - Double($1) * layerSeconds) }
        var after = [Int](repeating: 1, count: stages)
        for _ in stages..<layers {
            let next = (0..<stages).min { a, b in
                let ta = extra[a] + Double(after[a] + 1) * layerSeconds
                let tb = extra[b] + Double(after[b] + 1) * layerSeconds
                return ta != tb ? ta < tb : a < b
            }!
            after[next] += 1
        }
        var times = base
        for (index, operation) in operations.enumerated() where operation.kind.isCompute {
            let stage = operation.worker.stage
            let old = extra[stage] + Double(before[stage]) * layerSeconds
            if old > 0 { times.duration[index] *= (extra[stage] + Double(after[stage]) * layerSeconds) / old }
        }
        return (before, after, layerSeconds, extra, times)
    }

    /// Independent replays on all cores, results in the order given.
    /// Replays on all cores, each result in its own slot (so the report does not depend on scheduling). Each thread
    /// takes every k-th job with one scratch of its own.
    func parallel(_ jobs: [ReplayJob]) -> [[Double]] {
        let results = Mutex([[Double]](repeating: [], count: jobs.count))
        let threads = max(1, min(jobs.count, ProcessInfo.processInfo.activeProcessorCount))
        let count = operations.count
        // Jobs differ in cost (the micro-batch re-planning is several replays' worth): each thread takes the next
        // job when it is free, and each result goes to its job's slot, so the report does not depend on the order.
        let next = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            var scratch = Replay.Scratch(count: count)
            while true {
                let index = next.withLock { value in
                    defer { value += 1 }
                    return value
                }
                guard index < jobs.count else { break }
                let times = jobs[index](&scratch)
                results.withLock { $0[index] = times }
            }
        }
        return results.withLock { $0 }
    }

    /// Step times of `base` with each group of each family in turn at the times in `values`, replayed on all cores,
    /// in family and group order. A family's groups do not overlap: one key array selects each of them.
    func replayAll(_ families: [[[Int]]], from base: OperationTimes, values: OperationTimes) -> [[Double]] {
        var jobs: [ReplayJob] = []
        for groups in families {
            let groupKeys = keys(groups)
            jobs += groups.indices.map { group in
                { simulate(base, values: values, selected: .key(groupKeys, Int32(group)), &$0) }
            }
        }
        return parallel(jobs)
    }

    /// Each operation's group number (−1 for none), for selecting one group of a family by key.
    func keys(_ groups: [[Int]]) -> [Int32] {
        var keys = [Int32](repeating: -1, count: operations.count)
        for (group, indices) in groups.enumerated() { for index in indices { keys[index] = Int32(group) } }
        return keys
    }

    func mask(_ indices: [Int]) -> [Bool] {
        var mask = [Bool](repeating: false, count: operations.count)
        for index in indices { mask[index] = true }
        return mask
    }

    /// A group is named the cause when fixing it alone recovers at least this share of the loss.
    public static let causeRecovery = 0.9

    /// Reading of the recoveries (docs/whatif.md §Cause): a few workers or the last stage when fixing them alone
    /// recovers at least `causeRecovery` of the loss; otherwise the loss is spread, and the persistence of the slowest
    /// DP rank across steps tells a slow machine from data-dependent imbalance.
    static func culprit(
        slowdown: Double, mw: WhatIfReport.Recovery, ms: WhatIfReport.Recovery, workers: Int,
        slowestRanks: [Int]
    ) -> String {
        guard slowdown >= 1.03 else { return "no straggling: within 3 % of the ideal" }
        if mw.recovered >= causeRecovery {
            let names = mw.workers.map { "dp \($0.dataParallelRank) stage \($0.stage)" }.joined(separator: ", ")
            return "\(mw.workers.count == 1 ? "one worker" : "\(mw.workers.count) workers") (\(names)): fixing "
                + "\(mw.workers.count == 1 ? "it" : "them") recovers \(percent(mw.recovered)) of the loss"
        }
        if ms.recovered >= causeRecovery {
            return "the last pipeline stage: fixing it recovers \(percent(ms.recovered)) of the loss"
        }
        let leaders = Set(slowestRanks).count
        return
            "spread over the workers: the slowest \(mw.workers.count) of \(workers) recover \(percent(mw.recovered)) "
            + "and the last stage \(percent(ms.recovered)); the slowest DP rank changes between steps (\(leaders) ranks "
            + "lead in \(slowestRanks.count) steps)"
    }
}

/// a / b, and 1 where a step has nothing to compare (b = 0: every operation of that step ideally takes 0 s).
private func ratio(_ a: Double, _ b: Double) -> Double { b > 0 ? a / b : 1 }

private func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

private func percent(_ value: Double) -> String { "\(Int((value * 100).rounded())) %" }
