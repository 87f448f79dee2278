import CostModel

/// A local search across micro-batches after the step is built (docs/sequence-parallel.md §Optimizer): the step
/// construction fills micro-batches one after another, so a later one may be much lighter than the first. Each round
/// takes the slowest micro-batch's heaviest sequences and its busiest group's others, and tries moving each to every
/// other micro-batch, re-packing
/// both at their minimum makespan; the move that lowers the step most is kept. It stops when no tried move helps, or
/// after `evaluations` re-packings. Deterministic: candidates in a fixed order, ties to the first.
struct MicroBatchExchange {
    let packer: MicroBatchPacker
    let beta1: Double
    /// Batches above this many sequences skip the search: each re-packing walks the micro-batch.
    static let sequenceLimit = 16_384
    /// Above this many sequences the search gets `largeBatchEvaluations` re-packings (each costs more there).
    static let largeBatch = 4_096
    static let largeBatchEvaluations = 40
    /// Sequences tried per round, heaviest first.
    var candidates = 24
    var evaluations = 200

    /// Each micro-batch re-packed with every degree where that is faster (a step built under other rules, such as
    /// one degree only).
    func repacked(_ step: [BuiltMicroBatch]) -> [BuiltMicroBatch] {
        guard step.allSatisfy({ $0.firstRanks == nil }) else { return step }
        return step.map { built in
            guard let repacked = packed(built.groups.flatMap(\.sequences)), repacked.seconds < built.seconds - 1e-12 else { return built }
            return repacked
        }
    }

    func improve(_ step: [BuiltMicroBatch]) -> [BuiltMicroBatch] {
        guard step.count > 1, step.allSatisfy({ $0.firstRanks == nil }) else { return step }
        var batches = step.map { built in
            let sequences = built.groups.flatMap(\.sequences)
            return (sequences: sequences, built: built, work: sequences.reduce(0) { $0 + packer.table.cheapest[$1] })
        }
        var used = 0
        while used < evaluations {
            guard let slowest = batches.indices.max(by: { batches[$0].built.seconds < batches[$1].built.seconds }) else { break }
            // The heaviest sequences (time at their group's degree, longest on ties), then the busiest group's other members (the micro-batch waits for that group).
            let groups = batches[slowest].built.groups
            let busiest = groups.indices.max { groups[$0].load < groups[$1].load } ?? 0
            let loads = groups.enumerated().flatMap { index, group in
                group.sequences.map { (sequence: $0, inBusiest: index == busiest,
                                       seconds: packer.table.time[$0 * packer.table.degrees.count
                                                                  + (packer.table.degrees.firstIndex(of: group.degree) ?? 0)]) }
            }
            let heaviest = loads.sorted { $0.seconds != $1.seconds ? $0.seconds > $1.seconds : $0.sequence < $1.sequence }
            let tried = Array(heaviest.prefix(candidates)) + heaviest.dropFirst(candidates).filter(\.inBusiest).prefix(candidates)
            var best: (gain: Double, sequence: Int, target: Int, from: BuiltMicroBatch, to: BuiltMicroBatch)?
            let source = batches[slowest]
            for candidate in tried {
                let remaining = source.sequences.filter { $0 != candidate.sequence }
                guard let from = packed(remaining, upper: source.built.seconds - beta1) else { continue }
                used += 1
                for target in batches.indices where target != slowest {
                    guard used < evaluations else { break }
                    // No packing of the target with the candidate beats this; skip what cannot beat the best move.
                    let floor = beta1 + max(packer.table.fastest[candidate.sequence],
                                            (batches[target].work + packer.table.cheapest[candidate.sequence]) / Double(packer.table.gpus))
                    guard source.built.seconds + batches[target].built.seconds - from.seconds - floor > (best?.gain ?? 0) else { continue }
                    used += 1
                    guard let to = packed(ordered(batches[target].sequences + [candidate.sequence])) else { continue }
                    let gain = source.built.seconds + batches[target].built.seconds - from.seconds - to.seconds
                    if gain > 1e-9 * source.built.seconds, gain > (best?.gain ?? 0) {
                        best = (gain, candidate.sequence, target, from, to)
                    }
                }
            }
            guard let move = best else { break }
            let moved = packer.table.cheapest[move.sequence]
            batches[slowest] = (source.sequences.filter { $0 != move.sequence }, move.from, source.work - moved)
            batches[move.target] = (ordered(batches[move.target].sequences + [move.sequence]), move.to, batches[move.target].work + moved)
        }
        return batches.filter { !$0.sequences.isEmpty }.map(\.built)
    }

    /// Longest first, ties by index (the packer's order).
    private func ordered(_ sequences: [Int]) -> [Int] {
        let lengths = packer.table.lengths
        return sequences.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
    }

    private func packed(_ sequences: [Int], upper: Double? = nil) -> BuiltMicroBatch? {
        guard !sequences.isEmpty else { return BuiltMicroBatch(groups: [], seconds: 0) }
        guard let result = packer.minimumMakespan(ordered(sequences), upper: upper) else { return nil }
        return BuiltMicroBatch(groups: result.groups, seconds: result.limit + beta1)
    }
}
