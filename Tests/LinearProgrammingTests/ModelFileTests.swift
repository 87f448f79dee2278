import Foundation
import LinearProgramming
import SolverFixtures
import Testing

/// Exported text is read back by GLPK's own parsers and solves to the same optimum.
@Suite struct ModelFileTests {
    static func temporaryFile(_ text: String, suffix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("paraplan-\(UUID().uuidString).\(suffix)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static var models: [LinearModel] {
        var mixed = LinearModel(name: "mixed model", sense: .maximize)
        let a = mixed.addVariable("a[0]", lower: -3, upper: 7, objective: 2)
        let b = mixed.addVariable("b", lower: -.infinity, upper: 4, kind: .integer, objective: 1.5)
        let c = mixed.addVariable("2nd", kind: .binary, objective: -1)
        let d = mixed.addVariable("free", lower: -.infinity, objective: 0)
        mixed.objectiveOffset = -2.25
        mixed.addConstraint([(a, 1), (b, 1), (c, 3)], .range(-1, 9.5), name: "range row")
        mixed.addConstraint([(a, 1), (b, -2)], .greaterOrEqual(-6))
        mixed.addConstraint([(d, 1), (a, -1)], .equal(0))
        return [
            TextbookLPTests.wyndor().0,
            TransportationProblem(sources: 5, sinks: 7, seed: 1).model,
            RandomLinearProgram.make(variables: 40, constraints: 30, density: 0.2, seed: 9),
            mixed,
        ]
    }

    @Test(arguments: models.indices, ModelFileFormat.allCases)
    func exportReadsBackToSameOptimum(modelIndex: Int, format: ModelFileFormat) throws {
        let model = Self.models[modelIndex]
        let text = format == .cplexLP ? model.cplexLPText() : model.mpsText()
        let path = try Self.temporaryFile(text, suffix: format.rawValue)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let readBack = try LinearModel.read(path: path, format: format)
        // Both formats carry an objective constant as one extra continuous column fixed at 1.
        let extraColumns = model.objectiveOffset != 0 ? 1 : 0
        #expect(readBack.variables.count == model.variables.count + extraColumns)
        let integerCount = { (m: LinearModel) in m.variables.filter { $0.kind != .continuous }.count }
        #expect(integerCount(readBack) == integerCount(model))
        let original = try solve(model, using: .glpk)
        let roundTrip = try solve(readBack, using: .glpk)
        #expect(original.status == .optimal && roundTrip.status == .optimal)
        // MPS carries no sense: a maximisation comes back as the minimisation of its negation.
        let flipped = format == .mps && model.sense == .maximize
        let want = try #require(original.objective) * (flipped ? -1 : 1)
        #expect(abs((roundTrip.objective ?? .nan) - want) <= 1e-9 * max(1, abs(want)), "\(text)")
    }

    @Test func exportIsDeterministic() {
        let model = TransportationProblem(sources: 3, sinks: 4, seed: 2).model
        #expect(model.cplexLPText() == model.cplexLPText())
        #expect(model.mpsText().hasPrefix("NAME transportation-3x4\nROWS\n N obj\n L supply_0\n"))
        #expect(model.cplexLPText().contains(" demand_0: + 1 ship_0_0 + 1 ship_1_0 + 1 ship_2_0 = "))
    }

    @Test func unreadableFilesAreTypedErrors() throws {
        #expect(throws: SolverError.self) { try LinearModel.read(path: "/nonexistent/model.lp", format: .cplexLP) }
        let path = try Self.temporaryFile("Minimize\n obj: x +\nSubject To\n c: x >= \nEnd\n", suffix: "lp")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try LinearModel.read(path: path, format: .cplexLP)
            Issue.record("a malformed LP file was accepted")
        } catch {
            guard case .unreadableModel(let reportedPath, let reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(reportedPath == path)
            #expect(reason.contains(":"), "GLPK's message should name the line: \(reason)")
        }
    }
}
