import Foundation
import SolverFixtures
import Testing
import TraceAnalysis

/// Traces of Megatron's interleaved schedule (several model chunks per stage): pipeline transfers are matched to the
/// compute of their own chunk, activations wrap from the last stage to stage 0's next chunk, and the analysis finds
/// the same stragglers as on 1F1B traces.
@Suite struct InterleavedTraceTests {
    static func trace(chunks: Int, configure: (inout SyntheticTrace) -> Void = { _ in }) throws
        -> (operations: [TraceOperation], report: WhatIfReport)
    {
        let shape = JobShape(name: "interleaved", dataParallel: 2, pipelineParallel: 4, virtualStages: chunks)
        var trace = SyntheticTrace(shape: shape, microBatches: 8, steps: 4)
        trace.jitter = 0.005
        configure(&trace)
        let operations = try trace.operations()
        return (operations, try WhatIfAnalysis(operations: operations, shape: shape).report())
    }

    @Test(arguments: [2, 3])
    func balancedInterleavedJobReplaysExactly(chunks: Int) throws {
        let (operations, report) = try Self.trace(chunks: chunks)
        #expect(Set(operations.compactMap(\.chunk)) == Set(0..<chunks))
        // Stage 0's first chunk receives no activations; the last stage's last chunk sends none.
        let stageZeroReceives = operations.filter { $0.worker.stage == 0 && $0.kind == .forwardRecv }
        #expect(!stageZeroReceives.isEmpty && stageZeroReceives.allSatisfy { $0.chunk != 0 })
        #expect(
            operations.filter { $0.worker.stage == 3 && $0.kind == .forwardSend }.allSatisfy { $0.chunk != chunks - 1 })
        #expect(report.replayError < 1e-9)
        #expect(report.slowdown < 1.03)
        #expect(report.culprit.hasPrefix("no straggling"))
    }

    @Test func slowWorkerInAnInterleavedJobIsFound() throws {
        let worker = Worker(dataParallelRank: 1, stage: 2)
        let report = try Self.trace(chunks: 2) { $0.slowWorker = (worker, 2.0, nil) }.report
        #expect(report.slowdown > 1.3)
        #expect(report.mw.workers == [worker] && report.mw.recovered >= 0.9)
        #expect(
            report.slowMachines.slowMachines.map { Worker(dataParallelRank: $0.dataParallelRank, stage: $0.stage) } == [
                worker
            ])
    }

    @Test func heavyLastStageOfAnInterleavedJobIsFound() throws {
        let report = try Self.trace(chunks: 2) { $0.lastStageFactor = 1.6 }.report
        #expect(report.slowdown > 1.1)
        #expect(report.ms.recovered >= 0.9)
        #expect(report.culprit.hasPrefix("the last pipeline stage"))
    }

    /// A transfer count that does not match its chunk's computes names the chunk.
    @Test func missingTransferOfAChunkIsRefused() throws {
        var operations = try Self.trace(chunks: 2).operations
        let index = try #require(
            operations.lastIndex { $0.worker.stage == 1 && $0.kind == .forwardSend && $0.chunk == 1 && $0.step == 0 })
        operations.remove(at: index)
        let shape = JobShape(name: "interleaved", dataParallel: 2, pipelineParallel: 4, virtualStages: 2)
        #expect(throws: TraceError.self) { try WhatIfAnalysis(operations: operations, shape: shape) }
    }
}
