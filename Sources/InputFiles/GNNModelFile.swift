import CostModel
import Foundation

extension GNNModel {
    /// YAML or JSON: `type` (gcn, graphsage, gat, gcnii), `layers`, `inputWidth`, `hiddenWidth`, `outputWidth`,
    /// optional `heads`.
    public static func load(data: Data, source: String) throws(CostModelError) -> GNNModel {
        let reader = try FieldReader.parse(data, source: source)
        try reader.rejectUnknown(allowed: ["type", "layers", "inputWidth", "hiddenWidth", "outputWidth", "heads"])
        let typeName = try reader.string("type") ?? ""
        guard let type = GNNLayerType(rawValue: typeName.lowercased()) else {
            throw CostModelError(
                source: source, field: "type", value: typeName.isEmpty ? "missing" : typeName,
                reason: "must be one of \(GNNLayerType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let model = GNNModel(
            type: type, layers: try reader.int("layers"), inputWidth: try reader.int("inputWidth"),
            hiddenWidth: try reader.int("hiddenWidth"), outputWidth: try reader.int("outputWidth"),
            heads: try reader.int("heads", default: 1))
        try model.validate(source: source)
        return model
    }
}
