import CostModel
import ExecutionPlan
import Foundation
import SolverFixtures
import Testing

@testable import BatchBalance

/// The separate encoder phase at video scale (many small frames) and the pieces that keep it fast: counting order,
/// the least-loaded-bin tree, filling bins to the average, and the compact image pairs in the plan.
@Suite struct SeparateEncoderTests {
    static let cost = BatchBalanceTests.cost

    static func mixedResolution(seed: UInt64, count: Int, ranks: Int) -> [Sample] {
        var generator = LengthGenerator(seed: seed)
        return (0..<count).map { index in
            let drawn = generator.mixedResolution()
            return Sample(tokens: drawn.tokens, images: drawn.images, loadedRank: index * ranks / count)
        }
    }

    /// Thousands of frames: every image listed once, in (sample, image) order per rank, rank times recomputed, and
    /// the encoder phase no more than one image above the bound.
    @Test(arguments: [(256, 16), (512, 32), (1024, 64)])
    func everyImageIsEncodedOnce(count: Int, ranks: Int) throws {
        let samples = Self.mixedResolution(seed: UInt64(count), count: count, ranks: ranks)
        let balancer = try BatchBalancer(
            cost: Self.cost, options: .init(ranks: ranks, equalCounts: true, separateEncoder: true))
        let problem = Problem(samples: samples, cost: Self.cost, options: balancer.options, cap: nil)
        let encoder = problem.encoderAssignment.map { items in
            items.map { BatchBalancePlan.ImageRef(sample: problem.images[$0].sample, image: problem.images[$0].image) }
        }
        let expected = samples.indices.flatMap { sample in
            samples[sample].images.indices.map { BatchBalancePlan.ImageRef(sample: sample, image: $0) }
        }
        #expect(expected.count > 4 * count, "the batch should carry video frames")
        #expect(Set(encoder.joined()) == Set(expected))
        #expect(encoder.joined().count == expected.count)
        let seconds = encoder.map {
            $0.reduce(0.0) { $0 + Self.cost.encoder!.seconds(Double(samples[$1.sample].images[$1.image])) }
        }
        let largestImage =
            expected.map { Self.cost.encoder!.seconds(Double(samples[$0.sample].images[$0.image])) }.max() ?? 0
        #expect((seconds.max() ?? 0) <= problem.encoderLowerBound + largestImage)
        #expect(abs((seconds.max() ?? 0) - problem.encoderSeconds) <= 1e-9 * problem.encoderSeconds)

        // The plan lists the same pairs, each rank's ascending, with its recomputed time.
        let result = try balancer.plan(samples)
        if let listed = result.encoder {
            #expect(Set(listed.flatMap(\.images)) == Set(expected))
            for rank in listed {
                #expect(rank.images == rank.images.sorted { ($0.sample, $0.image) < ($1.sample, $1.image) })
                let recomputed = rank.images.reduce(0.0) {
                    $0 + Self.cost.encoder!.seconds(Double(samples[$1.sample].images[$1.image]))
                }
                #expect(abs(recomputed - rank.predictedSeconds) <= 1e-9 * max(1, recomputed))
            }
        }
        #expect(result.stepSeconds <= result.lowerBoundSeconds * 1.001)
    }

    /// Counting order equals sorting (keys descending, index on ties), with a key range that counts and one that sorts.
    @Test(arguments: [0, 1, 2, 3])
    func countingOrderMatchesSorting(seed: Int) {
        var random = SeededGenerator(seed: UInt64(seed + 1))
        let range = seed < 2 ? 300 : 10_000_000
        let keys = (0..<2_000).map { _ in Int(random.next() % UInt64(range)) }
        #expect(KeyedIndex.descending(counts: keys) == KeyedIndex.descending(keys.map(Double.init)))
        #expect(KeyedIndex.descending(counts: []) == [])
    }

    /// The tree names the bin a linear scan would (least load, lowest index on ties) through adds, sets and closes.
    @Test func leastLoadedBinMatchesAScan() {
        var random = SeededGenerator(seed: 7)
        for count in [1, 3, 8, 13] {
            var tree = LeastLoadedBins(count: count)
            var loads = [Double](repeating: 0, count: count)
            var open = Set(0..<count)
            for step in 0..<400 {
                // Closed bins take no updates (LPT stops offering them items).
                let candidates = open.sorted()
                let bin = candidates[Int(random.next() % UInt64(candidates.count))]
                switch step % 17 {
                case 16 where open.count > 1:
                    tree.close(bin)
                    open.remove(bin)
                case 5:
                    let load = Double(random.next() % 50)
                    tree.set(load, of: bin)
                    loads[bin] = load
                default:
                    // Whole numbers make ties common.
                    let weight = Double(random.next() % 4)
                    tree.add(weight, to: bin)
                    loads[bin] += weight
                }
                let scan = open.min { loads[$0] != loads[$1] ? loads[$0] < loads[$1] : $0 < $1 }
                #expect(tree.least == scan, "count \(count), step \(step)")
            }
        }
        var closed = LeastLoadedBins(count: 2)
        closed.close(0)
        closed.close(1)
        #expect(closed.least == nil)
    }

