import CostModel
import Testing

@testable import SequenceParallel

/// Time rows in the lower bound (docs/sequence-parallel.md §Lower bound): a sequence's degree decides both its work
/// and its time, so where its cheapest degree is slower than its micro-batch, it must pay for a wider one. The rows
/// must never cut off a plan (brute force on tiny instances), the lazy solve must give what solving every case with
/// rows gives, and they must raise the bound where many sequences need wide groups.
@Suite struct TimeRowBoundTests {
    @Test(arguments: 0..<24)
    func rowsNeverExceedTheOptimum(seed: Int) throws {
        let instance = BruteForceTests.tinyInstance(seed: UInt64(5000 + seed), minimum: 3, spread: 6)
        let cost = instance.cost
        let lengths = instance.lengths.map(Double.init)
        let optimum = BruteForce(cost: cost, lengths: lengths).optimum()
        // Share 0: every bucket with a choice of degrees gets rows.
        let withRows = try #require(LowerBound(cost: cost, lengths: lengths).compute(timeRowShare: 0))
        let without = try #require(LowerBound(cost: cost, lengths: lengths).compute(timeRowShare: .infinity))
        #expect(withRows <= optimum + 1e-9, "bound \(withRows) above optimum \(optimum) for \(lengths)")
        #expect(withRows >= without - 1e-9)
        // Degree indicators (`IntegralDegreeBoundTests`) on every single-sequence bucket, not only the two longest.
        let indicators = try #require(
            LowerBound(cost: cost, lengths: lengths).compute(timeRowShare: 0, integralSequences: 1_000))
        let rowsOnly = try #require(
            LowerBound(cost: cost, lengths: lengths).compute(timeRowShare: 0, integralSequences: 0))
        #expect(indicators <= optimum + 1e-9, "bound \(indicators) above optimum \(optimum) for \(lengths)")
        #expect(indicators >= rowsOnly - 1e-9)
    }

    @Test func rowsBindOnSomeTinyInstance() {
        // Rows can only help where a sequence's cheapest degree is too slow: among these instances some must gain.
        let gains = (0..<40).filter { seed in
            var generator = SplitMix(seed: UInt64(7000 + seed))
            let cost = BruteForceTests.tinyCost(gpus: 8)
            let lengths = (0..<6).map { _ in Double(200 + Int(generator.next() % 23_800)) }
            let withRows = LowerBound(cost: cost, lengths: lengths).compute(timeRowShare: 0) ?? 0
            let without = LowerBound(cost: cost, lengths: lengths).compute(timeRowShare: .infinity) ?? 0
            return withRows > without * (1 + 1e-6)
        }
        #expect(!gains.isEmpty)
    }

    /// A Pareto-like tail on 64 GPUs (a few sequences that need wide groups, many short ones), with the two longest
    /// taken out and the rest bucketed as `computeGuided` buckets them.
    struct PinnedInstance {
        var bound: LowerBound
        var longest: Double, second: Double
        var rest: [Double]
        var buckets: [(count: Double, length: Double, work: Double)]
        var microBatches: ClosedRange<Int>
    }

    static func paretoInstance(seed: UInt64, count: Int) -> PinnedInstance {
        var random = SplitMix(seed: seed)
        let cost = SequenceParallelCost.flexSPGPT7B(gpus: 64)
        let lengths = (0..<count).map { _ in
            let u = Double(random.next() % 10_000) / 10_000
            return (256 * (1 / (1 - u * 0.995)).squareRoot() * 8).rounded()
        }
        var sorted = lengths.sorted()
        let longest = sorted.removeLast()
        let second = sorted.removeLast()
        let work = { (s: Double) in
            cost.degrees.filter { cost.fits(s, degree: $0) }.map { Double($0) * cost.time(s, degree: $0) }.min()
                ?? .infinity
        }
        let buckets = LowerBound.buckets(sorted, ratio: 1.01).map {
            (count: $0.count, length: $0.length, work: work($0.length))
        }
        let memoryMinimum = Int((lengths.reduce(0, +) / (64 * cost.tokensPerGPU)).rounded(.up))
        return PinnedInstance(
            bound: LowerBound(cost: cost, lengths: lengths), longest: longest, second: second, rest: sorted,
            buckets: buckets, microBatches: memoryMinimum...(memoryMinimum + 1))
    }

    @Test(arguments: 0..<6)
    func lazyRowsMatchRowsInEveryCase(seed: Int) throws {
        let instance = Self.paretoInstance(seed: UInt64(900 + seed), count: 300)
        let (bound, longest, second, buckets) = (instance.bound, instance.longest, instance.second, instance.buckets)
        for microBatches in instance.microBatches {
            let lazy = bound.pinnedBound(
                microBatches: microBatches, longest: longest, second: second, buckets: buckets,
                timeRowsAbove: 0)
            let eager = bound.pinnedBound(
                microBatches: microBatches, longest: longest, second: second, buckets: buckets,
                timeRowsAbove: 0, lazily: false)
            let a = try #require(lazy)
            let b = try #require(eager)
            // Equal up to the LP solver's tolerance (the lazy solve leaves out columns that its solution shows idle).
            #expect(abs(a - b) <= 1e-5 * b, "M \(microBatches): lazy \(a), every case \(b)")
            #expect(a <= b * (1 + 1e-5))
        }
    }

    /// One micro-batch on 1,024 GPUs: 20 sequences of 30K-100K tokens, 100 of 10K-30K, 180 of 5K-10K. At their
    /// cheapest degrees most would outlast the micro-batch.
    static func wideGroupsInstance() -> (cost: SequenceParallelCost, lengths: [Double]) {
        var random = SplitMix(seed: 4242)
        func draw(_ low: Int, _ high: Int) -> Double { Double(low + Int(random.next() % UInt64(high - low))) }
        let lengths =
            (0..<20).map { _ in draw(30_000, 100_000) } + (0..<100).map { _ in draw(10_000, 30_000) }
            + (0..<180).map { _ in draw(5_000, 10_000) }
        return (SequenceParallelCost.flexSPGPT7BWide(gpus: 1024), lengths)
    }

    @Test func rowsRaiseTheBoundWhereSequencesNeedWideGroups() throws {
        let (cost, lengths) = Self.wideGroupsInstance()
        let withRows = try #require(LowerBound(cost: cost, lengths: lengths).compute())
        let without = try #require(LowerBound(cost: cost, lengths: lengths).compute(timeRowShare: .infinity))
        #expect(withRows > without * 1.01, "rows \(withRows), without \(without)")
        let plan = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths.map { Int($0) })
        #expect(withRows <= plan.stepSeconds)
    }
}

extension SequenceParallelCost {
    /// FlexSP's profile on more than 64 GPUs: wider groups keep the 64-GPU bandwidth (as the benchmark does).
    static func flexSPGPT7BWide(gpus: Int) -> SequenceParallelCost {
        var copy = SequenceParallelCost.flexSPGPT7B(gpus: gpus)
        let widest = copy.bandwidth[64] ?? 1
        var degree = 128
        while degree <= gpus {
            copy.bandwidth[degree] = widest
            degree *= 2
        }
        return copy
    }
}
