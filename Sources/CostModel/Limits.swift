/// The largest inputs ParaPlan accepts. Each sits far above any real job (the largest training clusters hold about
/// 10⁵ GPUs, the longest context windows about 10⁷ tokens), and together they keep every integer product the planners
/// form (GPUs × slots, batch × sequence length, ranks × micro-batches) inside 64 bits: out-of-range input is an error
/// that names its field, never an overflow trap or an allocation the machine cannot make.
public enum Limits {
    /// GPUs in a cluster; ranks or parallel degree of a job.
    public static let gpus = 1 << 18
    /// Tokens in one sequence or sample.
    public static let tokens = 1 << 32
    /// Sequences in a global batch or a micro-batch; micro-batches per step.
    public static let sequences = 1 << 24
    /// Expert slots on one GPU.
    public static let slotsPerGPU = 1 << 16
}

extension CostModelError {
    /// A count from a user: a whole number from 1 to `limit`.
    static func count(_ value: Int, atMost limit: Int, _ source: String, _ field: String) throws(CostModelError) {
        try check(value > 0 && value <= limit, source, field, value, "must be a whole number from 1 to \(limit)")
    }
}
