import CostModelValidation
import Testing

@testable import CostModel

@Suite struct StaticLayoutSearchTests {
    /// Every published Megatron layout the cost model is validated against is among the candidates (with sequence
    /// parallelism on wherever TP > 1, as the search always sets it), and the search's best is at least as fast.
    @Test func publishedLayoutsAreCandidates() throws {
        for run in PublishedRun.all {
            var template = run.strategy
            template.tensorParallel = 1
            template.pipelineParallel = 1
            template.dataParallel = run.cluster.gpuCount
            template.contextParallel = 1
            let search = StaticLayoutSearch(
                model: run.model, cluster: run.cluster, options: EstimateOptions(flashAttention: run.flashAttention))
            var published = run.strategy
            published.sequenceParallel = published.tensorParallel > 1
            let cp = [published.contextParallel]
            let covered = search.candidates(template: template, contextParallel: cp).contains(published)
            #expect(
                covered,
                "\(run.label): TP \(published.tensorParallel) PP \(published.pipelineParallel) VP \(published.interleave)"
            )
            // Block recompute (a published run's resolved setting) is not searched; compare with what the search tries.
            let estimate = try search.estimator.estimate(published)
            if estimate.fitsInMemory {
                let best = try #require(search.search(template: template, contextParallel: cp).ranked.first)
                #expect(best.estimate.iterationSeconds <= estimate.iterationSeconds, "\(run.label): \(best.strategy)")
            }
        }
    }

    /// On 16 GPUs, a brute force over every TP, PP, CP, micro-batch, interleaving and recompute the strategy's own
    /// checks accept (with the search's practical limits: no more virtual stages than layers), and over every
    /// offload of a pipeline-free layout without recompute that does not fit, finds the same fastest fitting layout
    /// and the same count.
    @Test func bruteForceAgrees() throws {
        let model = try #require(TransformerModel.preset(named: "llama-3-8b"))
        let cluster = try Cluster.preset("hgx-h100:2")
        let template = ParallelStrategy(dataParallel: 16, globalBatch: 64, sequenceLength: 8192)
        let search = StaticLayoutSearch(model: model, cluster: cluster)
        let outcome = search.search(template: template, contextParallel: [1, 2, 4])
        var fitting: [(Double, ParallelStrategy)] = []
        for tp in 1...8 {
            for pp in 1...16 {
                for cp in [1, 2, 4] where 16 % (tp * pp * cp) == 0 {
                    for micro in StaticLayoutSearch.microBatches {
                        for interleave in 1...32 {
                            for recompute in Recompute.allCases {
                                var layout = template
                                (layout.tensorParallel, layout.pipelineParallel, layout.contextParallel) = (tp, pp, cp)
                                layout.dataParallel = 16 / (tp * pp * cp)
                                (layout.microBatch, layout.interleave, layout.recompute, layout.sequenceParallel) = (
                                    micro, interleave, recompute, tp > 1
                                )
                                guard (try? layout.validate(model: model, cluster: cluster)) != nil,
                                    pp * interleave <= model.layers  // the embedding and loss get no stage of their own
                                else { continue }
                                let perPipeline = layout.globalBatch / (layout.dataParallel * micro)
                                guard interleave == 1 || (pp > 1 && perPipeline % pp == 0) else { continue }
                                let estimate = try search.estimator.estimate(layout)
                                if estimate.fitsInMemory { fitting.append((estimate.iterationSeconds, layout)) }
                                // The search's second round: the fewest offloaded layers that fit, found by trying each.
                                guard !estimate.fitsInMemory, pp == 1, recompute == .none else { continue }
                                for layers in 1..<model.layers {
                                    var offloaded = layout
                                    offloaded.cpuOffloadLayers = layers
                                    let priced = try search.estimator.estimate(offloaded)
                                    if priced.fitsInMemory {
                                        fitting.append((priced.iterationSeconds, offloaded))
                                        break
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect(outcome.ranked.count == fitting.count)
        #expect(outcome.ranked.first?.estimate.iterationSeconds == fitting.map(\.0).min())
    }

    @Test func rankedLayoutsFitAreSortedAndRepeatable() throws {
        let model = try #require(TransformerModel.preset(named: "mixtral-8x7b"))
        let cluster = try Cluster.preset("hgx-h100:4")
        let template = ParallelStrategy(dataParallel: 32, globalBatch: 256, sequenceLength: 4096)
        let search = StaticLayoutSearch(model: model, cluster: cluster)
        let outcome = search.search(template: template, contextParallel: [1])
        #expect(!outcome.ranked.isEmpty && outcome.tried >= outcome.ranked.count)
        #expect(outcome.ranked.allSatisfy { $0.estimate.fitsInMemory && $0.strategy.gpuCount == 32 })
        let times = outcome.ranked.map(\.estimate.iterationSeconds)
        #expect(times == times.sorted())
        // MoE: expert parallelism is searched, and some ranked layouts use it.
        #expect(outcome.ranked.contains { $0.strategy.expertParallel > 1 })
        #expect(search.search(template: template, contextParallel: [1]) == outcome)
    }
}
