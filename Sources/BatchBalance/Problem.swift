import CostModel
import ExecutionPlan
import LinearProgramming

/// One batch to balance: per-sample costs and the rules every candidate assignment must keep.
struct Problem {
    let samples: [Sample]
    let cost: BatchBalanceCost
    let options: BatchBalancer.Options
    let cap: Int?
    let tokens: [Int]
    /// LLM-phase cost of each sample, plus its images' encoder cost when the encoder is not balanced separately.
    let weights: [Double]
    /// LLM-phase cost of each sample alone.
    let llmWeights: [Double]
    /// One assignment serves both phases and ranks wait for each other in each: the step is the slowest encoder rank
    /// plus the slowest LLM rank of the same assignment.
    let phasesSynchronisedTogether: Bool
    /// Encoder cost of each sample's images (0 without images).
    let encoderWeights: [Double]
    /// (sample, image) pairs and their encoder costs, for separate balancing.
    let images: [(sample: Int, image: Int, seconds: Double)]
    /// The encoder phase balanced on its own (LPT over images with free counts, then local search); it does not
    /// depend on the LLM assignment, so it is computed once. Empty unless the encoder is balanced separately. With
    /// `splitImages`, the whole images only: the split ones are in `encoderShards`.
    let encoderAssignment: [[Int]]
    /// Images split over groups of ranks (`splitImages`, when that lowers the phase).
    let encoderShards: [ImageSplitter.Shard]
    /// Each rank's encoder seconds (its shares and whole images), and the slowest of them.
    let encoderRankSeconds: [Double]
    let encoderSeconds: Double
    /// Bounds on the slowest rank of each phase (docs/batch-balancing.md §Lower bound), computed once.
    let llmLowerBound: Double
    let encoderLowerBound: Double
    /// With `phasesSynchronisedTogether`: each phase's bound over whole samples, summed.
    let synchronisedLowerBound: Double
    /// Each rank's speed (1 = nominal); all 1 without `speedFactors`.
    let speeds: [Double]
    /// Speeds differ between ranks: candidates come from `SpeedAwarePartitioner`.
    let unequalSpeeds: Bool

