import CostModel
import Foundation

extension CalibrationProfile {
    /// A decoding failure as one line naming the field (`achievedFlops[2].size: must be a number`).
    static func profileError(_ error: DecodingError, source: String) -> CostModelError {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(
                in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .typeMismatch(let type, let context):
            let expected =
                type == Double.self
                ? "a number" : type is [Any].Type ? "a list" : type is [String: Any].Type ? "a mapping" : "\(type)"
            return CostModelError(
                source: source, field: path(context.codingPath), value: "", reason: "must be \(expected)")
        case .keyNotFound(let key, let context):
            return CostModelError(source: source, field: path(context.codingPath + [key]), value: "", reason: "missing")
        case .valueNotFound(_, let context):
            return CostModelError(source: source, field: path(context.codingPath), value: "", reason: "missing")
        case .dataCorrupted(let context):
            return CostModelError(source: source, field: path(context.codingPath), value: "", reason: "cannot be read")
        @unknown default:
            return CostModelError(source: source, field: "profile", value: "", reason: "cannot be read as a profile")
        }
    }

    /// A calibration profile file (YAML or JSON) with the keys of `CalibrationProfile`.
    public static func load(data: Data, source: String) throws(CostModelError) -> CalibrationProfile {
        let fields = try FieldReader.parse(data, source: source)
        try fields.rejectUnknown(allowed: [
            "computeEfficiency", "achievedFlops", "busBandwidth", "sequenceParallel", "moeLayerHostSeconds",
            "computeDeviation", "operationDeviation", "clusterDeviation",
        ])
        let normalized: Data
        do {
            normalized = try JSONSerialization.data(withJSONObject: fields.values)
        } catch {
            throw fields.fail("file", nil, "cannot be read as a profile")
        }
        let profile: CalibrationProfile
        do {
            profile = try JSONDecoder().decode(CalibrationProfile.self, from: normalized)
        } catch let error as DecodingError {
            throw profileError(error, source: source)
        } catch {
            throw CostModelError(source: source, field: "profile", value: "", reason: "cannot be read as a profile")
        }
        try profile.validate(source: source)
        return profile
    }
}
