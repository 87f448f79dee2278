/// The least-loaded bin (lowest index on ties) under load updates: a tournament tree whose internal nodes hold the
/// winner of their two children, so an update replays only the log₂ R matches above one leaf. LPT over the separate
/// encoder phase asks it once per image (over 100,000 at 8,192 samples); a heap spent most of that time sifting.
struct LeastLoadedBins {
    /// nodes[1] is the overall winner; leaves sit at leaves + bin. A closed or padding leaf has an infinite load.
    private var nodes: [BinLoad]
    private let leaves: Int
    let count: Int

    init(count: Int) {
        self.count = count
        var leaves = 1
        while leaves < count { leaves *= 2 }
        self.leaves = leaves
        nodes = [BinLoad](repeating: BinLoad(load: .infinity, bin: Int.max), count: 2 * leaves)
        for bin in 0..<count { nodes[leaves + bin] = BinLoad(load: 0, bin: bin) }
        for node in stride(from: leaves - 1, through: 1, by: -1) {
            nodes[node] = min(nodes[2 * node], nodes[2 * node + 1])
        }
    }

    /// Each bin's load (infinite once closed).
    var loads: [Double] { (0..<count).map { nodes[leaves + $0].load } }

    /// nil once every bin is closed.
    var least: Int? {
        guard nodes.count > 1, nodes[1].load.isFinite else { return nil }
        return nodes[1].bin
    }

    mutating func add(_ weight: Double, to bin: Int) {
        nodes[leaves + bin].load += weight
        replay(from: bin)
    }

    mutating func set(_ load: Double, of bin: Int) {
        nodes[leaves + bin].load = load
        replay(from: bin)
    }

    /// The bin takes no more items (it reached its count); it takes no further updates either.
    mutating func close(_ bin: Int) {
        nodes[leaves + bin].load = .infinity
        replay(from: bin)
    }

    private mutating func replay(from bin: Int) {
        let leaves = leaves
        nodes.withUnsafeMutableBufferPointer { nodes in
            var node = (leaves + bin) / 2
            while node >= 1 {
                let left = nodes[2 * node]
                let right = nodes[2 * node + 1]
                nodes[node] = right < left ? right : left
                node /= 2
            }
        }
    }
}
