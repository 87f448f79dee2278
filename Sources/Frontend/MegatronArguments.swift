import CostModel

/// A layout as Megatron-LM takes it on its command line, and as NeMo 2 / Megatron-Bridge take it as config keys
/// (docs/cost-model.md §Layout search). Uneven pipelines are written as Megatron-Core's
/// `--pipeline-model-parallel-layout`, which runs any split of the layers over the (virtual) stages.
public enum MegatronArguments {
    /// Megatron-Core's layout string: one segment per virtual stage in the order the schedule runs them, `E` the
    /// embedding on the first, `t` a transformer layer, `L` the loss on the last. The first and last segments take the
    /// fewer layers (they also hold the embedding and the loss, as Llama 3 405B's split did).
    public static func pipelineLayout(model: TransformerModel, strategy: ParallelStrategy) -> String? {
        guard strategy.unevenPipeline(model: model) else { return nil }
        let counts = strategy.virtualStageLayers(modelLayers: model.layers)
        let stages = counts.count
        return counts.enumerated().map { index, count in
            (index == 0 ? "E" : "") + String(repeating: "t", count: count) + (index == stages - 1 ? "L" : "")
        }.joined(separator: "|")
    }

    /// Megatron-LM's arguments for the layout, its batch shape and the switches the estimate assumed.
    public static func commandLine(model: TransformerModel, strategy s: ParallelStrategy) -> [String] {
        var arguments = [
            "--tensor-model-parallel-size", "\(s.tensorParallel)", "--pipeline-model-parallel-size",
            "\(s.pipelineParallel)",
        ]
        if s.contextParallel > 1 { arguments += ["--context-parallel-size", "\(s.contextParallel)"] }
        if s.expertParallel > 1 { arguments += ["--expert-model-parallel-size", "\(s.expertParallel)"] }
        if let etp = s.expertTensorParallel { arguments += ["--expert-tensor-parallel-size", "\(etp)"] }
        if let layout = pipelineLayout(model: model, strategy: s) {
            arguments += ["--pipeline-model-parallel-layout", layout]
        } else if s.interleave > 1 {
            arguments += [
                "--num-layers-per-virtual-pipeline-stage", "\(model.layers / (s.pipelineParallel * s.interleave))",
            ]
        }
        arguments += [
            "--micro-batch-size", "\(s.microBatch)", "--global-batch-size", "\(s.globalBatch)", "--seq-length",
            "\(s.sequenceLength)",
        ]
        if s.sequenceParallel { arguments.append("--sequence-parallel") }
        switch s.recompute {
        case .none: break
        case .selective:
            arguments += ["--recompute-granularity", "selective"]
            if s.recomputeModules != [.coreAttention] {
                arguments += ["--recompute-modules"] + s.recomputeModules.map(\.rawValue)
            }
        case .full:
            arguments += ["--recompute-granularity", "full"]
            arguments +=
                s.recomputeLayers.map { ["--recompute-method", "block", "--recompute-num-layers", "\($0)"] }
                ?? ["--recompute-method", "uniform", "--recompute-num-layers", "1"]
        }
        switch s.zeroStage {
        case 0: break
        case 1: arguments.append("--use-distributed-optimizer")
        case 2: arguments += ["--use-megatron-fsdp", "--data-parallel-sharding-strategy", "optim_grads"]
        default: arguments += ["--use-megatron-fsdp", "--data-parallel-sharding-strategy", "optim_grads_params"]
        }
        if s.overlapGradientReduce {
            arguments += ["--overlap-grad-reduce"] + (s.zeroStage >= 1 ? ["--overlap-param-gather"] : [])
        }
        if s.overlapTensorParallel { arguments.append("--tp-comm-overlap") }
        if s.interleave > 1 && !s.overlapPipelineTransfers { arguments.append("--no-overlap-p2p-communication") }
        if s.overlapExpertParallel { arguments.append("--overlap-moe-expert-parallel-comm") }
        if !s.gradientReduceFP32 { arguments.append("--grad-reduce-in-bf16") }
        if let precision = s.precisionAwareOptimizer {
            arguments += [
                "--use-precision-aware-optimizer", "--main-params-dtype", precision.mainParams.rawValue,
                "--exp-avg-dtype", precision.expAvg.rawValue, "--exp-avg-sq-dtype", precision.expAvgSq.rawValue,
            ]
        }
        if s.fp8 { arguments += ["--fp8-format", "hybrid", "--fp8-recipe", megatronRecipe(s.fp8Recipe)] }
        if let layers = s.cpuOffloadLayers { arguments += ["--cpu-offloading-num-layers", "\(layers)"] }
        if let capture = s.cudaGraph { arguments += ["--cuda-graph-impl", capture.rawValue] }
        if let modules = s.cudaGraphModules { arguments += ["--cuda-graph-modules"] + modules.map(\.rawValue) }
        switch s.moeDispatcher {
        case nil: break
        case .alltoall: arguments += ["--moe-token-dispatcher-type", "alltoall"]
        case let fused?:
            arguments += ["--moe-token-dispatcher-type", "flex", "--moe-flex-dispatcher-backend", fused.rawValue]
        }
        return arguments
    }

