import CostModel
import Dispatch
import ExecutionPlan
import Foundation
import LinearProgramming
import Synchronization

/// Why a batch cannot be planned.
public enum SequenceParallelError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyBatch
    case tooManySequences(Int)
    case invalidLength(index: Int, length: Int)
    /// The sequence is longer than every allowed group can hold.
    case sequenceTooLong(index: Int, length: Int, capacity: Double)
    case invalidProfile(CostModelError)
    case invalidSpeedFactors(String)

    public var description: String {
        switch self {
        case .emptyBatch: "lengths: the batch has no sequences"
        case .tooManySequences(let count): "lengths: \(count) sequences: at most \(Limits.sequences) in one batch"
        case .invalidLength(let index, let length):
            "lengths[\(index)] = \(length): a length must be a positive whole number of at most \(Limits.tokens) tokens"
        case .sequenceTooLong(let index, let length, let capacity):
            "lengths[\(index)] = \(length): longer than the largest SP group holds (\(Int(capacity)) tokens = degree × tokensPerGPU)"
        case .invalidProfile(let error): error.description
        case .invalidSpeedFactors(let reason): reason
        }
    }
}

/// Plans one training step: micro-batches, SP groups per micro-batch, and each sequence's group.
/// No file I/O; safe to call from any task; deterministic for the same lengths and cost.
public struct SequenceParallelPlanner: Sendable {
    public struct Options: Sendable {
        /// Wall-clock budget; when the search is cut short the best plan so far is returned and flagged.
        public var timeBudget: Duration?
        /// Compute the LP lower bound (a few CLP solves).
        public var lowerBound: Bool
        /// Each rank's speed relative to the profile's GPU (e.g. measured by `whatif`); a group runs at its slowest
        /// member's speed. Nil: every rank at 1.
        public var speedFactors: [Double]?

        public init(timeBudget: Duration? = nil, lowerBound: Bool = true, speedFactors: [Double]? = nil) {
            self.timeBudget = timeBudget
            self.lowerBound = lowerBound
            self.speedFactors = speedFactors
        }
    }

    public let cost: SequenceParallelCost
    public let options: Options

    public init(cost: SequenceParallelCost, options: Options = Options()) throws(SequenceParallelError) {
        do {
            try cost.validate(source: "profile")
        } catch {
            throw .invalidProfile(error)
        }
        if let speeds = options.speedFactors {
            guard speeds.count == cost.gpus else {
                throw .invalidSpeedFactors("speedFactors: \(speeds.count) values for \(cost.gpus) GPUs (one per GPU)")
            }
            for (rank, speed) in speeds.enumerated() where !(speed.isFinite && speed >= 1e-3 && speed <= 1e3) {
                throw .invalidSpeedFactors("speedFactors[\(rank)] = \(speed): must be a number from 0.001 to 1000")
            }
        }
        self.cost = cost
        self.options = options
    }

    /// Speeds when they differ between ranks; equal speeds scale every time alike and change no choice.
    private var unequalSpeeds: [Double]? {
        guard let speeds = options.speedFactors, speeds.contains(where: { $0 != speeds[0] }) else { return nil }
        return speeds
    }

    /// What equal speeds s ≠ 1 do to every time: divide it by s (1 when speeds differ: the plan is timed at them).
    private var uniformScale: Double { unequalSpeeds == nil ? 1 / (options.speedFactors?.first ?? 1) : 1 }

    /// From this many GPUs on, the step the bound's LP suggests is also searched (after the bound, so not beside
    /// it: below, planning must stay within tens of milliseconds); below, it is a candidate as built.
    static let guidedStartGPUs = 128

    /// (memory fill, target scale) points tried, most often best first. On Wikipedia batches fill 1.0 won 40
    /// of 41 times and scale 0.7 never did (docs/sequence-parallel.md).
    static let grid: [(fill: Double, scale: Double)] = [
        (1.0, 0.8), (1.0, 1.25), (1.0, 1.5), (1.0, 1.0), (1.0, 0.9), (1.0, 1.1), (1.0, 2.0),
        (0.9, 0.8), (0.9, 1.0), (0.9, 1.25),
    ]

