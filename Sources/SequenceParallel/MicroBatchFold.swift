/// A step with one micro-batch more than its tokens need (docs/sequence-parallel.md §Optimizer, "Folding a
/// micro-batch away"). The exchange search moves one sequence at a time and keeps a move only if the step gets
/// shorter, so it never empties a micro-batch: the β1 that would save is only won by the last move. Here two
/// micro-batches are merged into one, and the shortest of their sequences go as guests into the other micro-batches'
/// groups with memory to spare (a long sequence's wide group, typically) until the rest packs as one micro-batch.
extension MicroBatchExchange {
    /// Pairs of micro-batches tried, fewest tokens first: each costs several packings of a micro-batch.
    static let foldPairs = 3
    /// Past the fewest guests that let the rest pack, guests are added in steps of this share of the cluster's
    /// memory while the step gets shorter.
    static let foldStep = 0.005

    /// The step with two micro-batches folded into one and its guests in the others, the fastest over the pairs
    /// tried; nil where memory needs every micro-batch or no fold is faster than `step`.
    func folded(_ step: [BuiltMicroBatch]) -> [BuiltMicroBatch]? {
        let table = layout?.table ?? packer.table
        // Every rank's memory: a search that packs as if slow ranks were absent still places on all of them.
        let memory = Double(layout?.speeds.count ?? table.gpus) * table.tokensPerGPU
        let tokens = step.map { $0.groups.flatMap(\.sequences).reduce(0) { $0 + table.lengths[$1] } }
        guard step.count >= 2, tokens.reduce(0, +) <= Double(step.count - 1) * memory else { return nil }
        let pairs = step.indices.flatMap { first in step.indices.filter { $0 > first }.map { (first, $0) } }
            .sorted { (tokens[$0.0] + tokens[$0.1], $0.0, $0.1) < (tokens[$1.0] + tokens[$1.1], $1.0, $1.1) }
        var best: (step: [BuiltMicroBatch], seconds: Double) = (step, step.seconds)
        for pair in pairs.prefix(Self.foldPairs) {
            guard let candidate = merged(pair, in: step, table: table, memory: memory) else { continue }
            let seconds = candidate.seconds
            if seconds < best.seconds * (1 - 1e-12) { best = (candidate, seconds) }
        }
        return best.seconds < step.seconds * (1 - 1e-12) ? best.step : nil
    }

    /// The other micro-batches (with guests) and the pair's remaining sequences packed as one, at the number of
    /// guests that gives the shortest step; nil if the rest never packs.
    private func merged(_ pair: (Int, Int), in step: [BuiltMicroBatch], table: SequenceTable, memory: Double)
        -> [BuiltMicroBatch]?
    {
        let hosts = step.indices.filter { $0 != pair.0 && $0 != pair.1 }.map { index in
            var host = step[index]
            host.groups = host.groups.map { $0.retimed(table) }
            return host
        }
        let lengths = table.lengths
        let pool = (step[pair.0].groups + step[pair.1].groups).flatMap(\.sequences)
            .sorted { lengths[$0] != lengths[$1] ? lengths[$0] < lengths[$1] : $0 < $1 }
        // Each guest's place, shortest sequences first, as far as the hosts have room and stay shorter than the step
        // without the fold; the hosts' total time after each.
        var working = hosts
        var places: [(host: Int, group: Int)] = []
        var hostsTotal = [hosts.seconds]
        var restTokens = [pool.reduce(0) { $0 + lengths[$1] }]
        let unfolded = step.seconds
        for sequence in pool {
            guard let place = host(sequence, into: &working, table: table), working.seconds + beta1 < unfolded
            else { break }
            places.append(place)
            hostsTotal.append(working.seconds)
            restTokens.append(restTokens[restTokens.count - 1] - lengths[sequence])
        }
        func hosted(_ guests: Int) -> [BuiltMicroBatch] {
            var replayed = hosts
            for (sequence, place) in zip(pool, places.prefix(guests)) {
                add(sequence, to: place, in: &replayed, table: table)
            }
            return replayed
        }
        // The rest must run within what the step would save, which the hosts' growth eats into.
        func cap(_ guests: Int) -> Double { unfolded - hostsTotal[guests] - beta1 }
        func attempt(_ guests: Int, cap: Double) -> [BuiltMicroBatch]? {
            guard guests < pool.count else { return hosted(guests) }
            return packedDensely(Array(pool[guests...]), cap: cap).map { hosted(guests) + [$0] }
        }
        // The fewest guests that let the rest pack within the largest cap (a binary search: more guests leave less to
        // pack), then more guests while the step gets shorter.
        guard var low = restTokens.firstIndex(where: { $0 <= memory }), cap(low) > 0 else { return nil }
        let widest = cap(low)
        var high = places.count
        guard var best = attempt(high, cap: widest) else { return nil }
        while low < high {
            let middle = (low + high) / 2
            if let packed = attempt(middle, cap: widest) {
                best = packed
                high = middle
            } else {
                low = middle + 1
            }
        }
        guard best.seconds < unfolded else { return nil }
        var guests = high
        while let next = restTokens.indices.first(where: {
            $0 > guests && restTokens[$0] <= restTokens[guests] - Self.foldStep * memory
        }), cap(next) > 0, let packed = attempt(next, cap: cap(next)), packed.seconds < best.seconds {
            best = packed
            guests = next
        }
        return best
    }

