import Foundation

/// Measured speeds of a cluster's GPUs (1 = the GPU type's nominal speed), in rank order: a cluster file's
/// `speedFactors`, or the fragment `paraplan whatif --speed-factors` writes. Planners read them per rank.
public enum SpeedFactors {

    /// One speed per rank when each rank spans `factors.count / ranks` consecutive GPUs (a DP rank's TP × PP group
    /// waits for its slowest member): the slowest of each span. Nil unless `ranks` divides the GPU count.
    public static func perRank(_ factors: [Double], ranks: Int) -> [Double]? {
        guard ranks >= 1, factors.count >= ranks, factors.count % ranks == 0 else { return nil }
        let span = factors.count / ranks
        return (0..<ranks).map { rank in factors[(rank * span)..<((rank + 1) * span)].min() ?? 1 }
    }
}