    /// From `guidedStartGPUs` on, where planning has room (its targets: 50 ms at 64 GPUs, 1 s at 1,024), the grid's
    /// gaps above scale 1.25 are filled: at 1,024 GPUs a first micro-batch 1.35-1.45 × the even share runs fewer long
    /// sequences above their cheapest degree (docs/sequence-parallel.md §Optimizer).
    static let wideGrid = grid + [1.3, 1.35, 1.4, 1.45, 1.75].map { (fill: 1.0, scale: $0) }

    /// The grid's points at scale 1 and above, for steps whose memory decides their micro-batch count: a target
    /// below the even share of the work leaves memory unused there.
    static let denseGrid = grid.filter { $0.scale >= 1 }

    public func plan(lengths: [Int]) throws(SequenceParallelError) -> SequenceParallelResult {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = options.timeBudget.map { start + $0 }
        let values = try validated(lengths)
        let speeds = unequalSpeeds
        // The roomiest-first fallback packs to the nominal makespan; under speeds the placement on the ranks decides.
        let builder = StepBuilder(cost: cost, lengths: values, speeds: speeds, roomiestFallback: speeds == nil)
        // The plan's own search first: under a budget it is what must finish; the baselines take what is left.
        let searchGrid = cost.gpus >= Self.guidedStartGPUs ? Self.wideGrid : Self.grid
        let found = builder.best(grid: searchGrid, deadline: deadline)
        let dense = memoryDenseStep(builder, found: found?.step, deadline: deadline)
        var baselines = Baselines(cost: cost, lengths: values, deadline: deadline, speeds: speeds).all()
        var blindStep: [BuiltMicroBatch]?
        var nominalStep: [BuiltMicroBatch]?
        if let speeds,
            let blind = StepBuilder(cost: cost, lengths: values, roomiestFallback: false)
                .best(grid: Self.grid, deadline: deadline, optional: true)
        {
            // Where planning is cheap, the exchange search starts from the plan made at nominal speed (its own
            // searches included) rather than from the nominal builder's step.
            nominalStep =
                values.count <= MicroBatchExchange.largeBatch
                ? nominalPlanned(lengths, table: builder.packer.table, deadline: deadline) ?? blind.step : blind.step
            // The plan made as if every rank were nominal, run on the ranks as they are (a candidate too).
            blindStep = Baselines.placed(blind.step, on: speeds, cost: cost)
            baselines.figures.append(("speed-blind", Baselines.seconds(blind.step, on: speeds, cost: cost)))
        }
        // The best homogeneous step is a candidate too (placed on the ranks): mixing degrees must never lose to it.
        let homogeneous =
            speeds == nil
            ? baselines.bestStep
            : baselines.bestStep.map { step in step.map { builder.finish($0.groups, limit: $0.seconds - cost.beta1) } }
        // The plan's own step and the best homogeneous one, improved across micro-batches (at nominal speed; with
        // speeds, rank placement decides the rest), while the lower bound's LPs are solved on another core.
        // The search re-packs micro-batches whose memory is often full: the roomiest-first fallback there made it up
        // to 60 % slower (Qwen2.5-7B, 8,192 sequences on 1,024 GPUs) and won 1 % on one of 90 derived-profile runs.
        var searchPacker = builder.packer
        searchPacker.roomiestFallback = false
        var search = MicroBatchExchange(packer: searchPacker, beta1: cost.beta1)
        if values.count > MicroBatchExchange.largeBatch {
            search.evaluations = MicroBatchExchange.largeBatchEvaluations
        }
        let exchange = search
        let withinBudget = deadline.map { clock.now < $0 } ?? true
        let searched = speeds == nil && withinBudget && values.count <= MicroBatchExchange.sequenceLimit
        // The search starts from both (the homogeneous step re-packed with every degree first): on Wikipedia batch 1
        // the slower start ends lower. A homogeneous start far behind the plan's own ends behind it too (Wikipedia
        // batches 3 and 8: 27-34 % behind, 7-15 % after the search); only one within `homogeneousStartSlack` is
        // searched as well.
        let repackedHomogeneous = searched ? homogeneous.map(exchange.repacked) : nil
        let slack = 1 + MicroBatchExchange.homogeneousStartSlack
        let closeHomogeneous = repackedHomogeneous.flatMap { start in
            total(start) <= (found.map { total($0.step) * slack } ?? .infinity) ? start : nil
        }
        // With speeds, each degree is also priced at its best rank block's speed (`SpeedLayout.bestBlockSpeeds`): a
        // long sequence then leaves a degree whose every block holds a slow rank for one that avoids it. That step,
        // the one made at nominal speed and the plan's own start the search, which packs at those prices and judges
        // every micro-batch as placed on the ranks.
        let priced = builder.speedLayout.map { layout in
            StepBuilder(
                cost: cost, lengths: values, degreeSpeeds: layout.bestBlockSpeeds(cost.degrees),
                roomiestFallback: false)
        }
        let pricedStep =
            withinBudget
            ? priced?.best(grid: Self.grid, deadline: deadline, optional: true).map { step in
                step.step.map { BuiltMicroBatch(groups: builder.renominal($0.groups), seconds: $0.seconds) }
            } : nil
        let starts =
            searched
            ? [found?.step, closeHomogeneous].compactMap { $0 }
            : speeds != nil && withinBudget && values.count <= MicroBatchExchange.sequenceLimit
                ? [nominalStep, found?.step, pricedStep].compactMap { $0 } : []
        let solveBound = options.lowerBound && withinBudget
        // Two starts share the re-packings one would get (with the bound, they are three tasks on two cores), and each
        // of three (under speeds) gets half of them too; large batches, whose few re-packings each cost more, keep
        // them all.
        let shared = starts.count > 1 && values.count <= MicroBatchExchange.largeBatch
        let exchanges = MicroBatchExchange(
            packer: priced?.packer ?? exchange.packer, beta1: exchange.beta1,
            evaluations: shared ? exchange.evaluations / 2 : exchange.evaluations,
            layout: builder.speedLayout)
        // The memory-dense step, where there is one, is searched too (as many re-packings, with its own packer).
        let denseSearch =
            searched
            ? dense.map { dense in
                (
                    dense.step,
                    MicroBatchExchange(
                        packer: dense.packer, beta1: cost.beta1,
                        evaluations: exchanges.evaluations)
                )
            } : nil
        let searches = starts.map { ($0, exchanges) } + (denseSearch.map { [$0] } ?? [])
        let outcomes = Mutex(
            (
                exchanged: [[BuiltMicroBatch]?](repeating: nil, count: searches.count),
                bound: Double?.none, guide: LowerBound.PinnedSolution?.none
            ))
        // The bound is task 0: it takes longer than any one search, and workers take the tasks in order, so it
        // would otherwise wait for a search to finish (up to a third of the planning time at 64 GPUs).
        // Cores the searches leave (or finish with) go to the bound's case search.
        let spare = SpareCores(cores: ProcessInfo.processInfo.activeProcessorCount, running: searches.count + 1)
        DispatchQueue.concurrentPerform(iterations: searches.count + 1) { task in
            defer { spare.finished() }
            if task > 0 {
                let improved = searches[task - 1].1.improve(searches[task - 1].0)
                outcomes.withLock { $0.exchanged[task - 1] = improved }
            } else if solveBound {
                // The bound's LPs grow with the batch: past the budget the plan goes out without one.
                var lowerBound = LowerBound(cost: cost, lengths: values, speeds: speeds)
                lowerBound.spareCores = spare
                let solved = lowerBound.computeGuided()
                outcomes.withLock {
                    $0.bound = solved.bound
                    $0.guide = solved.guide
                }
            }
        }
        var (exchanged, bound, guide) = outcomes.withLock { ($0.exchanged.compactMap { $0 }, $0.bound, $0.guide) }
        // The step the bound's LP suggests, searched too where the bound took its LPs (`LPGuidedStep`).
        if searched, let guide, let guided = LPGuidedStep(packer: builder.packer, beta1: cost.beta1).build(guide) {
            exchanged.append(guided)
            if cost.gpus >= Self.guidedStartGPUs, deadline.map({ clock.now < $0 }) ?? true {
                let shorter = MicroBatchExchange(
                    packer: exchange.packer, beta1: exchange.beta1,
                    evaluations: exchange.evaluations / 3)
                exchanged.append(shorter.improve(guided))
            }
        }
        if speeds != nil {
            exchanged = exchanged.map { step in
                step.map { $0.firstRanks == nil ? builder.finish($0.groups, limit: $0.seconds - cost.beta1) : $0 }
            }
        }
        let pricedPlaced = pricedStep.map { step in
            step.map { builder.finish($0.groups, limit: $0.seconds - cost.beta1) }
        }
        // Each candidate with the search that can re-pack its micro-batches (the memory-dense ones need their packer).
        let denseExchange = denseSearch?.1 ?? exchanges
        var built =
            [found?.step, homogeneous, blindStep, repackedHomogeneous, pricedPlaced].compactMap { $0 }
            .map { ($0, exchanges) } + (dense.map { [($0.step, denseExchange)] } ?? [])
            + exchanged.enumerated().map { ($1, searches.indices.contains($0) ? searches[$0].1 : exchanges) }
        if let speeds, let aside = Self.withoutSlowRanks(cost, speeds: speeds, lengths: values) {
            // Planning around the slow ranks: the step built as if they were not there, placed on the rest.
            var builder = StepBuilder(cost: aside, lengths: values, speeds: speeds, roomiestFallback: false)
            if let step = builder.best(grid: Self.grid, deadline: deadline, optional: true) {
                built.append((step.step, exchanges))
            }
            // And with the slow ranks as single-GPU groups holding what they finish at their speed, searched with
            // its own packer (the plan's re-packs on every rank at nominal speed).
            builder.slowSingletons = Self.slowSpeeds(speeds)
            if let step = builder.best(grid: Self.grid, deadline: deadline, optional: true) {
                let search = MicroBatchExchange(
                    packer: builder.packer, beta1: cost.beta1, evaluations: exchanges.evaluations,
                    layout: builder.speedLayout)
                built.append((step.step, search))
                if values.count <= MicroBatchExchange.sequenceLimit, deadline.map({ clock.now < $0 }) ?? true {
                    built.append((search.improve(step.step), search))
                }
                // Where memory binds, also with no group narrower than 2, 4, … up to the widest block without a slow
                // rank, each group on such a block (`FreeBlocks`); the ranks beside a slow one and the singletons
                // take what fits no wider group.
                builder.freeBlocks = FreeBlocks(ranks: speeds.count, excluded: Self.isSlow(speeds))
                let widest = aside.degrees.last ?? 1
                if let dense = memoryDenseStep(
                    builder, found: step.step, deadline: deadline, widestFloor: widest,
                    anyFill: values.count <= Self.denseBesideSlowRanks)
                {
                    let search = MicroBatchExchange(
                        packer: dense.packer, beta1: cost.beta1, evaluations: exchanges.evaluations,
                        layout: builder.speedLayout)
                    built.append((dense.step, search))
                }
            }
        }
        // The best steps, where they have a micro-batch more than their tokens need, are also folded
        // (`MicroBatchExchange.folded`) and searched from there.
        if values.count <= MicroBatchExchange.sequenceLimit, deadline.map({ clock.now < $0 }) ?? true {
            let fastest = built.indices.sorted { (total(built[$0].0), $0) < (total(built[$1].0), $1) }
            for best in fastest.prefix(Self.foldedSteps).map({ built[$0] }) {
                guard let folded = best.1.folded(best.0) else { continue }
                built.append((folded, best.1))
                built.append((best.1.improve(folded), best.1))
            }
        }
        var candidates = built.map { GroupSchemes.apply($0.0, cost: cost, lengths: values, speeds: speeds) }
        guard let first = candidates.indices.min(by: { total(candidates[$0]) < total(candidates[$1]) }) else {
            // Every sequence fits its largest group, so some homogeneous step always exists.
            throw .sequenceTooLong(index: 0, length: lengths.first ?? 0, capacity: 0)
        }
        // Far above the bound, the threshold-accepting search gets the best step (`thresholdSearchGap`).
        if let bound, values.count <= MicroBatchExchange.largeBatch, deadline.map({ clock.now < $0 }) ?? true,
            total(candidates[first]) - bound > Self.thresholdSearchGap * total(candidates[first])
        {
            var search = ThresholdAcceptingSearch(exchange: built[first].1)
            search.iterations = min(search.iterations, Self.thresholdSearchWork / values.count)
            let further = search.improve(built[first].0)
            candidates.append(GroupSchemes.apply(further, cost: cost, lengths: values, speeds: speeds))
        }
        let chosen = candidates.min { total($0) < total($1) } ?? candidates[first]
        // Equal speeds s ≠ 1 change no choice: every time is divided by s.
        let uniform = uniformScale
        let step = total(chosen) * uniform
        var microBatches = chosen.map { Layout.microBatch($0, cost: cost) }
        for index in microBatches.indices { microBatches[index].predictedSeconds *= uniform }
        return SequenceParallelResult(
            gpus: cost.gpus, microBatches: microBatches,
            stepSeconds: step, lowerBoundSeconds: bound.map { min($0 * uniform, step) },
            baselines: baselines.figures.map { ($0.name, $0.stepSeconds * uniform) },
            complete: found?.complete ?? true, planningSeconds: seconds(clock.now - start), lengths: lengths)
    }

