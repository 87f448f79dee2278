import Foundation
import Testing

@testable import CostModel

/// Sliding-window attention (Mistral v0.1, Gemma 2/3, gpt-oss): which layers have it, and what their attention costs.
@Suite struct SlidingWindowTests {
    static func model(_ json: String) throws -> TransformerModel { try VisionEncoderTests.model(json) }

    static func alternating(_ layers: Int) -> String {
        "[" + (0..<layers).map { $0 % 2 == 0 ? "\"sliding_attention\"" : "\"full_attention\"" }.joined(separator: ", ")
            + "]"
    }

    /// gpt-oss-120b: 116.83 B parameters as published; half its layers attend 128 tokens. Its 5.13 B "active" leaves
    /// out the input embedding, which ours counts (5.71 B).
    @Test func gptOss120B() throws {
        let model = try Self.model(
            """
            {"model_type": "gpt_oss", "attention_bias": true, "experts_per_token": 4, "head_dim": 64, "hidden_act": "silu",
             "hidden_size": 2880, "intermediate_size": 2880, "layer_types": \(Self.alternating(36)), "num_attention_heads": 64,
             "num_experts_per_tok": 4, "num_hidden_layers": 36, "num_key_value_heads": 8, "num_local_experts": 128,
             "sliding_window": 128, "tie_word_embeddings": false, "vocab_size": 201088}
            """)
        #expect(model.slidingWindowLayers == 18 && model.slidingWindow == 128)
        #expect(
            model.moe?.experts == 128 && model.moe?.topK == 4 && model.moe?.expertFFNHiddenSize == 2880
                && model.gatedFFN)
        #expect(abs(model.parameters.total / 116.83e9 - 1) < 0.005, "\(model.parameters.total)")
        let embedding = 2880.0 * 201088
        #expect(abs((model.parameters.active - embedding) / 5.13e9 - 1) < 0.01, "\(model.parameters.active)")
    }

    /// Gemma 2 9B: GeGLU (gated though its act is a GELU), tied embeddings by default, 256-wide heads, every other
    /// layer windowed to 4096 tokens; 9.24 B parameters as published.
    @Test func gemma2WindowsEveryOtherLayer() throws {
        let model = try Self.model(
            """
            {"model_type": "gemma2", "head_dim": 256, "hidden_act": "gelu_pytorch_tanh", "hidden_size": 3584,
             "intermediate_size": 14336, "num_attention_heads": 16, "num_hidden_layers": 42, "num_key_value_heads": 8,
             "sliding_window": 4096, "vocab_size": 256000}
            """)
        #expect(model.gatedFFN && model.tiedEmbeddings && model.headDim == 256)
        #expect(model.slidingWindowLayers == 21 && model.slidingWindow == 4096)
        #expect(abs(model.parameters.total / 9.24e9 - 1) < 0.005, "\(model.parameters.total)")
    }

    /// Gemma 3 1B: five local layers (512 tokens) to one global; 1.0 B parameters.
    @Test func gemma3FollowsItsPattern() throws {
        let model = try Self.model(
            """
            {"model_type": "gemma3_text", "head_dim": 256, "hidden_size": 1152, "intermediate_size": 6912,
             "num_attention_heads": 4, "num_hidden_layers": 26, "num_key_value_heads": 1, "sliding_window": 512,
             "sliding_window_pattern": 6, "vocab_size": 262144}
            """)
        #expect(model.slidingWindowLayers == 26 - 4 && model.slidingWindow == 512)
        #expect(abs(model.parameters.total / 1.0e9 - 1) < 0.01, "\(model.parameters.total)")
    }

    @Test func familyRulesAndLayerTypes() throws {
        let mistral =
            #""model_type": "mistral", "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "vocab_size": 32000"#
        #expect(try Self.model("{\(mistral), \"sliding_window\": 4096}").slidingWindowLayers == 32)
        #expect(try Self.model("{\(mistral), \"sliding_window\": null}").slidingWindowLayers == 0)
        let qwen =
            #""model_type": "qwen2", "hidden_size": 3584, "intermediate_size": 18944, "num_attention_heads": 28, "num_hidden_layers": 28, "num_key_value_heads": 4, "vocab_size": 152064, "sliding_window": 32768"#
        #expect(
            try Self.model("{\(qwen), \"use_sliding_window\": false, \"max_window_layers\": 20}").slidingWindowLayers
                == 0)
        #expect(
            try Self.model("{\(qwen), \"use_sliding_window\": true, \"max_window_layers\": 20}").slidingWindowLayers
                == 8)
        // Listed layer types win over the family rule.
        let listed = try Self.model("{\(mistral), \"sliding_window\": 4096, \"layer_types\": \(Self.alternating(32))}")
        #expect(listed.slidingWindowLayers == 16)
    }

    @Test func paraPlanModelFilesTakeAWindow() throws {
        let model = try Self.model(
            """
            {"layers": 8, "hiddenSize": 1024, "heads": 8, "ffnHiddenSize": 4096, "vocabSize": 32000,
             "slidingWindow": 256, "slidingWindowLayers": 6}
            """)
        #expect(model.slidingWindowLayers == 6 && model.slidingWindow == 256)
        #expect(throws: CostModelError.self) {
            _ = try Self.model(
                #"{"layers": 8, "hiddenSize": 1024, "heads": 8, "ffnHiddenSize": 4096, "vocabSize": 32000, "slidingWindowLayers": 9, "slidingWindow": 256}"#
            )
        }
    }

    @Test func badWindowFieldsNameTheField() {
        func failure(_ json: String) -> String? {
            do {
                _ = try Self.model(json)
                return nil
            } catch { return "\(error)" }
        }
        let base =
            #""model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32, "num_hidden_layers": 4, "vocab_size": 32000"#
        #expect(
            failure("{\(base), \"sliding_window\": 128, \"layer_types\": \(Self.alternating(3))}")?.contains(
                "layer_types") == true)
        #expect(
            failure(
                "{\(base), \"sliding_window\": 128, \"layer_types\": [\"sliding_attention\", \"local\", \"full_attention\", \"full_attention\"]}"
            )?
            .contains("local") == true)
        #expect(failure("{\(base), \"layer_types\": \(Self.alternating(4))}")?.contains("sliding_window") == true)
        #expect(
            failure("{\(base), \"sliding_window\": -5, \"layer_types\": \(Self.alternating(4))}")?.contains(
                "sliding_window") == true)
    }

    /// A windowed layer scores s·min(s, W) pairs (Megatron's full count) or the causal band s·W − W²/2; below the
    /// window it costs what a full layer does, and at or past it the a·s + b·s² coefficients are exact.
    @Test func windowedAttentionFlops() throws {
        var full = try #require(TransformerModel.preset(named: "llama-3-8b"))
        var windowed = full
        windowed.slidingWindowLayers = 16
        windowed.slidingWindow = 4096
        let perPair = 2.0 * (4096 + 4096)
        for s in [1024, 4096] {
            #expect(
                windowed.forwardFlops(sequenceLength: s).attention == full.forwardFlops(sequenceLength: s).attention)
        }
        let s = 32768.0
        #expect(
            windowed.forwardFlops(sequenceLength: 32768).attention == 16 * s * s * perPair + 16 * s * 4096 * perPair)
        #expect(
            windowed.forwardFlops(sequenceLength: 32768, counting: .causalHalved).attention
                == 16 * s * s / 2 * perPair + 16 * (s * 4096 - 4096 * 4096 / 2) * perPair)
        let coefficients = windowed.attentionCoefficients
        #expect(
            coefficients.perToken2 * s * s + coefficients.perToken * s
                == windowed.forwardFlops(sequenceLength: 32768).attention)
        // The SP cost's quadratic term loses the windowed layers; the linear one gains their band.
        full.slidingWindowLayers = 0
        let cluster = try Cluster.preset("hgx-h100:1")
        let plain = try SequenceParallelCost.derive(model: full, cluster: cluster)
        let banded = try SequenceParallelCost.derive(model: windowed, cluster: cluster)
        #expect(abs(banded.alpha1 / plain.alpha1 - 0.5) < 1e-12)
        #expect(banded.alpha2 > plain.alpha2)
    }
}

