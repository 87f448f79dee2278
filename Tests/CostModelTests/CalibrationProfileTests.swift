import Foundation
import InputFiles
import Testing

@testable import CostModel

@Suite struct CalibrationProfileTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/profiles/h100-measured.yaml").path

    @Test func exampleProfileLoadsAndOverrides() throws {
        let profile = try CalibrationProfile.load(
            data: try #require(FileManager.default.contents(atPath: Self.path)), source: Self.path)
        #expect(profile.sequenceParallel?.alpha1 == 5.128e-9)
        #expect(profile.achievedFlopsPerSecond(gemmSize: 4096) == 620e12)
        #expect(profile.achievedFlopsPerSecond(gemmSize: 100_000) == 680e12)
        let midway = try #require(profile.achievedFlopsPerSecond(gemmSize: 2048))
        #expect(midway > 480e12 && midway < 620e12)
        #expect(profile.measuredBandwidths?.busBandwidth(.allReduce, ranks: 8) == 360e9)
        // An unmeasured rank count takes the nearest measured one on a log scale: 60 → 64.
        #expect(profile.measuredBandwidths?.busBandwidth(.allReduce, ranks: 60) == 180e9)

        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let cluster = try Cluster.preset("hgx-h100:2")
        let strategy = ParallelStrategy(
            tensorParallel: 2, dataParallel: 8, microBatch: 1, globalBatch: 64, sequenceLength: 4096,
            sequenceParallel: true)
        let derived = try IterationEstimator(model: model, cluster: cluster).estimate(strategy)
        let measured = try IterationEstimator(
            model: model, cluster: cluster, options: EstimateOptions(profile: profile)
        ).estimate(strategy)
        #expect(measured.breakdown.compute != derived.breakdown.compute)
        #expect(measured.breakdown.tensorParallel != derived.breakdown.tensorParallel)
    }

    /// An H100 profile on A100s claims more than the A100 can do
    /// (its MFU came out at 139 %): refused, naming the field.
    @Test func profileFromAnotherGPUIsRefused() throws {
        let profile = try CalibrationProfile.load(
            data: try #require(FileManager.default.contents(atPath: Self.path)), source: Self.path)
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let a100 = try Cluster.preset("dgx-a100:3")
        let strategy = ParallelStrategy(dataParallel: 24, globalBatch: 48, sequenceLength: 2048)
        do {
            _ = try IterationEstimator(model: model, cluster: a100, options: EstimateOptions(profile: profile))
                .estimate(strategy)
            Issue.record("estimated with an H100 profile on A100s")
        } catch {
            #expect(error.field == "achievedFlops[0].flopsPerSecond" && error.reason.contains("a100-80gb"), "\(error)")
        }
        #expect(throws: Never.self) { try profile.validate(for: try Cluster.preset("hgx-h100:1").gpu, source: "p") }
    }

    @Test func badProfilesNameTheField() {
        func problem(_ yaml: String) -> CostModelError? {
            do {
                _ = try CalibrationProfile.load(data: Data(yaml.utf8), source: "p.yaml")
                return nil
            } catch { return error }
        }
        #expect(problem("busBandwidth: { all-shuffle: { \"8\": 1.0e9 } }")?.value == "all-shuffle")
        #expect(problem("busBandwidth: { all-reduce: { \"8\": -1 } }")?.field == "busBandwidth.all-reduce.8")
        #expect(problem("computeEfficiency: 1.5")?.field == "computeEfficiency")
        #expect(problem("colour: red")?.field == "colour")
        #expect(problem("- just\n- a list")?.reason.contains("mapping") == true)
    }
}
