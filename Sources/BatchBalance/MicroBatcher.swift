/// Splits one rank's samples into micro-batches: under a token cap by first-fit decreasing (into exactly `count`
/// bins when a count is required), otherwise into `count` bins balanced on cost (LPT), or one bin.
struct MicroBatcher {
    let tokens: [Int]
    let weights: [Double]
    let cap: Int?
    let count: Int?

    /// Whether `split` succeeds, without building the micro-batches: feasibility depends only on the token
    /// counts, so equal counts may go in any order. Called for every rank of every candidate.
    func fits(_ items: [Int]) -> Bool {
        guard let cap else {
            if let count, count > 1 { return items.count >= count }
            return true
        }
        guard let count else { return items.allSatisfy { tokens[$0] <= cap } }
        guard items.count >= count else { return false }
        var sizes = items.map { tokens[$0] }
        sizes.sort(by: >)
        return Self.emptiestFit(sizes, bins: count, cap: cap) != nil
    }

    /// Sizes in the given order, each into the emptiest of `bins` micro-batches it fits (lowest index on ties): the
    /// bin of each, or nil when one fits nowhere or a bin stays empty. Emptiest-first keeps them all non-empty when
    /// it can.
    private static func emptiestFit(_ sizes: [Int], bins: Int, cap: Int) -> [Int]? {
        var used = [Int](repeating: 0, count: bins)
        var chosenBins: [Int] = []
        chosenBins.reserveCapacity(sizes.count)
        var empty = bins
        for size in sizes {
            var chosen = -1
            for bin in 0..<bins where used[bin] + size <= cap && (chosen < 0 || used[bin] < used[chosen]) {
                chosen = bin
            }
            guard chosen >= 0 else { return nil }
            if used[chosen] == 0 { empty -= 1 }
            used[chosen] += size
            chosenBins.append(chosen)
        }
        return empty == 0 ? chosenBins : nil
    }

    func split(_ items: [Int]) -> [[Int]]? {
        let byTokens = items.sorted { tokens[$0] != tokens[$1] ? tokens[$0] > tokens[$1] : $0 < $1 }
        if let cap {
            if let count {
                guard items.count >= count,
                    let chosen = Self.emptiestFit(byTokens.map { tokens[$0] }, bins: count, cap: cap)
                else { return nil }
                var bins = [[Int]](repeating: [], count: count)
                for (item, bin) in zip(byTokens, chosen) { bins[bin].append(item) }
                return bins.map { $0.sorted() }
            }
            var bins: [[Int]] = []
            var used: [Int] = []
            for item in byTokens {
                if let index = used.indices.first(where: { used[$0] + tokens[item] <= cap }) {
                    bins[index].append(item)
                    used[index] += tokens[item]
                } else {
                    guard tokens[item] <= cap else { return nil }
                    bins.append([item])
                    used.append(tokens[item])
                }
            }
            return bins.map { $0.sorted() }
        }
        guard let count, count > 1 else { return [items.sorted()] }
        guard items.count >= count else { return nil }
        var bins = [[Int]](repeating: [], count: count)
        var loads = [Double](repeating: 0, count: count)
        for item in items.sorted(by: { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }) {
            let emptiest =
                bins.indices.min {
                    bins[$0].isEmpty != bins[$1].isEmpty
                        ? bins[$0].isEmpty : (loads[$0] != loads[$1] ? loads[$0] < loads[$1] : $0 < $1)
                } ?? 0
            bins[emptiest].append(item)
            loads[emptiest] += weights[item]
        }
        return bins.map { $0.sorted() }
    }
}
