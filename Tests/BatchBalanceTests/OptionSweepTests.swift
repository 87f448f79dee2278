import CostModel
import ExecutionPlan
import SolverFixtures
import Testing

@testable import BatchBalance

/// Every combination of the options on random batches, including more ranks than samples: a plan is either a clear
/// error or one that validates, sits at or above its bound, and is no slower than any baseline it reports.
@Suite struct OptionSweepTests {
    @Test(arguments: 0..<4)
    func everyOptionCombinationGivesAValidPlanOrAClearError(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed + 100))
        var plans = 0
        var splitPlans = 0
        for ranks in [1, 3, 8, 40] {
            for count in [1, 24, 72] {
                let multimodal = random.next() % 4 != 0
                let withOrigins = random.next() % 2 == 0
                var generator = LengthGenerator(seed: random.next())
                let samples = (0..<count).map { index -> Sample in
                    let drawn =
                        multimodal
                        ? generator.multimodal(maxImageTokens: 8192) : (generator.proLongLike(cap: 32768), [])
                    return Sample(tokens: drawn.0, images: drawn.1, loadedRank: withOrigins ? index % ranks : nil)
                }
                let largest = samples.map(\.tokens).max() ?? 1
                for flags in 0..<32 {
                    let separate = flags & 1 != 0
                    let sync = flags & 2 != 0
                    let keep = separate && flags & 4 != 0
                    let equal = flags & 8 != 0 && count % ranks == 0
                    let microBatches: Int? = flags & 16 != 0 ? 2 : nil
                    let cap: Int? = random.next() % 2 == 0 ? largest + Int(random.next() % 20_000) : nil
                    // Half the separate-phase plans may split heavy images (drawn, so the sweep keeps its size).
                    let split = separate && random.next() % 2 == 0
                    let options = BatchBalancer.Options(
                        ranks: ranks, microBatches: microBatches, equalCounts: equal, maxTokensPerMicroBatch: cap,
                        separateEncoder: separate, syncEveryPhase: sync, keepEncoderPhase: keep, splitImages: split)
                    var cost = BatchBalanceTests.cost
                    cost.encoderSplit = EncoderSplitCost(secondsPerToken: 2e-6, maxDegree: 8)
                    let result: BatchBalanceResult
                    do { result = try BatchBalancer(cost: cost, options: options).plan(samples) } catch {
                        // The errors a sweep can meet: too few samples for the micro-batches, or caps too tight.
                        switch error {
                        case .tooFewSamples, .capsInfeasible: continue
                        default:
                            Issue.record("\(options): \(error)")
                            continue
                        }
                    }
                    plans += 1
                    if result.encoder?.contains(where: { $0.shards != nil }) == true { splitPlans += 1 }
                    let plan = try result.executionPlan()
                    #expect(
                        plan.firstInvariantViolation() == nil,
                        "\(options): \(String(describing: plan.firstInvariantViolation()))")
                    #expect(result.lowerBoundSeconds <= result.stepSeconds * (1 + 1e-12))
                    for baseline in result.baselines {
                        #expect(result.stepSeconds <= baseline.stepSeconds * (1 + 1e-9), "\(options): \(baseline.name)")
                    }
                    #expect(result.ranks.flatMap { $0.microBatches.joined() }.sorted() == Array(0..<count))
                }
            }
        }
        #expect(plans > 100)
        #expect(splitPlans > 0, "no plan split an image")
    }
}
