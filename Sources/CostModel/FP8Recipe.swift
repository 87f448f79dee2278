/// How FP8 training scales its tensors (Transformer Engine's recipes). The recipes agree on which ops run in FP8
/// (the linear layers' GEMMs) and differ in what the scaling costs (docs/cost-model.md §FP8).
public enum FP8Recipe: String, Sendable, Codable, CaseIterable {
    /// Per-tensor scales from an amax history (TE's `DelayedScaling`): the cast fuses into the op before the GEMM.
    case delayed
    /// Per-tensor scales from the tensor itself (TE's `Float8CurrentScaling`): one more read for the amax.
    case current
    /// DeepSeek-V3's 1×128 activation and 128×128 weight blocks (TE's `Float8BlockScaling`): the scales are applied
    /// in the GEMM's main loop on Hopper, which slows the GEMM itself.
    case blockwise
    /// Blackwell's microscaling (TE's `MXFP8BlockScaling`, 1×32 blocks): scales applied by the tensor cores.
    case mxfp8
}
