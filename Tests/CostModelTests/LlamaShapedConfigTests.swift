import Testing

@testable import CostModel

/// Families that keep Llama's shape under their own `model_type`, each against its published parameter count.
@Suite struct LlamaShapedConfigTests {
    static func model(_ json: String) throws -> TransformerModel { try VisionEncoderTests.model(json) }

    /// Phi-3-mini-4k: 3.8 B parameters, every layer windowed to 2047 tokens.
    @Test func phi3Mini() throws {
        let model = try Self.model(
            """
            {"model_type": "phi3", "hidden_act": "silu", "hidden_size": 3072, "intermediate_size": 8192, "num_attention_heads": 32,
             "num_hidden_layers": 32, "num_key_value_heads": 32, "sliding_window": 2047, "tie_word_embeddings": false, "vocab_size": 32064}
            """)
        #expect(model.gatedFFN && !model.tiedEmbeddings && !model.qkvBias)
        #expect(model.slidingWindowLayers == 32 && model.slidingWindow == 2047)
        #expect(abs(model.parameters.total / 3.82e9 - 1) < 0.005, "\(model.parameters.total)")
    }

    /// Phi-4 (14.7 B, model_type phi3, no window) and Phi-4-mini (3.8 B, tied embeddings, GQA).
    @Test func phi4() throws {
        let phi4 = try Self.model(
            """
            {"model_type": "phi3", "hidden_size": 5120, "intermediate_size": 17920, "num_attention_heads": 40, "num_hidden_layers": 40,
             "num_key_value_heads": 10, "sliding_window": null, "tie_word_embeddings": false, "vocab_size": 100352}
            """)
        #expect(phi4.slidingWindowLayers == 0)
        #expect(abs(phi4.parameters.total / 14.66e9 - 1) < 0.005, "\(phi4.parameters.total)")
        let mini = try Self.model(
            """
            {"model_type": "phi3", "hidden_size": 3072, "intermediate_size": 8192, "num_attention_heads": 24, "num_hidden_layers": 32,
             "num_key_value_heads": 8, "tie_word_embeddings": true, "vocab_size": 200064, "partial_rotary_factor": 0.75}
            """)
        #expect(mini.tiedEmbeddings && mini.kvHeads == 8)
        #expect(abs(mini.parameters.total / 3.84e9 - 1) < 0.005, "\(mini.parameters.total)")
    }

    /// OLMo 2 7B (7.30 B) and Granite 3.1 8B (8.17 B, tied embeddings).
    @Test func olmo2AndGranite() throws {
        let olmo = try Self.model(
            """
            {"model_type": "olmo2", "hidden_act": "silu", "hidden_size": 4096, "intermediate_size": 11008, "num_attention_heads": 32,
             "num_hidden_layers": 32, "num_key_value_heads": 32, "tie_word_embeddings": false, "vocab_size": 100352}
            """)
        #expect(abs(olmo.parameters.total / 7.30e9 - 1) < 0.005, "\(olmo.parameters.total)")
        let granite = try Self.model(
            """
            {"model_type": "granite", "hidden_act": "silu", "hidden_size": 4096, "intermediate_size": 12800, "num_attention_heads": 32,
             "num_hidden_layers": 40, "num_key_value_heads": 8, "tie_word_embeddings": true, "vocab_size": 49155,
             "embedding_multiplier": 12.0, "residual_multiplier": 0.22, "attention_multiplier": 0.0078125, "logits_scaling": 16.0}
            """)
        #expect(granite.tiedEmbeddings && granite.kvHeads == 8)
        #expect(abs(granite.parameters.total / 8.17e9 - 1) < 0.005, "\(granite.parameters.total)")
    }
}
