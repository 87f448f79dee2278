import CostModel
import Foundation
import Testing

/// The wait for the slowest worker (docs/cost-model.md §Scale): Blom's expected maximum against the exact integral,
/// the estimator's term, and a profile's measured spread.
@Suite struct SynchronisationJitterTests {
    /// E[max of n standard normals] = ∫ x · n φ(x) Φ(x)^(n−1) dx, by the trapezoid rule on [−10, 10].
    static func exactMaximum(_ n: Int) -> Double {
        let step = 1e-3
        var sum = 0.0
        for i in 0...20_000 {
            let x = -10 + Double(i) * step
            let density = exp(-x * x / 2) / (2 * Double.pi).squareRoot()
            let cumulative = erfc(-x / 2.0.squareRoot()) / 2
            let weight = i == 0 || i == 20_000 ? 0.5 : 1
            sum += weight * x * Double(n) * density * pow(cumulative, Double(n - 1))
        }
        return sum * step
    }

    @Test(arguments: [(2, 0.05), (4, 0.02), (16, 0.01), (100, 0.01), (1000, 0.01), (16384, 0.01)])
    func blomIsCloseToTheExactMaximum(workers: Int, tolerance: Double) {
        let exact = Self.exactMaximum(workers)
        #expect(abs(SynchronisationJitter.expectedMaximum(of: workers) / exact - 1) < tolerance, "exact \(exact)")
    }

    @Test func oneWorkerWaitsForNobody() {
        #expect(SynchronisationJitter.expectedMaximum(of: 1) == 0)
        #expect(SynchronisationJitter.expectedMaximum(of: 0) == 0)
        #expect(SynchronisationJitter.wait(compute: 10, workers: 1) == 0)
    }

    /// The estimator charges σ · E[max of GPUs ÷ (TP × CP)] of the compute, once per step, σ the step's spread.
    @Test(arguments: [(1, 1, 64), (4, 2, 64), (8, 1, 8), (2, 2, 256)])
    func theEstimatorChargesTheSlowestWorkersLead(tp: Int, cp: Int, gpus: Int) throws {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let cluster = try Cluster.preset("hgx-h100:\(gpus / 8)")
        let strategy = ParallelStrategy(
            tensorParallel: tp, dataParallel: gpus / (tp * cp), contextParallel: cp, microBatch: 1,
            globalBatch: 2 * gpus / (tp * cp), sequenceLength: 8192, sequenceParallel: tp > 1)
        let estimate = try IterationEstimator(model: model, cluster: cluster).estimate(strategy)
        let b = estimate.breakdown
        let expected =
            SynchronisationJitter.stepDeviation() * SynchronisationJitter.expectedMaximum(of: gpus / (tp * cp))
            * b.compute
        #expect(abs(b.synchronisation - expected) < 1e-12 * max(1, expected))
        #expect((b.synchronisation == 0) == (gpus == tp * cp))
        let parts =
            b.compute + b.tensorParallel + b.contextParallel + b.expertParallel + b.pipelineTransfers
            + b.pipelineBubble + b.dataParallel + b.optimizer + b.cpuOffload + b.synchronisation
        #expect(abs(parts - estimate.iterationSeconds) < 1e-9 * estimate.iterationSeconds)
    }

    /// Llama-3-8B's wait for the slowest worker at TP 2 × DP 32 on 64 H100s, BF16 or delayed FP8, under `profile`.
    static func wait(_ profile: CalibrationProfile, fp8: Bool) throws -> Double {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let strategy = ParallelStrategy(
            tensorParallel: 2, dataParallel: 32, microBatch: 1, globalBatch: 64, sequenceLength: 8192,
            sequenceParallel: true, fp8: fp8, fp8Recipe: .delayed)
        return try IterationEstimator(
            model: model, cluster: try Cluster.preset("hgx-h100:8"), options: EstimateOptions(profile: profile)
        )
        .estimate(strategy).breakdown.synchronisation
    }

    /// A profile's `computeDeviation` (what `whatif` measures on the user's own trace) replaces the constant.
    @Test func aProfileSetsTheSpread() throws {
        func wait(_ deviation: Double?) throws -> Double {
            try Self.wait(CalibrationProfile(computeDeviation: deviation), fp8: false)
        }
        let standard = try wait(nil)
        let clusterOnly = try wait(0)
        #expect(clusterOnly > 0 && clusterOnly < standard)
        // Variances add: the compute's part of the squared wait scales with the square of its spread.
        let doubled = try wait(2 * SynchronisationJitter.relativeDeviation)
        let share = (doubled * doubled - clusterOnly * clusterOnly) / (standard * standard - clusterOnly * clusterOnly)
        #expect(abs(share - 4) < 1e-9)
        for bad in [-0.01, 0.51, Double.nan, Double.infinity] {
            #expect { try wait(bad) } throws: { ($0 as? CostModelError)?.field == "computeDeviation" }
        }
    }

