import Foundation

/// A second search across micro-batches, for steps the bound says are far from optimal (docs/sequence-parallel.md
/// §Optimizer, "Threshold accepting"). The exchange search only takes changes that lower the step, out of the slowest
/// micro-batch, and stops at the first step none of them lowers. Batches of long sequences stop there 8-13 % above
/// the bound. This search takes every micro-batch's busiest group as a source, and accepts a change that raises the
/// step by less than a threshold that shrinks to nothing (Dueck and Scheuer's threshold accepting, 1990), so it can
/// leave such a step; the best step it passes is returned.
///
/// Each iteration picks a source micro-batch, a target, a sequence of the source's busiest group (only those can
/// shorten it) and either a move, a swap with any of the target's sequences or a swap with a shorter one. The picks
/// follow Weyl sequences (k·α mod 1 for four irrationals α): deterministic, spread evenly, no random generator.
struct ThresholdAcceptingSearch {
    let exchange: MicroBatchExchange
    var iterations = 3_000
    /// The first threshold, as a share of the mean micro-batch time; it shrinks geometrically to a thousandth of that.
    static let startShare = 0.01
    static let endRatio = 1e-3

    /// A micro-batch under search: its sequences and its packing.
    private typealias Batch = (sequences: [Int], built: BuiltMicroBatch)

    /// The best step passed; `step` itself when none beats it. It runs all its iterations, as the exchange search
    /// runs all its re-packings once started, so a plan does not depend on the clock (the planner starts it only
    /// within the time budget; the iterations bound its cost).
    func improve(_ step: [BuiltMicroBatch]) -> [BuiltMicroBatch] {
        guard step.count > 1 else { return step }
        var batches: [Batch] = step.map { built in
            let placed = exchange.layout != nil && built.firstRanks == nil ? exchange.placedOnRanks(built) : built
            return (exchange.ordered(built.groups.flatMap(\.sequences)), placed)
        }
        var total = batches.reduce(0) { $0 + $1.built.seconds }
        let initial = total
        var best = (total: total, batches: batches)
        var picks = WeylPicks()
        let start = Self.startShare * total / Double(batches.count)
        let lengths = exchange.packer.table.lengths
        for iteration in 0..<iterations {
            let threshold = total + start * pow(Self.endRatio, Double(iteration) / Double(iterations))
            let source = picks.next(0, count: batches.count)
            let target = (source + 1 + picks.next(1, count: batches.count - 1)) % batches.count
            let sequences = batches[source].sequences
            let built = batches[source].built
            guard let index = exchange.busiestGroup(of: built), !built.groups[index].sequences.isEmpty else { continue }
            let busiest = built.groups[index].sequences
            let candidate = busiest[picks.next(2, count: busiest.count)]
            var out = sequences.filter { $0 != candidate }
            var into = batches[target].sequences + [candidate]
            let choice = picks.next(3, count: 3 * max(1, batches[target].sequences.count))
            if choice % 3 > 0 {
                let pool =
                    choice % 3 == 1
                    ? batches[target].sequences
                    : batches[target].sequences.filter { lengths[$0] < lengths[candidate] }
                if !pool.isEmpty {
                    let returned = pool[(choice / 3) % pool.count]
                    out.append(returned)
                    into.removeAll { $0 == returned }
                }
            }
            let rest = total - batches[source].built.seconds - batches[target].built.seconds
            // `packed` takes its cap without β1 (an empty micro-batch costs nothing whatever the cap).
            let beta1 = exchange.beta1
            guard let fromPacked = exchange.packed(out, cap: threshold - rest - beta1),
                let toPacked = exchange.packed(into, cap: threshold - rest - fromPacked.seconds - beta1)
            else {
                continue
            }
            total = rest + fromPacked.seconds + toPacked.seconds
            batches[source] = (exchange.ordered(out), fromPacked)
            batches[target] = (exchange.ordered(into), toPacked)
            if total < best.total - 1e-12 { best = (total, batches) }
        }
        guard best.total < initial - 1e-12 else { return step }
        // Screened at the exchange's precision; the micro-batches go out packed at the finer one.
        return best.batches.filter { !$0.sequences.isEmpty }.map { batch in
            guard let fine = exchange.packed(batch.sequences, precision: MicroBatchPacker.precision),
                fine.seconds < batch.built.seconds
            else { return batch.built }
            return fine
        }
    }

}

/// Deterministic, evenly spread picks: lane k walks k·α mod 1 for its own irrational α.
private struct WeylPicks {
    private static let steps = [0.6180339887498949, 0.41421356237309515, 0.7320508075688772, 0.2360679774997898]
    private var positions = [0.0, 0.0, 0.0, 0.0]

    /// The next index below `count` on `lane`.
    mutating func next(_ lane: Int, count: Int) -> Int {
        positions[lane] += Self.steps[lane]
        positions[lane] -= positions[lane].rounded(.down)
        return min(count - 1, Int(positions[lane] * Double(count)))
    }
}
