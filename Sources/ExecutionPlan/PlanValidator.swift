import Foundation

/// Checks a plan file: JSON syntax, then the schema, then its kind's invariants.
public enum PlanValidator {
    public struct Summary: Sendable, Equatable {
        public let kind: PlanKind
        public let description: String
    }

    public static func validate(_ data: Data) -> Result<Summary, PlanProblem> {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            return .failure(PlanProblem(path: "$", value: "", reason: "not valid JSON (\(jsonErrorSummary(error)))"))
        }
        if let repeated = DuplicateKeys.first(in: data) { return .failure(repeated) }
        if let problem = SchemaValidator.plan.firstViolation(in: document) { return .failure(problem) }
        guard case .string(let kindName)? = document["kind"], let kind = PlanKind(rawValue: kindName) else {
            return .failure(PlanProblem(path: "$.kind", value: "", reason: "unknown kind"))
        }
        switch kind {
        case .sequenceParallel:
            return checkInvariants(SequenceParallelPlan.self, data) { plan in
                let sequences = plan.body.microBatches.reduce(0) {
                    $0 + $1.groups.reduce(0) { $0 + $1.sequences.count }
                }
                return
                    "\(counted(plan.body.microBatches.count, "micro-batch", "micro-batches")), \(counted(sequences, "sequence")) on "
                    + "\(counted(plan.body.gpus, "GPU")), step \(fourDigits(plan.predicted.cost.stepSeconds)) s"
            }
        case .batchBalance:
            return checkInvariants(BatchBalancePlan.self, data) { plan in
                let samples = plan.body.ranks.reduce(0) { $0 + $1.microBatches.reduce(0) { $0 + $1.count } }
                return
                    "\(counted(samples, "sample")) on \(counted(plan.body.ranks.count, "rank")), step \(fourDigits(plan.predicted.cost.stepSeconds)) s"
            }
        case .expertPlacement:
            return checkInvariants(ExpertPlacementPlan.self, data) { plan in
                let gpus = plan.body.layers.first?.gpus.count ?? 0
                return
                    "\(counted(plan.body.layers.count, "layer")) × \(counted(plan.body.experts, "expert")) on \(counted(gpus, "GPU")), "
                    + "max/mean \(String(format: "%.4f", plan.predicted.cost.loadRatio))"
            }
        case .gnnPipeline:
            return checkInvariants(GNNPipelinePlan.self, data) { plan in
                "\(counted(plan.body.graphParallelWays, "way")) × \(counted(plan.body.stages.count, "stage")), \(counted(plan.body.chunks, "chunk")), "
                    + "epoch \(fourDigits(plan.predicted.cost.epochSeconds)) s"
            }
        }
    }

    /// Four significant digits: the summary is for a reader, the plan keeps full precision.
    private static func fourDigits(_ value: Double) -> String { String(format: "%.4g", value) }

    private static func checkInvariants<Body: PlanBody>(
        _ type: Body.Type, _ data: Data, describe: (Plan<Body>) -> String
    ) -> Result<Summary, PlanProblem> {
        let plan: Plan<Body>
        do {
            plan = try PlanCoding.decode(Body.self, from: data)
        } catch {
            return .failure(
                PlanProblem(
                    path: "$", value: "",
                    reason: "does not decode as \(Body.kind.withArticle) plan (\(jsonErrorSummary(error)))"))
        }
        if let problem = plan.firstInvariantViolation() {
            return .failure(PlanProblem(path: "$." + problem.path, value: problem.value, reason: problem.reason))
        }
        return .success(Summary(kind: Body.kind, description: describe(plan)))
    }

    /// One line from a decoding error, without Foundation's nested debug text.
    static func jsonErrorSummary(_ error: Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        let context: DecodingError.Context
        switch decoding {
        case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
            context = c
        @unknown default: return "\(error)"
        }
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
        let detail = underlying ?? context.debugDescription
        return path.isEmpty ? detail : "\(path): \(detail)"
    }
}
