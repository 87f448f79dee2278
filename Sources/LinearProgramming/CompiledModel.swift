/// The model's constraint matrix with repeated terms summed and zeros dropped, in the
/// column-major layout CLP loads and the coordinate layout GLPK loads.
struct CompiledMatrix {
    /// Column-major: entries of column j are `rowIndex[columnStart[j]..<columnStart[j+1]]`.
    var columnStart: [Int32]
    var rowIndex: [Int32]
    var value: [Double]

    init(_ model: LinearModel) {
        var perColumn = [[(row: Int32, value: Double)]](repeating: [], count: model.variables.count)
        for (row, constraint) in model.constraints.enumerated() {
            // Sum repeats within the row first: GLPK rejects duplicate (row, column) pairs.
            var merged: [Int: Double] = [:]
            var order: [Int] = []
            for term in constraint.terms {
                if merged[term.variable.index] == nil { order.append(term.variable.index) }
                merged[term.variable.index, default: 0] += term.coefficient
            }
            for column in order {
                let coefficient = merged[column] ?? 0
                if coefficient != 0 { perColumn[column].append((Int32(row), coefficient)) }
            }
        }
        columnStart = [0]
        columnStart.reserveCapacity(model.variables.count + 1)
        rowIndex = []
        value = []
        for entries in perColumn {
            for entry in entries {
                rowIndex.append(entry.row)
                value.append(entry.value)
            }
            columnStart.append(Int32(rowIndex.count))
        }
    }

    var nonzeroCount: Int { value.count }
}

extension Double {
    /// COIN-OR spells infinity as DBL_MAX.
    var coinBound: Double {
        if self == .infinity { return .greatestFiniteMagnitude }
        if self == -.infinity { return -.greatestFiniteMagnitude }
        return self
    }
}
