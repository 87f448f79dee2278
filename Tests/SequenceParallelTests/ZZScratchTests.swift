import Testing
import Foundation
@testable import SequenceParallel
import CostModel

struct ZZScratchTests {
    @Test func oneMicroBatch() throws {
        var random = SplitMix(seed: 11)
        let lengths = (0..<75).map { _ in 5000 + Int(random.next() % UInt64(95000)) }
        let cost = SequenceParallelCost.flexSPGPT7BWide(gpus: 256)
        let planner = try SequenceParallelPlanner(cost: cost)
        let plan = try planner.plan(lengths: lengths)
        for mb in plan.microBatches {
            let subset = mb.groups.flatMap(\.sequences).map { lengths[$0] }
            let table = SequenceTable(cost: cost, lengths: subset.map(Double.init))
            let tight = try planner.tightLowerBound(lengths: subset) ?? 0
            print(String(format: "mb %.4f tight %.4f fill %.3f", mb.predictedSeconds, tight, Double(subset.reduce(0, +)) / (256 * cost.tokensPerGPU)))
            for g in mb.groups {
                let ls = g.sequences.map { lengths[$0] }
                let load = ls.map { cost.time(Double($0), degree: g.degree) }.reduce(0, +)
                print("   d\(g.degree) \(ls) load \(String(format: "%.3f", load)) fill \(String(format: "%.2f", Double(ls.reduce(0, +)) / (Double(g.degree) * cost.tokensPerGPU)))")
            }
            let order = subset.indices.sorted { subset[$0] > subset[$1] }
            print("   fastest/cheapest per seq:", order.prefix(6).map { String(format: "%d:%.2f/%.1f", subset[$0], table.fastest[$0], table.cheapest[$0]) })
            for d in cost.degrees { print("   deg \(d): t(90K)=\(String(format: "%.3f", cost.time(90000, degree: d))) t(60K)=\(String(format: "%.3f", cost.time(60000, degree: d))) t(20K)=\(String(format: "%.3f", cost.time(20000, degree: d)))") }
            break
        }
        print("tokensPerGPU \(cost.tokensPerGPU) beta1 \(cost.beta1)")
    }
}
