/// Ranks of unequal speed (a cluster's `speedFactors`): a group runs at its slowest member's speed, so where a group
/// sits decides how long it takes. Places a micro-batch's groups on aligned rank blocks (heaviest groups on the
/// fastest blocks, idle ranks on the slowest), then moves and swaps sequences between groups while that lowers the
/// slowest group's time (docs/sequence-parallel.md §Ranks of unequal speed).
struct SpeedLayout {
    let table: SequenceTable
    /// One per rank; `gpus` (a power of two) of them.
    let speeds: [Double]

    struct Placed {
        var group: PackedGroup
        var firstRank: Int
        var speed: Double
        var seconds: Double { group.load / speed }
    }

    /// Slowest speed of the aligned block [start, start + degree).
    func blockSpeed(start: Int, degree: Int) -> Double {
        speeds[start..<(start + degree)].min() ?? 1
    }

    /// Per degree: the best slowest speed of an aligned block of that many ranks.
    func bestBlockSpeeds(_ degrees: [Int]) -> [Int: Double] { Self.bestBlockSpeeds(speeds, degrees: degrees) }

    static func bestBlockSpeeds(_ speeds: [Double], degrees: [Int]) -> [Int: Double] {
        Dictionary(
            uniqueKeysWithValues: degrees.filter { $0 >= 1 && $0 <= speeds.count }.map { degree in
                (
                    degree,
                    stride(from: 0, through: speeds.count - degree, by: degree)
                        .map { speeds[$0..<($0 + degree)].min() ?? 1 }.max() ?? 1
                )
            })
    }

    /// Largest degree first (so a free block of the degree always exists, as in a buddy allocator); within a degree
    /// the heaviest group first, each on the fastest free aligned block of its degree (ties: the smallest free block,
    /// then the lowest rank), whose rest is split back into aligned free blocks.
    func place(_ groups: [PackedGroup]) -> [Placed] {
        let order = groups.indices.sorted { a, b in
            groups[a].degree != groups[b].degree
                ? groups[a].degree > groups[b].degree
                : groups[a].load != groups[b].load ? groups[a].load > groups[b].load : a < b
        }
        var free: [(start: Int, size: Int)] = [(0, speeds.count)]
        var placed: [Placed] = []
        for index in order {
            let degree = groups[index].degree
            var best: (block: Int, start: Int, speed: Double)?
            for (block, region) in free.enumerated() where region.size >= degree {
                for start in stride(from: region.start, to: region.start + region.size, by: degree) {
                    let speed = blockSpeed(start: start, degree: degree)
                    guard let current = best else {
                        best = (block, start, speed)
                        continue
                    }
                    let better =
                        speed > current.speed
                        || speed == current.speed
                            && (region.size < free[current.block].size
                                || region.size == free[current.block].size && start < current.start)
                    if better { best = (block, start, speed) }
                }
            }
            // Σ degree ≤ ranks and largest first: some free block always holds the group.
            guard let chosen = best else { continue }
            let region = free.remove(at: chosen.block)
            // The region minus the chosen block: aligned halves from the region's size down to the degree.
            var size = region.size
            var start = region.start
            while size > degree {
                size /= 2
                if chosen.start < start + size {
                    free.append((start + size, size))
                } else {
                    free.append((start, size))
                    start += size
                }
            }
            placed.append(Placed(group: groups[index], firstRank: chosen.start, speed: chosen.speed))
        }
        return placed
    }

    /// Groups a round of `rebalance` tries as targets where a micro-batch has more (`targets`). A micro-batch on at
    /// most this many ranks has no more groups, so there every group is tried; on 1,024 ranks trying all of them (a
    /// thousand groups, every sequence of each a swap partner) took 80 % of the planning time, and 50,000 sequences
    /// with one slow rank took 58 s to plan (5.3 s at nominal speed).
    static let targetGroups = 64
    /// Beyond `targetGroups` groups, a round also tries only this many of the slowest group's sequences (its heaviest)
    /// and of each target's as swap partners (the shortest at the slowest group's degree), each in group order.
    static let sequencesTried = 24