    /// A lower bound at least the plan's, tighter where the step takes one or two micro-batches: each micro-batch's
    /// makespan gets a floor, the bound itself with one, ranges with two (docs/sequence-parallel.md §Lower bound,
    /// "Makespan ranges"), at the ranks' speeds. It takes seconds (about a minute for 8,192 sequences on 1,024 GPUs),
    /// so plans do not compute it; it certifies a plan offline.
    public func tightLowerBound(lengths: [Int]) throws(SequenceParallelError) -> Double? {
        let values = try validated(lengths)
        var bound = LowerBound(cost: cost, lengths: values, speeds: unequalSpeeds)
        bound.spareCores = SpareCores(cores: ProcessInfo.processInfo.activeProcessorCount, running: 1)
        return bound.computeTight().map { $0 * uniformScale }
    }

    /// The plan made at nominal speed, without its bound, as micro-batches timed by `table` and not yet placed on
    /// the ranks; nil past the deadline. Heuristic: as the start of the exchange search under speeds it gave
    /// Wikipedia batches 0-19 on 64 GPUs steps up to 1.2 % shorter (mean gap to the bound, one rank at half speed:
    /// 1.61 → 1.55 %) and none longer; at 8,192 sequences on 1,024 GPUs it changed nothing for 1.6× the planning
    /// time.
    private func nominalPlanned(_ lengths: [Int], table: SequenceTable, deadline: ContinuousClock.Instant?)
        -> [BuiltMicroBatch]?
    {
        var nominal = options
        nominal.speedFactors = nil
        nominal.lowerBound = false
        if let deadline {
            let left = deadline - ContinuousClock().now
            guard left > .zero else { return nil }
            nominal.timeBudget = left
        }
        guard let planner = try? SequenceParallelPlanner(cost: cost, options: nominal),
            let plan = try? planner.plan(lengths: lengths)
        else { return nil }
        return plan.microBatches.map { microBatch in
            let groups = microBatch.groups.map { group in
                PackedGroup(degree: group.degree, load: 0, tokensPerGPU: 0, sequences: group.sequences).retimed(table)
            }
            return BuiltMicroBatch(groups: groups, seconds: (groups.map(\.load).max() ?? 0) + cost.beta1)
        }
    }

