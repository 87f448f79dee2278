"""The Python package gives byte for byte the plans the CLI writes, on the inputs under Examples/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import paraplan

from conftest import EXAMPLES, ROOT, read_edges, read_lengths, read_samples, run_cli


def cli_plan(cli: Path, tmp_path: Path, *args: str) -> str:
    output = tmp_path / "cli-plan.json"
    done = run_cli(cli, *args, "--output", str(output))
    assert done.returncode == 0, done.stderr
    return output.read_text()


def test_sequence_parallel_profile(cli: Path, tmp_path: Path) -> None:
    batch = EXAMPLES / "batches" / "wikipedia-batch0.txt"
    profile = EXAMPLES / "profiles" / "flexsp-gpt7b.yaml"
    expected = cli_plan(cli, tmp_path, "plan", "sequence-parallel", "--lengths", str(batch), "--profile", str(profile))
    plan = paraplan.SequenceParallelPlanner(str(profile)).plan(np.array(read_lengths(batch), dtype=np.int64))
    assert plan.to_json() == expected
    assert plan.to_json(compact=True) == json.dumps(json.loads(expected), sort_keys=True, separators=(",", ":")) + "\n"


@pytest.mark.parametrize(
    "model,cluster", [("Examples/models/llama-3-8b.config.json", "hgx-h100:8"), ("gpt-7b", "hgx-h100:4")]
)
def test_sequence_parallel_derived(cli: Path, tmp_path: Path, model: str, cluster: str) -> None:
    lengths = [length // 4 for length in read_lengths(EXAMPLES / "batches" / "wikipedia-batch0.txt")]
    batch = tmp_path / "lengths.txt"
    batch.write_text("\n".join(map(str, lengths)) + "\n")
    expected = cli_plan(
        cli, tmp_path, "plan", "sequence-parallel", "--lengths", str(batch), "--model", model, "--cluster", cluster
    )
    plan = paraplan.SequenceParallelPlanner(model=str(ROOT / model) if "/" in model else model, cluster=cluster).plan(
        lengths
    )
    assert plan.to_json() == expected


BATCH_OPTIONS = [
    (
        [
            "--ranks",
            "8",
            "--equal-counts",
            "--micro-batches",
            "4",
            "--max-tokens-per-micro-batch",
            "24576",
            "--profile",
            "Examples/profiles/batch-balance-7b.yaml",
            "--phases",
            "encoder,llm",
        ],
        dict(
            ranks=8,
            equal_counts=True,
            micro_batches=4,
            max_tokens_per_micro_batch=24576,
            profile="Examples/profiles/batch-balance-7b.yaml",
            phases="encoder,llm",
        ),
    ),
    (
        ["--ranks", "8", "--profile", "Examples/profiles/batch-balance-7b.yaml"],
        dict(ranks=8, profile="Examples/profiles/batch-balance-7b.yaml"),
    ),
    (
        [
            "--ranks",
            "8",
            "--equal-counts",
            "--model",
            "Examples/models/qwen2-vl-7b.config.json",
            "--cluster",
            "hgx-h100:1",
            "--phases",
            "encoder,llm",
            "--keep-encoder-phase",
        ],
        dict(
            ranks=8,
            equal_counts=True,
            model="Examples/models/qwen2-vl-7b.config.json",
            cluster="hgx-h100:1",
            phases="encoder,llm",
            keep_encoder_phase=True,
        ),
    ),
    (
        [
            "--ranks",
            "64",
            "--equal-counts",
            "--model",
            "Examples/models/qwen2-vl-7b.config.json",
            "--cluster",
            "hgx-h100:8",
            "--phases",
            "encoder,llm",
            "--split-images",
        ],
        dict(
            ranks=64,
            equal_counts=True,
            model="Examples/models/qwen2-vl-7b.config.json",
            cluster="hgx-h100:8",
            phases="encoder,llm",
            split_images=True,
        ),
    ),
    (
        [
            "--ranks",
            "16",
            "--model",
            "Examples/models/qwen2-vl-7b.config.json",
            "--cluster",
            "hgx-h100:2",
            "--phases",
            "encoder,llm",
            "--sync-every-phase",
        ],
        dict(
            ranks=16,
            model="Examples/models/qwen2-vl-7b.config.json",
            cluster="hgx-h100:2",
            phases="encoder,llm",
            sync_every_phase=True,
        ),
    ),
]


@pytest.mark.parametrize("flags,kwargs", BATCH_OPTIONS)
def test_batch_balance(
    cli: Path, tmp_path: Path, flags: list[str], kwargs: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    samples = EXAMPLES / "samples" / "multimodal-256.jsonl"
    expected = cli_plan(cli, tmp_path, "plan", "batch-balance", "--samples", str(samples), *flags)
    tokens, images, ranks = read_samples(samples)
    plan = paraplan.BatchBalancer(**kwargs).plan(np.array(tokens), images=images, loaded_rank=ranks)  # type: ignore[arg-type]
    assert plan.to_json() == expected


def test_expert_placement_with_origins_and_previous(cli: Path, tmp_path: Path) -> None:
    loads = EXAMPLES / "moe" / "loads-64-experts.json"
    origins = EXAMPLES / "moe" / "origins-64-experts.json"
    flags = ["--loads", str(loads), "--cluster", "hgx-h800:2", "--slots-per-gpu", "5", "--groups", "8"]
    expected = cli_plan(cli, tmp_path, "plan", "expert-placement", *flags, "--origins", str(origins))
    planner = paraplan.ExpertPlacementPlanner("hgx-h800:2", 5, groups=8)
    load_matrix = np.array(json.loads(loads.read_text()), dtype=np.float64)
    plan = planner.plan(load_matrix, origins=np.array(json.loads(origins.read_text())))
    assert plan.to_json() == expected

    previous = tmp_path / "previous.json"
    previous.write_text(expected)
    moved_loads = tmp_path / "loads-next.json"
    drifted = np.roll(load_matrix, 3, axis=1)
    moved_loads.write_text(json.dumps(drifted.astype(int).tolist()))
    planner = paraplan.ExpertPlacementPlanner("hgx-h800:2", 5, groups=8, max_moves=10)
    expected_next = cli_plan(
        cli,
        tmp_path,
        "plan",
        "expert-placement",
        "--loads",
        str(moved_loads),
        "--cluster",
        "hgx-h800:2",
        "--slots-per-gpu",
        "5",
        "--groups",
        "8",
        "--previous",
        str(previous),
        "--max-moves",
        "10",
    )
    assert planner.plan(drifted, previous=plan).to_json() == expected_next
    assert planner.plan(drifted, previous=previous).to_json() == expected_next


def test_expert_placement_cluster_file_and_model(cli: Path, tmp_path: Path) -> None:
    loads = EXAMPLES / "moe" / "eplb-readme-loads.json"
    cluster = EXAMPLES / "clusters" / "eplb-readme-2x4.yaml"
    model = tmp_path / "moe.yaml"
    model.write_text(
        "name: small-moe\nlayers: 2\nhiddenSize: 2048\nheads: 16\nffnHiddenSize: 8192\nvocabSize: 32000\n"
        "experts: 12\ntopK: 2\nexpertFFNHiddenSize: 1024\n"
    )
    expected = cli_plan(
        cli,
        tmp_path,
        "plan",
        "expert-placement",
        "--loads",
        str(loads),
        "--cluster",
        str(cluster),
        "--slots-per-gpu",
        "4",
        "--groups",
        "4",
        "--model",
        str(model),
    )
    plan = paraplan.ExpertPlacementPlanner(cluster, 4, groups=4, model=model).plan(json.loads(loads.read_text()))
    assert plan.to_json() == expected


def test_gnn_pipeline_edges(cli: Path, tmp_path: Path) -> None:
    graph = EXAMPLES / "gnn" / "community-3k.txt"
    model = EXAMPLES / "gnn" / "gcnii-16.yaml"
    expected = cli_plan(
        cli, tmp_path, "plan", "gnn-pipeline", "--graph", str(graph), "--model", str(model), "--cluster", "dgx-a100:2"
    )
    plan = paraplan.GNNPipelinePlanner(model, "dgx-a100:2").plan(np.array(read_edges(graph)))
    assert plan.to_json() == expected
    assert plan.chunk_of is not None and len(plan.chunk_of) == sum(plan.chunk_sizes or [])


def test_gnn_pipeline_graph_stats(cli: Path, tmp_path: Path) -> None:
    stats = EXAMPLES / "gnn" / "reddit-stats.json"
    model = EXAMPLES / "gnn" / "gcn-32.yaml"
    expected = cli_plan(
        cli,
        tmp_path,
        "plan",
        "gnn-pipeline",
        "--graph-stats",
        str(stats),
        "--model",
        str(model),
        "--cluster",
        "dgx-a100:1",
    )
    planner = paraplan.GNNPipelinePlanner(str(model), "dgx-a100:1")
    assert planner.plan(graph_stats=stats).to_json() == expected
    assert planner.plan(graph_stats=json.loads(stats.read_text())).to_json() == expected


def test_estimate_and_layouts_match_cli_json(cli: Path) -> None:
    done = run_cli(
        cli,
        "estimate",
        "--model",
        "Examples/models/llama-3-8b.config.json",
        "--cluster",
        "hgx-h100:2",
        "--tp",
        "2",
        "--global-batch",
        "64",
        "--seq-len",
        "4096",
        "--sequence-parallel",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    expected = json.loads(done.stdout)
    got = paraplan.estimate(
        str(ROOT / "Examples/models/llama-3-8b.config.json"),
        "hgx-h100:2",
        tp=2,
        global_batch=64,
        seq_len=4096,
        sequence_parallel=True,
    )
    assert got.iteration_seconds == expected["iterationSeconds"]
    assert got.memory.peak == expected["memory"]["peak"] == got.memory_bytes
    assert got.memory.pipeline_rank == expected["memory"]["pipelineRank"] == 0
    assert got.breakdown.tensor_parallel == expected["breakdown"]["tensorParallel"]
    assert got.warnings == expected["warnings"]
    assert got.accuracy == expected["accuracy"] and "held-out" in (got.accuracy or "")

    # The MoE and FP8 options of the second cost-model round, as the CLI's flags.
    flags = [
        "--tp",
        "2",
        "--pp",
        "8",
        "--interleave",
        "4",
        "--ep",
        "64",
        "--etp",
        "1",
        "--fp8",
        "--fp8-recipe",
        "current",
        "--grad-reduce-bf16",
        "--ep-comm-overlap",
        "--recompute",
        "full",
        "--recompute-layers",
        "1",
        "--sequence-parallel",
    ]
    done = run_cli(
        cli,
        "estimate",
        "--model",
        "deepseek-v3",
        "--cluster",
        "hgx-h100:128",
        "--global-batch",
        "8192",
        "--seq-len",
        "4096",
        *flags,
        "--json",
    )
    assert done.returncode in (0, 3), done.stderr
    expected = json.loads(done.stdout)
    got = paraplan.estimate(
        "deepseek-v3",
        "hgx-h100:128",
        global_batch=8192,
        seq_len=4096,
        tp=2,
        pp=8,
        interleave=4,
        ep=64,
        etp=1,
        fp8=True,
        fp8_recipe="current",
        grad_reduce_bf16=True,
        ep_comm_overlap=True,
        recompute="full",
        recompute_layers=1,
        sequence_parallel=True,
    )
    assert got.iteration_seconds == expected["iterationSeconds"]
    assert got.memory.gradients == expected["memory"]["gradients"]
    # DeepSeek-V3's 61 layers do not split evenly over 8 × 4 stages: the busiest rank is named, the same as the CLI's.
    assert got.memory.pipeline_rank == expected["memory"]["pipelineRank"]
    assert 0 <= got.memory.pipeline_rank < 8
    with pytest.raises(paraplan.InputError, match="--fp8-recipe"):
        paraplan.estimate(
            "deepseek-v3",
            "hgx-h100:128",
            global_batch=8192,
            seq_len=4096,
            tp=2,
            pp=8,
            ep=64,
            etp=1,
            fp8_recipe="current",
        )

    done = run_cli(
        cli,
        "layouts",
        "--model",
        "llama-3-70b",
        "--cluster",
        "hgx-h100:4",
        "--global-batch",
        "128",
        "--seq-len",
        "4096",
        "--cp",
        "1,2",
        "--top",
        "5",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    expected = json.loads(done.stdout)
    ranked = paraplan.layouts("llama-3-70b", "hgx-h100:4", global_batch=128, seq_len=4096, cp=[1, 2], top=5)
    assert (ranked.tried, ranked.fitting) == (expected["tried"], expected["fitting"])
    assert [layout.strategy for layout in ranked.layouts] == [entry["strategy"] for entry in expected["layouts"]]
    assert [layout.iteration_seconds for layout in ranked.layouts] == [
        entry["iterationSeconds"] for entry in expected["layouts"]
    ]
    assert [list(layout.megatron_arguments) for layout in ranked.layouts] == [
        e["megatronArguments"] for e in expected["layouts"]
    ]
    assert ranked.accuracy == expected["accuracy"] and (ranked.accuracy or "").startswith("dense runs")

    # Degrees fixed as lists, and only layouts Megatron-LM's flags accept without a pipeline layout.
    done = run_cli(
        cli,
        "layouts",
        "--model",
        "mixtral-8x7b",
        "--cluster",
        "hgx-h100:4",
        "--global-batch",
        "256",
        "--seq-len",
        "4096",
        "--tp",
        "1,2",
        "--even-stages",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    expected = json.loads(done.stdout)
    ranked = paraplan.layouts("mixtral-8x7b", "hgx-h100:4", global_batch=256, seq_len=4096, tp=[1, 2], even_stages=True)
    assert [layout.strategy for layout in ranked.layouts] == [entry["strategy"] for entry in expected["layouts"]]
    assert all(layout.strategy["tensorParallel"] in (1, 2) and not layout.uneven_pipeline for layout in ranked.layouts)
    assert (ranked.accuracy or "").startswith("MoE runs")
    with pytest.raises(paraplan.InputError, match="tp"):
        paraplan.layouts("mixtral-8x7b", "hgx-h100:4", global_batch=256, seq_len=4096, tp=8)  # type: ignore[arg-type]


def test_waiting_for_pipeline_transfers_matches_cli(cli: Path) -> None:
    """``overlap_p2p_comm=False`` is ``--no-overlap-p2p-communication``: the interleaved schedule waits for sends."""
    flags = ["--tp", "8", "--pp", "8", "--interleave", "6", "--sequence-parallel", "--recompute", "selective"]
    shape = ["--model", "gpt3-175b", "--cluster", "dgx-a100:32", "--global-batch", "768", "--seq-len", "2048"]
    done = run_cli(cli, "estimate", *shape, *flags, "--no-overlap-p2p-communication", "--json")
    assert done.returncode == 0, done.stderr
    expected = json.loads(done.stdout)
    options: dict[str, Any] = {
        "global_batch": 768,
        "seq_len": 2048,
        "tp": 8,
        "pp": 8,
        "interleave": 6,
        "sequence_parallel": True,
        "recompute": "selective",
    }
    waited = paraplan.estimate("gpt3-175b", "dgx-a100:32", overlap_p2p_comm=False, **options)
    assert waited.iteration_seconds == expected["iterationSeconds"]
    assert waited.breakdown.pipeline_transfers == expected["breakdown"]["pipelineTransfers"]
    overlapped = paraplan.estimate("gpt3-175b", "dgx-a100:32", **options)
    # Hidden behind the next chunk, only the overlap slowdown (0.13 s per second hidden) of the transfers is left.
    assert overlapped.breakdown.pipeline_transfers == pytest.approx(0.13 * waited.breakdown.pipeline_transfers)
    assert overlapped.iteration_seconds < waited.iteration_seconds


def test_plan_tools_match_cli(cli: Path, tmp_path: Path) -> None:
    profile = EXAMPLES / "profiles" / "batch-balance-7b.yaml"
    tokens, images, _ = read_samples(EXAMPLES / "samples" / "multimodal-256.jsonl")
    free = paraplan.BatchBalancer(8, profile=profile).plan(tokens, images)
    equal = paraplan.BatchBalancer(8, profile=profile, equal_counts=True, micro_batches=2).plan(tokens, images)
    paths = []
    for name, plan in [("free.json", free), ("equal.json", equal)]:
        path = tmp_path / name
        plan.save(str(path))
        paths.append(path)
        done = run_cli(cli, "validate", str(path))
        assert done.returncode == 0
        check = paraplan.validate(path)
        assert done.stdout.strip() == f"{path}: valid {check.kind} plan ({check.description})"
        assert paraplan.load_plan(path) == plan
    done = run_cli(cli, "compare", *map(str, paths), "--format", "json")
    expected = json.loads(done.stdout)
    got = paraplan.compare([str(path) for path in paths])
    assert [(row.plan, row.strategy, row.seconds) for row in got.rows] == [
        (r["plan"], r["strategy"], r["seconds"]) for r in expected["rows"]
    ]
    assert got.kind == expected["kind"] and got.same_inputs == expected["sameInputs"]


def test_batch_plans_state_every_move() -> None:
    tokens, images, ranks = read_samples(EXAMPLES / "samples" / "multimodal-256.jsonl")
    assert ranks is not None
    plan = paraplan.BatchBalancer(8, profile=EXAMPLES / "profiles" / "batch-balance-7b.yaml", equal_counts=True).plan(
        tokens, images, ranks
    )
    runner = {sample: rank.rank for rank in plan.ranks for sample in rank.samples}
    expected = [(i, ranks[i], runner[i]) for i in range(len(tokens)) if ranks[i] != runner[i]]
    assert plan.sends is not None
    assert [(s.sample, s.source, s.target) for s in plan.sends] == expected
    assert plan.moved is not None and plan.moved.samples == len(expected)
    assert [rank.tokens for rank in plan.ranks] == [sum(tokens[i] for i in rank.samples) for rank in plan.ranks]
    assert plan.send_table is not None and plan.send_table.shape == (len(expected), 3)
    other = paraplan.BatchBalancer(8, profile=EXAMPLES / "profiles" / "batch-balance-7b.yaml", equal_counts=True).plan(
        tokens, images, [(r + 1) % 8 for r in ranks]
    )
    assert other.inputs.sha256 != plan.inputs.sha256


def test_recompute_modules_match_the_cli(cli: Path) -> None:
    args = ["--global-batch", "1280", "--seq-len", "4096", "--pp", "4", "--ep", "8", "--grad-reduce-bf16"]
    done = run_cli(
        cli,
        "estimate",
        "--model",
        "gpt-oss-120b",
        "--cluster",
        "hgx-h100:8",
        *args,
        "--recompute",
        "selective",
        "--recompute-modules",
        "layernorm,moe_act",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    expected = json.loads(done.stdout)
    got = paraplan.estimate(
        "gpt-oss-120b",
        "hgx-h100:8",
        global_batch=1280,
        seq_len=4096,
        pp=4,
        ep=8,
        grad_reduce_bf16=True,
        recompute="selective",
        recompute_modules=["layernorm", "moe_act"],
    )
    assert got.iteration_seconds == expected["iterationSeconds"]
    assert got.memory.activations == expected["memory"]["activations"]
    plain = paraplan.estimate(
        "gpt-oss-120b", "hgx-h100:8", global_batch=1280, seq_len=4096, pp=4, ep=8, grad_reduce_bf16=True
    )
    assert got.memory.activations < plain.memory.activations
    with pytest.raises(paraplan.InputError, match="recompute-modules"):
        paraplan.estimate(
            "gpt-oss-120b",
            "hgx-h100:8",
            global_batch=1280,
            seq_len=4096,
            pp=4,
            ep=8,
            recompute="selective",
            recompute_modules=["moe_act", "attn"],
        )
    with pytest.raises(paraplan.InputError, match="recompute_modules"):
        paraplan.estimate(
            "gpt-oss-120b",
            "hgx-h100:8",
            global_batch=1280,
            seq_len=4096,
            pp=4,
            ep=8,
            recompute="selective",
            recompute_modules="layernorm",
        )


class _ExportedConfig:
    """Stands in for transformers' ``PretrainedConfig``: an object whose ``to_dict()`` gives the config's keys."""

    def __init__(self, keys: dict[str, object]) -> None:
        self._keys = keys

    def to_dict(self) -> dict[str, object]:
        return dict(self._keys)


def _qwen3_estimate_from_cli(cli: Path, model: Path) -> dict[str, Any]:
    """`estimate --json` of a Qwen3-8B model at TP 2 on one H100 node, as the CLI prints it."""
    flags = "--cluster hgx-h100:1 --global-batch 32 --seq-len 4096 --tp 2 --json".split()
    done = run_cli(cli, "estimate", "--model", str(model), *flags)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_a_config_object_gives_the_file_s_estimate(cli: Path) -> None:
    path = EXAMPLES / "models" / "qwen3-8b.config.json"
    expected = _qwen3_estimate_from_cli(cli, path)
    config = _ExportedConfig(json.loads(path.read_text()))
    got = paraplan.estimate(config, "hgx-h100:1", global_batch=32, seq_len=4096, tp=2)
    assert got.iteration_seconds == expected["iterationSeconds"]
    assert got.memory.peak == expected["memory"]["peak"]

    class Broken:
        def to_dict(self) -> list[int]:
            return [1, 2]

    with pytest.raises(paraplan.InputError, match="to_dict"):
        paraplan.estimate(Broken(), "hgx-h100:1", global_batch=32, seq_len=4096)  # type: ignore[arg-type]
    with pytest.raises(paraplan.InputError, match="config object with to_dict"):
        paraplan.estimate(3.5, "hgx-h100:1", global_batch=32, seq_len=4096)  # type: ignore[arg-type]


def test_a_checkpoint_directory_stands_for_its_config(cli: Path, tmp_path: Path) -> None:
    """A Hugging Face checkpoint directory is read through its config.json, from the CLI and from Python alike."""
    checkpoint = tmp_path / "Qwen3-8B"
    checkpoint.mkdir()
    (checkpoint / "config.json").write_text((EXAMPLES / "models" / "qwen3-8b.config.json").read_text())
    expected = _qwen3_estimate_from_cli(cli, checkpoint)
    got = paraplan.estimate(checkpoint, "hgx-h100:1", global_batch=32, seq_len=4096, tp=2)
    assert got.iteration_seconds == expected["iterationSeconds"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(paraplan.InputError, match="config.json"):
        paraplan.estimate(empty, "hgx-h100:1", global_batch=32, seq_len=4096)


@pytest.mark.parametrize("headroom", [None, 0.1, 0.0])
def test_memory_headroom_default_and_fraction_match_the_cli(cli: Path, headroom: float | None) -> None:
    """The default keeps 10 % of a GPU but at most 8 GiB; a fraction given is taken as it is, from both entries."""
    flags = "--cluster hgx-b200:4 --global-batch 64 --seq-len 8192 --tp 4 --pp 4 --json".split()
    if headroom is not None:
        flags += ["--memory-headroom", str(headroom)]
    done = run_cli(cli, "estimate", "--model", "llama-3-70b", *flags)
    assert done.returncode == 0, done.stderr
    expected = json.loads(done.stdout)
    got = paraplan.estimate(
        "llama-3-70b", "hgx-b200:4", global_batch=64, seq_len=8192, tp=4, pp=4, memory_headroom=headroom
    )
    assert got.usable_memory_bytes == expected["usableMemoryBytes"]
    gpu = 183_359 * 1_048_576
    wanted = {None: gpu - 8 * 2**30, 0.1: gpu * 0.9, 0.0: gpu}[headroom]
    assert got.usable_memory_bytes == pytest.approx(wanted, rel=1e-12)


def test_cpu_offload_layers_match_the_cli(cli: Path) -> None:
    """Activations offloaded to the host: the same time, memory and exposed copies from Python as from the CLI."""
    flags = "--cluster hgx-h100:8 --global-batch 64 --seq-len 2048 --zero 3 --cpu-offload-layers 40 --json".split()
    done = run_cli(cli, "estimate", "--model", "llama-3-70b", *flags)
    assert done.returncode == 0, done.stderr
    expected = json.loads(done.stdout)
    got = paraplan.estimate("llama-3-70b", "hgx-h100:8", global_batch=64, seq_len=2048, zero=3, cpu_offload_layers=40)
    assert got.breakdown.cpu_offload == expected["breakdown"]["cpuOffload"] > 0
    assert got.memory.activations == expected["memory"]["activations"]
    assert got.iteration_seconds == expected["iterationSeconds"]
    plain = paraplan.estimate("llama-3-70b", "hgx-h100:8", global_batch=64, seq_len=2048, zero=3)
    assert plain.breakdown.cpu_offload == 0 and plain.memory.activations == 2 * got.memory.activations
    with pytest.raises(paraplan.InputError, match="--cpu-offload-layers"):
        paraplan.estimate("llama-3-70b", "hgx-h100:8", global_batch=64, seq_len=2048, pp=2, cpu_offload_layers=8)


def test_layouts_cpu_offload_switch_matches_the_cli(cli: Path) -> None:
    """``layouts(cpu_offload=False)`` is ``--no-cpu-offload``: the same layouts, none of them offloading."""
    shape = ["--global-batch", "256", "--seq-len", "8192", "--zero", "3", "--top", "5", "--json"]
    for flag, offload in (([], True), (["--no-cpu-offload"], False)):
        done = run_cli(cli, "layouts", "--model", "llama-3-70b", "--cluster", "hgx-h100:8", *shape, *flag)
        assert done.returncode == 0, done.stderr
        expected = json.loads(done.stdout)
        got = paraplan.layouts(
            "llama-3-70b", "hgx-h100:8", global_batch=256, seq_len=8192, zero=3, top=5, cpu_offload=offload
        )
        assert (got.tried, got.fitting) == (expected["tried"], expected["fitting"])
        assert [layout.strategy for layout in got.layouts] == [layout["strategy"] for layout in expected["layouts"]]
        assert any("cpuOffloadLayers" in layout.strategy for layout in got.layouts) == offload


def test_full_iteration_cuda_graph_matches_the_cli(cli: Path) -> None:
    """``full_iteration_cuda_graph=True`` is ``--full-iteration-cuda-graph``: the MoE host wait goes, as the CLI says."""
    model, cluster = "mixtral-8x7b", "hgx-h100:2"
    estimates = {}
    for graphed in (False, True):
        flags = "--global-batch 512 --seq-len 4096 --ep 8 --json" + (" --full-iteration-cuda-graph" if graphed else "")
        done = run_cli(cli, "estimate", "--model", model, "--cluster", cluster, *flags.split())
        assert done.returncode in (0, 3), done.stderr
        expected = json.loads(done.stdout)
        got = paraplan.estimate(model, cluster, global_batch=512, seq_len=4096, ep=8, full_iteration_cuda_graph=graphed)
        assert got.iteration_seconds == expected["iterationSeconds"]
        assert got.warnings == expected["warnings"]
        estimates[graphed] = got
    assert estimates[True].iteration_seconds < estimates[False].iteration_seconds
    assert any("rank-capacity-factor" in warning for warning in estimates[True].warnings)
    strategy = estimates[True].strategy
    assert strategy is not None and strategy["cudaGraph"] == "full_iteration"
    layouts_flags = "--cluster hgx-h100:2 --global-batch 512 --seq-len 4096 --top 3 --full-iteration-cuda-graph --json"
    done = run_cli(cli, "layouts", "--model", model, *layouts_flags.split())
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)["layouts"]
    ranked = paraplan.layouts(model, cluster, global_batch=512, seq_len=4096, top=3, full_iteration_cuda_graph=True)
    assert [layout.strategy for layout in ranked.layouts] == [layout["strategy"] for layout in listed]
    assert all(layout.strategy["cudaGraph"] == "full_iteration" for layout in ranked.layouts)


def test_per_layer_cuda_graphs_match_the_cli(cli: Path) -> None:
    """``cuda_graph_modules`` and ``moe_dispatcher`` are ``--cuda-graph-modules`` and ``--moe-dispatcher``: with the
    router and preprocessing graphed, HybridEP drops the MoE host wait and all-to-all keeps it, as the CLI says."""
    model, cluster = "mixtral-8x7b", "hgx-h100:2"
    modules = ["attn", "moe_router", "moe_preprocess"]
    estimates = {}
    for dispatcher in ("alltoall", "hybridep"):
        flags = f"--global-batch 512 --seq-len 4096 --ep 8 --moe-dispatcher {dispatcher} --json"
        done = run_cli(
            cli,
            "estimate",
            "--model",
            model,
            "--cluster",
            cluster,
            "--cuda-graph-modules",
            ",".join(modules),
            *flags.split(),
        )
        assert done.returncode in (0, 3), done.stderr
        expected = json.loads(done.stdout)
        got = paraplan.estimate(
            model, cluster, global_batch=512, seq_len=4096, ep=8, cuda_graph_modules=modules, moe_dispatcher=dispatcher
        )
        assert got.iteration_seconds == expected["iterationSeconds"]
        assert got.warnings == expected["warnings"]
        estimates[dispatcher] = got
    plain = paraplan.estimate(model, cluster, global_batch=512, seq_len=4096, ep=8)
    assert estimates["hybridep"].iteration_seconds < estimates["alltoall"].iteration_seconds == plain.iteration_seconds
    assert any("fused dispatcher" in warning for warning in estimates["alltoall"].warnings)
    strategy = estimates["hybridep"].strategy
    assert strategy is not None and strategy["cudaGraph"] == "transformer_engine"
    assert strategy["cudaGraphModules"] == modules and strategy["moeDispatcher"] == "hybridep"
    flags = "--cluster hgx-h100:2 --global-batch 512 --seq-len 4096 --top 3 --moe-dispatcher deepep --json"
    done = run_cli(
        cli, "layouts", "--model", model, "--cuda-graph-modules", "moe_router,moe_preprocess", *flags.split()
    )
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)["layouts"]
    ranked = paraplan.layouts(
        model,
        cluster,
        global_batch=512,
        seq_len=4096,
        top=3,
        cuda_graph_modules=("moe_router", "moe_preprocess"),
        moe_dispatcher="deepep",
    )
    assert [layout.strategy for layout in ranked.layouts] == [layout["strategy"] for layout in listed]
    with pytest.raises(paraplan.InputError, match="--cuda-graph-modules"):
        paraplan.estimate(model, cluster, global_batch=512, seq_len=4096, ep=8, cuda_graph_modules=["moe_preprocess"])
    with pytest.raises(paraplan.InputError, match="--moe-dispatcher"):
        paraplan.estimate(model, cluster, global_batch=512, seq_len=4096, ep=8, moe_dispatcher="nccl")
    with pytest.raises(paraplan.InputError, match="cuda_graph_modules"):
        paraplan.estimate(model, cluster, global_batch=512, seq_len=4096, ep=8, cuda_graph_modules="attn")


def test_optimizer_precision_matches_the_cli(cli: Path) -> None:
    """``exp_avg_dtype`` and ``exp_avg_sq_dtype`` are ``--exp-avg-dtype`` and ``--exp-avg-sq-dtype``: BF16 moments
    take a third off the sharded optimizer state, the layouts say so in their Megatron arguments, and a bad type or a
    ZeRO stage Megatron-Core refuses raises ``InputError`` naming the option."""
    model, cluster = "llama-3-8b", "hgx-h100:1"
    flags = "--global-batch 64 --seq-len 4096 --exp-avg-dtype bf16 --exp-avg-sq-dtype bf16 --json"
    done = run_cli(cli, "estimate", "--model", model, "--cluster", cluster, *flags.split())
    assert done.returncode in (0, 3), done.stderr
    expected = json.loads(done.stdout)
    got = paraplan.estimate(
        model, cluster, global_batch=64, seq_len=4096, exp_avg_dtype="bf16", exp_avg_sq_dtype="bf16"
    )
    plain = paraplan.estimate(model, cluster, global_batch=64, seq_len=4096)
    assert got.memory_bytes == expected["memoryBytes"] and got.iteration_seconds == expected["iterationSeconds"]
    assert got.memory.optimizer == pytest.approx(plain.memory.optimizer * 8 / 12)
    assert got.strategy is not None
    assert got.strategy["optimizerPrecision"] == {"mainParams": "fp32", "expAvg": "bf16", "expAvgSq": "bf16"}
    done = run_cli(
        cli,
        "layouts",
        "--model",
        model,
        "--cluster",
        cluster,
        *"--global-batch 64 --seq-len 4096 --top 2 --exp-avg-dtype bf16 --json".split(),
    )
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)["layouts"]
    ranked = paraplan.layouts(model, cluster, global_batch=64, seq_len=4096, top=2, exp_avg_dtype="bf16")
    assert [layout.strategy for layout in ranked.layouts] == [layout["strategy"] for layout in listed]
    assert all("--use-precision-aware-optimizer" in layout.megatron_arguments for layout in ranked.layouts)
    with pytest.raises(paraplan.InputError, match="--exp-avg-dtype"):
        paraplan.estimate(model, cluster, global_batch=64, seq_len=4096, exp_avg_dtype="fp64")
    with pytest.raises(paraplan.InputError, match="--main-params-dtype"):
        paraplan.estimate(model, cluster, global_batch=64, seq_len=4096, main_params_dtype="bf16")
    with pytest.raises(paraplan.InputError, match="--zero 1"):
        paraplan.estimate(model, cluster, global_batch=64, seq_len=4096, zero=0, exp_avg_sq_dtype="fp8")


def test_fp8_amax_reductions_match_the_cli(cli: Path) -> None:
    """Delayed FP8 scaling's amax all-reduces: the same seconds from Python as from the CLI, none without delayed FP8."""
    flags = "--cluster hgx-h100:8 --global-batch 64 --seq-len 4096 --tp 4 --pp 4 --sequence-parallel --fp8 --json"
    done = run_cli(cli, "estimate", "--model", "llama-3-70b", *flags.split())
    assert done.returncode == 0, done.stderr
    expected = json.loads(done.stdout)

    def estimate(fp8: bool, recipe: str | None = None) -> paraplan.Estimate:
        return paraplan.estimate(
            "llama-3-70b",
            "hgx-h100:8",
            global_batch=64,
            seq_len=4096,
            tp=4,
            pp=4,
            sequence_parallel=True,
            fp8=fp8,
            fp8_recipe=recipe,
        )

    got = estimate(fp8=True)
    assert got.breakdown.fp8_amax_reduction == expected["breakdown"]["fp8AmaxReduction"] > 0
    assert got.iteration_seconds == expected["iterationSeconds"]
    assert estimate(fp8=False).breakdown.fp8_amax_reduction == 0
    assert estimate(fp8=True, recipe="current").breakdown.fp8_amax_reduction == 0