    init(samples: [Sample], cost: BatchBalanceCost, options: BatchBalancer.Options, cap: Int?) {
        self.samples = samples
        self.cost = cost
        self.options = options
        self.cap = cap
        tokens = samples.map(\.tokens)
        var images: [(sample: Int, image: Int, seconds: Double)] = []
        var encoderWeights: [Double] = []
        for (index, sample) in samples.enumerated() {
            var total = 0.0
            for (position, image) in sample.images.enumerated() {
                let seconds = cost.encoder?.seconds(Double(image)) ?? 0
                images.append((sample: index, image: position, seconds: seconds))
                total += seconds
            }
            encoderWeights.append(total)
        }
        self.images = images
        self.encoderWeights = encoderWeights
        let llmWeights = samples.map { cost.llm.seconds(Double($0.tokens)) }
        self.llmWeights = llmWeights
        weights = samples.indices.map { llmWeights[$0] + (options.separateEncoder ? 0 : encoderWeights[$0]) }
        let equal = options.equalCounts ? samples.count / options.ranks : nil
        let speeds = options.speedFactors ?? [Double](repeating: 1, count: options.ranks)
        self.speeds = speeds
        unequalSpeeds = speeds.contains { $0 != speeds[0] }
        llmLowerBound =
            unequalSpeeds
            ? SpeedAwarePartitioner.lowerBound(weights, speeds: speeds)
            : Self.partitionBound(weights, equal: equal, ranks: options.ranks) / speeds[0]
        phasesSynchronisedTogether = options.syncEveryPhase && !options.separateEncoder && !images.isEmpty
        synchronisedLowerBound =
            !phasesSynchronisedTogether
            ? 0
            : unequalSpeeds
                ? SpeedAwarePartitioner.lowerBound(llmWeights, speeds: speeds)
                    + SpeedAwarePartitioner.lowerBound(encoderWeights, speeds: speeds)
                : (Self.partitionBound(llmWeights, equal: equal, ranks: options.ranks)
                    + Self.partitionBound(encoderWeights, equal: equal, ranks: options.ranks)) / speeds[0]
        if options.separateEncoder, !images.isEmpty, unequalSpeeds {
            (encoderLowerBound, encoderAssignment, encoderShards, encoderRankSeconds) = Self.encoderPhase(
                imageSeconds: images.map(\.seconds), speeds: speeds, llmLowerBound: llmLowerBound)
        } else if options.separateEncoder, !images.isEmpty {
            // The encoder cost never falls as an image grows (its coefficients are ≥ 0), so ordering by image tokens
            // is an LPT order, and counting them is cheaper than sorting costs.
            let imageTokens = images.map { samples[$0.sample].images[$0.image] }
            let imageSeconds = images.map(\.seconds)
            let balancer = Partitioner(
                weights: imageSeconds, tokens: images.map { _ in 0 }, bins: options.ranks, equalCount: nil,
                cap: nil, microBatches: nil, order: KeyedIndex.descending(counts: imageTokens))
            let wholeBound = Self.partitionBound(imageSeconds, equal: nil, ranks: options.ranks)
            // The encoder phase is one part of the step: within 1e-4 of the step's bound is below the cost model's
            // precision, as for a single phase.
            let whole = balancer.improve(
                balancer.lpt(fillingSmallItems: true).bins ?? [], target: wholeBound,
                tolerance: 1e-4 * (llmLowerBound + wholeBound))
            let wholeRankSeconds = whole.map { $0.reduce(0) { $0 + imageSeconds[$1] } }
            let wholeSeconds = wholeRankSeconds.max() ?? 0
            var chosen = (
                bound: wholeBound, assignment: whole, shards: [ImageSplitter.Shard](), rankSeconds: wholeRankSeconds
            )
            if options.splitImages, let split = cost.encoderSplit, let phase = cost.encoder {
                let splitter = ImageSplitter(
                    imageSeconds: imageSeconds, imageTokens: imageTokens, phase: phase, split: split,
                    ranks: options.ranks)
                let bound = min(wholeBound, splitter.lowerBound)
                chosen.bound = bound
                // Splitting is kept only when it lowers the phase: the plan is never slower than without it.
                if let outcome = splitter.plan(
                    order: balancer.order, target: bound, tolerance: 1e-4 * (llmLowerBound + bound)),
                    outcome.slowest < wholeSeconds * (1 - 1e-9)
                {
                    chosen = (bound, outcome.assignment, outcome.shards, outcome.rankSeconds)
                }
            }
            (encoderLowerBound, encoderAssignment, encoderShards, encoderRankSeconds) = chosen
        } else {
            encoderLowerBound = 0
            encoderAssignment = []
            encoderShards = []
            encoderRankSeconds = []
        }
        encoderSeconds = encoderRankSeconds.max() ?? 0
    }

    /// A separate encoder phase on ranks of unequal speed: images go where they finish first, then the local search
    /// on seconds, against the speed-aware bound (whole images: `--split-images` refuses unequal speeds).
    private static func encoderPhase(imageSeconds: [Double], speeds: [Double], llmLowerBound: Double)
        -> (bound: Double, assignment: [[Int]], shards: [ImageSplitter.Shard], rankSeconds: [Double])
    {
        let balancer = SpeedAwarePartitioner(
            weights: imageSeconds, tokens: imageSeconds.map { _ in 0 }, speeds: speeds,
            equalCount: nil, cap: nil, microBatches: nil)
        let bound = SpeedAwarePartitioner.lowerBound(imageSeconds, speeds: speeds)
        let assignment = balancer.improve(
            balancer.lpt().bins ?? [], target: bound,
            tolerance: 1e-4 * (llmLowerBound + bound))
        return (bound, assignment, [], assignment.indices.map { balancer.seconds(assignment[$0], on: $0) })
    }

    var equalCount: Int? { options.equalCounts ? samples.count / options.ranks : nil }

    var microBatcher: MicroBatcher {
        MicroBatcher(tokens: tokens, weights: weights, cap: cap, count: options.microBatches)
    }

    var partitioner: Partitioner { partitioner(weights: weights) }

