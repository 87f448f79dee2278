import Foundation
import Testing

@testable import BatchBalance

/// `SpeedAwarePartitioner.improve` finds each swap's partner among a rank's distinct weights (`RankWeights`) instead of
/// scanning every item: it must pick the change the full scan picks, round after round.
@Suite struct SpeedAwareImproveTests {
    /// The full scan, as `improve` was until 2026-12-06, written as every change in scan order (other rank, item of
    /// the slowest, then a move and each lighter partner) and the first of the largest gain taken, which is what the
    /// sequential scan's strict comparisons keep.
    static func scanned(_ partitioner: SpeedAwarePartitioner, _ start: [[Int]], target: Double) -> [[Int]] {
        let (weights, speeds) = (partitioner.weights, partitioner.speeds)
        var contents = start
        for _ in 0..<400 {
            let loads = contents.map { $0.reduce(0) { $0 + weights[$1] } }
            let times = loads.indices.map { loads[$0] / speeds[$0] }
            let top = times.max() ?? 0
            // The slowest rank, the first on ties.
            guard let busiest = times.firstIndex(of: top), top > target * (1 + 1e-4), speeds.count > 1 else { break }
            var changes: [(gain: Double, item: Int, to: Int, partner: Int?)] = []
            for other in speeds.indices where other != busiest && times[other] < top {
                func gain(_ shift: Double) -> Double {
                    top - max((loads[busiest] - shift) / speeds[busiest], (loads[other] + shift) / speeds[other])
                }
                for item in contents[busiest] {
                    if partitioner.equalCount == nil { changes.append((gain(weights[item]), item, other, nil)) }
                    changes += contents[other].filter { weights[$0] < weights[item] }.map {
                        (gain(weights[item] - weights[$0]), item, other, $0)
                    }
                }
            }
            guard let most = changes.map(\.gain).max(), most > 1e-5 * top,
                let change = changes.first(where: { $0.gain == most })
            else { break }
            let (from, to) = exchange(
                contents, item: change.item, from: busiest, to: change.to, partner: change.partner)
            contents[busiest] = from
            contents[change.to] = to
        }
        return contents
    }

    /// Random batches (40-600 items, many of equal weight, 4-64 ranks, speeds from 0.25 to 2, with and without equal
    /// counts) from a poor start: the same assignment as the full scan.
    @Test(arguments: 0..<40)
    func picksWhatTheFullScanPicks(seed: Int) throws {
        // Weyl sequences (k·α mod 1), so the instances are the same on every machine.
        func spread(_ k: Int, _ alpha: Double) -> Double {
            (Double(k + 7 * seed) * alpha).truncatingRemainder(dividingBy: 1)
        }
        let bins = [4, 8, 16, 64][seed % 4]
        let count = 40 + Int(spread(1, 0.754877666) * 560)
        // Few distinct weights on even seeds, so ties between partners are common.
        let weights = (0..<count).map { k in
            seed % 2 == 0 ? Double(1 + Int(spread(k, 0.618033989) * 12)) : 1 + spread(k, 0.414213562) * 100
        }
        let speeds = (0..<bins).map { [0.25, 0.5, 1, 1, 1, 2][Int(spread($0, 0.732050808) * 6)] }
        let equal = seed % 3 == 0 ? count / bins : nil
        let partitioner = SpeedAwarePartitioner(
            weights: weights, tokens: weights.map { Int($0) }, speeds: speeds, equalCount: equal, cap: nil,
            microBatches: nil)
        // Round-robin start: far from balanced, so many rounds run.
        var start = [[Int]](repeating: [], count: bins)
        for item in 0..<count { start[item % bins].append(item) }
        let target = SpeedAwarePartitioner.lowerBound(weights, speeds: speeds)
        let fast = partitioner.improve(start, target: target)
        #expect(fast == Self.scanned(partitioner, start, target: target))
        #expect(partitioner.makespan(fast) < partitioner.makespan(start))
    }
}
