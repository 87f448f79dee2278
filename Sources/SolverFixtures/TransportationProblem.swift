import LinearProgramming

/// A balanced transportation LP: `sources × sinks` shipping variables, supply rows (≤) and demand
/// rows (=), integer-valued data so both backends' optima can be compared exactly.
public struct TransportationProblem: Sendable {
    public let supplies: [Double]
    public let demands: [Double]
    public let costs: [[Double]]

    public init(sources: Int, sinks: Int, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let demands = (0..<sinks).map { _ in Double(Int.random(in: 10...100, using: &generator)) }
        let total = demands.reduce(0, +)
        // Supplies cover demand with 10 % spare, spread unevenly.
        let weights = (0..<sources).map { _ in Double.random(in: 0.5...1.5, using: &generator) }
        let weightSum = weights.reduce(0, +)
        self.supplies = weights.map { (1.1 * total * $0 / weightSum).rounded(.up) }
        self.demands = demands
        self.costs = (0..<sources).map { _ in (0..<sinks).map { _ in Double(Int.random(in: 1...50, using: &generator)) }
        }
    }

    public var model: LinearModel {
        var model = LinearModel(name: "transportation-\(supplies.count)x\(demands.count)")
        let ship = costs.enumerated().map { source, row in
            row.enumerated().map { sink, cost in model.addVariable("ship_\(source)_\(sink)", objective: cost) }
        }
        for (source, supply) in supplies.enumerated() {
            model.addConstraint(.sum(ship[source]), .lessOrEqual(supply), name: "supply_\(source)")
        }
        for (sink, demand) in demands.enumerated() {
            model.addConstraint(.sum(ship.map { $0[sink] }), .equal(demand), name: "demand_\(sink)")
        }
        return model
    }
}
