import ExecutionPlan
import Foundation

/// A valid sequence-parallel plan (FlexSP's 1 × 100K + 4 × 46K oracle on 64 GPUs), and JSON mutations of it.
enum PlanFixtures {
    static func oraclePlan() throws -> Plan<SequenceParallelPlan> {
        let groups =
            [SequenceParallelPlan.Group(degree: 32, firstRank: 0, sequences: [0])]
            + (0..<4).map { SequenceParallelPlan.Group(degree: 8, firstRank: 32 + 8 * $0, sequences: [1 + $0]) }
        let body = SequenceParallelPlan(gpus: 64, microBatches: [.init(predictedSeconds: 3.859, groups: groups)])
        return Plan(
            body: body,
            predicted: Predicted(.init(stepSeconds: 3.859), lowerBoundSeconds: 3.5),
            baselines: [
                Baseline(name: "static-sp-64", cost: .init(stepSeconds: 5.2)),
                Baseline(name: "best-homogeneous", cost: .init(stepSeconds: 4.1)),
            ],
            solver: SolverReport(backend: "glpk", status: "optimal", seconds: 0.004),
            inputs: try InputDigest.of([100_000, 46_000, 46_000, 46_000, 46_000], summary: "5 sequences"))
    }

    static func oracleJSON() throws -> [String: Any] {
        let data = try PlanCoding.encode(oraclePlan())
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    static func data(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// The oracle plan with one edit applied to its first micro-batch's groups.
    static func withGroups(_ edit: (inout [[String: Any]]) -> Void) throws -> Data {
        var object = try oracleJSON()
        var batches = object["microBatches"] as? [[String: Any]] ?? []
        var groups = batches[0]["groups"] as? [[String: Any]] ?? []
        edit(&groups)
        batches[0]["groups"] = groups
        object["microBatches"] = batches
        return try data(object)
    }
}