    /// The micro-batch at its minimum makespan by the fastest of this search's packer and its memory-dense variants
    /// (the roomiest-first rule, no group narrower than 2 or 4): a merged micro-batch is often nearly full.
    private func packedDensely(_ sequences: [Int], cap: Double) -> BuiltMicroBatch? {
        var variants = [packer]
        var roomiest = packer
        roomiest.roomiestFallback = true
        variants.append(roomiest)
        for smallest in [2, 4] {
            guard let column = packer.table.degrees.firstIndex(of: smallest) else { continue }
            var floor = roomiest
            floor.firstColumn = column
            variants.append(floor)
        }
        return variants.compactMap { variant in
            MicroBatchExchange(packer: variant, beta1: beta1, evaluations: evaluations, layout: layout)
                .packed(sequences, cap: cap, precision: MicroBatchPacker.precision)
        }
        .min { $0.seconds < $1.seconds }
    }

    /// Where `sequence` goes among the hosts' groups: where its micro-batch's makespan grows least (ties: where it
    /// ends first), within memory; added there. Nil if no group has room.
    private func host(_ sequence: Int, into hosts: inout [BuiltMicroBatch], table: SequenceTable)
        -> (host: Int, group: Int)?
    {
        var best: (host: Int, group: Int, growth: Double, finish: Double)?
        for index in hosts.indices {
            let makespan = hosts[index].seconds - beta1
            for group in hosts[index].groups.indices {
                let cell = table.cell(sequence, degree: hosts[index].groups[group].degree)
                guard table.time[cell].isFinite,
                    hosts[index].groups[group].tokensPerGPU + table.share[cell] <= table.tokensPerGPU
                else { continue }
                let finish =
                    (hosts[index].groups[group].load + table.time[cell]) / speed(of: hosts[index], group: group)
                let growth = max(0, finish - makespan)
                if best.map({ growth < $0.growth || (growth == $0.growth && finish < $0.finish) }) ?? true {
                    best = (index, group, growth, finish)
                }
            }
        }
        guard let best else { return nil }
        add(sequence, to: (best.host, best.group), in: &hosts, table: table)
        return (best.host, best.group)
    }

    /// `sequence` added to a host's group, the host's time raised to that group's where it is now the slowest.
    private func add(
        _ sequence: Int, to place: (host: Int, group: Int), in hosts: inout [BuiltMicroBatch], table: SequenceTable
    ) {
        hosts[place.host].groups[place.group].add(sequence, table)
        let group = hosts[place.host].groups[place.group]
        let finish = group.load / speed(of: hosts[place.host], group: place.group)
        hosts[place.host].seconds = max(hosts[place.host].seconds, finish + beta1)
    }
}