/// Fused kernels tile keys in blocks of 128: a window band costs whole blocks.
@Suite struct WindowBlockTests {
    @Test func windowBandsCostWholeKeyBlocks() {
        let model = TransformerModel.preset(named: "gpt-oss-120b")!
        let perPair = model.flopsPerScoredPair
        let s = 4096.0
        // 18 full layers: the causal triangle; 18 windowed layers of 128: two key blocks of 128 per query.
        let expected = (18 * s * s / 2 + 18 * s * 256) * perPair
        #expect(abs(model.fusedKernelAttentionFlops(sequenceLength: 4096) / expected - 1) < 1e-12)
        // Twice the exact band's pairs (s·W − W²/2).
        let band = 18 * (s * 128 - 128 * 128 / 2) * perPair
        let exactFlops = model.forwardFlops(sequenceLength: 4096, counting: .causalHalved).attention
        #expect(abs((exactFlops - 18 * s * s / 2 * perPair) / band - 1) < 1e-12)
        // A window as long as the sequence is the triangle.
        #expect(
            model.fusedKernelAttentionFlops(sequenceLength: 128)
                == model.forwardFlops(sequenceLength: 128, counting: .causalHalved).attention)
    }

    @Test func modelsWithoutWindowsKeepTheTriangle() {
        let model = TransformerModel.preset(named: "llama-3-8b")!
        for s in [1024, 4096, 131_072] {
            #expect(
                model.fusedKernelAttentionFlops(sequenceLength: s)
                    == model.forwardFlops(sequenceLength: s, counting: .causalHalved).attention)
        }
    }
}
