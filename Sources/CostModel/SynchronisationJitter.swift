/// What a synchronous step loses to run-to-run variation of its workers' compute: every worker waits for the slowest
/// (docs/cost-model.md §Scale).
public enum SynchronisationJitter {
    /// Standard deviation of a worker's compute per step against its peers', as a fraction of it: the two healthy
    /// traces of Lin et al.'s straggler artifact (OSDI'25) pooled, 0.54 % on AR without its slowed worker and 0.70 %
    /// on ST (`ComputeDeviation`, `ComputeDeviationTests`).
    public static let relativeDeviation = 0.0058

    /// Standard deviation of a worker's step beyond its compute's, as a fraction of the compute: what published runs
    /// at scale wait for that the two small traces do not show. Not measured: the one value with which the efficiency
    /// fit over the published runs (`PARAPLAN_BENCH_ONLY=fit`, docs/cost-model.md §Scale) does best, for every GPU.
    public static let clusterDeviation = 0.010

    /// A worker's spread per step: its compute's and the cluster's, independent, so their variances add.
    public static func stepDeviation(compute: Double = relativeDeviation, cluster: Double = clusterDeviation)
        -> Double
    {
        (compute * compute + cluster * cluster).squareRoot()
    }

    /// Standard deviation of one forward or backward compute operation of one micro-batch against its peers' (the
    /// same step, stage, kind and position in the step on the other DP ranks), as a fraction of it: the same two traces
    /// pooled, 1.88 % on AR without its slowed worker and 1.52 % on ST (`ComputeDeviation.measurePerOperation`). A
    /// step's operations stray more than the step does: their deviations partly cancel over its micro-batches. Where
    /// peers meet at every operation, `wait` with the DP degree and this spread prices their waits over the step.
    public static let operationDeviation = 0.01865

    /// Expected wait of a step whose `workers` each run `compute` seconds with independent normal deviations of
    /// `deviation` × compute: the expected largest deviation.
    public static func wait(compute: Double, workers: Int, deviation: Double = stepDeviation()) -> Double {
        deviation * expectedMaximum(of: workers) * compute
    }

    /// Expected largest of `count` standard normal draws (Blom's approximation, Φ⁻¹((n − 0.375) ÷ (n + 0.25))).
    public static func expectedMaximum(of count: Int) -> Double {
        guard count > 1 else { return 0 }
        let n = Double(count)
        return inverseNormal((n - 0.375) / (n + 0.25))
    }

    // Acklam's coefficients: central region (a, b) and tail (c, d).
    private static let a: [Double] = [
        -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
        -3.066479806614716e+01, 2.506628277459239e+00,
    ]
    private static let b: [Double] = [
        -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
        -1.328068155288572e+01,
    ]
    private static let c: [Double] = [
        -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
        4.374664141464968e+00, 2.938163982698783e+00,
    ]
    private static let d: [Double] = [
        7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00,
    ]

    /// Φ⁻¹(p) for p in (0.5, 1) by Acklam's rational approximation (relative error below 1.2 × 10⁻⁹), with
    /// `PortableMath.log` so the result is the same on every machine.
    static func inverseNormal(_ p: Double) -> Double {
        if p > 0.97575 {
            let q = (-2 * PortableMath.log(1 - p)).squareRoot()
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let q = p - 0.5
        let r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}