    /// The cluster's spread (`clusterDeviation`, fitted on the published runs) adds to the compute's in quadrature; a
    /// profile replaces it, 0 leaves the compute's alone, and bad values are refused by name.
    @Test func theClustersSpreadAddsInQuadrature() throws {
        let (compute, cluster) = (SynchronisationJitter.relativeDeviation, SynchronisationJitter.clusterDeviation)
        #expect(
            abs(SynchronisationJitter.stepDeviation() - (compute * compute + cluster * cluster).squareRoot()) < 1e-15)
        func wait(compute: Double?, cluster: Double?) throws -> Double {
            try Self.wait(CalibrationProfile(computeDeviation: compute, clusterDeviation: cluster), fp8: false)
        }
        let standard = try wait(compute: nil, cluster: nil)
        let computeOnly = try wait(compute: nil, cluster: 0)
        #expect(abs(standard / computeOnly - SynchronisationJitter.stepDeviation() / compute) < 1e-12)
        #expect(abs(try wait(compute: 0.003, cluster: 0.004) / computeOnly - 0.005 / compute) < 1e-12)
        #expect(try wait(compute: 0, cluster: 0) == 0)
        for bad in [-0.01, 0.51, Double.nan, Double.infinity] {
            #expect { try wait(compute: nil, cluster: bad) } throws: {
                ($0 as? CostModelError)?.field == "clusterDeviation"
            }
        }
    }

    /// Delayed FP8 scaling all-reduces its amaxes over TP × DP × CP after every micro-batch's forward and backward, so
    /// a stage's DP peers meet at each operation: σ_op · E[max of DP] of the compute, where that exceeds the once-a-step
    /// wait. Current and blockwise scaling, and BF16, meet once a step.
    @Test(arguments: [(1, 64), (2, 64), (8, 128), (4, 8)])
    func delayedScalingMeetsAtEveryMicroBatch(tp: Int, gpus: Int) throws {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let cluster = try Cluster.preset("hgx-h100:\(gpus / 8)")
        func estimate(fp8: Bool, recipe: FP8Recipe) throws -> IterationEstimate {
            let strategy = ParallelStrategy(
                tensorParallel: tp, dataParallel: gpus / tp, microBatch: 1, globalBatch: 4 * gpus / tp,
                sequenceLength: 4096, sequenceParallel: tp > 1, fp8: fp8, fp8Recipe: recipe)
            return try IterationEstimator(model: model, cluster: cluster).estimate(strategy)
        }
        let delayed = try estimate(fp8: true, recipe: .delayed).breakdown
        let peers = gpus / tp
        let perOperation =
            SynchronisationJitter.operationDeviation * SynchronisationJitter.expectedMaximum(of: peers)
            * delayed.compute
        let perStep =
            SynchronisationJitter.stepDeviation() * SynchronisationJitter.expectedMaximum(of: peers) * delayed.compute
        #expect(abs(delayed.synchronisation - max(perOperation, perStep)) < 1e-12 * delayed.synchronisation)
        #expect(perOperation > perStep, "meeting at every operation costs more than once a step")
        for recipe in [FP8Recipe.current, .blockwise] {
            let other = try estimate(fp8: true, recipe: recipe).breakdown
            let expected =
                SynchronisationJitter.stepDeviation() * SynchronisationJitter.expectedMaximum(of: peers)
                * other.compute
            #expect(abs(other.synchronisation - expected) < 1e-12 * expected, "\(recipe)")
        }
        let bf16 = try estimate(fp8: false, recipe: .delayed).breakdown
        #expect(abs(bf16.synchronisation / bf16.compute - perStep / delayed.compute) < 1e-12)
    }

    /// A profile's `operationDeviation` (what `whatif` measures per micro-batch operation) replaces that constant, and
    /// bad values are refused by name.
    @Test func aProfileSetsTheOperationSpread() throws {
        func wait(_ deviation: Double?) throws -> Double {
            try Self.wait(CalibrationProfile(operationDeviation: deviation), fp8: true)
        }
        let standard = try wait(nil)
        #expect(abs(try wait(2 * SynchronisationJitter.operationDeviation) / standard - 2) < 1e-12)
        // Without spread between operations the once-a-step wait is what remains (its workers are the DP ranks here).
        let ratio = SynchronisationJitter.stepDeviation() / SynchronisationJitter.operationDeviation
        #expect(abs(try wait(0) / standard - ratio) < 1e-12)
        for bad in [-0.01, 0.51, Double.nan, Double.infinity] {
            #expect { try wait(bad) } throws: { ($0 as? CostModelError)?.field == "operationDeviation" }
        }
    }
}