    /// The batch's rules (ranks, counts, caps, micro-batches) over the given per-sample weights.
    func partitioner(weights: [Double]) -> Partitioner {
        Partitioner(
            weights: weights, tokens: tokens, bins: options.ranks, equalCount: equalCount, cap: cap,
            microBatches: options.microBatches)
    }

    var speedAwarePartitioner: SpeedAwarePartitioner {
        SpeedAwarePartitioner(
            weights: weights, tokens: tokens, speeds: speeds, equalCount: equalCount, cap: cap,
            microBatches: options.microBatches)
    }

    /// Seconds of each rank's work at its speed.
    func rankSeconds(_ contents: [[Int]], _ values: [Double]) -> [Double] {
        contents.enumerated().map { rank, items in items.reduce(0) { $0 + values[$1] } / speeds[rank] }
    }

    /// Whether an assignment keeps the rules (counts, caps, micro-batch counts).
    func admissible(_ contents: [[Int]]) -> Bool {
        guard contents.count == options.ranks else { return false }
        if let equalCount, contents.contains(where: { $0.count != equalCount }) { return false }
        let batcher = microBatcher
        return contents.allSatisfy(batcher.fits)
    }

    /// Step time under the phase model: with separate encoder balancing, the slowest LLM rank plus the slowest
    /// encoder rank (an all-to-all separates the phases); with ranks synchronised in every phase, the same sum over
    /// one assignment; otherwise the slowest rank with its samples' images.
    func stepSeconds(_ contents: [[Int]]) -> Double {
        if phasesSynchronisedTogether { return phaseMaxima(contents) }
        let llm = rankSeconds(contents, weights).max() ?? 0
        guard options.separateEncoder else { return llm }
        return llm + encoderSeconds
    }

    /// A baseline runs its encoder where its samples are, back to back with the LLM phase. With ranks synchronised in
    /// every phase, or in a runtime that always runs a separate encoder phase (`keepEncoderPhase`: the all-to-all
    /// between the phases synchronises them even when no image moves), it waits for the slowest rank of each.
    func baselineSeconds(_ contents: [[Int]]) -> Double {
        if baselinesWaitPerPhase { return phaseMaxima(contents) }
        // Added sample by sample, LLM then encoder, as before speeds existed: the same figures to the last bit.
        return contents.enumerated().map { rank, items in
            items.reduce(0) { $0 + llmWeights[$1] + encoderWeights[$1] } / speeds[rank]
        }.max() ?? 0
    }

    var baselinesWaitPerPhase: Bool {
        options.syncEveryPhase || options.separateEncoder && options.keepEncoderPhase && !images.isEmpty
    }

    /// The slowest LLM rank plus the slowest encoder rank, images encoded where their samples are.
    func phaseMaxima(_ contents: [[Int]]) -> Double {
        (rankSeconds(contents, llmWeights).max() ?? 0) + (rankSeconds(contents, encoderWeights).max() ?? 0)
    }

    /// verl's equal-size Karmarkar-Karp split on its token workload; it depends on the tokens alone, so a caller that
    /// solves the batch twice (with and without a separate encoder phase) computes it once.
    static func verlKK(tokens: [Int], ranks: Int) -> [[Int]]? {
        guard tokens.count % ranks == 0 else { return nil }
        let kk = KarmarkarKarp.partition(tokens.map(KarmarkarKarp.workload), parts: ranks, equalSize: true)
        return kk.count == ranks ? kk : nil
    }

    /// LPT (by cost, else by tokens when caps block it), then local search towards `target`.
    private func balanced(_ partitioner: Partitioner, target: Double) throws(BatchBalanceError) -> (
        lpt: [[Int]], improved: [[Int]]
    ) {
        var placed = partitioner.lpt()
        if placed.bins == nil, cap != nil { placed = partitioner.lpt(byTokens: true) }
        guard let lpt = placed.bins else {
            let stuck = placed.stuck ?? 0
            throw .capsInfeasible(
                index: stuck,
                reason: "no rank can take it (\(tokens[stuck]) tokens) within the micro-batch caps and counts")
        }
        let batcher = microBatcher
        return (lpt, partitioner.improve(lpt, target: target, admits: cap == nil ? nil : { batcher.fits($0) }))
    }

