/// A local search inside one packed micro-batch (docs/sequence-parallel.md §Optimizer): the packer's greedy rule
/// stops at the smallest limit it can meet, which can leave one group above the others. While a sequence of the
/// busiest group can go to another group, or to a new group on free GPUs, and finish there below the busiest load,
/// it moves. Deterministic: groups and sequences in a fixed order, the first improving move taken.
struct GroupDescent {
    let table: SequenceTable
    /// Moves tried at most (each scans the groups once).
    static let moves = 64

    func improve(_ packed: [PackedGroup]) -> [PackedGroup] {
        var groups = packed
        var free = table.gpus - groups.reduce(0) { $0 + $1.degree }
        let columns = table.degrees.count
        for _ in 0..<Self.moves {
            guard let busiest = groups.indices.max(by: { groups[$0].load < groups[$1].load }) else { break }
            let top = groups[busiest].load
            var moved = false
            // Its sequences, heaviest first.
            let members = groups[busiest].sequences.enumerated().sorted {
                time($0.element, groups[busiest].degree) > time($1.element, groups[busiest].degree)
            }
            search: for (position, sequence) in members {
                let leaving = time(sequence, groups[busiest].degree)
                for target in groups.indices where target != busiest {
                    let column = table.degrees.firstIndex(of: groups[target].degree) ?? 0
                    let arriving = table.time[sequence * columns + column]
                    let share = table.share[sequence * columns + column]
                    guard groups[target].load + arriving < top - 1e-12,
                          groups[target].tokensPerGPU + share <= table.tokensPerGPU else { continue }
                    transfer(&groups, from: busiest, at: position, to: target, leaving: leaving, arriving: arriving, share: share)
                    moved = true
                    break search
                }
                // A new group of the smallest degree that fits on the free GPUs and finishes below the top.
                for column in table.degrees.indices where table.degrees[column] <= free {
                    let arriving = table.time[sequence * columns + column]
                    guard arriving < top - 1e-12 else { continue }
                    groups.append(PackedGroup(degree: table.degrees[column], load: 0, tokensPerGPU: 0, sequences: []))
                    free -= table.degrees[column]
                    transfer(&groups, from: busiest, at: position, to: groups.count - 1, leaving: leaving, arriving: arriving,
                             share: table.share[sequence * columns + column])
                    moved = true
                    break search
                }
            }
            if !moved { break }
            if groups[busiest].sequences.isEmpty {
                free += groups[busiest].degree
                groups.remove(at: busiest)
            }
        }
        return groups
    }

    private func time(_ sequence: Int, _ degree: Int) -> Double {
        table.time[sequence * table.degrees.count + (table.degrees.firstIndex(of: degree) ?? 0)]
    }

    private func transfer(_ groups: inout [PackedGroup], from source: Int, at position: Int, to target: Int,
                          leaving: Double, arriving: Double, share: Double) {
        let sequence = groups[source].sequences.remove(at: position)
        groups[source].load -= leaving
        groups[source].tokensPerGPU -= table.lengths[sequence] / Double(groups[source].degree)
        groups[target].load += arriving
        groups[target].tokensPerGPU += share
        groups[target].sequences.append(sequence)
    }
}
