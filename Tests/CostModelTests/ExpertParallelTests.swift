import Testing

@testable import CostModel

/// MoE layouts as Megatron-Core runs them: expert parallelism folded over TP × CP × DP with its own expert-TP, dispatch
/// once per destination node, node-limited routing, overlap (docs/cost-model.md §Expert parallelism).
@Suite struct ExpertParallelTests {
    static let deepSeek = TransformerModel.preset(named: "deepseek-v3")!
    static let qwen = TransformerModel(
        name: "qwen3-235b-a22b", layers: 94, hiddenSize: 4096, heads: 64, kvHeads: 4, headDim: 128,
        ffnHiddenSize: 12288, gatedFFN: true, vocabSize: 151_936,
        moe: MixtureOfExperts(experts: 128, topK: 8, expertFFNHiddenSize: 1536))

    /// The expected number of distinct nodes among a token's top-k experts, against counting every k-subset.
    @Test(arguments: [(8, 2, 2), (12, 3, 3), (16, 4, 4), (10, 5, 2), (16, 8, 4), (6, 1, 3)])
    func distinctNodesMatchEnumeration(experts: Int, topK: Int, nodes: Int) {
        let perNode = experts / nodes
        var total = 0.0
        var subsets = 0.0
        func visit(_ start: Int, _ chosen: [Int]) {
            if chosen.count == topK {
                total += Double(Set(chosen.map { $0 / perNode }).count)
                subsets += 1
                return
            }
            guard start < experts else { return }
            for expert in start..<experts { visit(expert + 1, chosen + [expert]) }
        }
        visit(0, [])
        let formula = IterationEstimator.distinctNodes(experts: experts, topK: topK, nodes: nodes, nodeLimit: nil)
        #expect(abs(formula - total / subsets) < 1e-9, "\(formula) vs \(total / subsets)")
        #expect(IterationEstimator.distinctNodes(experts: experts, topK: topK, nodes: nodes, nodeLimit: 1) == 1)
    }

    static func estimate(
        _ model: TransformerModel, tp: Int, pp: Int, dp: Int, ep: Int, etp: Int? = nil, vp: Int = 1,
        overlap: Bool = false, batch: Int = 1024
    ) throws -> IterationEstimate {
        let gpus = tp * pp * dp
        let strategy = ParallelStrategy(
            tensorParallel: tp, pipelineParallel: pp, dataParallel: dp, expertParallel: ep,
            expertTensorParallel: etp, globalBatch: batch, sequenceLength: 4096, sequenceParallel: tp > 1,
            interleave: vp, overlapExpertParallel: overlap)
        return try IterationEstimator(
            model: model, cluster: try Cluster.preset("hgx-h100:\(gpus / 8)"),
            options: EstimateOptions(memoryHeadroom: 0)
        ).estimate(strategy)
    }

