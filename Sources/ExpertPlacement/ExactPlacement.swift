import LinearProgramming

/// The whole placement as one MILP on GLPK, for layers small enough to solve to optimality quickly on any machine
/// (no time limit, so the answer does not depend on the machine's speed):
/// min T s.t. Σ_g y_eg = w_e, y_eg ≤ w_e·x_eg, Σ_e x_eg ≤ K, Σ_g x_eg ≥ 1, Σ_e y_eg / s_g ≤ T, x binary, y ≥ 0
/// (s_g: GPU g's speed, 1 without speed factors).
enum ExactPlacement {
    /// Binaries (experts × GPUs) up to which the MILP is tried.
    static let maximumBinaries = 32

    static func solve(_ weights: [Double], topology: ExpertTopology) -> [[Int]]? {
        let experts = weights.count
        let gpus = topology.gpus
        guard experts * gpus <= maximumBinaries else { return nil }
        let scale = max(weights.reduce(0, +) / Double(gpus), 1e-9)
        var model = LinearModel(name: "expert-placement", sense: .minimize)
        let peak = model.addVariable("T", objective: 1)
        let x = (0..<experts).map { e in (0..<gpus).map { g in model.addVariable("x_\(e)_\(g)", kind: .binary) } }
        let y = (0..<experts).map { e in (0..<gpus).map { g in model.addVariable("y_\(e)_\(g)") } }
        for e in 0..<experts {
            model.addConstraint(.sum(y[e]), .equal(weights[e] / scale))
            model.addConstraint(.sum(x[e]), .greaterOrEqual(1))
            for g in 0..<gpus { model.addConstraint([(y[e][g], 1), (x[e][g], -weights[e] / scale)], .lessOrEqual(0)) }
        }
        for g in 0..<gpus {
            model.addConstraint(.sum(x.map { $0[g] }), .lessOrEqual(Double(topology.slotsPerGPU)))
            var load = LinearExpression(y.map { ($0[g], 1 / topology.speed(of: g)) })
            load.add(peak, -1)
            model.addConstraint(load, .lessOrEqual(0))
        }
        guard let solution = try? LinearProgramming.solve(model, using: .glpk), solution.status == .optimal else {
            return nil
        }
        return (0..<gpus).map { g in (0..<experts).filter { solution[x[$0][g]] > 0.5 } }
    }
}
