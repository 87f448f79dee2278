import CostModel

/// Hugging Face configs of families older than Llama's key names: GPT-2 (`n_embd`, `n_head`, `n_layer`) and Falcon
/// (multi-query or grouped KV heads chosen by flags). Both have an ungated GELU MLP and tie their embeddings unless the
/// config says otherwise, as transformers does.
extension TransformerModel {
    /// Whether transformers ties a family's input and output embeddings when its config leaves
    /// `tie_word_embeddings` out: its config class's default (True unless the class sets False).
    static func tiesEmbeddingsByDefault(_ type: String) -> Bool {
        type.hasPrefix("gemma")
            || ["cohere", "cohere2", "starcoder2", "smollm3", "ernie4_5", "falcon", "gpt2"].contains(type)
    }

    /// GPT-2: `n_embd`, `n_head`, `n_layer`, `n_inner` (null: 4 × n_embd), `vocab_size`; biases everywhere.
    static func gpt2(_ fields: FieldReader) throws(CostModelError) -> TransformerModel {
        let hidden = try fields.int("n_embd")
        let heads = try fields.int("n_head")
        let inner = try fields.int("n_inner", default: 4 * hidden)
        return TransformerModel(
            name: try fields.string("_name_or_path") ?? fields.source,
            layers: try fields.int("n_layer"), hiddenSize: hidden, heads: heads, kvHeads: heads, ffnHiddenSize: inner,
            gatedFFN: false,
            vocabSize: try fields.int("vocab_size"),
            tiedEmbeddings: try fields.bool("tie_word_embeddings", default: true), qkvBias: true)
    }

    /// Falcon: `hidden_size`, `num_attention_heads`, `num_hidden_layers` (or the first releases' `n_embed`, `n_head`,
    /// `n_layer`); KV heads `num_kv_heads` (or `n_head_kv`) with `new_decoder_architecture` (Falcon-40B/180B), one
    /// with `multi_query` (Falcon-7B), else one per head; MLP width `ffn_hidden_size` (default 4 × hidden).
    static func falcon(_ fields: FieldReader) throws(CostModelError) -> TransformerModel {
        func either(_ key: String, _ legacy: String) throws(CostModelError) -> Int {
            fields.has(key) || !fields.has(legacy) ? try fields.int(key) : try fields.int(legacy)
        }
        let hidden = try either("hidden_size", "n_embed")
        let heads = try either("num_attention_heads", "n_head")
        let kvHeads: Int
        if try fields.bool("new_decoder_architecture", default: false) {
            kvHeads = try fields.int("num_kv_heads", default: try fields.int("n_head_kv", default: heads))
        } else {
            kvHeads = try fields.bool("multi_query", default: true) ? 1 : heads
        }
        return TransformerModel(
            name: try fields.string("_name_or_path") ?? fields.source,
            layers: try either("num_hidden_layers", "n_layer"), hiddenSize: hidden, heads: heads,
            kvHeads: kvHeads, ffnHiddenSize: try fields.int("ffn_hidden_size", default: 4 * hidden),
            gatedFFN: false, vocabSize: try fields.int("vocab_size"),
            tiedEmbeddings: try fields.bool("tie_word_embeddings", default: true),
            qkvBias: try fields.bool("bias", default: false))
    }
}