    /// The LLM phase balanced on its own cost, images encoded with their samples: the plan an encoder-blind balancer
    /// makes, the baseline encoder-aware balancing is measured against. Nil for text-only batches, and when caps stop
    /// its LPT (the baseline is then left out; the plan itself does not depend on it).
    func llmOnly() -> [[Int]]? {
        guard !images.isEmpty else { return nil }
        return try? balanced(
            partitioner(weights: llmWeights),
            target: Self.partitionBound(llmWeights, equal: equalCount, ranks: options.ranks)
        ).improved
    }

    struct Candidates {
        var ours: [[[Int]]]
        var baselines: [(name: String, contents: [[Int]])]
        /// The `llm-only` baseline's assignment, for a second solve of the same batch.
        var llmOnly: [[Int]]?
    }

    /// `verlKK` and `llmOnly` do not depend on the phase model: a caller solving the batch twice passes them in.
    func candidates(verlKK: [[Int]]?, llmOnly: [[Int]]? = nil) throws(BatchBalanceError) -> Candidates {
        let partitioner = self.partitioner
        // The rules' LPT ignores speeds: with unequal speeds it is the speed-blind baseline.
        let (lpt, blind) = try balanced(partitioner, target: llmLowerBound * speeds[0])
        let batcher = microBatcher
        let improved = unequalSpeeds ? try speedAware(admits: cap == nil ? nil : { batcher.fits($0) }) : blind
        var ours = unequalSpeeds ? [improved, blind] : [improved]
        if let exact = exactMILP(start: ours[0]) { ours.append(exact) }
        // Where every sample says which rank loaded it, that assignment, and the local search started from it,
        // are candidates too: among equally fast plans the one that moves least wins.
        if samples.allSatisfy({ $0.loadedRank != nil }) {
            var origin = [[Int]](repeating: [], count: options.ranks)
            for (index, sample) in samples.enumerated() { origin[sample.loadedRank ?? 0].append(index) }
            ours.append(origin)
            // Searching from the loaded assignment only pays when it is already close to the best plan.
            let best = ours.map { rankSeconds($0, weights).max() ?? 0 }.min() ?? 0
            if (rankSeconds(origin, weights).max() ?? .infinity) <= best * 1.02 {
                let admits: (([Int]) -> Bool)? = cap == nil ? nil : { batcher.fits($0) }
                ours.append(
                    unequalSpeeds
                        ? speedAwarePartitioner.improve(origin, target: best, admits: admits)
                        : partitioner.improve(origin, target: best * speeds[0], admits: admits))
            }
        }
        if phasesSynchronisedTogether {
            ours = synchronisedCandidates(ours, admits: cap == nil ? nil : { batcher.fits($0) })
        }
        var baselines: [(String, [[Int]])] = [("as-loaded", asLoaded), ("lpt", lpt)]
        if unequalSpeeds { baselines.append(("speed-blind", blind)) }
        if let verlKK { baselines.append(("verl-kk", verlKK)) }
        // With a separate encoder phase the first plan above is already balanced on the LLM cost alone.
        var llmOnly = llmOnly
        if llmOnly == nil { llmOnly = options.separateEncoder && !images.isEmpty ? improved : self.llmOnly() }
        if let llmOnly { baselines.append(("llm-only", llmOnly)) }
        // Baselines are reported only when they keep the same rules, and each is a candidate: the plan never
        // loses to a reported baseline.
        baselines = baselines.filter { admissible($0.1) }
        return Candidates(ours: ours.filter(admissible) + baselines.map(\.1), baselines: baselines, llmOnly: llmOnly)
    }

