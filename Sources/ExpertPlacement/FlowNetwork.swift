/// A flow network with real capacities and small integer costs, for the share problems of one layer: maximum flow
/// (all costs 0) and minimum-cost flow (locality: −1 per token served on its own node). Arcs are stored flat; arc
/// `a`'s reverse is `a ^ 1`.
///
/// Minimum cost uses the primal-dual method: shortest distances by Bellman-Ford (costs are integers, so distances are
/// exact), then a maximum flow (Dinic) over the arcs on shortest paths, repeated until the sink is cut off or the
/// limit is sent. Starting from zero flow on a network without negative cycles, every amount sent is sent at least
/// cost (successive shortest paths; Ahuja, Magnanti & Orlin, Network Flows, §9.8).
struct FlowNetwork {
    private(set) var head: [Int] = []
    private(set) var residual: [Double] = []
    private var cost: [Int] = []
    /// Arcs leaving each node, in the order added: `outgoing[firstOutgoing[v]..<firstOutgoing[v + 1]]` (built once,
    /// before the first flow, so the hot loops index flat arrays).
    private var outgoing: [Int] = []
    private var firstOutgoing: [Int] = []
    private let nodeCount: Int
    /// Residuals at or below this count as empty, so round-off never opens a path.
    let epsilon: Double

    private var level: [Int]
    private var next: [Int]
    private var distance: [Int]

    init(nodes: Int, epsilon: Double) {
        nodeCount = nodes
        level = [Int](repeating: -1, count: nodes)
        next = [Int](repeating: 0, count: nodes)
        distance = [Int](repeating: 0, count: nodes)
        self.epsilon = epsilon
    }

    /// Adds an arc and its empty reverse; returns the arc's id.
    @discardableResult
    mutating func addArc(from: Int, to: Int, capacity: Double, cost arcCost: Int = 0) -> Int {
        let id = head.count
        head.append(to)
        residual.append(capacity)
        cost.append(arcCost)
        head.append(from)
        residual.append(0)
        cost.append(-arcCost)
        return id
    }

    /// Groups the arcs by tail (a counting sort, stable, so the scan order is the order added); rebuilt when arcs
    /// were added since.
    private mutating func indexArcs() {
        guard outgoing.count != head.count || firstOutgoing.count != nodeCount + 1 else { return }
        firstOutgoing = [Int](repeating: 0, count: nodeCount + 1)
        for arc in head.indices { firstOutgoing[head[arc ^ 1] + 1] += 1 }
        for v in 0..<nodeCount { firstOutgoing[v + 1] += firstOutgoing[v] }
        var fill = firstOutgoing
        outgoing = [Int](repeating: 0, count: head.count)
        for arc in head.indices {
            let tail = head[arc ^ 1]
            outgoing[fill[tail]] = arc
            fill[tail] += 1
        }
    }

    /// The flow on an arc added by `addArc`.
    func flow(_ arc: Int) -> Double { residual[arc ^ 1] }

    /// Sends up to `limit` from `source` to `sink` at least total cost; returns the amount sent.
    mutating func minCostFlow(from source: Int, to sink: Int, limit: Double) -> Double {
        withView { view in
            var sent = 0.0
            while limit - sent > view.epsilon, view.shortestDistances(from: source, to: sink) {
                let pushed = view.maximumFlow(from: source, to: sink, limit: limit - sent)
                if pushed <= view.epsilon { break }
                sent += pushed
            }
            return sent
        }
    }

    /// Changes an arc's capacity, rerouting what is possible: flow above a lowered capacity goes back from the arc's
    /// tail toward `source` and is then re-sent to `sink` by other paths. Returns false, leaving the network as it
    /// was, when the flow value from `source` would fall. Costs are ignored (for all-zero-cost networks).
    mutating func setCapacity(_ arc: Int, to capacity: Double, source: Int, sink: Int) -> Bool {
        let excess = flow(arc) - capacity
        guard excess > epsilon else {
            residual[arc] = max(0, capacity - flow(arc))
            return true
        }
        let saved = residual
        residual[arc ^ 1] = capacity
        residual[arc] = 0
        let tail = head[arc ^ 1]
        let kept = withView { view in
            // Every arc admissible: all costs are 0 where capacities are changed.
            view.distance.update(repeating: 0)
            let returned = view.maximumFlow(from: tail, to: source, limit: excess)
            let resent = view.maximumFlow(from: source, to: sink, limit: returned)
            // The excess that could not be returned is lost flow too.
            return returned - resent <= view.epsilon * 16 && excess - returned <= view.epsilon * 16
        }
        if !kept { residual = saved }
        return kept
    }

