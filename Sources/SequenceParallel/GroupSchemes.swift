import CostModel

/// Each group runs one attention scheme for all its sequences (Ulysses, ring, or a hybrid): the one with the least
/// total time for them. The packer priced each sequence under its own fastest scheme, a bound on this; the
/// micro-batch is re-timed with the groups' schemes (docs/sequence-parallel.md §Attention schemes).
enum GroupSchemes {
    static func apply(
        _ step: [BuiltMicroBatch], cost: SequenceParallelCost, lengths: [Double],
        speeds: [Double]?
    ) -> [BuiltMicroBatch] {
        guard !cost.schemes.isEmpty else { return step }
        return step.map { microBatch in
            var resolved = microBatch
            var busiest = 0.0
            // Without a speed layout, groups sit largest degree first at consecutive ranks (`Layout`).
            let firstRanks = microBatch.firstRanks ?? Layout.consecutiveFirstRanks(microBatch.groups)
            for index in resolved.groups.indices {
                var group = resolved.groups[index]
                guard group.degree > 1 else {
                    busiest = max(busiest, group.load / speed(of: group, at: firstRanks[index], speeds))
                    continue
                }
                let sequenceLengths = group.sequences.map { lengths[$0] }
                let scheme = cost.bestScheme(degree: group.degree, lengths: sequenceLengths)
                group.scheme = scheme
                group.load = sequenceLengths.reduce(0) { $0 + cost.time($1, degree: group.degree, scheme: scheme) }
                resolved.groups[index] = group
                busiest = max(busiest, group.load / speed(of: group, at: firstRanks[index], speeds))
            }
            resolved.seconds = busiest + cost.beta1
            return resolved
        }
    }

    private static func speed(of group: PackedGroup, at firstRank: Int, _ speeds: [Double]?) -> Double {
        guard let speeds else { return 1 }
        return speeds[firstRank..<(firstRank + group.degree)].min() ?? 1
    }
}