    /// Both phases on one assignment, each waited for: the phase search lowers max E + max L from the plans above
    /// (balanced on encoder + LLM work). A start more than 2 % above the best start's phase maxima (the loaded
    /// assignment, typically) is kept as it is, and no start is balanced on the LLM cost alone any more: on the 22
    /// benchmark batches those searches took half to two thirds of the planning time and ended at most 0.15 % lower.
    private func synchronisedCandidates(_ ours: [[[Int]]], admits: (([Int]) -> Bool)?) -> [[[Int]]] {
        var search = PhaseSwapSearch(
            llm: llmWeights, encoder: encoderWeights, movesAllowed: equalCount == nil,
            minimumCount: max(1, options.microBatches ?? 1))
        if unequalSpeeds { search.inverseSpeeds = speeds.map { 1 / $0 } }
        let starts = ours.filter(admissible)
        let maxima = starts.map(phaseMaxima)
        let bestStart = maxima.min() ?? 0
        return zip(starts, maxima).map { start, startMaxima in
            guard startMaxima <= bestStart * 1.02 else { return start }
            return search.improve(start, rounds: 4 * options.ranks + 64, target: synchronisedLowerBound, admits: admits)
        }
    }

    /// LPT for ranks of unequal speed, then its local search towards the bound.
    private func speedAware(admits: (([Int]) -> Bool)?) throws(BatchBalanceError) -> [[Int]] {
        let partitioner = speedAwarePartitioner
        var placed = partitioner.lpt()
        if placed.bins == nil, cap != nil { placed = partitioner.lpt(byTokens: true) }
        guard let start = placed.bins else {
            let stuck = placed.stuck ?? 0
            throw .capsInfeasible(
                index: stuck,
                reason: "no rank can take it (\(tokens[stuck]) tokens) within the micro-batch caps and counts")
        }
        return partitioner.improve(start, target: llmLowerBound, admits: admits)
    }

    /// Contiguous equal split in input order (the first N mod R ranks take one more).
    var asLoaded: [[Int]] {
        let base = samples.count / options.ranks
        let extra = samples.count % options.ranks
        var contents: [[Int]] = []
        var next = 0
        for rank in 0..<options.ranks {
            let size = base + (rank < extra ? 1 : 0)
            contents.append(Array(next..<(next + size)))
            next += size
        }
        return contents
    }

    /// For small instances without caps, the exact MILP on GLPK (0.2 s limit), warm-bounded by the heuristic.
    private func exactMILP(start: [[Int]]) -> [[Int]]? {
        guard cap == nil, samples.count <= 48, options.ranks <= 8, options.ranks > 1 else { return nil }
        let n = samples.count
        let k = options.ranks
        var model = LinearModel(name: "batch-balance")
        // Synchronised phases: the slowest rank of each phase, summed; otherwise one makespan.
        let phases = phasesSynchronisedTogether ? [llmWeights, encoderWeights] : [weights]
        let makespans = phases.enumerated().map { p, phase in
            model.addVariable("z\(p)", upper: rankSeconds(start, phase).max() ?? .infinity, objective: 1)
        }
        let x = (0..<n).map { i in (0..<k).map { r in model.addVariable("x\(i)_\(r)", kind: .binary) } }
        for i in 0..<n { model.addConstraint(.sum(x[i]), .equal(1)) }
        for r in 0..<k {
            for (phase, makespan) in zip(phases, makespans) {
                var load = LinearExpression((0..<n).map { Term(x[$0][r], phase[$0] / speeds[r]) })
                load.add(makespan, -1)
                model.addConstraint(load, .lessOrEqual(0))
            }
            if let equalCount { model.addConstraint(.sum(x.map { $0[r] }), .equal(Double(equalCount))) }
            if let count = options.microBatches {
                model.addConstraint(.sum(x.map { $0[r] }), .greaterOrEqual(Double(count)))
            }
        }
        // Ranks of equal speed are interchangeable: the heaviest sample goes to rank 0.
        if !unequalSpeeds, let heaviest = weights.indices.max(by: { weights[$0] < weights[$1] }) {
            model.setBounds(x[heaviest][0], lower: 1, upper: 1)
        }
        guard let solution = try? solve(model, using: .glpk, options: SolveOptions(timeLimit: 0.2, relativeGap: 1e-9)),
            solution.status.hasSolution
        else { return nil }
        return (0..<k).map { r in (0..<n).filter { solution[x[$0][r]] > 0.5 } }
    }

