import ArgumentParser
import Foundation
import ParaPlan

extension Backend: ExpressibleByArgument {}

/// Solves an LP or MILP file: for debugging a planner's model (exported with --export-lp) or
/// comparing backends on it.
struct SolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Solves a CPLEX LP or free MPS model file with CLP or GLPK.",
        discussion:
            "The format comes from the extension: .lp or .mps. Exits 3 when the model is infeasible or unbounded."
    )

    @Argument(help: "The model file (.lp or .mps).")
    var model: String

    @Option(help: "Solver backend: clp (LP only) or glpk (LP and MILP). Default: clp for LPs, glpk for MILPs.")
    var backend: Backend?

    @Option(parsing: .unconditional, help: "Time limit in seconds.")
    var timeLimit: Double?

    @Option(parsing: .unconditional, help: "Relative MILP gap at which to stop.")
    var gap: Double = 1e-9

    @Option(help: "Also write the model as CPLEX LP text to this file.")
    var exportLp: String?

    @Option(help: "Also write the model as free MPS text to this file.")
    var exportMps: String?

    @Flag(help: "Print the result as JSON (sorted keys) with every variable's value.")
    var json = false

    func run() throws {
        let format = try modelFormat()
        let contents = try InputFile.readOrFail(model)
        // GLPK's readers stop at a UTF-8 byte-order mark ("character not recognized"): hand them a copy without it.
        var readPath = model
        if contents.starts(with: [0xEF, 0xBB, 0xBF]) {
            readPath =
                FileManager.default.temporaryDirectory.appendingPathComponent(
                    "paraplan-\(UUID().uuidString).\(format.rawValue)"
                ).path
            guard FileManager.default.createFile(atPath: readPath, contents: contents.dropFirst(3)) else {
                throw CLIError(
                    code: .internalFailure, message: "could not write a copy of \(model) without its byte-order mark")
            }
        }
        defer { if readPath != model { try? FileManager.default.removeItem(atPath: readPath) } }
        var linearModel: LinearModel
        do {
            linearModel = try LinearModel.read(path: readPath, format: format)
            if linearModel.name == readPath { linearModel.name = model }
        } catch {
            // The reader's own message names the file and line
            // ("model.lp:8: ..."): keep it, without naming the file twice.
            let text = "\(error)".replacingOccurrences(of: readPath, with: model)
                .replacingOccurrences(of: "\(model): \(model):", with: "\(model):")
            throw text.hasPrefix(model + ":")
                ? CLIError(code: .badInput, message: text)
                : CLIError.badInput(model, text.replacingOccurrences(of: "\(model): ", with: ""))
        }
        if let timeLimit, !(timeLimit > 0) || !timeLimit.isFinite {
            throw CLIError.badInput("--time-limit", value: "\(timeLimit)", "must be a positive number of seconds")
        }
        guard gap >= 0, gap.isFinite else {
            throw CLIError.badInput("--gap", value: "\(gap)", "must be a finite number ≥ 0")
        }
        let chosen = backend ?? (linearModel.isMixedInteger ? .glpk : .clp)
        let solution: Solution
        do {
            solution = try solve(
                linearModel, using: chosen, options: SolveOptions(timeLimit: timeLimit, relativeGap: gap))
        } catch {
            throw CLIError.badInput(model, "\(error)")
        }
        try report(linearModel, solution)
        // Only after the command has succeeded: a failed run leaves no files behind.
        try export(linearModel)
    }

    private func modelFormat() throws(CLIError) -> ModelFileFormat {
        let suffix = (model as NSString).pathExtension.lowercased()
        guard let format = ModelFileFormat(rawValue: suffix) else {
            throw .badInput(model, "unknown model format '.\(suffix)': use .lp or .mps")
        }
        return format
    }

    private func export(_ linearModel: LinearModel) throws(CLIError) {
        for (path, text) in [(exportLp, linearModel.cplexLPText()), (exportMps, linearModel.mpsText())] {
            guard let path else { continue }
            try OutputFile.write(Data(text.utf8), to: path)
        }
    }

    private func report(_ linearModel: LinearModel, _ solution: Solution) throws {
        let integers = linearModel.variables.filter { $0.kind != .continuous }.count
        let kind = integers > 0 ? "MILP, \(integers) integer" : "LP"
        if json {
            try printSolutionJSON(linearModel, solution)
        } else {
            print(
                "model \(linearModel.name): \(linearModel.variables.count) variables, \(linearModel.constraints.count) constraints (\(kind))"
            )
            var line = "\(solution.backend): \(solution.status.rawValue)"
            if let objective = solution.objective { line += ", objective \(objective)" }
            if let gap = solution.gap, solution.status == .feasible { line += ", gap \(gap)" }
            line += ", \(solution.iterations) iterations, \(String(format: "%.4f", solution.wallSeconds)) s"
            print(line)
        }
        switch solution.status {
        case .infeasible: throw CLIError.infeasible(model, "the model is infeasible")
        case .unbounded: throw CLIError.infeasible(model, "the model is unbounded")
        case .numericalFailure:
            throw CLIError(code: .internalFailure, message: "\(model): \(solution.backend) failed numerically")
        default: break
        }
    }

    private func printSolutionJSON(_ linearModel: LinearModel, _ solution: Solution) throws {
        var values: [String: Double] = [:]
        for (variable, value) in zip(linearModel.variables, solution.values) { values[variable.name] = value }
        let result = SolveResult(
            backend: solution.backend.rawValue, status: solution.status.rawValue,
            objective: solution.objective, bestBound: solution.bestBound,
            iterations: solution.iterations, values: values)
        try printJSON(result)
    }
}

/// `--json` output. Wall time is left out so that the output is the same on every run.
private struct SolveResult: Encodable {
    let backend: String
    let status: String
    let objective: Double?
    let bestBound: Double?
    let iterations: Int
    let values: [String: Double]
}