    /// The cost of the ranks left when those below 95 % of the median speed stand idle: fewer GPUs, and degrees up
    /// to the largest aligned block without a slow rank. Nil when no rank is slow, when every rank is, or when some
    /// sequence would not fit.
    static func withoutSlowRanks(_ cost: SequenceParallelCost, speeds: [Double], lengths: [Double])
        -> SequenceParallelCost?
    {
        let slow = isSlow(speeds)
        let count = slow.filter { $0 }.count
        guard count > 0, count < speeds.count else { return nil }
        var largest = 0
        var degree = 1
        while degree <= speeds.count {
            let clear = stride(from: 0, to: speeds.count, by: degree).contains { start in
                !slow[start..<(start + degree)].contains(true)
            }
            if clear { largest = degree }
            degree *= 2
        }
        var aside = cost
        aside.gpus = speeds.count - count
        aside.degrees = cost.degrees.filter { $0 <= largest }
        guard let longest = lengths.max(), let top = aside.degrees.last, cost.fits(longest, degree: top) else {
            return nil
        }
        return aside
    }

    /// The speeds of the ranks `withoutSlowRanks` leaves out, in rank order.
    static func slowSpeeds(_ speeds: [Double]) -> [Double] {
        zip(speeds, isSlow(speeds)).filter(\.1).map(\.0)
    }