    /// Bytes each content already has on each rank.
    /// Only ranks of one speed trade contents: content j was balanced for rank j's speed.
    func relabel(_ contents: [[Int]]) -> [[Int]] {
        guard samples.contains(where: { $0.loadedRank != nil }) else { return contents }
        var result = contents
        for speed in Set(speeds).sorted() {
            let members = speeds.indices.filter { speeds[$0] == speed }
            guard members.count > 1 else { continue }
            var position = [Int: Int]()
            for (index, rank) in members.enumerated() { position[rank] = index }
            var pairs: [(content: Int, place: Int, gain: Double)] = []
            for (j, rank) in members.enumerated() {
                for sample in contents[rank] {
                    if let loaded = samples[sample].loadedRank, let place = position[loaded] {
                        pairs.append((j, place, Double(tokens[sample]) * cost.bytesPerToken))
                    }
                }
            }
            let places = Assignment.maximumGain(places: members.count, pairs: pairs)
            for (j, rank) in members.enumerated() { result[members[places[j]]] = contents[rank] }
        }
        return result
    }

    func movedBytes(_ contents: [[Int]]) -> Double {
        var bytes = 0.0
        for (rank, content) in contents.enumerated() {
            for sample in content where samples[sample].loadedRank.map({ $0 != rank }) == true {
                bytes += Double(tokens[sample]) * cost.bytesPerToken
            }
        }
        return bytes
    }

    static func partitionBound(_ values: [Double], equal: Int?, ranks: Int) -> Double {
        guard let largest = values.max() else { return 0 }
        var bound = max(values.reduce(0, +) / Double(ranks), largest)
        if let equal, equal > 1 {
            bound = max(bound, equalCountBound(values, perRank: equal, ranks: ranks))
        }
        return bound
    }

    /// With n items per rank: the t largest items sit on some s ranks, ⌈t/n⌉ ≤ s ≤ min(t, R), which hold n·s items in
    /// all, at least the n·s − t smallest besides those t. The busiest of those ranks carries at least their average,
    /// whatever s is: max over t of min over s of (top_t + smallest_{n·s−t}) / s. t = 1 is the largest item plus the
    /// n − 1 smallest. t stops at 2R: heavy tails live in the first few items, and the bound stays cheap per step.
    static func equalCountBound(_ values: [Double], perRank n: Int, ranks: Int) -> Double {
        let ascending = values.sorted()
        let count = ascending.count
        guard count > 0, n >= 1 else { return 0 }
        var smallest = [0.0]
        smallest.reserveCapacity(count + 1)
        for value in ascending { smallest.append((smallest.last ?? 0) + value) }
        var bound = 0.0
        var top = 0.0
        for t in 1...min(count, 2 * ranks) {
            top += ascending[count - t]
            // g(s) = top + smallest[n·s − t] is convex in s (each step adds n ascending values), so g(s)/s falls
            // to its minimum and then never falls again. With heavy items the minimum sits at the largest s, so
            // the scan runs down from there and stops at the first rise.
            var best = Double.infinity
            for s in stride(from: min(t, ranks, count / n), through: (t + n - 1) / n, by: -1) {
                let value = (top + smallest[n * s - t]) / Double(s)
                if value > best { break }
                best = value
            }
            if best.isFinite { bound = max(bound, best) }
        }
        return bound
    }

    /// Valid for every assignment under the phase model (docs/batch-balancing.md §Lower bound).
    var lowerBound: Double {
        if phasesSynchronisedTogether { return synchronisedLowerBound }
        return options.separateEncoder && !images.isEmpty ? llmLowerBound + encoderLowerBound : llmLowerBound
    }

    /// Each rank's shards in the order it runs them (`BatchBalancePlan.Shard`'s order).
    func shardLists() -> [[BatchBalancePlan.Shard]] {
        var lists = [[BatchBalancePlan.Shard]](repeating: [], count: options.ranks)
        for shard in encoderShards {
            let image = images[shard.item]
            for rank in shard.firstRank..<(shard.firstRank + shard.degree) {
                lists[rank].append(
                    .init(sample: image.sample, image: image.image, firstRank: shard.firstRank, degree: shard.degree))
            }
        }
        return lists.map { $0.sorted() }
    }

