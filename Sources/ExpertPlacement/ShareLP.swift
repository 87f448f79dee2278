import LinearProgramming

/// The token shares of a fixed placement, by LP on CLP (docs/expert-placement.md §Shares).
///
/// Phase 1: min T s.t. Σ_{replicas r of e} x_r = 1 for every expert e, Σ_{r on g} w_e·x_r ≤ T for every GPU g,
/// x ≥ 0. Phase 2 (with origins): T is held at the target and local tokens are maximised:
/// max Σ_{e,n} ℓ_{e,n} s.t. ℓ_{e,n} ≤ Σ_{r of e on n} w_e·x_r, 0 ≤ ℓ_{e,n} ≤ o_{e,n}; a node's tokens for e are served
/// locally up to what e's replicas on that node receive (locality-first dispatch). Loads are divided by the mean
/// load so coefficients are near 1.
struct ShareLP {
    let topology: ExpertTopology
    let weights: [Double]
    let scale: Double

    init(topology: ExpertTopology, weights: [Double]) {
        self.topology = topology
        self.weights = weights
        let mean = weights.reduce(0, +) / Double(topology.gpus)
        scale = mean > 0 ? mean : 1
    }

    struct Solved {
        var placement: LayerPlacement
        var maxLoad: Double
    }

    /// Phase 1 only: the most balanced shares. When a flow already reaches `lowerBound` (no placement can do
    /// better), the flow's shares are optimal and the LP is skipped.
    func balance(_ gpus: [[Int]], lowerBound: Double) -> Solved {
        if let shares = FlowShares.within(
            cap: lowerBound * (1 + 1e-11), gpus: gpus, weights: weights, speeds: topology.speeds)
        {
            let placement = LayerPlacement(gpus: gpus, shares: shares).normalised(weights)
            return Solved(placement: placement, maxLoad: placement.times(weights, topology).max() ?? 0)
        }
        return solve(gpus, origins: nil, maxLoadCap: nil) ?? fallback(gpus)
    }

    /// Phase 2: the most local shares with the most loaded GPU at most `maxLoadCap` tokens.
    func localise(_ gpus: [[Int]], origins: [[Double]], maxLoadCap: Double) -> Solved? {
        solve(gpus, origins: origins, maxLoadCap: maxLoadCap)
    }

    private func solve(_ gpus: [[Int]], origins: [[Double]]?, maxLoadCap: Double?) -> Solved? {
        var model = LinearModel(name: "expert-shares", sense: origins == nil ? .minimize : .maximize)
        let peak = model.addVariable("T", objective: origins == nil ? 1 : 0)
        if let maxLoadCap { model.setBounds(peak, lower: 0, upper: maxLoadCap / scale) }
        var replicaCount = [Int](repeating: 0, count: weights.count)
        for slots in gpus { for e in slots { replicaCount[e] += 1 } }
        // An expert with one replica has share 1: its load is a constant on its GPU, not a column.
        var share: [[VariableID?]] = []
        var replicasOf = [[VariableID]](repeating: [], count: weights.count)
        for slots in gpus {
            share.append(
                slots.map { e in
                    guard replicaCount[e] > 1 else { return nil }
                    let x = model.addVariable(upper: 1)
                    replicasOf[e].append(x)
                    return x
                })
        }
        for e in weights.indices where replicasOf[e].count > 1 { model.addConstraint(.sum(replicasOf[e]), .equal(1)) }
        for (g, slots) in gpus.enumerated() where !slots.isEmpty {
            var row = LinearExpression()
            var fixed = 0.0
            // A GPU of speed s finishes its tokens in 1/s the time: its row is in nominal-speed tokens.
            let unit = scale * topology.speed(of: g)
            for (s, e) in slots.enumerated() {
                if let x = share[g][s] { row.add(x, weights[e] / unit) } else { fixed += weights[e] / unit }
            }
            row.add(peak, -1)
            model.addConstraint(row, .lessOrEqual(-fixed))
        }
        if let origins {
            for n in 0..<topology.nodes {
                var onNode: [Int: LinearExpression] = [:]
                for g in (n * topology.gpusPerNode)..<((n + 1) * topology.gpusPerNode) {
                    for (s, e) in gpus[g].enumerated() {
                        if let x = share[g][s] { onNode[e, default: LinearExpression()].add(x, weights[e] / scale) }
                    }
                }
                for e in onNode.keys.sorted() where origins[n][e] > 0 {
                    let local = model.addVariable(upper: origins[n][e] / scale, objective: 1)
                    guard var row = onNode[e] else { continue }
                    row = -1 * row
                    row.add(local, 1)
                    model.addConstraint(row, .lessOrEqual(0))
                }
            }
        }
        // Measured on the DeepSeek-V3 shape: CLP's automatic choice is fastest for phase 1, dual simplex for phase 2.
        let options = SolveOptions(algorithm: origins == nil ? .automatic : .dualSimplex)
        guard let solution = try? LinearProgramming.solve(model, using: .clp, options: options),
            solution.status == .optimal
        else { return nil }
        let shares = share.map { $0.map { x in x.map { max(0, min(1, solution[$0])) } ?? 1 } }
        let placement = LayerPlacement(gpus: gpus, shares: shares).normalised(weights)
        return Solved(placement: placement, maxLoad: placement.times(weights, topology).max() ?? 0)
    }

    /// Equal shares if CLP fails (it should not on this always-feasible LP).
    private func fallback(_ gpus: [[Int]]) -> Solved {
        let placement = LayerPlacement.equalShares(gpus, experts: weights.count)
        return Solved(placement: placement, maxLoad: placement.times(weights, topology).max() ?? 0)
    }
}
