import Foundation

/// Synthetic MoE expert loads: rank-Zipf over a random expert permutation, the skew model calibrated in
/// shared/references/moe.md §4.2 (s ≈ 0.6 matches DeepSeek-R1's published per-rank imbalance).
public struct ExpertLoadGenerator {
    var lengths: LengthGenerator

    public init(seed: UInt64) { lengths = LengthGenerator(seed: seed) }

    /// One layer: `tokens` token-expert pairs, expert at Zipf rank r gets ∝ 1 / r^s, whole tokens.
    public mutating func zipf(experts: Int, tokens: Double, exponent: Double) -> [Double] {
        var order = Array(0..<experts)
        order.shuffle(using: &lengths.random)
        let mass = (1...experts).map { 1 / pow(Double($0), exponent) }
        let total = mass.reduce(0, +)
        var loads = [Double](repeating: 0, count: experts)
        for (rank, e) in order.enumerated() { loads[e] = (tokens * mass[rank] / total).rounded() }
        return loads
    }

    /// The next window: each expert's load scaled by a log-normal factor (σ = `drift`), so hot experts stay mostly hot.
    public mutating func drifted(_ loads: [Double], drift: Double) -> [Double] {
        loads.map { ($0 * lengths.logNormal(mu: 0, sigma: drift)).rounded() }
    }

    /// Origins with node affinity: each node favours a random `favoured` fraction of the experts, sending them
    /// `affinity` times the tokens other nodes send; a node's tokens split evenly over its GPUs.
    /// Returns [GPU × expert] tokens whose columns sum to `loads` (up to rounding).
    public mutating func origins(
        loads: [Double], nodes: Int, gpusPerNode: Int, affinity: Double, favoured: Double = 0.25
    ) -> [[Double]] {
        let experts = loads.count
        var weight = [[Double]](repeating: [Double](repeating: 1, count: experts), count: nodes)
        for n in 0..<nodes {
            var order = Array(0..<experts)
            order.shuffle(using: &lengths.random)
            for e in order.prefix(max(1, Int(Double(experts) * favoured))) { weight[n][e] = affinity }
        }
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: experts), count: nodes * gpusPerNode)
        for e in 0..<experts {
            let total = (0..<nodes).reduce(0) { $0 + weight[$1][e] }
            for n in 0..<nodes {
                let perGPU = loads[e] * weight[n][e] / total / Double(gpusPerNode)
                for g in (n * gpusPerNode)..<((n + 1) * gpusPerNode) { matrix[g][e] = perGPU }
            }
        }
        return matrix
    }
}
