/// What `paraplan whatif` reports (docs/whatif.md §Report). Slowdowns are ratios of mean step times: above 1, the
/// job is that much slower than the same job with no worker slower than its peers.
public struct WhatIfReport: Codable, Sendable, Equatable {
    public struct StepSeconds: Codable, Sendable, Equatable {
        public var steps: [Int]
        /// As recorded (earliest start to latest end of the step).
        public var recorded: [Double]
        /// Replayed with the recorded durations and launch delays (the model's check: equals `recorded`).
        public var replayed: [Double]
        /// Replayed without launch delays (host-side gaps the trace does not explain).
        public var withoutLaunchDelays: [Double]
        /// Every operation at its kind's typical duration, no launch delays.
        public var ideal: [Double]
        /// withoutLaunchDelays / ideal, per step.
        public var slowdown: [Double]
    }

    public struct WorkerSlowdown: Codable, Sendable, Equatable {
        public var dataParallelRank: Int
        public var stage: Int
        public var slowdown: Double
    }

    public struct Attribution: Codable, Sendable, Equatable {
        /// The slowdown when only this group keeps its recorded durations (the rest ideal).
        public var byOpType: [String: Double]
        public var byDPRank: [String: Double]
        public var byStage: [String: Double]
        /// The workers with the highest scores (min of their DP rank's and stage's slowdown), each replayed alone.
        public var byWorker: [WorkerSlowdown]
    }

    /// How much of the slowdown fixing a set of operations recovers (the paper's M_W and M_S).
    public struct Recovery: Codable, Sendable, Equatable {
        public var workers: [Worker]
        /// (original − with these fixed) / (original − ideal): 1 recovers the whole slowdown.
        public var recovered: Double
        /// (ideal with only these slow − ideal) / (original − ideal).
        public var added: Double
        public var originalSeconds: Double
        public var idealSeconds: Double
        public var fixedSeconds: Double
        public var onlyTheseSeconds: Double
    }

    /// A what-if of a remedy: the mean step it would give, and the speed-up over the job without launch delays.
    public struct Remedy: Codable, Sendable, Equatable {
        public var seconds: Double
        public var speedUp: Double
    }

    /// Remedies priced by replay (docs/whatif.md §Remedies).
    public struct Remedies: Codable, Sendable, Equatable {
        /// Each step's compute balanced across DP ranks and micro-batches (what any batch balancer can win at most).
        public var balancedBatches: Remedy
        /// Every stage's compute scaled to the mean stage's total (equal compute per stage; a re-split of whole layers
        /// can do better where the schedule weighs the stages unequally).
        public var balancedStages: Remedy
        /// The slow machines found given their peers' typical times (replacing them); nil when none was found.
        public var replacedSlowMachines: Remedy?
        /// The slow machines kept and planned around: each stage's compute re-divided over its DP ranks in proportion
        /// to their measured speed, as `plan batch-balance --speed-factors` does (nil when none was found).
        public var plannedAroundSlowMachines: Remedy?
        /// Whole layers moved between stages (with `--layers`): the best split and what it gives.
        public var resplitStages: Resplit?
        /// Each step's micro-batches reassigned among the DP ranks by ParaPlan's batch balancer, from their measured
        /// compute (nil without micro-batch ids in the trace, or without a balancer, as in the library alone).
        public var rebalancedMicroBatches: Rebalance?
    }

    /// A planner's reassignment of the recorded micro-batches, and what it gives.
    public struct Rebalance: Codable, Sendable, Equatable {
        /// Micro-batches that run on another DP rank than recorded, over all steps.
        public var movedMicroBatches: Int
        public var remedy: Remedy
    }

    /// A re-split of whole layers over the pipeline stages, from the measured per-stage compute.
    public struct Resplit: Codable, Sendable, Equatable {
        /// Layers per stage as the trace ran them (an even split) and as re-split.
        public var layersBefore: [Int]
        public var layersAfter: [Int]
        /// Measured compute of one layer, and of each stage beside its layers (embedding, output head and loss), per
        /// worker and step.
        public var layerSeconds: Double
        public var extraSeconds: [Double]
        public var remedy: Remedy
    }

    public var job: JobShape
    public var operations: Int
    /// Mean step time without launch delays over the ideal mean (the paper's S, Eq. 1).
    public var slowdown: Double
    /// Mean recorded step time over the mean without launch delays.
    public var launchSlowdown: Double
    /// Largest relative difference between a replayed and a recorded step time.
    public var replayError: Double
    public var stepSeconds: StepSeconds
    public var attribution: Attribution
    /// M_W: the slowest 3 % of workers (at least one) fixed.
    public var mw: Recovery
    /// M_S: the last pipeline stage fixed.
    public var ms: Recovery
    /// Per worker (rows: `heatmapWorkers`) and step (columns: `stepSeconds.steps`): the worker's score in that step.
    public var heatmapWorkers: [Worker]
    public var heatmap: [[Double]]
    /// A one-line reading of where the slowdown sits (thresholds in docs/whatif.md).
    public var culprit: String
    /// Workers slower than their stage's peers in most steps, and how much slowness moved between workers.
    public var slowMachines: SlowMachineDetection.Findings
    /// Standard deviation of a worker's compute per step against its stage's peers, as a fraction, slow machines left
    /// out (`ComputeDeviation`): a calibration profile's `computeDeviation`. nil without two peers in a stage.
    public var computeDeviation: Double?
    /// The same for one forward or backward compute of one micro-batch (`ComputeDeviation.measurePerOperation`): a
    /// calibration profile's `operationDeviation`. nil without two peers in a stage.
    public var operationDeviation: Double?
    public var remedies: Remedies
}
