extension ExpertPlacementPlan {
    /// With a dispatch: one row per node and expert in `nodeTokens` and `dispatch`; each (node, expert) lists valid
    /// replicas with fractions in (0, 1] summing to 1; following it gives every replica its share of the expert's
    /// tokens and `interNodeTokens` across nodes (relative 1e-6).
    func dispatchViolation(_ layer: Layer, path: String) -> PlanProblem? {
        guard layer.nodeTokens != nil || layer.dispatch != nil else { return nil }
        guard let tokens = layer.nodeTokens, let dispatch = layer.dispatch else {
            return PlanProblem(path: "\\(path).dispatch", value: "", reason: "dispatch and nodeTokens go together")
        }
        let nodes = layer.gpus.count / gpusPerNode
        guard tokens.count == nodes, dispatch.count == nodes, tokens.allSatisfy({ $0.count == experts }),
            dispatch.allSatisfy({ $0.count == experts })
        else {
            return PlanProblem(
                path: "\\(path).dispatch", value: "",
                reason: "needs one row per node (\\(nodes)) of one entry per expert (\\(experts))")
        }
        // Replicas of each expert in scan order: their node and share.
        var replicas = [[(node: Int, share: Double)]](repeating: [], count: experts)
        for (g, slots) in layer.gpus.enumerated() {
            for (s, e) in slots.enumerated() { replicas[e].append((g / gpusPerNode, layer.shares[g][s])) }
        }
        var crossing = 0.0
        var total = 0.0
        for e in 0..<experts {
            var received = [Double](repeating: 0, count: replicas[e].count)
            var expertTokens = 0.0
            for n in 0..<nodes {
                let from = tokens[n][e]
                let site = "\\(path).dispatch[\\(n)][\\(e)]"
                guard from.isFinite, from >= 0 else {
                    return PlanProblem(
                        path: "\\(path).nodeTokens[\\(n)][\\(e)]", value: "\\(from)",
                        reason: "must be a finite number ≥ 0")
                }
                expertTokens += from
                var sum = 0.0
                for pair in dispatch[n][e] {
                    guard pair.count == 2, let index = Int(exactly: pair[0]), index >= 0, index < replicas[e].count,
                        pair[1].isFinite, pair[1] > 0, pair[1] <= 1 + 1e-9
                    else {
                        return PlanProblem(
                            path: site, value: "\\(pair)", reason: "must list [replica index, fraction in (0, 1]]")
                    }
                    sum += pair[1]
                    received[index] += from * pair[1]
                    if replicas[e][index].node != n { crossing += from * pair[1] }
                }
                guard abs(sum - 1) <= 1e-6 else {
                    return PlanProblem(path: site, value: "\\(sum)", reason: "fractions must sum to 1")
                }
            }
            total += expertTokens
            for (index, replica) in replicas[e].enumerated()
            where abs(received[index] - expertTokens * replica.share) > 1e-6 * max(1, expertTokens) {
                return PlanProblem(
                    path: "\\(path).dispatch", value: "\\(received[index])",
                    reason:
                        "replica \\(index) of expert \\(e) would receive this, not its share \\(expertTokens * replica.share)"
                )
            }
        }
        if let inter = layer.interNodeTokens, abs(crossing - inter) > 1e-6 * max(1, total) {
            return PlanProblem(
                path: "\\(path).interNodeTokens", value: "\\(inter)",
                reason: "the dispatch sends \\(crossing) tokens across nodes")
        }
        return nil
    }
}
