import CostModel
import Foundation

extension SequenceParallelCost {
    /// A profile file (YAML or JSON): kind: sequence-parallel, gpus, gpusPerNode, alpha1 (s/token²), alpha2 (s/token),
    /// beta1 (s), bytesPerToken, bandwidth (Ulysses degree → bytes/s), tokensPerGPU, degrees (optional); and for
    /// ring attention (optional): maxUlyssesDegree, schemes (degree → [{ulysses, ring, ringBandwidth (bytes/s),
    /// ringStepLatency (s, optional)}]), ringBytesPerToken.
    public static func load(data: Data, source: String) throws(CostModelError) -> SequenceParallelCost {
        let fields = try FieldReader.parse(data, source: source)
        try fields.rejectUnknown(allowed: [
            "kind", "gpus", "gpusPerNode", "alpha1", "alpha2", "beta1", "bytesPerToken", "bandwidth",
            "tokensPerGPU", "degrees", "maxUlyssesDegree", "schemes", "ringBytesPerToken",
        ])
        if let kind = try fields.string("kind"), kind != "sequence-parallel" {
            throw fields.fail("kind", kind, "must be sequence-parallel")
        }
        guard let table = try fields.nested("bandwidth") else { throw fields.fail("bandwidth", nil, "missing") }
        var bandwidth: [Int: Double] = [:]
        for key in table.values.keys.sorted() {
            guard let degree = Int(key), degree >= 1 else {
                throw table.fail(key, nil, "degree must be a whole number ≥ 1")
            }
            bandwidth[degree] = try table.double(key)
        }
        let degrees = try fields.doubles("degrees")?.map { Int($0) }
        var cost = SequenceParallelCost(
            gpus: try fields.int("gpus"), gpusPerNode: try fields.int("gpusPerNode"),
            alpha1: try fields.double("alpha1"),
            alpha2: try fields.double("alpha2"), beta1: try fields.double("beta1"),
            bytesPerToken: try fields.double("bytesPerToken"),
            bandwidth: bandwidth, tokensPerGPU: try fields.double("tokensPerGPU"), degrees: degrees)
        if fields.has("maxUlyssesDegree") { cost.maxUlyssesDegree = try fields.int("maxUlyssesDegree") }
        cost.ringBytesPerToken = try fields.optionalDouble("ringBytesPerToken") ?? 0
        let item = { (entry: Any) -> [String: Any]? in entry as? [String: Any] }
        if let table = try fields.nested("schemes") {
            for key in table.values.keys.sorted() {
                guard let degree = Int(key), degree >= 1, let list = table.values[key] as? [Any] else {
                    throw table.fail(key, nil, "must be a degree mapped to a list of {ulysses, ring, ringBandwidth}")
                }
                var parsed: [AttentionScheme] = []
                for (index, entry) in list.enumerated() {
                    let number = { (name: String) -> Double? in
                        (item(entry)?[name] as? Double) ?? (item(entry)?[name] as? Int).map(Double.init)
                    }
                    guard let fields = item(entry),
                        Set(fields.keys).isSubset(of: ["ulysses", "ring", "ringBandwidth", "ringStepLatency"]),
                        let u = fields["ulysses"] as? Int, let r = fields["ring"] as? Int,
                        let bw = number("ringBandwidth"),
                        fields["ringStepLatency"] == nil || number("ringStepLatency") != nil
                    else {
                        throw table.fail(
                            "\(key)[\(index)]", nil,
                            "must be {ulysses, ring, ringBandwidth[, ringStepLatency]} with whole degrees, bytes/s"
                                + " and seconds"
                        )
                    }
                    parsed.append(
                        AttentionScheme(
                            ulysses: u, ring: r, ringBandwidth: bw, ringStepLatency: number("ringStepLatency") ?? 0))
                }
                cost.schemes[degree] = parsed
            }
        }
        if degrees == nil, let limit = cost.maxUlyssesDegree {
            // Without a degree list, the degrees a Ulysses block or a stated ring scheme can run.
            cost.degrees = cost.degrees.filter { $0 <= limit || cost.schemes[$0] != nil }
        }
        try cost.validate(source: source)
        return cost
    }
}
