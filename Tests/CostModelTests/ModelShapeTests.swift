import CostModelValidation
import Foundation
import InputFiles
import Testing

@testable import CostModel

@Suite struct ModelShapeTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/models")

    static func preset(_ name: String) throws -> TransformerModel {
        try #require(TransformerModel.preset(named: name))
    }

    /// Published parameter counts (Meta's and Mistral's model cards, DeepSeek-V3 report).
    @Test(arguments: [
        ("llama-3-8b", 8.03, 8.03), ("llama-3-70b", 70.6, 70.6), ("mixtral-8x7b", 46.7, 12.9),
        ("deepseek-v3", 671, 37), ("qwen2.5-7b", 7.61, 7.61),
    ])
    func parameterCountsMatchPublished(name: String, totalBillions: Double, activeBillions: Double) throws {
        let counts = try Self.preset(name).parameters
        #expect(abs(counts.total / 1e9 - totalBillions) / totalBillions < 0.005, "total \(counts.total / 1e9)")
        #expect(abs(counts.active / 1e9 - activeBillions) / activeBillions < 0.02, "active \(counts.active / 1e9)")
    }

    /// Narayanan et al. Eq. 2: P = 12lh²(1 + 13/(12h) + (V + s)/(12lh)) for Megatron's GPT.
    @Test func gptParametersMatchMegatronEquation() {
        for run in PublishedRun.megatronTable1 {
            let m = run.model
            let h = Double(m.hiddenSize)
            let l = Double(m.layers)
            let equation = 12 * l * h * h * (1 + 13 / (12 * h) + Double(m.vocabSize + 2048) / (12 * l * h))
            #expect(abs(m.parameters.total - equation) / equation < 1e-3, "\(m.name)")
        }
    }

    /// Eq. 3 of the same paper: with full recompute, F = 96·B·s·l·h²(1 + s/6h + V/16lh).
    @Test func trainingFlopsMatchMegatronEquation() {
        for run in PublishedRun.megatronTable1 {
            let m = run.model
            let h = Double(m.hiddenSize)
            let l = Double(m.layers)
            let s = 2048.0
            let equation = 96 * s * l * h * h * (1 + s / (6 * h) + Double(m.vocabSize) / (16 * l * h))
            let ours = m.trainingFlops(sequenceLength: 2048, recompute: .full).hardware
            #expect(abs(ours - equation) / equation < 0.005, "\(m.name): \(ours) vs \(equation)")
        }
    }

    @Test func causalHalvingOnlyTouchesAttention() throws {
        let model = try Self.preset("llama-3-8b")
        let full = model.forwardFlops(sequenceLength: 8192)
        let causal = model.forwardFlops(sequenceLength: 8192, counting: .causalHalved)
        #expect(causal.linear == full.linear)
        #expect(causal.attention == full.attention / 2)
        // The quadratic term grows with s², the linear one with s.
        let short = model.forwardFlops(sequenceLength: 4096)
        #expect(abs(full.attention / short.attention - 4) < 1e-12)
        #expect(abs(full.linear / short.linear - 2) < 1e-12)
    }

    /// Korthikanti et al. 2022, Table 2 (f = 4h, no GQA, no FlashAttention, 2-byte activations, dropout on).
    @Test func activationMemoryMatchesKorthikanti() {
        var model = TransformerModel(
            name: "t", layers: 1, hiddenSize: 4096, heads: 32, ffnHiddenSize: 16384, vocabSize: 1000)
        model.dropout = true
        let s = 2048.0
        let b = 2.0
        let h = 4096.0
        let a = 32.0
        let t = 8.0
        func bytes(_ tp: Int, sp: Bool, _ recompute: Recompute) -> Double {
            let strategy = ParallelStrategy(
                tensorParallel: tp, microBatch: 2, globalBatch: 2, sequenceLength: 2048,
                recompute: recompute, sequenceParallel: sp)
            return model.activationBytesPerLayer(strategy: strategy, flashAttention: false)
        }
        let sbh = s * b * h
        #expect(abs(bytes(1, sp: false, .none) - sbh * (34 + 5 * a * s / h)) < 1)
        #expect(abs(bytes(8, sp: false, .none) - sbh * (10 + 24 / t + 5 * a * s / (h * t))) < 1)
        #expect(abs(bytes(8, sp: true, .none) - sbh / t * (34 + 5 * a * s / h)) < 1)
        #expect(abs(bytes(8, sp: true, .selective) - 34 * sbh / t) < 1)
        #expect(abs(bytes(8, sp: true, .full) - 2 * sbh / t) < 1)
        #expect(abs(bytes(1, sp: false, .full) - 2 * sbh) < 1)
    }

    /// Without dropout the two masks (sbh each, one byte per element) are not kept; a gated FFN keeps its gate and up
    /// outputs and their product (6·s·b·F bytes) where a plain one keeps 4·s·b·F; FP8 keeps the four GEMM inputs as
    /// one-byte copies (s·b·(2h + h + F) bytes saved).
    @Test func dropoutGatingAndFP8Change() throws {
        let plain = TransformerModel(
            name: "t", layers: 1, hiddenSize: 4096, heads: 32, ffnHiddenSize: 16384, vocabSize: 1000)
        var gated = plain
        gated.gatedFFN = true
        let strategy = ParallelStrategy(microBatch: 2, globalBatch: 2, sequenceLength: 2048)
        var fp8 = strategy
        fp8.fp8 = true
        let s = 2048.0
        let b = 2.0
        let h = 4096.0
        let f = 16384.0
        let sbh = s * b * h
        let scores = 5 * 32 * s * s * b
        #expect(abs(plain.activationBytesPerLayer(strategy: strategy, flashAttention: false) - (sbh * 32 + scores)) < 1)
        #expect(
            abs(
                gated.activationBytesPerLayer(strategy: strategy, flashAttention: true)
                    - plain.activationBytesPerLayer(strategy: strategy, flashAttention: true) - 2 * s * b * f) < 1)
        #expect(
            abs(
                plain.activationBytesPerLayer(strategy: strategy, flashAttention: true)
                    - plain.activationBytesPerLayer(strategy: fp8, flashAttention: true) - s * b * (3 * h + f)) < 1)
    }

    @Test func modelStateBytesFollowZeroStages() {
        let d = 8.0
        #expect(TransformerModel.stateBytes(zeroStage: 0, shards: d) == (2, 4, 12))
        let zero1 = TransformerModel.stateBytes(zeroStage: 1, shards: d)
        #expect(zero1.parameters + zero1.gradients + zero1.optimizer == 6 + 12 / d)
        let zero3 = TransformerModel.stateBytes(zeroStage: 3, shards: d)
        #expect(zero3.parameters + zero3.gradients + zero3.optimizer == 18 / d)
    }

    @Test(arguments: [
        "llama-3-8b", "llama-3-70b", "mixtral-8x7b", "qwen2.5-7b", "deepseek-v3", "qwen3-8b", "gpt-oss-120b",
        "gemma-2-9b",
        "glm-4.5-air", "olmoe-1b-7b-0924", "llama-4-scout-17b-16e",
    ])
    func huggingFaceConfigsMatchPresets(name: String) throws {
        let path = Self.examples.appendingPathComponent("\(name).config.json").path
        let data = try #require(FileManager.default.contents(atPath: path))
        var loaded = try TransformerModel.load(data: data, source: path)
        loaded.name = name
        #expect(loaded == (try Self.preset(name)))
    }

    @Test func paraPlanModelFileLoads() throws {
        let path = Self.examples.appendingPathComponent("gpt-7b.yaml").path
        let model = try TransformerModel.load(
            data: try #require(FileManager.default.contents(atPath: path)), source: path)
        #expect(model.name == "gpt-7b-file" && model.layers == 32 && model.kvHeads == 32 && model.tiedEmbeddings)
        #expect(abs(model.parameters.total / 1e9 - 6.65) < 0.05)
    }

    @Test func qwen3HeadDimIsRead() throws {
        let config =
            #"{"model_type": "qwen3", "num_hidden_layers": 28, "hidden_size": 1024, "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 3072, "vocab_size": 151936, "hidden_act": "silu", "tie_word_embeddings": true}"#
        let model = try TransformerModel.load(data: Data(config.utf8), source: "qwen3-0.6b.json")
        #expect(model.headDim == 128 && model.queryWidth == 2048)
        // Qwen3-0.6B: 0.6 B parameters with tied embeddings (0.44 B without them).
        #expect(abs(model.parameters.total / 1e9 - 0.596) < 0.01)
    }
}