    /// Per rank, whether it runs below 95 % of the median speed.
    static func isSlow(_ speeds: [Double]) -> [Bool] {
        let median = speeds.sorted()[speeds.count / 2]
        return speeds.map { $0 < 0.95 * median }
    }

    /// Candidates folded, fastest first. Heuristic: a slower candidate may fold better than the best one; each fold
    /// costs a few packings of a micro-batch, and only where a micro-batch is more than the tokens need.
    static let foldedSteps = 3

    private func total(_ step: [BuiltMicroBatch]) -> Double { step.seconds }

    /// Where the best step is more than this share above the bound, the threshold-accepting search is run from it.
    /// Heuristic: FlexSP's Wikipedia batches at 64 GPUs are at most 2.1 % above the bound, where such a search won
    /// 0.08 % for ten times the planning time; batches of long sequences are 4-15 % above it, where it won up to 4 %.
    static let thresholdSearchGap = 0.03
    /// Its iterations times the batch's sequences stay below this: each re-packs two micro-batches, and a batch of
    /// many sequences gains little from it (0.1-0.4 % on five derived-profile runs at 256-512 GPUs, planning 8-12
    /// times as long with 3,000 iterations).
    static let thresholdSearchWork = 120_000

    /// From this average memory fill on (tokens over the found step's micro-batches' memory) the memory-dense steps
    /// are tried even when the step has no micro-batch too many: the wide groups of long sequences then strand the
    /// memory the short ones need. Heuristic: GPT-7B's Wikipedia batches reach 92 % (batch 9), where it would cost 14
    /// ms at 64 GPUs and win nothing; the derived-profile batches it helps are at 94-99 % (docs/sequence-parallel.md).
    static let denseFill = 0.93

