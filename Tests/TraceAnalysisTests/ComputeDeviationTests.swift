import CostModel
import Foundation
import SolverFixtures
import Testing
import TraceAnalysis

/// The spread of a worker's compute per step against its peers': recovered on generated traces of known spread, and
/// the source of the cost model's `SynchronisationJitter.relativeDeviation` on the two healthy published traces.
@Suite struct ComputeDeviationTests {
    static let shape = JobShape(name: "synthetic", dataParallel: 8, pipelineParallel: 4)

    /// Each operation of the generator deviates uniformly by up to ±jitter, so a step's compute (m forwards of 0.05 s,
    /// m backwards of 0.1 s) deviates by jitter/√3 · √(m·(0.05² + 0.1²)) / (m · 0.15).
    static func expected(jitter: Double, microBatches m: Int) -> Double {
        jitter / 3.0.squareRoot() * (Double(m) * (0.05 * 0.05 + 0.1 * 0.1)).squareRoot() / (Double(m) * 0.15)
    }

    @Test(arguments: [(0.02, 8), (0.05, 4), (0.01, 16)])
    func recoversAGeneratedSpread(jitter: Double, microBatches: Int) throws {
        var trace = SyntheticTrace(shape: Self.shape, microBatches: microBatches, steps: 30)
        trace.jitter = jitter
        let measured = try #require(ComputeDeviation.measure(trace.operations()))
        #expect(measured.degreesOfFreedom == 30 * 4 * 7)
        #expect(measured.excluded.isEmpty)
        #expect(abs(measured.relative / Self.expected(jitter: jitter, microBatches: microBatches) - 1) < 0.1)
    }

    @Test func leavesOutAPersistentlySlowWorker() throws {
        let slow = Worker(dataParallelRank: 5, stage: 2)
        var trace = SyntheticTrace(shape: Self.shape, microBatches: 8, steps: 30)
        trace.slowWorker = (slow, 1.3, nil)
        let measured = try #require(ComputeDeviation.measure(trace.operations()))
        #expect(measured.excluded == [slow])
        #expect(abs(measured.relative / Self.expected(jitter: 0.02, microBatches: 8) - 1) < 0.1)
    }

