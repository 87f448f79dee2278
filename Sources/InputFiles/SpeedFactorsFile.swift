import CostModel
import Foundation

extension SpeedFactors {
    /// The `speedFactors` array of a cluster file or a fragment holding only it (YAML or JSON).
    public static func load(data: Data, source: String) throws(CostModelError) -> [Double] {
        let fields = try FieldReader.parse(data, source: source)
        guard let factors = try fields.doubles("speedFactors"), !factors.isEmpty else {
            throw fields.fail(
                "speedFactors", fields.values["speedFactors"],
                "needs one speed per GPU (a cluster file or whatif --speed-factors output)")
        }
        for (gpu, factor) in factors.enumerated() {
            try CostModelError.check(
                factor.isFinite && factor >= 1e-3 && factor <= 1e3, source, "speedFactors[\(gpu)]", factor,
                "must be a number from 0.001 to 1000")
        }
        return factors
    }
}
