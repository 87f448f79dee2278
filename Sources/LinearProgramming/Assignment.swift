/// Maximum-gain assignment of n contents to n places, used to relabel interchangeable ranks or GPUs so the most
/// data stays where it is. An assignment LP (integral: the constraint matrix is totally unimodular) on CLP for up
/// to 16 places; above that a greedy matching on the largest gains, since the LP's n² columns cost more time than
/// per-step planning allows.
public enum Assignment {
    /// `gain[j][r]`: what content j keeps if it goes to place r. Returns the place for each content.
    public static func maximumGain(_ gain: [[Double]]) -> [Int] {
        let n = gain.count
        guard n > 1, gain.contains(where: { $0.contains { $0 > 0 } }) else { return Array(0..<n) }
        if n <= 16, let exact = assignmentLP(gain) { return exact }
        return greedy(gain)
    }

    private static func assignmentLP(_ gain: [[Double]]) -> [Int]? {
        let n = gain.count
        var model = LinearModel(name: "relabel", sense: .maximize)
        let x = (0..<n).map { j in (0..<n).map { r in model.addVariable(upper: 1, objective: gain[j][r]) } }
        for j in 0..<n { model.addConstraint(.sum(x[j]), .equal(1)) }
        for r in 0..<n { model.addConstraint(.sum(x.map { $0[r] }), .equal(1)) }
        guard let solution = try? solve(model, using: .clp), solution.status == .optimal else { return nil }
        var result = [Int](repeating: -1, count: n)
        var taken = Set<Int>()
        for j in 0..<n {
            guard let r = (0..<n).first(where: { solution[x[j][$0]] > 0.5 && !taken.contains($0) }) else { return nil }
            result[j] = r
            taken.insert(r)
        }
        return result
    }

    /// The same from the positive gains alone, `(content, place, gain)`, for n places: large n with few positive
    /// pairs (samples from a few ranks each) skips the n × n matrix. Pairs of one content and place add up.
    public static func maximumGain(places n: Int, pairs: [(content: Int, place: Int, gain: Double)]) -> [Int] {
        guard n > 1,
            pairs.contains(where: { $0.gain > 0 && (0..<n).contains($0.content) && (0..<n).contains($0.place) })
        else { return Array(0..<max(n, 0)) }
        let valid = pairs.filter { $0.gain > 0 && (0..<n).contains($0.content) && (0..<n).contains($0.place) }
        if n <= 16 {
            var gain = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            for pair in valid { gain[pair.content][pair.place] += pair.gain }
            return maximumGain(gain)
        }
        // Sum duplicate pairs content by content: bucket by content, then one scratch row reused.
        var start = [Int](repeating: 0, count: n + 1)
        for pair in valid { start[pair.content + 1] += 1 }
        for content in 0..<n { start[content + 1] += start[content] }
        var next = start
        var byContent = [(place: Int, gain: Double)](repeating: (0, 0), count: valid.count)
        for pair in valid {
            byContent[next[pair.content]] = (pair.place, pair.gain)
            next[pair.content] += 1
        }
        var row = [Double](repeating: 0, count: n)
        var merged: [(gain: Double, content: Int, rank: Int)] = []
        for content in 0..<n {
            let range = start[content]..<start[content + 1]
            for entry in byContent[range] { row[entry.place] += entry.gain }
            for entry in byContent[range] where row[entry.place] > 0 {
                merged.append((row[entry.place], content, entry.place))
                row[entry.place] = 0
            }
        }
        return greedy(n, merged)
    }

    private static func greedy(_ gain: [[Double]]) -> [Int] {
        let n = gain.count
        var pairs: [(gain: Double, content: Int, rank: Int)] = []
        for j in 0..<n { for r in 0..<n where gain[j][r] > 0 { pairs.append((gain[j][r], j, r)) } }
        return greedy(n, pairs)
    }

    /// Largest gains first, ties by (content, place): the order does not depend on how the pairs arrived.
    private static func greedy(_ n: Int, _ pairs: [(gain: Double, content: Int, rank: Int)]) -> [Int] {
        var pairs = pairs
        pairs.sort { $0.gain != $1.gain ? $0.gain > $1.gain : ($0.content, $0.rank) < ($1.content, $1.rank) }
        var result = [Int](repeating: -1, count: n)
        var rankTaken = [Bool](repeating: false, count: n)
        for pair in pairs where result[pair.content] < 0 && !rankTaken[pair.rank] {
            result[pair.content] = pair.rank
            rankTaken[pair.rank] = true
        }
        var free = (0..<n).filter { !rankTaken[$0] }.makeIterator()
        for j in 0..<n where result[j] < 0 { result[j] = free.next() ?? j }
        return result
    }
}
