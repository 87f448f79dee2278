import Foundation
import ParaPlan

/// Published iteration times against the cost model's, as printed in docs/cost-model.md and the README.
func costModelValidationRows() throws -> (rows: [String], summary: [String]) {
    var rows: [String] = []
    var errorsBySource: [(String, [Double])] = []
    for run in PublishedRun.all {
        let (predicted, error) = try run.predicted()
        rows.append(String(format: "| %@ | %@ | %.2f | %.2f | %+.1f %% |", run.source, run.label, run.iterationSeconds, predicted, error * 100))
        if let index = errorsBySource.firstIndex(where: { $0.0 == run.source }) {
            errorsBySource[index].1.append(abs(error))
        } else {
            errorsBySource.append((run.source, [abs(error)]))
        }
    }
    var summary: [String] = []
    let all = errorsBySource.flatMap(\.1)
    for (source, errors) in errorsBySource + [("all \(all.count) runs", all)] {
        let mean = errors.reduce(0, +) / Double(errors.count)
        summary.append(String(format: "| %@ | %d | %.1f %% | %.1f %% |", source, errors.count, mean * 100, (errors.max() ?? 0) * 100))
    }
    return (rows, summary)
}
