import CostModel
import ExecutionPlan
import Foundation
import SolverFixtures
import Testing

@testable import BatchBalance

@Suite struct BatchBalanceTests {
    static let cost = BatchBalanceCost(
        llm: PhaseCost(secondsPerToken: 1.84e-4, secondsPerToken2: 5.13e-9, secondsPerSample: 0.001),
        encoder: PhaseCost(secondsPerToken: 4e-5, secondsPerToken2: 2e-8))

    static func random(seed: UInt64, count: Int, multimodal: Bool) -> [Sample] {
        var generator = LengthGenerator(seed: seed)
        return (0..<count).map { index in
            if multimodal {
                let drawn = generator.multimodal(maxImageTokens: 4096)
                return Sample(tokens: drawn.tokens, images: drawn.images, loadedRank: index % 4)
            }
            return Sample(tokens: generator.proLongLike(), loadedRank: index % 4)
        }
    }

    @Test(arguments: 0..<10)
    func randomBatchesKeepEveryRule(seed: Int) throws {
        let multimodal = seed % 2 == 1
        let ranks = [4, 8, 16][seed % 3]
        let count = ranks * (4 + seed)
        let samples = Self.random(seed: UInt64(seed), count: count, multimodal: multimodal)
        let cap = max(
            samples.map(\.tokens).max() ?? 0,
            Int(1.5 * Double(samples.reduce(0) { $0 + $1.tokens }) / Double(ranks * 2)))
        let options = BatchBalancer.Options(
            ranks: ranks, microBatches: 2, equalCounts: seed % 3 != 0, maxTokensPerMicroBatch: cap,
            separateEncoder: multimodal)
        let result = try BatchBalancer(cost: Self.cost, options: options).plan(samples)
        let plan = try result.executionPlan()
        #expect(plan.firstInvariantViolation() == nil, "\(String(describing: plan.firstInvariantViolation()))")
        var seen = Set<Int>()
        for rank in result.ranks {
            #expect(rank.microBatches.count == 2)
            if options.equalCounts { #expect(rank.microBatches.joined().count == count / ranks) }
            for batch in rank.microBatches {
                #expect(!batch.isEmpty)
                #expect(batch.reduce(0) { $0 + samples[$1].tokens } <= cap)
                for sample in batch { #expect(seen.insert(sample).inserted) }
            }
            // Rank times recomputed from the cost model.
            let recomputed = rank.microBatches.joined().reduce(0.0) { total, index in
                total + Self.cost.llm.seconds(Double(samples[index].tokens))
                    + (result.encoder == nil
                        ? samples[index].images.reduce(0.0) { $0 + Self.cost.encoder!.seconds(Double($1)) } : 0)
            }
            #expect(abs(recomputed - rank.predictedSeconds) <= 1e-9 * max(1, recomputed))
        }
        #expect(seen.count == count)
        #expect(result.lowerBoundSeconds <= result.stepSeconds + 1e-12)
        for baseline in result.baselines {
            #expect(result.stepSeconds <= baseline.stepSeconds + 1e-9, "\(baseline.name)")
        }
    }

    /// Every assignment of up to 8 samples to 2-3 ranks enumerated: the plan's makespan is the optimum.
    @Test(arguments: 0..<16)
    func tinyInstancesAreOptimal(seed: Int) throws {
        var generator = LengthGenerator(seed: UInt64(500 + seed))
        let ranks = 2 + seed % 2
        let equal = seed % 4 < 2
        let count = equal ? ranks * (1 + seed % 3) : 3 + seed % 6
        let samples = (0..<count).map { _ in Sample(tokens: generator.wlbLike(window: 65536)) }
        let weights = samples.map { Self.cost.llm.seconds(Double($0.tokens)) }
        var best = Double.infinity
        var assignment = [Int](repeating: 0, count: count)
        func enumerate(_ position: Int) {
            if position == count {
                var loads = [Double](repeating: 0, count: ranks)
                var sizes = [Int](repeating: 0, count: ranks)
                for (index, rank) in assignment.enumerated() {
                    loads[rank] += weights[index]
                    sizes[rank] += 1
                }
                if equal && sizes.contains(where: { $0 != count / ranks }) { return }
                best = min(best, loads.max() ?? 0)
                return
            }
            for rank in 0..<ranks {
                assignment[position] = rank
                enumerate(position + 1)
            }
        }
        enumerate(0)
        let result = try BatchBalancer(cost: Self.cost, options: .init(ranks: ranks, equalCounts: equal)).plan(samples)
        #expect(abs(result.stepSeconds - best) <= 1e-9 * best, "plan \(result.stepSeconds) vs optimum \(best)")
        #expect(result.lowerBoundSeconds <= best + 1e-12)
    }

    /// The equal-count bound (top t items over the ranks holding them) never exceeds the enumerated optimum, and is
    /// at least the older "largest plus the n − 1 smallest" and average bounds.
    @Test(arguments: 0..<24)
    func equalCountBoundIsValid(seed: Int) {
        var generator = LengthGenerator(seed: UInt64(900 + seed))
        let (ranks, perRank) = [(4, 2), (3, 3), (2, 5), (4, 3)][seed % 4]
        let count = ranks * perRank
        let weights = (0..<count).map { _ in Self.cost.llm.seconds(Double(generator.proLongLike())) }
        var best = Double.infinity
        var loads = [Double](repeating: 0, count: ranks)
        var sizes = [Int](repeating: 0, count: ranks)
        func enumerate(_ position: Int) {
            if position == count {
                best = min(best, loads.max() ?? 0)
                return
            }
            // Item 0 on rank 0: ranks are interchangeable.
            for rank in 0..<(position == 0 ? 1 : ranks) where sizes[rank] < perRank {
                loads[rank] += weights[position]
                sizes[rank] += 1
                enumerate(position + 1)
                loads[rank] -= weights[position]
                sizes[rank] -= 1
            }
        }
        enumerate(0)
        let bound = Problem.equalCountBound(weights, perRank: perRank, ranks: ranks)
        let ascending = weights.sorted()
        let older = max(
            weights.reduce(0, +) / Double(ranks), (ascending.last ?? 0) + ascending.prefix(perRank - 1).reduce(0, +))
        #expect(bound <= best * (1 + 1e-12), "bound \(bound) above the optimum \(best)")
        #expect(bound >= older * (1 - 1e-12))
    }

    /// The scan over s stops at the first rise (g(s)/s is unimodal for convex g); it must give the full scan's value.
    @Test(arguments: 0..<12)
    func equalCountBoundMatchesTheFullScan(seed: Int) {
        var generator = LengthGenerator(seed: UInt64(1700 + seed))
        let ranks = [4, 16, 64][seed % 3]
        let perRank = [2, 5, 16, 1][seed % 4]
        let values = (0..<(ranks * perRank)).map { _ in
            Self.cost.llm.seconds(Double(seed % 2 == 0 ? generator.proLongLike() : generator.wlbLike()))
        }
        let ascending = values.sorted()
        let count = values.count
        let smallest = ascending.reduce(into: [0.0]) { $0.append(($0.last ?? 0) + $1) }
        var full = 0.0
        var top = 0.0
        for t in 1...min(count, 2 * ranks) {
            top += ascending[count - t]
            var best = Double.infinity
            for s in ((t + perRank - 1) / perRank)...min(t, ranks) where perRank * s <= count {
                best = min(best, (top + smallest[perRank * s - t]) / Double(s))
            }
            if best.isFinite { full = max(full, best) }
        }
        let bound = Problem.equalCountBound(values, perRank: perRank, ranks: ranks)
        #expect(abs(bound - full) <= 1e-12 * full, "ranks \(ranks), \(perRank) per rank: \(bound) vs \(full)")
        #expect(full > 0)
    }

    /// Hand-checked: 3 ranks × 2 items, 8, 8, 2, 2, 2, 1. Older bounds: Σ/R = 23/3 and 8 + 1 = 9. The two 8s sit on
    /// one rank (16) or on two ranks that also hold two more items, at least 1 + 2: (16 + 3) / 2 = 9.5. The optimum
    /// is 10 (8 + 2 twice).
    @Test func equalCountBoundOnAHandCheckedCase() {
        #expect(Problem.equalCountBound([8, 8, 2, 2, 2, 1], perRank: 2, ranks: 3) == 9.5)
    }

    @Test func movementPrefersLeavingSamplesWhereTheyAre() throws {
        // Four ranks that already hold balanced loads: the plan should move nothing.
        let samples = (0..<16).map { Sample(tokens: 1000 + ($0 % 4) * 10, loadedRank: $0 / 4) }
        let result = try BatchBalancer(cost: Self.cost, options: .init(ranks: 4, equalCounts: true)).plan(samples)
        #expect(result.moved?.samples == 0)
    }

    @Test func badInputIsNamed() {
        func error(_ samples: [Sample], _ options: BatchBalancer.Options) -> BatchBalanceError? {
            do {
                _ = try BatchBalancer(cost: Self.cost, options: options).plan(samples)
                return nil
            } catch { return error }
        }
        #expect(
            error([Sample(tokens: 10), Sample(tokens: -5)], .init(ranks: 2))
                == .invalidSample(
                    index: 1, field: "tokens", value: "-5", reason: "must be a whole number from 1 to \(Limits.tokens)")
        )
        #expect(
            error([Sample(tokens: 100, images: [80, 40])], .init(ranks: 1))?.description.contains(
                "samples[0].images = 120 tokens") == true)
        #expect(throws: BatchBalanceError.invalidRanks(0)) {
            try BatchBalancer(cost: Self.cost, options: .init(ranks: 0))
        }
        #expect(
            error([Sample(tokens: 10), Sample(tokens: 5000)], .init(ranks: 2, maxTokensPerMicroBatch: 4096))
                == .sampleOverCap(index: 1, tokens: 5000, cap: 4096))
        #expect(
            error((0..<5).map { _ in Sample(tokens: 10) }, .init(ranks: 2, equalCounts: true))
                == .unequalCounts(samples: 5, ranks: 2))
        #expect(
            error([Sample(tokens: 10, loadedRank: 7)], .init(ranks: 2))?.description.contains("samples[0].rank = 7")
                == true)
    }

    /// Past the limits every number is a named error: summing these would trap on overflow.
    @Test func numbersPastTheLimitsAreNamed() {
        func error(_ samples: [Sample], _ options: BatchBalancer.Options) -> BatchBalanceError? {
            do {
                _ = try BatchBalancer(cost: Self.cost, options: options).plan(samples)
                return nil
            } catch { return error }
        }
        #expect(
            error([Sample(tokens: Limits.tokens + 1)], .init(ranks: 1))?.description.contains(
                "samples[0].tokens = \(Limits.tokens + 1)") == true)
        #expect(
            error([Sample(tokens: 100, images: [Int.max, Int.max])], .init(ranks: 1))?.description.contains(
                "exceed the sample's 100 tokens") == true)
        #expect(throws: BatchBalanceError.invalidRanks(Limits.gpus + 1)) {
            try BatchBalancer(cost: Self.cost, options: .init(ranks: Limits.gpus + 1))
        }
        #expect(
            throws: BatchBalanceError.invalidOption(
                name: "--micro-batches", value: Int.max, reason: "must be a whole number from 1 to \(Limits.sequences)")
        ) {
            try BatchBalancer(cost: Self.cost, options: .init(ranks: 2, microBatches: Int.max))
        }
        #expect(
            throws: BatchBalanceError.invalidOption(
                name: "--max-tokens-per-micro-batch", value: Int.max,
                reason: "must be a whole number from 1 to \(Limits.tokens)")
        ) {
            try BatchBalancer(cost: Self.cost, options: .init(ranks: 2, maxTokensPerMicroBatch: Int.max))
        }
        // At the limits the room check (ranks × micro-batches × cap, past 2^64) still answers.
        let atLimits = [Sample(tokens: Limits.tokens), Sample(tokens: 1)]
        #expect(
            error(atLimits, .init(ranks: Limits.gpus, microBatches: 1, maxTokensPerMicroBatch: Limits.tokens))
                == .tooFewSamples(rank: Limits.gpus - 1, samples: 0, microBatches: 1))
    }

    /// verl's equal-size Karmarkar-Karp (reference §2.2): equal cardinality, every index once; on 1…6 into two
    /// sets it finds a perfect split (sums 10 and 11).
    @Test func karmarkarKarpFollowsVerl() {
        let parts = KarmarkarKarp.partition([1, 2, 3, 4, 5, 6], parts: 2, equalSize: true)
        #expect(parts.map(\.count) == [3, 3])
        #expect(Set(parts.joined()) == Set(0..<6))
        let sums = parts.map { $0.reduce(0.0) { $0 + Double($1 + 1) } }.sorted()
        #expect(sums == [10, 11])
        #expect(KarmarkarKarp.workload(4096) == 24576 * 4096 + 4096 * 4096)
    }

    @Test func samplesFilesParse() throws {
        let jsonl = #"{"tokens": 1834}"# + "\n" + #"{"tokens": 2410, "images": [576, 1024], "rank": 0}"# + "\n\n"
        let parsed = try SamplesFile.parse(Data(jsonl.utf8), source: "s.jsonl")
        #expect(parsed == [Sample(tokens: 1834), Sample(tokens: 2410, images: [576, 1024], loadedRank: 0)])
        let csv = "id,tokens,rank\n0,100,1\n1,200,\n"
        #expect(
            try SamplesFile.parse(Data(csv.utf8), source: "s.csv") == [
                Sample(tokens: 100, loadedRank: 1), Sample(tokens: 200),
            ])
        #expect(throws: SamplesFile.ParseError.self) {
            try SamplesFile.parse(Data(#"{"tokens": "many"}"#.utf8), source: "bad.jsonl")
        }
        #expect(throws: SamplesFile.ParseError.self) {
            try SamplesFile.parse(Data("length\n5\n".utf8), source: "bad.csv")
        }
    }

    /// Files saved on Windows or by Excel: CRLF line ends and a byte-order mark, read like the plain ones.
    @Test func samplesFilesFromWindowsParse() throws {
        let bom = Data([0xEF, 0xBB, 0xBF])
        let jsonl = #"{"tokens": 1834}"# + "\r\n" + #"{"tokens": 2410, "images": [576, 1024]}"# + "\r\n"
        #expect(
            try SamplesFile.parse(bom + Data(jsonl.utf8), source: "s.jsonl")
                == [Sample(tokens: 1834), Sample(tokens: 2410, images: [576, 1024])])
        let csv = "tokens,rank\r\n100,1\r\n200,0\r\n"
        #expect(
            try SamplesFile.parse(bom + Data(csv.utf8), source: "s.csv") == [
                Sample(tokens: 100, loadedRank: 1), Sample(tokens: 200, loadedRank: 0),
            ])
    }

    /// The CSV `images` column in the forms pandas and hand-written files use; quoted cells may hold commas.
    @Test func csvImagesColumnParses() throws {
        let csv = """
            id,tokens,images,rank
            "a, quoted id",3000,"[576, 1024]",0
            b,2000,,1
            c,5000,4000,1
            d,1200,100;200,0
            e,900,100 200,
            """
        #expect(
            try SamplesFile.parse(Data(csv.utf8), source: "s.csv") == [
                Sample(tokens: 3000, images: [576, 1024], loadedRank: 0), Sample(tokens: 2000, loadedRank: 1),
                Sample(tokens: 5000, images: [4000], loadedRank: 1),
                Sample(tokens: 1200, images: [100, 200], loadedRank: 0),
                Sample(tokens: 900, images: [100, 200]),
            ])
        func reason(_ text: String) -> String? {
            do {
                _ = try SamplesFile.parse(Data(text.utf8), source: "bad.csv")
                return nil
            } catch { return error.description }
        }
        #expect(reason("tokens,images\n100,x\n") == "bad.csv: line 2: images[0] = x: must be a whole number")
        #expect(reason("tokens,images\n100,\"[20\n") == "bad.csv: line 2: a quote is not closed")
    }
}
