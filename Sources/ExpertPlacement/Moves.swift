import LinearProgramming

/// Keeping experts where the previous plan had them. A move is a slot whose expert differs from the previous plan's
/// (the runtime must load new weights into it).
enum Moves {
    static func count(_ gpus: [[Int]], previous: [[Int]]) -> Int {
        var moves = 0
        for (g, slots) in gpus.enumerated() {
            let before = g < previous.count ? previous[g] : []
            for (s, e) in slots.enumerated() where s >= before.count || before[s] != e { moves += 1 }
        }
        return moves
    }

    /// Relabels GPUs inside each interchangeable block (a node when origins make nodes differ, else all GPUs) to keep
    /// the most experts in place, then puts each kept expert back in its previous slot.
    static func aligned(_ placement: LayerPlacement, previous: [[Int]], blockSize: Int) -> LayerPlacement {
        var result = placement
        for start in stride(from: 0, to: placement.gpus.count, by: blockSize) {
            let block = Array(start..<min(start + blockSize, placement.gpus.count))
            let gain = block.map { j in
                block.map { r in Double(Set(placement.gpus[j]).intersection(previous[r]).count) }
            }
            let place = Assignment.maximumGain(gain)
            for (j, content) in block.enumerated() {
                let target = block[place[j]]
                let ordered = slotOrdered(
                    placement.gpus[content], placement.shares[content], previous: previous[target])
                result.gpus[target] = ordered.experts
                result.shares[target] = ordered.shares
            }
        }
        return result
    }

    private static func slotOrdered(_ experts: [Int], _ shares: [Double], previous: [Int]) -> (
        experts: [Int], shares: [Double]
    ) {
        let length = max(experts.count, previous.count)
        var slots = [Int?](repeating: nil, count: length)
        var slotShares = [Double](repeating: 0, count: length)
        var newcomers: [(Int, Double)] = []
        for (e, share) in zip(experts, shares) {
            if let s = previous.firstIndex(of: e) {
                slots[s] = e
                slotShares[s] = share
            } else {
                newcomers.append((e, share))
            }
        }
        var next = newcomers.makeIterator()
        for s in 0..<length where slots[s] == nil {
            guard let (e, share) = next.next() else { break }
            slots[s] = e
            slotShares[s] = share
        }
        var outExperts: [Int] = []
        var outShares: [Double] = []
        for s in 0..<length {
            if let e = slots[s] {
                outExperts.append(e)
                outShares.append(slotShares[s])
            }
        }
        return (outExperts, outShares)
    }

    /// At most `budget` slot changes from `previous` toward `target` (already aligned): each step makes the change
    /// that takes the most load per replica off the currently most loaded GPU, never dropping an expert's last
    /// replica or putting two replicas of one expert on one GPU.
    static func budgeted(toward target: [[Int]], previous: [[Int]], weights: [Double], budget: Int) -> [[Int]] {
        var current = previous
        var counts = [Int](repeating: 0, count: weights.count)
        for slots in current { for e in slots { counts[e] += 1 } }
        func replicaLoad(_ e: Int) -> Double { weights[e] / Double(max(counts[e], 1)) }
        for _ in 0..<budget {
            var best: (g: Int, s: Int, key: (Double, Double))?
            for g in target.indices {
                let gpuLoad = current[g].reduce(0) { $0 + replicaLoad($1) }
                for s in target[g].indices {
                    let incoming = target[g][s]
                    let outgoing = s < current[g].count ? current[g][s] : nil
                    guard incoming != outgoing, !current[g].contains(incoming) else { continue }
                    if let outgoing, counts[outgoing] <= 1 { continue }
                    // An empty slot frees nothing but costs nothing either: rank it like a replica of load 0.
                    let key = (gpuLoad, outgoing.map(replicaLoad) ?? 0)
                    if best.map({ key > $0.key }) ?? true { best = (g, s, key) }
                }
            }
            guard let change = best else { break }
            let incoming = target[change.g][change.s]
            if change.s < current[change.g].count {
                counts[current[change.g][change.s]] -= 1
                current[change.g][change.s] = incoming
            } else {
                current[change.g].append(incoming)
            }
            counts[incoming] += 1
        }
        return current
    }
}
