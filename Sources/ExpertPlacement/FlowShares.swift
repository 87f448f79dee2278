/// Shares that put at most `cap` tokens on every GPU, if a placement admits them: a max-flow (Dinic) from experts to
/// the GPUs holding their replicas. The share LP's phase 1 asks for the least such cap; when the layer's lower bound
/// is already reachable, this flow proves it without the LP (and is much cheaper).
enum FlowShares {
    private struct Edge {
        var to: Int
        var capacity: Double
        var reverse: Int
    }

    /// `shares[g][s]` with every expert's tokens fully routed and each GPU ≤ cap, or nil when the flow falls short.
    static func within(cap: Double, gpus: [[Int]], weights: [Double]) -> [[Double]]? {
        let experts = weights.count
        let source = experts + gpus.count, sink = source + 1
        var graph = [[Edge]](repeating: [], count: sink + 1)
        func addEdge(_ from: Int, _ to: Int, _ capacity: Double) -> (Int, Int) {
            graph[from].append(Edge(to: to, capacity: capacity, reverse: graph[to].count))
            graph[to].append(Edge(to: from, capacity: 0, reverse: graph[from].count - 1))
            return (from, graph[from].count - 1)
        }
        let total = weights.reduce(0, +)
        let epsilon = max(total, 1) * 1e-12
        for e in 0..<experts where weights[e] > 0 { _ = addEdge(source, e, weights[e]) }
        var replicaEdge: [[(Int, Int)]] = []
        for (g, slots) in gpus.enumerated() {
            replicaEdge.append(slots.map { addEdge($0, experts + g, .infinity) })
            _ = addEdge(experts + g, sink, cap)
        }

        var flow = 0.0
        var level = [Int](repeating: -1, count: graph.count)
        var next = [Int](repeating: 0, count: graph.count)
        func buildLevels() -> Bool {
            level = [Int](repeating: -1, count: graph.count)
            level[source] = 0
            var queue = [source], head = 0
            while head < queue.count {
                let node = queue[head]; head += 1
                for edge in graph[node] where edge.capacity > epsilon && level[edge.to] < 0 {
                    level[edge.to] = level[node] + 1
                    queue.append(edge.to)
                }
            }
            return level[sink] >= 0
        }
        func push(_ node: Int, _ limit: Double) -> Double {
            if node == sink { return limit }
            while next[node] < graph[node].count {
                let edge = graph[node][next[node]]
                if edge.capacity > epsilon && level[edge.to] == level[node] + 1 {
                    let pushed = push(edge.to, min(limit, edge.capacity))
                    if pushed > epsilon {
                        graph[node][next[node]].capacity -= pushed
                        graph[edge.to][edge.reverse].capacity += pushed
                        return pushed
                    }
                }
                next[node] += 1
            }
            return 0
        }
        while buildLevels() {
            next = [Int](repeating: 0, count: graph.count)
            while true {
                let pushed = push(source, .infinity)
                if pushed <= epsilon { break }
                flow += pushed
            }
        }
        guard flow >= total - max(total, 1) * 1e-9 else { return nil }
        return zip(gpus, replicaEdge).map { slots, edges in
            zip(slots, edges).map { e, edge in
                let forward = graph[edge.0][edge.1]
                let routed = graph[forward.to][forward.reverse].capacity
                return weights[e] > 0 ? routed / weights[e] : 0
            }
        }
    }
}
