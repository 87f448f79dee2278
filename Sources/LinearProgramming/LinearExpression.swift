/// One coefficient of a sparse linear expression.
public struct Term: Sendable, Equatable {
    public var variable: VariableID
    public var coefficient: Double

    public init(_ variable: VariableID, _ coefficient: Double) {
        self.variable = variable
        self.coefficient = coefficient
    }
}

/// A sparse `Σ cᵢ·xᵢ + constant`. Repeated variables are summed when the model is compiled for a backend.
public struct LinearExpression: Sendable, Equatable, ExpressibleByArrayLiteral {
    public var terms: [Term]
    public var constant: Double

    public init() {
        self.init([Term](), constant: 0)
    }

    public init(_ terms: [Term], constant: Double = 0) {
        self.terms = terms
        self.constant = constant
    }

    public init(arrayLiteral elements: (VariableID, Double)...) {
        self.init(elements.map { Term($0.0, $0.1) })
    }

    public init(_ pairs: some Sequence<(VariableID, Double)>) {
        self.init(pairs.map { Term($0.0, $0.1) })
    }

    /// `Σ xᵢ` over `variables`.
    public static func sum(_ variables: some Sequence<VariableID>) -> LinearExpression {
        LinearExpression(variables.map { Term($0, 1) })
    }

    public mutating func add(_ variable: VariableID, _ coefficient: Double) {
        terms.append(Term(variable, coefficient))
    }

    public static func + (lhs: LinearExpression, rhs: LinearExpression) -> LinearExpression {
        LinearExpression(lhs.terms + rhs.terms, constant: lhs.constant + rhs.constant)
    }

    public static func * (scale: Double, expression: LinearExpression) -> LinearExpression {
        LinearExpression(
            expression.terms.map { Term($0.variable, scale * $0.coefficient) },
            constant: scale * expression.constant
        )
    }
}
