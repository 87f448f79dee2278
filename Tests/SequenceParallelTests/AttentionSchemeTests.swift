import CostModel
import ExecutionPlan
import Foundation
import InputFiles
import SequenceParallel
import Testing

/// Ring attention and Ulysses × ring hybrids: the formulas by hand, each group's scheme the fastest for its
/// sequences, profile files that state schemes, and plans whose schemes do not add up refused.
@Suite struct AttentionSchemeTests {
    /// A small profile with one hybrid and one pure ring at degree 8 (numbers chosen to make the arithmetic plain).
    static func cost() -> SequenceParallelCost {
        var cost = SequenceParallelCost(
            gpus: 8, gpusPerNode: 4, alpha1: 1e-9, alpha2: 1e-5, beta1: 0.01, bytesPerToken: 1e6,
            bandwidth: [2: 1e11, 4: 1e11, 8: 1e10], tokensPerGPU: 1e6)
        cost.maxUlyssesDegree = 4
        cost.ringBytesPerToken = 2e5
        cost.schemes = [
            8: [
                .init(ulysses: 4, ring: 2, ringBandwidth: 2e10, ringStepLatency: 1e-4),
                .init(ulysses: 1, ring: 8, ringBandwidth: 2e10, ringStepLatency: 1e-4),
            ]
        ]
        return cost
    }