    @Test func noPeersNoMeasure() throws {
        let shape = JobShape(name: "one replica", dataParallel: 1, pipelineParallel: 4)
        #expect(
            try ComputeDeviation.measure(SyntheticTrace(shape: shape, microBatches: 4, steps: 3).operations()) == nil)
    }

    static func measured(_ folder: URL, _ name: String) throws -> ComputeDeviation.Measured? {
        let trace = folder.appendingPathComponent("trace-\(name).csv")
        return ComputeDeviation.measure(try TraceReader.operations(csv: Data(contentsOf: trace), source: trace.path))
    }

    /// ST (8 workers, two DP ranks per stage) ships with the repository; its spread is within 25 % of the constant.
    @Test func stageImbalanceTraceSpread() throws {
        let st = try #require(
            try Self.measured(PublishedTraceTests.root.appendingPathComponent("Examples/traces"), "ST"))
        #expect(st.excluded.isEmpty && st.degreesOfFreedom == 32 * 4)
        #expect(abs(st.relative / SynchronisationJitter.relativeDeviation - 1) < 0.25)
    }

    /// The constant is AR (its slowed worker left out) and ST pooled, to two significant figures.
    @Test(.enabled(if: PublishedTraceTests.sharedTracesPresent, "../shared/data/straggler-traces not present"))
    func constantIsTheHealthyTracesPooled() throws {
        let ar = try #require(try Self.measured(PublishedTraceTests.sharedTraces, "AR"))
        let st = try #require(
            try Self.measured(PublishedTraceTests.root.appendingPathComponent("Examples/traces"), "ST"))
        #expect(ar.excluded == [Worker(dataParallelRank: 0, stage: 0)])
        let pooled =
            ((ar.relative * ar.relative * Double(ar.degreesOfFreedom) + st.relative * st.relative
            * Double(st.degreesOfFreedom)) / Double(ar.degreesOfFreedom + st.degreesOfFreedom)).squareRoot()
        print(
            "AR \(ar.relative) (\(ar.degreesOfFreedom)), ST \(st.relative) (\(st.degreesOfFreedom)), pooled \(pooled)")
        #expect(abs(pooled - SynchronisationJitter.relativeDeviation) < 0.00005)
        // SE's spread is its sequence-length imbalance, twenty times the healthy traces'.
        let se = try #require(try Self.measured(PublishedTraceTests.sharedTraces, "SE"))
        #expect(se.relative > 20 * pooled)
    }

    /// One operation's spread: the generator's uniform ±jitter has standard deviation jitter/√3 of each operation.
    @Test func recoversAGeneratedOperationSpread() throws {
        var trace = SyntheticTrace(shape: Self.shape, microBatches: 8, steps: 20)
        trace.jitter = 0.03
        let measured = try #require(ComputeDeviation.measurePerOperation(trace.operations()))
        #expect(measured.degreesOfFreedom == 20 * 4 * 8 * 2 * 7)
        #expect(abs(measured.relative / (0.03 / 3.0.squareRoot()) - 1) < 0.1)
        // Operations stray more than the step they add up to.
        let perStep = try #require(ComputeDeviation.measure(trace.operations()))
        #expect(measured.relative > 2 * perStep.relative)
    }

    /// `SynchronisationJitter.operationDeviation` is AR (its slowed worker left out) and ST pooled per operation.
    @Test(.enabled(if: PublishedTraceTests.sharedTracesPresent, "../shared/data/straggler-traces not present"))
    func operationConstantIsTheHealthyTracesPooled() throws {
        func perOperation(_ folder: URL, _ name: String) throws -> ComputeDeviation.Measured? {
            let trace = folder.appendingPathComponent("trace-\(name).csv")
            let operations = try TraceReader.operations(csv: Data(contentsOf: trace), source: trace.path)
            return ComputeDeviation.measurePerOperation(
                operations, excluding: ComputeDeviation.measure(operations)?.excluded ?? [])
        }
        let ar = try #require(try perOperation(PublishedTraceTests.sharedTraces, "AR"))
        let st = try #require(
            try perOperation(PublishedTraceTests.root.appendingPathComponent("Examples/traces"), "ST"))
        #expect(ar.excluded == [Worker(dataParallelRank: 0, stage: 0)])
        let pooled =
            ((ar.relative * ar.relative * Double(ar.degreesOfFreedom) + st.relative * st.relative
            * Double(st.degreesOfFreedom)) / Double(ar.degreesOfFreedom + st.degreesOfFreedom)).squareRoot()
        print("per operation: AR \(ar.relative) (\(ar.degreesOfFreedom)), ST \(st.relative) (\(st.degreesOfFreedom))")
        #expect(abs(pooled - SynchronisationJitter.operationDeviation) < 0.00001)
        #expect(ar.degreesOfFreedom == 30976 && st.degreesOfFreedom == 1024)
    }

    /// Durations too short to square (1e-200 s, which the reader accepts) leave their operations out instead of
    /// making the spread NaN; the other operations still count.
    @Test func tinyDurationsAreLeftOut() throws {
        func operations(_ durations: [Double]) -> [TraceOperation] {
            durations.enumerated().map { rank, duration in
                TraceOperation(
                    worker: Worker(dataParallelRank: rank % 2, stage: 0), globalRank: rank % 2, step: rank / 2,
                    kind: .forwardCompute, start: 0, duration: duration, sequence: 0)
            }
        }
        #expect(ComputeDeviation.measurePerOperation(operations([1e-200, 3e-200])) == nil)
        let mixed = try #require(ComputeDeviation.measurePerOperation(operations([1e-200, 3e-200, 1.0, 1.1])))
        #expect(mixed.degreesOfFreedom == 1 && mixed.relative.isFinite)
        #expect(abs(mixed.relative - (2 * 0.05 * 0.05).squareRoot() / 1.05) < 1e-12)
        // Per step, worker 1 is 50 % above its peer in one of the two steps: left out as slow, nothing is measured.
        #expect(ComputeDeviation.measure(operations([1e-200, 3e-200, 1.0, 1.1]))?.relative.isFinite ?? true)
    }
}
