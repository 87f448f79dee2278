/// A linear or mixed-integer program, independent of any backend.
///
/// Build it with `addVariable` and `addConstraint`, then hand it to `solve(_:using:options:)`.
/// The model is a value: copying it and changing the copy leaves the original untouched,
/// which is what lets several tasks solve variants of one model at once.
public struct LinearModel: Sendable, Equatable {
    public var name: String
    public var sense: ObjectiveSense
    public var objectiveOffset: Double
    public private(set) var variables: [Variable]
    public private(set) var constraints: [Constraint]

    public init(name: String = "model", sense: ObjectiveSense = .minimize) {
        self.name = name
        self.sense = sense
        self.objectiveOffset = 0
        self.variables = []
        self.constraints = []
    }

    public var isMixedInteger: Bool { variables.contains { $0.kind != .continuous } }

    @discardableResult
    public mutating func addVariable(
        _ name: String? = nil,
        lower: Double = 0,
        upper: Double = .infinity,
        kind: VariableKind = .continuous,
        objective: Double = 0
    ) -> VariableID {
        let id = VariableID(index: variables.count)
        // A binary is an integer in [0, 1]; clamping here keeps every backend's view the same.
        let (lo, hi) = kind == .binary ? (max(lower, 0), min(upper, 1)) : (lower, upper)
        variables.append(Variable(name: name ?? "x\(id.index)", lower: lo, upper: hi, kind: kind, objective: objective))
        return id
    }

    @discardableResult
    public mutating func addConstraint(
        _ expression: LinearExpression,
        _ relation: Relation,
        name: String? = nil
    ) -> ConstraintID {
        let id = ConstraintID(index: constraints.count)
        let (lower, upper) = relation.bounds
        constraints.append(
            Constraint(
                name: name ?? "c\(id.index)",
                terms: expression.terms,
                lower: lower - expression.constant,
                upper: upper - expression.constant
            ))
        return id
    }

    /// Sets the objective to `expression`; its constant becomes the objective offset.
    public mutating func setObjective(_ expression: LinearExpression, _ sense: ObjectiveSense) {
        self.sense = sense
        for index in variables.indices { variables[index].objective = 0 }
        for term in expression.terms where variables.indices.contains(term.variable.index) {
            variables[term.variable.index].objective += term.coefficient
        }
        objectiveOffset = expression.constant
    }

    public mutating func setObjectiveCoefficient(_ variable: VariableID, _ value: Double) {
        guard variables.indices.contains(variable.index) else { return }
        variables[variable.index].objective = value
    }

    public mutating func setBounds(_ variable: VariableID, lower: Double, upper: Double) {
        guard variables.indices.contains(variable.index) else { return }
        variables[variable.index].lower = lower
        variables[variable.index].upper = upper
    }

    public mutating func setBounds(_ constraint: ConstraintID, lower: Double, upper: Double) {
        guard constraints.indices.contains(constraint.index) else { return }
        constraints[constraint.index].lower = lower
        constraints[constraint.index].upper = upper
    }

    /// The objective value of `values` under this model (offset included).
    public func objectiveValue(of values: [Double]) -> Double {
        var total = objectiveOffset
        for (variable, value) in zip(variables, values) { total += variable.objective * value }
        return total
    }
}

public enum ObjectiveSense: String, Sendable, Equatable {
    case minimize
    case maximize
}

public enum VariableKind: String, Sendable, Equatable {
    case continuous
    case integer
    case binary
}

public struct VariableID: Hashable, Sendable, Comparable {
    public let index: Int
    public init(index: Int) { self.index = index }
    public static func < (lhs: VariableID, rhs: VariableID) -> Bool { lhs.index < rhs.index }
}

public struct ConstraintID: Hashable, Sendable {
    public let index: Int
    public init(index: Int) { self.index = index }
}

public struct Variable: Sendable, Equatable {
    public var name: String
    public var lower: Double
    public var upper: Double
    public var kind: VariableKind
    public var objective: Double
}

/// `lower ≤ Σ coefficient·variable ≤ upper`; an infinite side is absent.
public struct Constraint: Sendable, Equatable {
    public var name: String
    public var terms: [Term]
    public var lower: Double
    public var upper: Double
}

/// How a constraint's expression relates to its right-hand side.
public enum Relation: Sendable, Equatable {
    case lessOrEqual(Double)
    case greaterOrEqual(Double)
    case equal(Double)
    case range(Double, Double)

    var bounds: (lower: Double, upper: Double) {
        switch self {
        case .lessOrEqual(let value): (-.infinity, value)
        case .greaterOrEqual(let value): (value, .infinity)
        case .equal(let value): (value, value)
        case .range(let lower, let upper): (lower, upper)
        }
    }
}