    @Test func timesFollowTheFormulas() throws {
        let cost = Self.cost()
        let s = 80_000.0
        let d = 8.0
        let compute = (1e-9 * s * s + 1e-5 * s) / d
        // Hybrid: all-to-all over 4 ranks on s/8 tokens each, one ring step of s/8 tokens against α1·s²/(8·2).
        let step = 1e-4 + 2e5 * (s / d) / 2e10
        let attention = 1e-9 * s * (s / d) / 2
        let hybrid = compute + 1e6 * (s / d) / 1e11 + (max(0, step - attention) + 0.13 * min(step, attention))
        #expect(abs(cost.time(s, degree: 8, scheme: cost.candidates(degree: 8)[0]) - hybrid) <= 1e-12 * hybrid)
        // Pure ring: seven steps, each against α1·s²/(8·8).
        let ringAttention = 1e-9 * s * (s / d) / 8
        let ring = compute + 7 * (max(0, step - ringAttention) + 0.13 * min(step, ringAttention))
        #expect(abs(cost.time(s, degree: 8, scheme: cost.candidates(degree: 8)[1]) - ring) <= 1e-12 * ring)
        // Pure Ulysses at 8 exceeds maxUlyssesDegree: not a candidate; the packer's time is the faster of the two.
        #expect(cost.candidates(degree: 8).count == 2)
        #expect(
            cost.time(s, degree: 8) == min(hybrid, ring)
                || abs(cost.time(s, degree: 8) - min(hybrid, ring)) <= 1e-12 * ring)
        let parts = cost.parts(s, degree: 8)
        #expect(abs(parts.compute + parts.communication - cost.time(s, degree: 8)) <= 1e-15 * ring)
        // Degrees without schemes keep FlexSP's formula to the last bit.
        #expect(cost.time(s, degree: 4) == compute * 2 + 1e6 * s / (4 * 1e11))
        try cost.validate(source: "test")
    }

    @Test func eachGroupRunsTheFastestSchemeForItsSequences() throws {
        let cost = Self.cost()
        let lengths = [400_000, 300_000, 60_000, 50_000, 4_000, 3_000, 2_000, 1_000]
        let result = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths)
        let plan = try result.executionPlan()
        #expect(plan.firstInvariantViolation() == nil)
        for microBatch in result.microBatches {
            var busiest = 0.0
            for group in microBatch.groups {
                let stated = try cost.scheme(degree: group.degree, ulysses: group.ulysses, ring: group.ring).get()
                let seconds = { (scheme: SequenceParallelCost.AttentionScheme) in
                    group.sequences.reduce(0.0) {
                        $0 + cost.time(Double(lengths[$1]), degree: group.degree, scheme: scheme)
                    }
                }
                for other in cost.candidates(degree: group.degree) { #expect(seconds(stated) <= seconds(other)) }
                busiest = max(busiest, seconds(stated))
            }
            #expect(abs(busiest + cost.beta1 - microBatch.predictedSeconds) <= 1e-9 * microBatch.predictedSeconds)
        }
        #expect(result.microBatches.flatMap(\.groups).contains { $0.degree == 8 && $0.ring != nil })
        // The bound prices each sequence at its own fastest scheme: still below the plan.
        #expect(try #require(result.lowerBoundSeconds) <= result.stepSeconds)
    }

    @Test func profileFilesStateSchemesAndAreChecked() throws {
        let base = """
            kind: sequence-parallel
            gpus: 8
            gpusPerNode: 4
            alpha1: 1.0e-9
            alpha2: 1.0e-5
            beta1: 0.01
            bytesPerToken: 1.0e6
            bandwidth: {2: 1.0e11, 4: 1.0e11}
            tokensPerGPU: 100000
            maxUlyssesDegree: 4
            ringBytesPerToken: 2.0e5
            """
        let good = base + "\nschemes: {8: [{ulysses: 4, ring: 2, ringBandwidth: 2.0e10, ringStepLatency: 1.0e-4}]}\n"
        let cost = try SequenceParallelCost.load(data: Data(good.utf8), source: "p.yaml")
        #expect(cost.degrees == [1, 2, 4, 8])
        #expect(cost.candidates(degree: 8) == [.init(ulysses: 4, ring: 2, ringBandwidth: 2e10, ringStepLatency: 1e-4)])
        func failure(_ text: String) -> String {
            do {
                _ = try SequenceParallelCost.load(data: Data(text.utf8), source: "p.yaml")
                return ""
            } catch { return error.description }
        }
        #expect(
            failure(base + "\nschemes: {8: [{ulysses: 4, ring: 4, ringBandwidth: 2.0e10}]}\n").contains("schemes.8[0]"))
        #expect(
            failure(base + "\nschemes: {8: [{ulysses: 8, ring: 1, ringBandwidth: 2.0e10}]}\n").contains(
                "ring of at least 2"))
        #expect(failure(base + "\nschemes: {8: [{ulysses: 4, ring: 2}]}\n").contains("ringBandwidth"))
        #expect(
            failure(base + "\nschemes: {8: [{ulysses: 4, ring: 2, ringBandwidth: 2.0e10, speed: 1}]}\n").contains(
                "schemes"))
        #expect(
            failure(
                base.replacingOccurrences(of: "ringBytesPerToken: 2.0e5", with: "ringBytesPerToken: 0")
                    + "\nschemes: {8: [{ulysses: 4, ring: 2, ringBandwidth: 2.0e10}]}\n"
            ).contains("ringBytesPerToken"))
        // Without a ring scheme, a degree past maxUlyssesDegree is not offered.
        #expect(try SequenceParallelCost.load(data: Data(base.utf8), source: "p.yaml").degrees == [1, 2, 4])
    }

    @Test func plansWhoseSchemesDoNotAddUpAreRefused() throws {
        let cost = Self.cost()
        let lengths = [400_000, 300_000, 60_000, 4_000]
        var plan = try SequenceParallelPlanner(cost: cost).plan(lengths: lengths).executionPlan()
        let (batch, group) = try #require(
            plan.body.microBatches.indices.lazy.compactMap { b in
                plan.body.microBatches[b].groups.firstIndex { $0.ring != nil }.map { (b, $0) }
            }.first)
        plan.body.microBatches[batch].groups[group].ring = 4
        #expect(plan.firstInvariantViolation()?.path.hasSuffix(".ring") == true)
        plan.body.microBatches[batch].groups[group].ring = nil
        #expect(plan.firstInvariantViolation()?.path.hasSuffix(".ring") == true)
        // A scheme the profile does not run is named.
        #expect(throws: SequenceParallelCost.SchemeMismatch.self) {
            try cost.scheme(degree: 8, ulysses: 8, ring: 1).get()
        }
    }
}