    /// Megatron-Bridge runs Qwen3-235B with TP 2, DP 16 and EP 32: EP above DP × CP, allowed once folded over TP.
    @Test func expertParallelismFoldsOverTensorParallelism() throws {
        let estimate = try Self.estimate(Self.qwen, tp: 2, pp: 8, dp: 16, ep: 32, etp: 1, vp: 4)
        #expect(estimate.breakdown.expertParallel > 0)
        // EP 64 × expert-TP 1 does not divide the 32 ranks of a stage.
        #expect { try Self.estimate(Self.qwen, tp: 2, pp: 8, dp: 16, ep: 64, etp: 1) } throws: {
            ($0 as? CostModelError)?.field == "--ep × --etp"
        }
        // Expert-TP defaults to TP (Megatron-Core): EP 32 × expert-TP 2 = 64 does not divide 32 either.
        #expect { try Self.estimate(Self.qwen, tp: 2, pp: 8, dp: 16, ep: 32) } throws: {
            ($0 as? CostModelError)?.reason.contains("must divide --tp × --cp × --dp (32)") == true
        }
        var odd = Self.qwen
        odd.moe?.expertFFNHiddenSize = 1530
        #expect { try Self.estimate(odd, tp: 2, pp: 8, dp: 16, ep: 8, etp: 4) } throws: {
            ($0 as? CostModelError)?.field == "--etp"
        }
    }

    /// Expert weights are split over expert-TP × EP, so halving expert-TP doubles each GPU's expert share of memory.
    @Test func expertMemoryFollowsExpertTensorParallelism() throws {
        let wide = try Self.estimate(Self.qwen, tp: 2, pp: 8, dp: 16, ep: 16, etp: 2)
        let narrow = try Self.estimate(Self.qwen, tp: 2, pp: 8, dp: 16, ep: 16, etp: 1)
        #expect(narrow.memory.parameters > wide.memory.parameters)
    }

    /// DeepSeek-V3 sends a token to at most 4 nodes: a layout whose EP group spans 8 nodes exchanges less than the
    /// same model routing freely, and one copy per node is cheaper than one per routed expert.
    @Test func nodeLimitedRoutingSendsLess() throws {
        var free = Self.deepSeek
        free.moe?.groups = 0
        free.moe?.groupsPerToken = 0
        let limited = try Self.estimate(Self.deepSeek, tp: 1, pp: 8, dp: 64, ep: 64, etp: 1, batch: 512)
        let unlimited = try Self.estimate(free, tp: 1, pp: 8, dp: 64, ep: 64, etp: 1, batch: 512)
        #expect(limited.breakdown.expertParallel < unlimited.breakdown.expertParallel)
        let distinct = IterationEstimator.distinctNodes(experts: 256, topK: 8, nodes: 8, nodeLimit: 4)
        #expect(distinct == 4)
        #expect(IterationEstimator.distinctNodes(experts: 256, topK: 8, nodes: 8, nodeLimit: nil) < 8)
    }

    /// Megatron-Core's all-to-all dispatcher sends every routed copy to its expert's GPU, where DeepEP and HybridEP
    /// send one per node: across 8 nodes DeepSeek-V3 moves 7 copies per token over the network instead of at most
    /// 3.5 (its node limit of 4), so the network side takes twice as long; within one node nothing changes.
    @Test func allToAllSendsEveryRoutedCopy() throws {
        let cluster = try Cluster.preset("hgx-h100:64")
        let estimator = IterationEstimator(
            model: Self.deepSeek, cluster: cluster, options: EstimateOptions(memoryHeadroom: 0))
        func exchange(ep: Int, _ dispatcher: MoEDispatcher?) -> Double {
            var strategy = ParallelStrategy(
                pipelineParallel: 8, dataParallel: 64, expertParallel: ep, expertTensorParallel: 1, globalBatch: 512,
                sequenceLength: 4096)
            strategy.moeDispatcher = dispatcher
            return estimator.expertExchangeTime(strategy, tokensPerRank: 4096)
        }
        let deduplicated = exchange(ep: 64, .hybridep)
        #expect(exchange(ep: 64, nil) == deduplicated && exchange(ep: 64, .deepep) == deduplicated)
        let latency = 7 * cluster.interNodeLatency
        let ratio = (exchange(ep: 64, .alltoall) - latency) / (deduplicated - latency)
        #expect(abs(ratio - 7.0 / 3.5) < 1e-9, "\(ratio)")
        #expect(exchange(ep: 8, .alltoall) == exchange(ep: 8, .hybridep))
    }

    /// With batch-level overlap the exchange hides behind another micro-batch's compute; what is left is the slowdown
    /// the shared GPU pays (never more than without overlap, never zero).
    @Test func overlapHidesTheExchange() throws {
        let plain = try Self.estimate(Self.qwen, tp: 2, pp: 8, dp: 16, ep: 32, etp: 1, vp: 4)
        let overlapped = try Self.estimate(Self.qwen, tp: 2, pp: 8, dp: 16, ep: 32, etp: 1, vp: 4, overlap: true)
        #expect(overlapped.breakdown.expertParallel < plain.breakdown.expertParallel * 0.5)
        #expect(
            overlapped.breakdown.expertParallel >= plain.breakdown.expertParallel * IterationEstimator.overlapSlowdown
                * 0.99)
    }

    /// Dropless routing syncs the host once per MoE layer; a profile may measure that time.
    @Test func hostTimePerMoELayerComesFromTheProfile() throws {
        let strategy = ParallelStrategy(
            pipelineParallel: 2, dataParallel: 8, expertParallel: 8, expertTensorParallel: 1,
            globalBatch: 64, sequenceLength: 4096, interleave: 1)
        let cluster = try Cluster.preset("hgx-h100:2")
        func host(_ seconds: Double?) throws -> Double {
            try IterationEstimator(
                model: Self.qwen, cluster: cluster,
                options: EstimateOptions(profile: CalibrationProfile(moeLayerHostSeconds: seconds), memoryHeadroom: 0)
            )
            .estimate(strategy).breakdown.computeParts.hostSync
        }
        let layers = 47.0
        let microBatches = 8.0
        #expect(abs(try host(nil) - layers * microBatches * IterationEstimator.defaultMoELayerHostSeconds) < 1e-9)
        #expect(try host(0) == 0)
        #expect { try host(-1) } throws: { ($0 as? CostModelError)?.field == "moeLayerHostSeconds" }
    }
}
