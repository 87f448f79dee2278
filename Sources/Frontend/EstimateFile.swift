import CostModel
import Foundation
import Reports

/// An `estimate --json` file read back for `report --estimate`: decoded, every number checked, and turned into what
/// the report draws.
public enum EstimateFile {
    public static func summary(_ data: Data, source: String) throws(FrontendError) -> IterationReport.Summary {
        let report: EstimateReport
        do {
            report = try JSONDecoder().decode(EstimateReport.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw .badInput(
                source, field: path(context.codingPath + [key]), "missing: not the output of `paraplan estimate --json`"
            )
        } catch let DecodingError.typeMismatch(_, context) {
            throw .badInput(
                source, field: path(context.codingPath), "wrong type: not the output of `paraplan estimate --json`")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .badInput(
                source, field: path(context.codingPath), "missing: not the output of `paraplan estimate --json`")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw .badInput(source, field: path(context.codingPath), "not a valid value: \(context.debugDescription)")
        } catch {
            throw .badInput(source, "not valid JSON (an estimate written by `paraplan estimate --json`)")
        }
        let b = report.breakdown
        let m = report.memory
        let numbers: [(String, Double)] = [
            ("iterationSeconds", report.iterationSeconds), ("mfu", report.mfu),
            ("usableMemoryBytes", report.usableMemoryBytes),
            ("breakdown.compute", b.compute), ("breakdown.tensorParallel", b.tensorParallel),
            ("breakdown.contextParallel", b.contextParallel), ("breakdown.expertParallel", b.expertParallel),
            ("breakdown.pipelineTransfers", b.pipelineTransfers), ("breakdown.pipelineBubble", b.pipelineBubble),
            ("breakdown.dataParallel", b.dataParallel), ("breakdown.optimizer", b.optimizer),
            ("breakdown.cpuOffload", b.cpuOffload),
            ("breakdown.synchronisation", b.synchronisation), ("breakdown.fp8AmaxReduction", b.fp8AmaxReduction),
            ("memory.parameters", m.parameters), ("memory.gradients", m.gradients), ("memory.optimizer", m.optimizer),
            ("memory.activations", m.activations), ("memory.peak", m.peak),
        ]
        let ranks = max(1, min(report.setup?.strategy.pipelineParallel ?? Limits.gpus, Limits.gpus))
        guard m.pipelineRank >= 0 && m.pipelineRank < ranks else {
            throw .badInput(
                source, field: "memory.pipelineRank", value: "\(m.pipelineRank)",
                "must be a pipeline rank from 0 to \(ranks - 1)")
        }
        for (field, value) in numbers where !(value.isFinite && value >= 0 && value < 1e30) {
            throw .badInput(source, field: field, value: "\(value)", "must be a finite number from 0")
        }
        guard report.iterationSeconds > 0 else {
            throw .badInput(source, field: "iterationSeconds", value: "\(report.iterationSeconds)", "must be above 0")
        }
        let subject: String
        if let setup = report.setup {
            guard (1...Limits.gpus).contains(setup.gpus) else {
                throw .badInput(source, field: "setup.gpus", value: "\(setup.gpus)", "must be from 1 to \(Limits.gpus)")
            }
            subject = IterationReport.Summary.subject(
                model: String(setup.model.prefix(200)), gpus: setup.gpus,
                gpu: String(setup.gpu.prefix(60)))
        } else {
            subject = "an estimate without its setup"
        }
        return IterationReport.Summary(
            subject: subject, strategy: report.setup?.strategy, iterationSeconds: report.iterationSeconds,
            mfu: report.mfu, breakdown: b, memory: m, usableMemoryBytes: report.usableMemoryBytes,
            fitsInMemory: report.fitsInMemory)
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
