import Foundation

/// The plan format version every plan starts with.
public let planFormatVersion = "paraplan/v1"

/// The planner a plan came from; it decides the plan's body and its invariants.
public enum PlanKind: String, Sendable, Codable, CaseIterable {
    case sequenceParallel = "sequence-parallel"
    case batchBalance = "batch-balance"
    case expertPlacement = "expert-placement"
    case gnnPipeline = "gnn-pipeline"

    /// "a batch-balance plan", "an expert-placement plan".
    public var withArticle: String { (self == .expertPlacement ? "an " : "a ") + rawValue }
}

/// What a plan (or a baseline) is expected to cost. `primarySeconds` is the figure plans are ranked by
/// and the one a lower bound bounds.
public protocol PlanCost: Codable, Sendable, Equatable {
    var primarySeconds: Double { get }
}

/// The predicted cost of the plan itself, with a lower bound where the planner proves one.
public struct Predicted<Cost: PlanCost>: Codable, Sendable, Equatable {
    public var cost: Cost
    /// A bound no plan for these inputs can beat under the planner's cost model.
    public var lowerBoundSeconds: Double?

    public init(_ cost: Cost, lowerBoundSeconds: Double?) {
        self.cost = cost
        self.lowerBoundSeconds = lowerBoundSeconds
    }

    private enum CodingKeys: String, CodingKey { case lowerBoundSeconds }

    public init(from decoder: Decoder) throws {
        cost = try Cost(from: decoder)
        lowerBoundSeconds = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(
            Double.self, forKey: .lowerBoundSeconds)
    }

    public func encode(to encoder: Encoder) throws {
        try cost.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(lowerBoundSeconds, forKey: .lowerBoundSeconds)
    }
}

/// A strategy the planner compared against, scored under the same cost model.
public struct Baseline<Cost: PlanCost>: Codable, Sendable, Equatable {
    public var name: String
    public var cost: Cost

    public init(name: String, cost: Cost) {
        self.name = name
        self.cost = cost
    }

    private enum CodingKeys: String, CodingKey { case name }

    public init(from decoder: Decoder) throws {
        name = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .name)
        cost = try Cost(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        try cost.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
    }
}

/// How the plan was found.
public struct SolverReport: Codable, Sendable, Equatable {
    /// "clp", "glpk", or a heuristic's name.
    public var backend: String
    /// "optimal", "feasible" (stopped at a limit: the best plan found so far), ...
    public var status: String
    /// Planning wall time. Plans ParaPlan writes leave it out, so the same inputs give byte-identical plans on every
    /// rank and machine; plans written before 2026-11-30 carry it, and it is still read and checked.
    public var seconds: Double?
    /// Relative gap to the lower bound when the search stopped early.
    public var relativeGap: Double?

    public init(backend: String, status: String, seconds: Double? = nil, relativeGap: Double? = nil) {
        self.backend = backend
        self.status = status
        self.seconds = seconds
        self.relativeGap = relativeGap
    }
}

/// A digest of everything the plan was computed from, so a runtime can check that the plan it holds
/// is the one for its batch.
public struct InputDigest: Codable, Sendable, Equatable {
    /// Lower-case hex SHA-256 of the canonical JSON of every input that changes the plan.
    public var sha256: String
    /// A human summary, e.g. "512 sequences".
    public var summary: String
    /// The digest of the batch alone, where options are digested too (batch balancing): plans of one batch under
    /// different options share it, and `compare` treats them as like for like.
    public var batchSha256: String?

    public init(sha256: String, summary: String, batchSha256: String? = nil) {
        self.sha256 = sha256
        self.summary = summary
        self.batchSha256 = batchSha256
    }

    /// Digest of `inputs` encoded as canonical JSON (sorted keys, no spaces).
    public static func of(_ inputs: some Encodable, summary: String) throws -> InputDigest {
        let data = try CanonicalJSON.encode(inputs)
        return InputDigest(sha256: SHA256.hexDigest(data), summary: summary)
    }

    public static func of(bytes: some Collection<UInt8>, summary: String) -> InputDigest {
        InputDigest(sha256: SHA256.hexDigest(bytes), summary: summary)
    }
}
