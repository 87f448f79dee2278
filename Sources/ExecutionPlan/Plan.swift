import Foundation

/// A planner's output: the shared envelope and the kind's body, written as one flat JSON object.
public protocol PlanBody: Codable, Sendable, Equatable {
    associatedtype Cost: PlanCost
    static var kind: PlanKind { get }
    /// The first broken rule of this kind (placement, coverage, consistency with `predicted`), if any.
    func firstInvariantViolation(predicted: Predicted<Cost>) -> PlanProblem?
}

public struct Plan<Body: PlanBody>: Codable, Sendable, Equatable {
    public var format: String
    public var kind: PlanKind
    public var predicted: Predicted<Body.Cost>
    public var baselines: [Baseline<Body.Cost>]
    public var solver: SolverReport
    public var inputs: InputDigest
    public var body: Body

    public init(
        body: Body,
        predicted: Predicted<Body.Cost>,
        baselines: [Baseline<Body.Cost>],
        solver: SolverReport,
        inputs: InputDigest
    ) {
        self.format = planFormatVersion
        self.kind = Body.kind
        self.predicted = predicted
        self.baselines = baselines
        self.solver = solver
        self.inputs = inputs
        self.body = body
    }

    private enum CodingKeys: String, CodingKey {
        case format, kind, predicted, baselines, solver, inputs
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(String.self, forKey: .format)
        kind = try container.decode(PlanKind.self, forKey: .kind)
        guard format == planFormatVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .format, in: container, debugDescription: "expected \(planFormatVersion)")
        }
        guard kind == Body.kind else {
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container, debugDescription: "expected \(Body.kind.rawValue)")
        }
        predicted = try container.decode(Predicted<Body.Cost>.self, forKey: .predicted)
        baselines = try container.decode([Baseline<Body.Cost>].self, forKey: .baselines)
        solver = try container.decode(SolverReport.self, forKey: .solver)
        inputs = try container.decode(InputDigest.self, forKey: .inputs)
        body = try Body(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        try body.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(kind, forKey: .kind)
        try container.encode(predicted, forKey: .predicted)
        try container.encode(baselines, forKey: .baselines)
        try container.encode(solver, forKey: .solver)
        try container.encode(inputs, forKey: .inputs)
    }

    /// The first broken rule of the envelope or the body.
    public func firstInvariantViolation() -> PlanProblem? {
        if let problem = PlanRules.envelopeViolation(predicted: predicted, baselines: baselines, solver: solver) {
            return problem
        }
        return body.firstInvariantViolation(predicted: predicted)
    }
}