    /// Up to this many sequences the memory-dense steps beside slow ranks are built whatever the fill (`anyFill`).
    /// Heuristic: on 512-2,048 sequences they made 8 of 33 larger configurations 0.06-1.5 % faster (Llama-3-70B on
    /// 128 H200s with two slow ranks: 2.3 → 0.9 % above the bound) and 3 of the 80 Wikipedia batch-patterns on 64
    /// GPUs, for 1.0-1.4× the planning time; on 3,072 sequences on 256 GPUs they won 0.2 % for about 3×.
    static let denseBesideSlowRanks = 2_048

    /// From this share of the found step's GPUs in stranded groups (`strandedShare`) the memory-dense steps are tried
    /// whatever the average fill: a step of one micro-batch whose sequences each fill most of a narrow group's memory
    /// (300 sequences of 5K-100K tokens on 1,024 GPUs: 49 %, at 76 % average fill) runs its wide groups long while
    /// the narrow ones idle. Heuristic: FlexSP's GPT-7B Wikipedia steps at 64-4,096 GPUs strand at most 19 %.
    static let strandedGPUs = 0.25
    /// A stranded group holds at least this share of its members' memory and is done by this share of the makespan.
    static let strandedMark = 0.8

    /// The share of a step's GPUs (over its micro-batches) in groups that memory, not time, fills (`strandedMark`).
    static func strandedShare(_ step: [BuiltMicroBatch], cost: SequenceParallelCost) -> Double {
        var stranded = 0
        for microBatch in step {
            let makespan = microBatch.seconds - cost.beta1
            for group in microBatch.groups
            where group.tokensPerGPU >= strandedMark * cost.tokensPerGPU
                && group.load <= strandedMark * makespan
            {
                stranded += group.degree
            }
        }
        return Double(stranded) / Double(max(1, step.count * cost.gpus))
    }

