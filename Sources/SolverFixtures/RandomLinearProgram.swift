import LinearProgramming

/// Random LPs that are feasible and bounded by construction: a known point x0 satisfies every
/// row with slack, and every column has finite bounds.
public enum RandomLinearProgram {
    public static func make(variables: Int, constraints: Int, density: Double, seed: UInt64) -> LinearModel {
        var generator = SeededGenerator(seed: seed)
        var model = LinearModel(
            name: "random-\(variables)x\(constraints)-\(seed)",
            sense: seed % 2 == 0 ? .minimize : .maximize)
        let point = (0..<variables).map { _ in Double.random(in: 0...5, using: &generator) }
        let ids = (0..<variables).map { index in
            model.addVariable(
                lower: 0, upper: 10,
                objective: Double.random(in: -5...5, using: &generator).rounded(toPlaces: 3))
        }
        for _ in 0..<constraints {
            var expression = LinearExpression()
            var activity = 0.0
            for column in 0..<variables where Double.random(in: 0..<1, using: &generator) < density {
                let coefficient = Double.random(in: -10...10, using: &generator).rounded(toPlaces: 2)
                expression.add(ids[column], coefficient)
                activity += coefficient * point[column]
            }
            if expression.terms.isEmpty {
                expression.add(ids[Int.random(in: 0..<variables, using: &generator)], 1)
                activity = 0
            }
            let slack = Double.random(in: 1...20, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: model.addConstraint(expression, .lessOrEqual(activity + slack))
            case 1: model.addConstraint(expression, .greaterOrEqual(activity - slack))
            default: model.addConstraint(expression, .range(activity - slack, activity + slack))
            }
        }
        return model
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
