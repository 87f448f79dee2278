/// How a layout's layers split over its pipeline: evenly where the (virtual) stages divide them; otherwise as
/// Megatron-Core's `--pipeline-model-parallel-layout` that `--format megatron` writes, with the extra layers on the
/// middle stages so the first (embedding) and last (loss) stay light, as Llama 3 405B's split did.
extension ParallelStrategy {
    private var virtualStages: Int { max(1, pipelineParallel) * max(1, interleave) }

    /// Transformer layers of virtual stage `stage` (run on rank `stage` mod PP): the extra layers of an uneven split go
    /// to stages 1, 2, … first, then to the first stage, then to the last.
    func layers(ofVirtualStage stage: Int, modelLayers: Int) -> Int {
        let stages = virtualStages
        let extra = modelLayers % stages
        let middle = stage >= 1 && stage <= stages - 2 && stage <= extra
        let first = stage == 0 && extra >= max(1, stages - 1)
        return modelLayers / stages + (middle || first ? 1 : 0)
    }

    /// Transformer layers of each virtual stage, in the order the schedule runs them.
    public func virtualStageLayers(modelLayers: Int) -> [Int] {
        (0..<virtualStages).map { layers(ofVirtualStage: $0, modelLayers: modelLayers) }
    }

    /// Transformer layers pipeline rank `rank` holds: the sum of its virtual stages.
    func layers(ofRank rank: Int, modelLayers: Int) -> Int {
        let ranks = max(1, pipelineParallel)
        return stride(from: rank, to: virtualStages, by: ranks).reduce(0) {
            $0 + layers(ofVirtualStage: $1, modelLayers: modelLayers)
        }
    }

    public func rankLayers(modelLayers: Int) -> [Int] {
        (0..<max(1, pipelineParallel)).map { layers(ofRank: $0, modelLayers: modelLayers) }
    }

    /// The ranks whose memory or parameters can be the largest: the first (the most in flight, the embedding), the
    /// last (the head, the logits) and, on an uneven split, the second. The middle ranks hold no more layers per chunk
    /// than the one before them and two fewer chunk forwards of warm-up, so none passes the second
    /// (`PipelineMemoryTests.middleRanksNeverPassTheSecond` checks it against every rank's replay).
    func rankCandidates(modelLayers: Int) -> [Int] {
        let last = max(1, pipelineParallel) - 1
        let even = modelLayers % virtualStages == 0
        return last == 0 ? [0] : even || last == 1 ? [0, last] : [0, 1, last]
    }

    /// Transformer layers whose activations rank `rank` holds at its peak, replaying its schedule as Megatron-Core
    /// runs it: under 1F1B, min(PP − r, m) micro-batches; interleaved over v chunks, a warm-up of
    /// 2(PP − r − 1) + (v − 1)·PP chunk forwards (at most m·v), then one forward and one backward at a time, the
    /// micro-batches taken in groups of PP (the last group holds the rest) and each group through every chunk in
    /// turn (backwards in reverse chunk order), as `get_schedule_table` orders them. On an uneven split a forward of a
    /// heavier chunk can follow a backward of a lighter one, so the peak may come after the warm-up.
    func inFlightLayers(rank: Int, modelLayers: Int) -> Int {
        let ranks = max(1, pipelineParallel)
        let chunks = max(1, interleave)
        let microBatches = max(1, microBatchesPerPipeline)
        guard chunks > 1 else {
            return min(ranks - rank, microBatches) * layers(ofRank: rank, modelLayers: modelLayers)
        }
        let schedule = InterleavedSchedule(ranks: ranks, chunks: chunks, microBatches: microBatches)
        // Even chunks: the warm-up and one more forward, whatever their order.
        if modelLayers % virtualStages == 0 {
            return min(schedule.warmup(rank: rank) + 1, schedule.steps) * (modelLayers / virtualStages)
        }
        let chunkLayers = (0..<chunks).map { layers(ofVirtualStage: $0 * ranks + rank, modelLayers: modelLayers) }
        return schedule.peak(rank: rank, layers: chunkLayers)
    }