    /// NeMo 2 / Megatron-Bridge config keys (`recipe.model.*`, `recipe.train.*`, `recipe.ddp.*`) with their values.
    public static func configKeys(model: TransformerModel, strategy s: ParallelStrategy) -> [(
        key: String, value: String
    )] {
        var keys: [(String, String)] = [
            ("model.tensor_model_parallel_size", "\(s.tensorParallel)"),
            ("model.pipeline_model_parallel_size", "\(s.pipelineParallel)"),
            ("model.context_parallel_size", "\(s.contextParallel)"),
            ("model.expert_model_parallel_size", "\(s.expertParallel)"),
        ]
        if let etp = s.expertTensorParallel { keys.append(("model.expert_tensor_parallel_size", "\(etp)")) }
        if let layout = pipelineLayout(model: model, strategy: s) {
            keys.append(("model.pipeline_model_parallel_layout", "\"\(layout)\""))
        } else {
            keys.append(("model.virtual_pipeline_model_parallel_size", s.interleave > 1 ? "\(s.interleave)" : "None"))
        }
        keys += [
            ("model.sequence_parallel", s.sequenceParallel ? "True" : "False"),
            ("model.seq_length", "\(s.sequenceLength)"),
            ("train.micro_batch_size", "\(s.microBatch)"), ("train.global_batch_size", "\(s.globalBatch)"),
        ]
        switch s.recompute {
        case .none: keys.append(("model.recompute_granularity", "None"))
        case .selective:
            keys.append(("model.recompute_granularity", "\"selective\""))
            let modules = s.recomputeModules.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            keys.append(("model.recompute_modules", "[" + modules + "]"))
        case .full:
            keys += [
                ("model.recompute_granularity", "\"full\""),
                ("model.recompute_method", s.recomputeLayers == nil ? "\"uniform\"" : "\"block\""),
                ("model.recompute_num_layers", "\(s.recomputeLayers ?? 1)"),
            ]
        }
        if let layers = s.cpuOffloadLayers {
            keys += [
                ("model.cpu_offloading", "True"), ("model.cpu_offloading_num_layers", "\(layers)"),
                ("model.cpu_offloading_weights", "False"),
            ]
        }
        keys += [
            ("ddp.use_distributed_optimizer", s.zeroStage >= 1 ? "True" : "False"),
            ("ddp.overlap_grad_reduce", s.overlapGradientReduce ? "True" : "False"),
            ("ddp.overlap_param_gather", s.overlapGradientReduce && s.zeroStage >= 1 ? "True" : "False"),
            ("ddp.grad_reduce_in_fp32", s.gradientReduceFP32 ? "True" : "False"),
            ("model.tp_comm_overlap", s.overlapTensorParallel ? "True" : "False"),
        ]
        // ModelParallelConfig leaves overlap off and batches the transfers instead (the two exclude each other);
        // Megatron-LM's arguments and NeMo's interleaved recipes turn overlap on.
        if s.interleave > 1 {
            let overlap = s.overlapPipelineTransfers
            keys += [
                ("model.overlap_p2p_comm", overlap ? "True" : "False"),
                ("model.batch_p2p_comm", overlap ? "False" : "True"),
            ]
        }
        if s.zeroStage >= 2 {
            keys += [
                ("ddp.use_megatron_fsdp", "True"),
                (
                    "ddp.data_parallel_sharding_strategy",
                    s.zeroStage == 2 ? "\"optim_grads\"" : "\"optim_grads_params\""
                ),
            ]
        }
        if let precision = s.precisionAwareOptimizer {
            keys += [
                ("optimizer.use_precision_aware_optimizer", "True"),
                ("optimizer.main_params_dtype", torchDtype(precision.mainParams)),
                ("optimizer.exp_avg_dtype", torchDtype(precision.expAvg)),
                ("optimizer.exp_avg_sq_dtype", torchDtype(precision.expAvgSq)),
            ]
        }
        if s.overlapExpertParallel { keys.append(("model.overlap_moe_expert_parallel_comm", "True")) }
        if s.fp8 { keys += [("model.fp8", "\"hybrid\""), ("model.fp8_recipe", "\"\(megatronRecipe(s.fp8Recipe))\"")] }
        if let capture = s.cudaGraph { keys.append(("model.cuda_graph_impl", "\"\(capture.rawValue)\"")) }
        if let modules = s.cudaGraphModules {
            keys.append(
                ("model.cuda_graph_modules", "[" + modules.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") + "]"))
        }
        switch s.moeDispatcher {
        case nil: break
        case .alltoall: keys.append(("model.moe_token_dispatcher_type", "\"alltoall\""))
        case let fused?:
            keys += [
                ("model.moe_token_dispatcher_type", "\"flex\""),
                ("model.moe_flex_dispatcher_backend", "\"\(fused.rawValue)\""),
            ]
        }
        return keys
    }

    /// The `torch.dtype` Megatron-Bridge's optimizer config takes for a storage type.
    static func torchDtype(_ dtype: OptimizerDtype) -> String {
        switch dtype {
        case .fp32: "torch.float32"
        case .fp16: "torch.float16"
        case .bf16: "torch.bfloat16"
        case .fp8: "torch.uint8"
        }
    }

    /// Megatron's `--fp8-recipe` names: per-tensor current scaling is "tensorwise".
    static func megatronRecipe(_ recipe: FP8Recipe) -> String {
        switch recipe {
        case .delayed: "delayed"
        case .current: "tensorwise"
        case .blockwise: "blockwise"
        case .mxfp8: "mxfp8"
        }
    }
}
