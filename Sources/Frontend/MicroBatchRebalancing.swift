import BatchBalance
import CostModel
import TraceAnalysis

/// The what-if report's micro-batch reassignment, planned by ParaPlan's batch balancer: each recorded micro-batch is
/// a sample whose cost is its measured compute (whole microseconds as tokens at 1 µs each, so the balancer's linear
/// cost is the measurement), every DP rank keeps its count, and the rank that ran it is its loaded rank (fewest moves
/// among equally fast plans).
enum MicroBatchRebalancing {
    static let balancer: MicroBatchBalancer = { weights, loaded, ranks in
        let cost = BatchBalanceCost(llm: PhaseCost(secondsPerToken: 1e-6, secondsPerToken2: 0))
        let samples = zip(weights, loaded).map { seconds, rank in
            Sample(tokens: max(1, Int((seconds * 1e6).rounded())), loadedRank: rank)
        }
        let planner = try BatchBalancer(cost: cost, options: .init(ranks: ranks, equalCounts: true))
        return try planner.plan(samples).ranks.map { $0.microBatches.flatMap { $0 } }
    }
}