    /// Moves of one sequence out of the slowest group, or swaps with a sequence of another group, while they lower
    /// the later of the two groups' times within their memory; groups left empty are dropped. Each round tries every
    /// group as a target where there are at most `targetGroups`, else `targets`' choice.
    func rebalance(_ start: [Placed], rounds: Int = 256) -> [Placed] {
        var placed = start
        // The table's arrays bound once: reaching them through `table` in the loops copies the whole table each time
        // in unoptimised builds.
        let degrees = table.degrees
        let time = table.time
        let share = table.share
        let tokensPerGPU = table.tokensPerGPU
        let columns = degrees.count
        func column(_ degree: Int) -> Int { degrees.firstIndex(of: degree) ?? 0 }
        for _ in 0..<rounds {
            guard
                let top = placed.indices.max(by: {
                    placed[$0].seconds < placed[$1].seconds
                        || placed[$0].seconds == placed[$1].seconds && $0 > $1
                })
            else { break }
            let topPlaced = placed[top]
            let topSeconds = topPlaced.seconds
            let topLoad = topPlaced.group.load
            let topSpeed = topPlaced.speed
            let topTokens = topPlaced.group.tokensPerGPU
            let topColumn = column(topPlaced.group.degree)
            var best: (finish: Double, sequence: Int, to: Int, partner: Int?)?
            let many = placed.count > Self.targetGroups
            let targets = many ? Self.targets(placed) : Array(placed.indices)
            // The `sequencesTried` of `sequences` that come first by `key` (ties by position), in their order.
            func tried(_ sequences: [Int], by key: (Int) -> Double) -> [Int] {
                guard many, sequences.count > Self.sequencesTried else { return sequences }
                let keys = sequences.map(key)
                let cut = keys.sorted()[Self.sequencesTried - 1]
                var ties = Self.sequencesTried - keys.reduce(0) { $1 < cut ? $0 + 1 : $0 }
                return sequences.indices.filter { index in
                    if keys[index] < cut { return true }
                    guard keys[index] == cut, ties > 0 else { return false }
                    ties -= 1
                    return true
                }.map { sequences[$0] }
            }
            var partners = [[Int]](repeating: [], count: placed.count)
            for other in targets {
                partners[other] = tried(placed[other].group.sequences) { time[$0 * columns + topColumn] }
            }
            let leavers = tried(topPlaced.group.sequences) { -time[$0 * columns + topColumn] }
            for sequence in leavers {
                let leaving = time[sequence * columns + topColumn]
                let leavingShare = share[sequence * columns + topColumn]
                // Every change of this sequence leaves the top group at least this late.
                guard (topLoad - leaving) / topSpeed < (best?.finish ?? topSeconds * (1 - 1e-9)) else { continue }
                for other in targets where other != top && placed[other].seconds < topSeconds {
                    let otherPlaced = placed[other]
                    let otherColumn = column(otherPlaced.group.degree)
                    let arriving = time[sequence * columns + otherColumn]
                    let arrivingShare = share[sequence * columns + otherColumn]
                    guard arriving.isFinite else { continue }
                    if otherPlaced.group.tokensPerGPU + arrivingShare <= tokensPerGPU {
                        let finish = max(
                            (topLoad - leaving) / topSpeed,
                            (otherPlaced.group.load + arriving) / otherPlaced.speed)
                        if finish < (best?.finish ?? topSeconds * (1 - 1e-9)) { best = (finish, sequence, other, nil) }
                    }
                    for partner in partners[other] {
                        let back = time[partner * columns + topColumn]
                        let away = time[partner * columns + otherColumn]
                        guard back.isFinite, back < leaving,
                            topTokens - leavingShare + share[partner * columns + topColumn] <= tokensPerGPU,
                            otherPlaced.group.tokensPerGPU - share[partner * columns + otherColumn] + arrivingShare
                                <= tokensPerGPU
                        else { continue }
                        let finish = max(
                            (topLoad - leaving + back) / topSpeed,
                            (otherPlaced.group.load - away + arriving) / otherPlaced.speed)
                        if finish < (best?.finish ?? topSeconds * (1 - 1e-9)) {
                            best = (finish, sequence, other, partner)
                        }
                    }
                }
            }
            guard let step = best else { break }
            move(step.sequence, from: top, to: step.to, in: &placed)
            if let partner = step.partner { move(partner, from: step.to, to: top, in: &placed) }
        }
        return placed.filter { !$0.group.sequences.isEmpty }
    }

    /// Beyond `targetGroups` groups, the ones a round tries, in group order: half that finish first (where a moved
    /// sequence ends soonest) and half with the most memory to spare per GPU (where one fits).
    private static func targets(_ placed: [Placed]) -> [Int] {
        let byFinish = placed.indices.sorted {
            placed[$0].seconds != placed[$1].seconds ? placed[$0].seconds < placed[$1].seconds : $0 < $1
        }
        let byRoom = placed.indices.sorted {
            let (a, b) = (placed[$0].group.tokensPerGPU, placed[$1].group.tokensPerGPU)
            return a != b ? a < b : $0 < $1
        }
        var chosen = Set(byFinish.prefix(targetGroups / 2))
        for index in byRoom where chosen.count < targetGroups { chosen.insert(index) }
        return chosen.sorted()
    }

    private func move(_ sequence: Int, from: Int, to: Int, in placed: inout [Placed]) {
        placed[from].group.remove(sequence, table)
        placed[to].group.add(sequence, table)
    }
}