    /// Runs `body` on unchecked views of the arrays: the flow loops index them millions of times per plan.
    private mutating func withView<Result>(_ body: (View) -> Result) -> Result {
        indexArcs()
        let epsilon = self.epsilon
        return head.withUnsafeBufferPointer { head in
            cost.withUnsafeBufferPointer { cost in
                outgoing.withUnsafeBufferPointer { outgoing in
                    firstOutgoing.withUnsafeBufferPointer { firstOutgoing in
                        residual.withUnsafeMutableBufferPointer { residual in
                            distance.withUnsafeMutableBufferPointer { distance in
                                level.withUnsafeMutableBufferPointer { level in
                                    next.withUnsafeMutableBufferPointer { next in
                                        body(
                                            View(
                                                head: head, cost: cost, outgoing: outgoing,
                                                firstOutgoing: firstOutgoing,
                                                residual: residual, distance: distance, level: level, next: next,
                                                epsilon: epsilon))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The network's arrays during one flow computation. Indices come from the network's own arcs and nodes, never
    /// from input, so the views need no bounds checks.
    private struct View {
        let head: UnsafeBufferPointer<Int>
        let cost: UnsafeBufferPointer<Int>
        let outgoing: UnsafeBufferPointer<Int>
        let firstOutgoing: UnsafeBufferPointer<Int>
        let residual: UnsafeMutableBufferPointer<Double>
        let distance: UnsafeMutableBufferPointer<Int>
        let level: UnsafeMutableBufferPointer<Int>
        let next: UnsafeMutableBufferPointer<Int>
        let epsilon: Double

        var nodeCount: Int { firstOutgoing.count - 1 }

        /// Bellman-Ford over arcs with room (FIFO queue, fixed order); false when the sink is unreachable.
        func shortestDistances(from source: Int, to sink: Int) -> Bool {
            let unreached = Int.max
            distance.update(repeating: unreached)
            var queued = [Bool](repeating: false, count: nodeCount)
            var queue = [source]
            var front = 0
            distance[source] = 0
            queued[source] = true
            while front < queue.count {
                let node = queue[front]
                front += 1
                queued[node] = false
                for position in firstOutgoing[node]..<firstOutgoing[node + 1] {
                    let arc = outgoing[position]
                    guard residual[arc] > epsilon else { continue }
                    let to = head[arc]
                    let candidate = distance[node] + cost[arc]
                    if candidate < distance[to] {
                        distance[to] = candidate
                        if !queued[to] {
                            queued[to] = true
                            queue.append(to)
                        }
                    }
                }
                // A long queue only arises from round-off cycles; the network has no negative cycles by construction.
                if queue.count > 64 * head.count * max(1, nodeCount) { break }
            }
            return distance[sink] != unreached
        }

        func admissible(_ arc: Int, from node: Int) -> Bool {
            residual[arc] > epsilon && distance[node] != Int.max && distance[node] + cost[arc] == distance[head[arc]]
        }

        /// Dinic's algorithm over admissible arcs (on a shortest path by `distance`).
        func maximumFlow(from source: Int, to sink: Int, limit: Double) -> Double {
            var total = 0.0
            while limit - total > epsilon, buildLevels(from: source, to: sink) {
                for node in 0..<nodeCount { next[node] = firstOutgoing[node] }
                while limit - total > epsilon {
                    let pushed = augment(source, sink, limit - total)
                    if pushed <= epsilon { break }
                    total += pushed
                }
            }
            return total
        }

        func buildLevels(from source: Int, to sink: Int) -> Bool {
            level.update(repeating: -1)
            level[source] = 0
            var queue = [source]
            var front = 0
            while front < queue.count {
                let node = queue[front]
                front += 1
                for position in firstOutgoing[node]..<firstOutgoing[node + 1] {
                    let arc = outgoing[position]
                    if level[head[arc]] < 0 && admissible(arc, from: node) {
                        level[head[arc]] = level[node] + 1
                        queue.append(head[arc])
                    }
                }
            }
            return level[sink] >= 0
        }

        /// Pushes up to `limit` from `node` along level-increasing admissible arcs, as much as it can per call (a
        /// blocking flow step); an arc is passed over for the rest of the phase once it or everything behind it is
        /// full.
        func augment(_ node: Int, _ sink: Int, _ limit: Double) -> Double {
            if node == sink { return limit }
            var total = 0.0
            let end = firstOutgoing[node + 1]
            while next[node] < end {
                let arc = outgoing[next[node]]
                let to = head[arc]
                if level[to] == level[node] + 1, admissible(arc, from: node) {
                    let pushed = augment(to, sink, min(limit - total, residual[arc]))
                    if pushed > epsilon {
                        residual[arc] -= pushed
                        residual[arc ^ 1] += pushed
                        total += pushed
                        if limit - total <= epsilon { return total }
                    }
                }
                next[node] += 1
            }
            return total
        }
    }
}
