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
        for _ in 0..<Self.moves {
            guard let busiest = groups.indices.max(by: { groups[$0].load < groups[$1].load }),
                let target = bestMove(from: busiest, in: groups, free: free)
            else { break }
            if target.group == groups.count {
                groups.append(PackedGroup(degree: target.degree, load: 0, tokensPerGPU: 0, sequences: []))
                free -= target.degree
            }
            groups[busiest].remove(target.sequence, table)
            groups[target.group].add(target.sequence, table)
            if groups[busiest].sequences.isEmpty {
                free += groups[busiest].degree
                groups.remove(at: busiest)
            }
        }
        return groups
    }

    /// The busiest group's heaviest sequence that finishes below its load elsewhere: in the first group with room
    /// (time and memory), or else in a new group (index `groups.count`) of the smallest degree on the free GPUs.
    private func bestMove(from busiest: Int, in groups: [PackedGroup], free: Int)
        -> (sequence: Int, group: Int, degree: Int)?
    {
        let top = groups[busiest].load
        let degree = groups[busiest].degree
        let members = groups[busiest].sequences.sorted {
            table.time[table.cell($0, degree: degree)] > table.time[table.cell($1, degree: degree)]
        }
        for sequence in members {
            for target in groups.indices where target != busiest {
                let cell = table.cell(sequence, degree: groups[target].degree)
                if groups[target].load + table.time[cell] < top - 1e-12,
                    groups[target].tokensPerGPU + table.share[cell] <= table.tokensPerGPU
                {
                    return (sequence, target, groups[target].degree)
                }
            }
            for column in table.degrees.indices
            where table.degrees[column] <= free
                && table.time[sequence * table.degrees.count + column] < top - 1e-12
            {
                return (sequence, groups.count, table.degrees[column])
            }
        }
        return nil
    }
}
