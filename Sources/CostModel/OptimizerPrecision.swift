/// A storage type of Adam's state (Megatron-Core's `--main-params-dtype`, `--exp-avg-dtype`, `--exp-avg-sq-dtype`).
public enum OptimizerDtype: String, Sendable, Codable, CaseIterable {
    case fp32, fp16, bf16, fp8

    public var bytes: Double {
        switch self {
        case .fp32: 4
        case .fp16, .bf16: 2
        case .fp8: 1
        }
    }
}

/// Megatron-Core's precision-aware optimizer (`--use-precision-aware-optimizer`, Transformer Engine's FusedAdam):
/// the master weights and Adam's two moments stored in the types given. The math runs in FP32 either way; only the
/// distributed optimizer's sharded state and the optimizer step's memory traffic change (docs/cost-model.md §Model
/// states). DeepSeek-V3's Megatron-Bridge recipes keep both moments in BF16.
public struct OptimizerPrecision: Sendable, Equatable, Codable {
    public var mainParams: OptimizerDtype
    public var expAvg: OptimizerDtype
    public var expAvgSq: OptimizerDtype

    public init(mainParams: OptimizerDtype = .fp32, expAvg: OptimizerDtype = .fp32, expAvgSq: OptimizerDtype = .fp32) {
        self.mainParams = mainParams
        self.expAvg = expAvg
        self.expAvgSq = expAvgSq
    }

    /// Bytes of optimizer state per parameter before sharding: 12 with everything in FP32.
    public var stateBytes: Double { mainParams.bytes + expAvg.bytes + expAvgSq.bytes }
}

extension ParallelStrategy {
    /// Optimizer state per parameter before sharding (FP32 master weights and moments unless stated).
    var optimizerStateBytes: Double { optimizerPrecision?.stateBytes ?? 12 }

    /// The stored types when any differs from FP32, which is when Megatron-Core needs its precision-aware optimizer;
    /// nil otherwise (all-FP32 is the plain optimizer).
    public var precisionAwareOptimizer: OptimizerPrecision? {
        optimizerPrecision == OptimizerPrecision() ? nil : optimizerPrecision
    }

    /// Megatron-Core's limits: main params in FP32 or FP16 only, and the precision-aware optimizer only inside the
    /// distributed optimizer (`--zero 1`; Megatron-FSDP, which `--zero 2` and `3` stand for, keeps its own main
    /// weights and Megatron-Bridge turns the option off with it).
    func validateOptimizerPrecision() throws(CostModelError) {
        guard let optimizerPrecision = precisionAwareOptimizer else { return }
        let source = "strategy"
        try CostModelError.check(
            [.fp32, .fp16].contains(optimizerPrecision.mainParams), source, "--main-params-dtype",
            optimizerPrecision.mainParams.rawValue, "must be fp32 or fp16 (Megatron-Core's choices)")
        let (flag, value): (String, OptimizerDtype) =
            optimizerPrecision.expAvg != .fp32
            ? ("--exp-avg-dtype", optimizerPrecision.expAvg)
            : optimizerPrecision.expAvgSq != .fp32
                ? ("--exp-avg-sq-dtype", optimizerPrecision.expAvgSq)
                : ("--main-params-dtype", optimizerPrecision.mainParams)
        try CostModelError.check(
            zeroStage == 1, source, flag, value.rawValue,
            "needs --zero 1, not \(zeroStage): Megatron-Core runs the precision-aware optimizer only inside its "
                + "distributed optimizer")
    }
}
