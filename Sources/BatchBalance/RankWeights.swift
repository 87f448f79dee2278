/// One rank's items by weight, for `SpeedAwarePartitioner.improve`: its distinct weights in increasing order, each
/// with the first item (in the rank's order) that has it.
struct RankWeights {
    private var values: [Double] = []
    private var firstItems: [Int] = []
    private var firstPositions: [Int] = []

    init(_ items: [Int], weights: [Double]) {
        var first: [Double: (position: Int, item: Int)] = [:]
        for (position, item) in items.enumerated() where first[weights[item]] == nil {
            first[weights[item]] = (position, item)
        }
        for (value, entry) in first.sorted(by: { $0.key < $1.key }) {
            values.append(value)
            firstItems.append(entry.item)
            firstPositions.append(entry.position)
        }
    }

    /// The item a scan of the rank in its order would pick as the swap partner, with its gain: among items lighter
    /// than `ceiling`, the first with the largest `gain`. `gain` falls on both sides of `peak` (the weight where it is
    /// largest), so only the distinct weights next to it are compared (two on each side, for rounding).
    func best(below ceiling: Double, near peak: Double, gain: (Double) -> Double) -> (item: Int, gain: Double)? {
        // Weights below the ceiling: values[0..<end].
        let end = partitionPoint { $0 >= ceiling }
        guard end > 0 else { return nil }
        let split = min(partitionPoint { $0 >= peak }, end)
        var chosen: (gain: Double, position: Int, item: Int)?
        for index in max(0, split - 2)..<min(end, split + 2) {
            let value = gain(values[index])
            guard let current = chosen else {
                chosen = (value, firstPositions[index], firstItems[index])
                continue
            }
            if value > current.gain || value == current.gain && firstPositions[index] < current.position {
                chosen = (value, firstPositions[index], firstItems[index])
            }
        }
        return chosen.map { ($0.item, $0.gain) }
    }

    /// The first index whose value satisfies `isAbove` (which holds from some index on).
    private func partitionPoint(_ isAbove: (Double) -> Bool) -> Int {
        var low = 0
        var high = values.count
        while low < high {
            let middle = (low + high) / 2
            if isAbove(values[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
