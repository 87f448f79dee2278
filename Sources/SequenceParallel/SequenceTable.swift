import CostModel

/// Per-sequence, per-degree times and memory shares, computed once per plan so the packer's inner loop does no
/// dictionary look-ups or allocation. Column j is `degrees[j]`; an infeasible cell has time +∞.
struct SequenceTable {
    let degrees: [Int]
    let lengths: [Double]
    let gpus: Int
    let tokensPerGPU: Double
    let beta1: Double
    /// time[k * degrees.count + j]
    let time: [Double]
    let share: [Double]
    /// Fastest feasible time and cheapest feasible GPU-seconds of each sequence.
    let fastest: [Double]
    let cheapest: [Double]

    /// `degreeSpeeds`: each degree's times divided by that speed (a group of that degree at its best rank block).
    init(cost: SequenceParallelCost, lengths: [Double], degreeSpeeds: [Int: Double] = [:]) {
        degrees = cost.degrees
        self.lengths = lengths
        gpus = cost.gpus
        tokensPerGPU = cost.tokensPerGPU
        beta1 = cost.beta1
        var time: [Double] = []
        var share: [Double] = []
        var fastest: [Double] = []
        var cheapest: [Double] = []
        time.reserveCapacity(lengths.count * degrees.count)
        share.reserveCapacity(lengths.count * degrees.count)
        for length in lengths {
            var fast = Double.infinity
            var cheap = Double.infinity
            for degree in cost.degrees {
                let portion = length / Double(degree)
                let fits = portion <= cost.tokensPerGPU
                let seconds = fits ? cost.time(length, degree: degree) / (degreeSpeeds[degree] ?? 1) : .infinity
                time.append(seconds)
                share.append(portion)
                fast = min(fast, seconds)
                cheap = min(cheap, Double(degree) * seconds)
            }
            fastest.append(fast)
            cheapest.append(cheap)
        }
        self.time = time
        self.share = share
        self.fastest = fastest
        self.cheapest = cheapest
    }

    /// The index into `time` and `share` of `sequence` at `degree`.
    func cell(_ sequence: Int, degree: Int) -> Int { sequence * degrees.count + (degrees.firstIndex(of: degree) ?? 0) }
}
