import Testing
import CostModel

/// The cost model against published end-to-end measurements, with one set of efficiency factors per GPU type.
@Suite struct ValidationAgainstPublishedTests {
    @Test func meanErrorWithinTenPercentAndEveryRowWithinTwenty() throws {
        var errors: [Double] = []
        for run in PublishedRun.all {
            let error = abs(try run.predicted().error)
            #expect(error <= 0.20, "\(run.source), \(run.label): \(error)")
            errors.append(error)
        }
        #expect(errors.count >= 27)
        let mean = errors.reduce(0, +) / Double(errors.count)
        #expect(mean <= 0.10, "mean absolute error \(mean)")
    }

    @Test func megatronTable1AloneIsWithinTenPercentOnAverage() throws {
        let errors = try PublishedRun.megatronTable1.map { abs(try $0.predicted().error) }
        #expect(errors.reduce(0, +) / Double(errors.count) <= 0.10)
    }
}