    public func inFlightLayers(modelLayers: Int) -> [Int] {
        (0..<max(1, pipelineParallel)).map { inFlightLayers(rank: $0, modelLayers: modelLayers) }
    }
}

/// The order of Megatron-Core's interleaved 1F1B schedule on one rank, by step.
struct InterleavedSchedule {
    let ranks: Int
    let chunks: Int
    let microBatches: Int

    /// Micro-batch groups of `ranks` before the last, whose steps repeat every `period`.
    private var period: Int { ranks * chunks }
    private var lastGroupStart: Int { max(0, (microBatches - 1) / ranks) * ranks }
    private var periodicSteps: Int { lastGroupStart * chunks }
    var steps: Int { microBatches * chunks }

    /// Chunk forwards `rank` runs before its first backward.
    func warmup(rank: Int) -> Int { min(2 * (ranks - rank - 1) + (chunks - 1) * ranks, steps) }

    /// Steps of the last group's blocks (the micro-batches left after the whole groups).
    private var tailBlock: Int { microBatches - lastGroupStart }

    /// The most layers alive at once on `rank`, chunk c holding `layers[c]`. Steps are taken a block at a time:
    /// while the forward's and the backward's chunks stay the same, the count moves by the same amount each step, so
    /// its highest point in the block is at the block's first or last step.
    func peak(rank: Int, layers: [Int]) -> Int {
        let warmup = warmup(rank: rank)
        var alive = 0
        var forward = Cursor(self, at: 0)
        while forward.step < warmup {
            let count = min(forward.left, warmup - forward.step)
            alive += count * layers[forward.chunk]
            forward.advance(count, self)
        }
        var peak = alive
        let steady = steps - warmup
        func replay(_ range: Range<Int>) {
            var forward = Cursor(self, at: warmup + range.lowerBound)
            var backward = Cursor(self, at: range.lowerBound)
            while backward.step < range.upperBound {
                let count = min(forward.left, backward.left, range.upperBound - backward.step)
                let added = layers[forward.chunk]
                // Before the backward of each step the count is alive + (steps so far)·rise + added.
                let rise = added - layers[chunks - 1 - backward.chunk]
                peak = max(peak, alive + added + (rise > 0 ? (count - 1) * rise : 0))
                alive += count * rise
                forward.advance(count, self)
                backward.advance(count, self)
            }
        }
        // Steps [0, repeating) run both their forward and their backward in the repeating groups, so the count
        // returns to the warm-up's after every whole period there: one period stands for them all.
        let repeating = max(0, periodicSteps - warmup)
        let resume = repeating / period * period
        if resume >= period {
            let start = alive
            replay(0..<period)
            alive = start
            replay(resume..<steady)
        } else {
            replay(0..<steady)
        }
        return peak
    }

    /// A position in the schedule: its step, the chunk that step runs, and the steps left before the chunk changes.
    private struct Cursor {
        var step: Int
        var chunk: Int
        var left: Int

        init(_ schedule: InterleavedSchedule, at step: Int) {
            self.step = step
            if step < schedule.periodicSteps {
                chunk = (step % schedule.period) / schedule.ranks
                left = schedule.ranks - step % schedule.ranks
            } else {
                chunk = (step - schedule.periodicSteps) / schedule.tailBlock
                left = schedule.tailBlock - (step - schedule.periodicSteps) % schedule.tailBlock
            }
        }

        /// Moves `count` steps on, at most to the end of the block.
        mutating func advance(_ count: Int, _ schedule: InterleavedSchedule) {
            step += count
            left -= count
            guard left == 0 else { return }
            if step < schedule.periodicSteps {
                chunk = chunk + 1 == schedule.chunks ? 0 : chunk + 1
                left = schedule.ranks
            } else {
                chunk = step == schedule.periodicSteps ? 0 : chunk + 1
                left = schedule.tailBlock
            }
        }
    }
}
