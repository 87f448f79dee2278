import CostModel
import Foundation

extension BatchBalanceCost {
    /// A profile file (YAML or JSON): kind: batch-balance, phases: {llm: {secondsPerToken, secondsPerToken2,
    /// secondsPerSample}, encoder: {...}}, encoderSplit: {secondsPerToken, maxDegree}, bytesPerToken,
    /// maxTokensPerMicroBatch.
    public static func load(data: Data, source: String) throws(CostModelError) -> BatchBalanceCost {
        let fields = try FieldReader.parse(data, source: source)
        try fields.rejectUnknown(allowed: ["kind", "phases", "encoderSplit", "bytesPerToken", "maxTokensPerMicroBatch"])
        if let kind = try fields.string("kind"), kind != "batch-balance" {
            throw fields.fail("kind", kind, "must be batch-balance")
        }
        guard let phases = try fields.nested("phases") else { throw fields.fail("phases", nil, "missing") }
        try phases.rejectUnknown(allowed: ["llm", "encoder"])
        func phase(_ name: String) throws(CostModelError) -> PhaseCost? {
            guard let reader = try phases.nested(name) else { return nil }
            try reader.rejectUnknown(allowed: ["secondsPerToken", "secondsPerToken2", "secondsPerSample"])
            return PhaseCost(
                secondsPerToken: try reader.double("secondsPerToken"),
                secondsPerToken2: try reader.double("secondsPerToken2"),
                secondsPerSample: try reader.optionalDouble("secondsPerSample") ?? 0)
        }
        guard let llm = try phase("llm") else { throw phases.fail("llm", nil, "missing") }
        var split: EncoderSplitCost?
        if let reader = try fields.nested("encoderSplit") {
            try reader.rejectUnknown(allowed: ["secondsPerToken", "maxDegree"])
            split = EncoderSplitCost(
                secondsPerToken: try reader.double("secondsPerToken"), maxDegree: try reader.int("maxDegree"))
        }
        let encoder = try phase("encoder")
        if split != nil, encoder == nil {
            throw fields.fail("encoderSplit", nil, "needs phases.encoder: it splits encoder work")
        }
        let cost = BatchBalanceCost(
            llm: llm, encoder: encoder, encoderSplit: split,
            bytesPerToken: try fields.optionalDouble("bytesPerToken") ?? 4,
            maxTokensPerMicroBatch: fields.has("maxTokensPerMicroBatch")
                ? try fields.int("maxTokensPerMicroBatch") : nil)
        try cost.validate(source: source)
        return cost
    }
}