    func result(_ contents: [[Int]], baselines: [(name: String, contents: [[Int]])], elapsed: Duration)
        throws(BatchBalanceError) -> BatchBalanceResult
    {
        let batcher = microBatcher
        var ranks: [BatchBalancePlan.Rank] = []
        for (rank, content) in contents.enumerated() {
            guard let batches = batcher.split(content) else {
                throw .capsInfeasible(
                    index: content.first ?? 0,
                    reason: "rank \(rank)'s samples cannot be split into the required micro-batches")
            }
            let rankWeights = phasesSynchronisedTogether ? llmWeights : weights
            ranks.append(
                .init(
                    rank: rank, microBatches: batches,
                    predictedSeconds: content.reduce(0) { $0 + rankWeights[$1] } / speeds[rank],
                    tokens: content.reduce(0) { $0 + tokens[$1] }))
        }
        var encoder: [BatchBalancePlan.EncoderRank]?
        if phasesSynchronisedTogether {
            // Each rank encodes its own samples' images, as a phase of its own.
            encoder = contents.enumerated().map { rank, content in
                .init(
                    rank: rank,
                    images: content.sorted().flatMap { sample in
                        samples[sample].images.indices.map { .init(sample: sample, image: $0) }
                    },
                    predictedSeconds: content.reduce(0) { $0 + encoderWeights[$1] } / speeds[rank])
            }
        }
        if options.separateEncoder, !images.isEmpty {
            // Walking the images in (sample, image) order lists each rank's ascending without sorting.
            var rankOf = [Int](repeating: 0, count: images.count)
            for (rank, items) in encoderAssignment.enumerated() { for item in items { rankOf[item] = rank } }
            var listed = encoderAssignment.map { items -> [BatchBalancePlan.ImageRef] in
                var list: [BatchBalancePlan.ImageRef] = []
                list.reserveCapacity(items.count)
                return list
            }
            var split = [Bool](repeating: false, count: images.count)
            for shard in encoderShards { split[shard.item] = true }
            for (item, image) in images.enumerated() where !split[item] {
                listed[rankOf[item]].append(.init(sample: image.sample, image: image.image))
            }
            let shardsOf = shardLists()
            encoder = encoderAssignment.indices.map { rank in
                .init(
                    rank: rank, images: listed[rank], predictedSeconds: encoderRankSeconds[rank],
                    shards: shardsOf[rank].isEmpty ? nil : shardsOf[rank])
            }
        }
        let movedSamples = contents.enumerated().reduce(0) { total, entry in
            total + entry.element.filter { samples[$0].loadedRank.map { $0 != entry.offset } == true }.count
        }
        let hasOrigins = samples.contains { $0.loadedRank != nil }
        var sends: [BatchBalancePlan.Send]?
        if hasOrigins {
            var runner = [Int](repeating: 0, count: samples.count)
            for (rank, content) in contents.enumerated() { for sample in content { runner[sample] = rank } }
            sends = samples.indices.compactMap { sample in
                samples[sample].loadedRank.flatMap {
                    $0 == runner[sample] ? nil : .init(sample: sample, from: $0, to: runner[sample])
                }
            }
        }
        let step = (ranks.map(\.predictedSeconds).max() ?? 0) + (encoder?.map(\.predictedSeconds).max() ?? 0)
        var result = BatchBalanceResult(
            ranks: ranks, encoder: encoder, stepSeconds: step, lowerBoundSeconds: min(lowerBound, step),
            baselines: baselines.map { ($0.name, baselineSeconds($0.contents)) },
            moved: hasOrigins ? .init(samples: movedSamples, bytes: movedBytes(contents)) : nil, sends: sends,
            planningSeconds: seconds(elapsed), tokens: tokens,
            encoderBalancedSeparately: options.separateEncoder && !images.isEmpty,
            digest: DigestedInputs(samples: samples, options: options, cost: cost))
        result.baselineRanks = baselines.map {
            BaselineRanks(
                name: $0.name, llmSeconds: rankSeconds($0.contents, llmWeights),
                encoderSeconds: images.isEmpty ? nil : rankSeconds($0.contents, encoderWeights),
                phasesWaited: baselinesWaitPerPhase)
        }
        return result
    }
}