    /// Where memory decides the step, narrow groups strand it. A group holds whole sequences, so a lone GPU with room
    /// for 2,676 tokens holds one 2,048-token sequence (Llama-3-70B on 1,024 H100s, Wikipedia lengths); wider groups
    /// pool their members' memory. And a long sequence at the smallest degree its time allows leaves its group's
    /// memory mostly empty, with no time to spare for short ones. Where the step found has more micro-batches than
    /// its tokens fill (N × tokensPerGPU each), or fills them to `denseFill`, the step is built again with no group
    /// narrower than 2, then 4, … up to a node, and once with every multi-GPU sequence one degree wider than its time
    /// needs (`MicroBatchPacker.wideBoost`). The fastest is returned with its packer (the plain one could not re-pack
    /// its micro-batches). With `widestFloor` (beside slow ranks) the floors go up to it where memory binds; with
    /// `anyFill` the steps up to a node are built where it does not as well: a slow rank's memory counts only as far
    /// as its speed fills it, so a step that leaves memory to spare at nominal speed may not beside one.
    func memoryDenseStep(
        _ builder: StepBuilder, found: [BuiltMicroBatch]?,
        deadline: ContinuousClock.Instant?, widestFloor: Int? = nil, anyFill: Bool = false
    ) -> (step: [BuiltMicroBatch], packer: MicroBatchPacker)? {
        guard let found, !found.isEmpty else { return nil }
        let tokens = builder.lengths.reduce(0, +)
        let memory = Double(cost.gpus) * cost.tokensPerGPU
        let filled = Int((tokens / memory).rounded(.up))
        let memoryBinds =
            found.count > filled || tokens / (Double(found.count) * memory) >= Self.denseFill
            || Self.strandedShare(found, cost: cost) >= Self.strandedGPUs
        guard memoryBinds || anyFill else { return nil }
        let widest = memoryBinds ? widestFloor ?? cost.gpusPerNode : cost.gpusPerNode
        let floors = builder.cost.degrees.filter { $0 > 1 && $0 <= widest }.map { (smallest: $0, boost: 0) }
        var best: (step: [BuiltMicroBatch], packer: MicroBatchPacker)?
        // Floors are tried narrowest first until two in a row improve nothing: wider ones strand more and more
        // memory in groups too wide for the short sequences (heuristic; on the benchmarks a later floor won only
        // after a single worse one, and below a node at most three floors are tried anyway).
        var worseInARow = 0
        for variant in floors + [(smallest: 1, boost: 1)] where variant.boost > 0 || worseInARow < 2 {
            let dense = builder.packing(smallestDegree: variant.smallest, wideBoost: variant.boost)
            guard let step = dense.best(grid: Self.denseGrid, deadline: deadline, optional: true)?.step else {
                continue
            }
            if total(step) < best.map({ total($0.step) }) ?? .infinity {
                best = (step, dense.packer)
                worseInARow = 0
            } else {
                worseInARow += 1
            }
        }
        return best
    }

    private func validated(_ lengths: [Int]) throws(SequenceParallelError) -> [Double] {
        guard !lengths.isEmpty else { throw .emptyBatch }
        guard lengths.count <= Limits.sequences else { throw .tooManySequences(lengths.count) }
        let largest = Double(cost.degrees.last ?? 1) * cost.tokensPerGPU
        var values: [Double] = []
        values.reserveCapacity(lengths.count)
        for (index, length) in lengths.enumerated() {
            guard length > 0, length <= Limits.tokens else { throw .invalidLength(index: index, length: length) }
            guard Double(length) <= largest else {
                throw .sequenceTooLong(index: index, length: length, capacity: largest)
            }
            values.append(Double(length))
        }
        return values
    }
}

func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
}

/// Turns packed groups into aligned rank ranges: largest degree first at consecutive offsets, which keeps every
/// power-of-two group on a multiple of its degree.
enum Layout {
    static func microBatch(_ built: BuiltMicroBatch, cost: SequenceParallelCost) -> SequenceParallelPlan.MicroBatch {
        if let firstRanks = built.firstRanks {
            let groups = zip(built.groups, firstRanks).map { group, rank in planGroup(group, firstRank: rank) }
                .sorted { $0.firstRank < $1.firstRank }
            return SequenceParallelPlan.MicroBatch(predictedSeconds: built.seconds, groups: groups)
        }
        let firstRanks = consecutiveFirstRanks(built.groups)
        let groups = built.groups.indices.sorted { firstRanks[$0] < firstRanks[$1] }.map { index in
            planGroup(built.groups[index], firstRank: firstRanks[index])
        }
        return SequenceParallelPlan.MicroBatch(predictedSeconds: built.seconds, groups: groups)
    }

    /// Each group's first rank when laid out largest degree first (ties in their order) at consecutive offsets.
    static func consecutiveFirstRanks(_ groups: [PackedGroup]) -> [Int] {
        let ordered = groups.indices.sorted { lhs, rhs in
            groups[lhs].degree != groups[rhs].degree ? groups[lhs].degree > groups[rhs].degree : lhs < rhs
        }
        var firstRanks = [Int](repeating: 0, count: groups.count)
        var rank = 0
        for index in ordered {
            firstRanks[index] = rank
            rank += groups[index].degree
        }
        return firstRanks
    }

    /// A plan group that says its scheme when it runs a ring (pure Ulysses groups keep the published form).
    static func planGroup(_ group: PackedGroup, firstRank: Int) -> SequenceParallelPlan.Group {
        let ring = group.scheme.flatMap { $0.ring > 1 ? $0 : nil }
        return SequenceParallelPlan.Group(
            degree: group.degree, firstRank: firstRank, sequences: group.sequences.sorted(),
            ulysses: ring?.ulysses, ring: ring?.ring)
    }
}
