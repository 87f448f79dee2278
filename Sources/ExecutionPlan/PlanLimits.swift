/// The largest counts a plan may state: the planners' input limits (`CostModel.Limits`), restated because this module
/// depends on Foundation alone. A plan from anywhere is held to them before any count sizes an array or a loop, so
/// `validate` names an absurd count instead of failing to allocate or overflowing.
public enum PlanLimits {
    /// Ranks, GPUs, graph-parallel ways.
    public static let ranks = 1 << 18
    /// Experts, graph chunks and other per-plan item counts.
    public static let items = 1 << 24
}