    /// Without filling, the uncapped placement is plain LPT (the reported baseline): the same bins as a linear scan for
    /// the least-loaded bin, with and without equal counts.
    @Test(arguments: [nil, 40] as [Int?])
    func plainLPTMatchesALinearScan(equalCount: Int?) {
        var random = SeededGenerator(seed: 5)
        let weights = (0..<280).map { _ in Double(random.next() % 1000) / 10 }
        let bins = 7
        let partitioner = Partitioner(
            weights: weights, tokens: weights.map { _ in 0 }, bins: bins, equalCount: equalCount, cap: nil,
            microBatches: nil)
        var expected = [[Int]](repeating: [], count: bins)
        var loads = [Double](repeating: 0, count: bins)
        for item in partitioner.order {
            var least: Int?
            for bin in 0..<bins where expected[bin].count < (equalCount ?? Int.max) {
                if let current = least, loads[current] <= loads[bin] { continue }
                least = bin
            }
            guard let least else { break }
            expected[least].append(item)
            loads[least] += weights[item]
        }
        #expect(partitioner.lpt().bins == expected)
    }

    /// Filling bins to the average once items are small keeps LPT's guarantee: no bin more than one small item above
    /// the average, and every item placed once.
    @Test(arguments: [0, 1, 2])
    func fillingToTheAverageKeepsTheGuarantee(seed: Int) {
        var random = SeededGenerator(seed: UInt64(seed + 11))
        // A few large items, then many small ones (video frames), as the encoder phase sees them.
        let weights =
            (0..<60).map { _ in 5 + Double(random.next() % 1000) / 100 }
            + (0..<20_000).map { _ in 0.01 + Double(random.next() % 100) / 10_000 }
        let bins = 16
        let partitioner = Partitioner(
            weights: weights, tokens: weights.map { _ in 0 }, bins: bins, equalCount: nil, cap: nil, microBatches: nil)
        guard let placed = partitioner.lpt(fillingSmallItems: true).bins else {
            Issue.record("no placement")
            return
        }
        #expect(placed.joined().sorted() == Array(weights.indices))
        let average = weights.reduce(0, +) / Double(bins)
        let smallest = weights.filter { $0 * 64 <= average }.max() ?? 0
        let loads = placed.map(partitioner.load)
        #expect((loads.max() ?? 0) <= average + smallest + 1e-9)
        #expect((loads.max() ?? 0) - (loads.min() ?? 0) <= 2 * smallest + 1e-9)
    }

    /// Pairs are written [sample, image]; a pair of any other length is rejected at its path.
    @Test func imagePairsAreWrittenAndCheckedAsPairs() throws {
        let samples = Self.mixedResolution(seed: 3, count: 64, ranks: 8)
        let result = try BatchBalancer(
            cost: Self.cost, options: .init(ranks: 8, equalCounts: true, separateEncoder: true)
        ).plan(samples)
        var plan = try result.executionPlan()
        plan.body.encoder =
            plan.body.encoder ?? [.init(rank: 0, images: [.init(sample: 0, image: 0)], predictedSeconds: 0)]
        let data = try PlanCoding.encode(plan)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var encoder = try #require(object["encoder"] as? [[String: Any]])
        let first = try #require((encoder[0]["images"] as? [[Int]])?.first)
        #expect(first.count == 2)
        let decoded = try PlanCoding.decode(BatchBalancePlan.self, from: data)
        #expect(decoded.body.encoder == plan.body.encoder)
        for broken in [[first[0]], [first[0], first[1], 0]] {
            var images = try #require(encoder[0]["images"] as? [[Int]])
            images[0] = broken
            encoder[0]["images"] = images
            object["encoder"] = encoder
            let edited = try JSONSerialization.data(withJSONObject: object)
            guard case .failure(let problem) = PlanValidator.validate(edited) else {
                Issue.record("pair \(broken) accepted")
                continue
            }
            #expect(problem.path == "$.encoder[0].images[0]", "\(problem)")
        }
    }
}

/// `--keep-encoder-phase`: the runtime always runs a separate encoder phase, so a baseline (images where their samples
/// are) also waits for the slowest rank of each phase. Scored so, no baseline falls below the bound and the plan
/// validates, including with more ranks than samples (found there: 256 samples on 300 ranks).
@Suite struct KeptEncoderPhaseTests {
    @Test(arguments: [(64, 8), (256, 32), (256, 300), (40, 64)])
    func keptPhasePlansValidateAndBeatTheirBaselines(count: Int, ranks: Int) throws {
        let samples = BatchBalanceTests.random(seed: UInt64(count + ranks), count: count, multimodal: true)
        let options = BatchBalancer.Options(ranks: ranks, separateEncoder: true, keepEncoderPhase: true)
        let result = try BatchBalancer(cost: BatchBalanceTests.cost, options: options).plan(samples)
        #expect(result.encoderBalancedSeparately)
        let plan = try result.executionPlan()
        #expect(plan.firstInvariantViolation() == nil, "\(String(describing: plan.firstInvariantViolation()))")
        for baseline in result.baselines {
            #expect(result.lowerBoundSeconds <= baseline.stepSeconds, "\(baseline.name)")
            #expect(result.stepSeconds <= baseline.stepSeconds * (1 + 1e-9), "\(baseline.name)")
        }
    }
}
