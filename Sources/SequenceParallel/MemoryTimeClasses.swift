import LinearProgramming

/// Rows that make memory cost time in a micro-batch part whose makespan has a known floor (docs/sequence-parallel.md
/// §Lower bound, memory-time classes). The groups of a class of degrees (1; 2 to a node; more than a node) take G
/// GPUs between them: their tokens fit G·C and their work G·s·L (s the fastest speed). With v = G·L, every plan has
///
///     work ≤ s·v,   tokens · floor / C ≤ tokens · L / C ≤ v,   Σ_classes v ≤ (the part's GPUs) · L
///
/// so memory-bound sequences (short ones at degree 1) pay for the GPU-seconds their memory holds while the makespan
/// runs, unless they join a class whose GPUs are busy with work (guests of a long sequence's group, at that degree's
/// cost). Merging degrees into a class only relaxes the rows (a class's maximum of sums is at most the sum of its
/// degrees' maxima), and three classes keep the LP small.
struct MemoryTimeClasses {
    /// A floor on the part's makespan: the rows are only as tight as it is close to the makespan.
    let floor: Double
    let tokensPerGPU: Double
    let gpusPerNode: Int
    private(set) var work: [Int: LinearExpression] = [:]
    private(set) var tokens: [Int: LinearExpression] = [:]

    init(floor: Double, tokensPerGPU: Double, gpusPerNode: Int) {
        self.floor = floor
        self.tokensPerGPU = tokensPerGPU
        self.gpusPerNode = gpusPerNode
    }

    /// The class of a group degree: 1, within a node, or across nodes.
    func rowClass(_ degree: Int) -> Int { degree == 1 ? 1 : degree <= gpusPerNode ? 2 : 3 }

    /// A share of a bucket at `degree`: its GPU-seconds and tokens per unit.
    mutating func add(_ share: VariableID, work seconds: Double, tokens count: Double, degree: Int) {
        work[rowClass(degree), default: LinearExpression([])].add(share, seconds)
        tokens[rowClass(degree), default: LinearExpression([])].add(share, count)
    }

    /// A fixed sequence of the part (a companion pinned beside the lead's group) at its degree.
    mutating func addFixed(work seconds: Double, tokens count: Double, degree: Int) {
        work[rowClass(degree), default: LinearExpression([])].constant += seconds
        tokens[rowClass(degree), default: LinearExpression([])].constant += count
    }

    /// The rows of every class that holds something, for a part of `gpus` GPUs with makespan `makespan`.
    func addRows(to model: inout LinearModel, name: String, makespan: VariableID, gpus: Int, fastestSpeed: Double) {
        var total = LinearExpression([Term(makespan, -Double(gpus))])
        let perToken = floor / tokensPerGPU
        for rowClass in work.keys.sorted() {
            guard let classWork = work[rowClass], let classTokens = tokens[rowClass] else { continue }
            let seconds = model.addVariable("v\(rowClass)_\(name)")
            total.add(seconds, 1)
            model.addConstraint(
                LinearExpression(classWork.terms + [Term(seconds, -fastestSpeed)]),
                .lessOrEqual(-classWork.constant))
            let held = classTokens.terms.map { Term($0.variable, $0.coefficient * perToken) }
            model.addConstraint(
                LinearExpression(held + [Term(seconds, -1)]), .lessOrEqual(-classTokens.constant * perToken))
        }
        model.addConstraint(total, .lessOrEqual(0))
    }

    /// The rows left out of an LP, to check its solution against:
    /// if it keeps them, the LP with them has the same value.
    struct Check {
        var classes: MemoryTimeClasses
        var makespan: VariableID
        var gpus: Int
        var fastestSpeed: Double

        func holds(_ values: [Double]) -> Bool {
            func value(_ expression: LinearExpression) -> Double {
                expression.terms.reduce(expression.constant) { $0 + $1.coefficient * values[$1.variable.index] }
            }
            let perToken = classes.floor / classes.tokensPerGPU
            let needed = classes.work.keys.reduce(0.0) { sum, rowClass in
                let work = classes.work[rowClass].map(value) ?? 0
                let tokens = classes.tokens[rowClass].map(value) ?? 0
                return sum + max(work / fastestSpeed, tokens * perToken)
            }
            return needed <= Double(gpus) * values[makespan.index] * (1 + 1e-9) + 1e-12
        }
    }
}
