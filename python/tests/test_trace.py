"""Plans' predicted schedules as Chrome traces (``paraplan.trace``), the same bytes as ``paraplan trace``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import paraplan

from conftest import EXAMPLES, read_lengths, read_samples, run_cli

BATCH = EXAMPLES / "batches" / "wikipedia-batch0.txt"
PROFILE = EXAMPLES / "profiles" / "flexsp-gpt7b.yaml"


def test_trace_of_a_sequence_parallel_plan_matches_the_cli(cli: Path, tmp_path: Path) -> None:
    lengths = read_lengths(BATCH)
    plan = paraplan.SequenceParallelPlanner(str(PROFILE)).plan(lengths)
    text = paraplan.trace(plan, lengths, profile=PROFILE)
    events = json.loads(text)["traceEvents"]
    spans = [e for e in events if e.get("cat") == "micro-batch"]
    assert len(spans) == len(plan.micro_batches)
    assert abs(sum(e["dur"] for e in spans) / 1e6 - plan.predicted.step_seconds) < 1e-6
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan.to_json())
    done = run_cli(cli, "trace", str(plan_file), "--lengths", str(BATCH), "--profile", str(PROFILE), "--output", "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout == text


def test_trace_of_another_batch_raises_input_error() -> None:
    lengths = read_lengths(BATCH)
    plan = paraplan.SequenceParallelPlanner(str(PROFILE)).plan(lengths)
    with pytest.raises(paraplan.InputError, match="not the batch this plan was made for"):
        paraplan.trace(plan, lengths[:-1], profile=PROFILE)
    with pytest.raises(paraplan.InputError, match="micro-batch 0"):
        paraplan.trace(plan, lengths, model="gpt-7b", cluster="hgx-h100:8")


def test_trace_of_a_batch_balance_plan_matches_the_cli(cli: Path, tmp_path: Path) -> None:
    samples = EXAMPLES / "samples" / "multimodal-256.jsonl"
    profile = EXAMPLES / "profiles" / "batch-balance-7b.yaml"
    tokens, images, ranks = read_samples(samples)
    plan = paraplan.BatchBalancer(8, profile=profile, phases="encoder,llm", keep_encoder_phase=True).plan(
        tokens, images, ranks
    )
    text = paraplan.trace(plan, tokens=tokens, images=images, loaded_rank=ranks, profile=profile)
    events = [e for e in json.loads(text)["traceEvents"] if e["ph"] == "X"]
    phases = [e for e in events if e["cat"] == "phase"]
    assert abs(sum(e["dur"] for e in phases) / 1e6 - plan.predicted.step_seconds) < 1e-5
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan.to_json())
    done = run_cli(cli, "trace", str(plan_file), "--samples", str(samples), "--profile", str(profile), "--output", "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout == text
    with pytest.raises(paraplan.InputError, match="not the batch this plan was made for"):
        paraplan.trace(plan, tokens=tokens, images=images, profile=profile)


def test_report_is_xhtml_and_matches_the_cli(cli: Path, tmp_path: Path) -> None:
    import xml.dom.minidom

    lengths = read_lengths(BATCH)
    plan = paraplan.SequenceParallelPlanner(str(PROFILE)).plan(lengths)
    html = paraplan.report(plan, lengths, profile=PROFILE)
    document = xml.dom.minidom.parseString(html.encode())
    groups = [r for r in document.getElementsByTagName("rect") if r.getAttribute("class") == "group"]
    assert len(groups) == sum(len(m.groups) for m in plan.micro_batches)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan.to_json())
    done = run_cli(cli, "report", str(plan_file), "--lengths", str(BATCH), "--profile", str(PROFILE), "--output", "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout == html
    balance = paraplan.BatchBalancer(8, profile=EXAMPLES / "profiles" / "batch-balance-7b.yaml").plan(
        [1000 + 37 * i for i in range(64)]
    )
    assert paraplan.report(balance).count('class="llm"') == 8


def test_expert_placement_report_reads_its_loads(cli: Path, tmp_path: Path) -> None:
    loads = json.loads((EXAMPLES / "moe" / "loads-64-experts.json").read_text())
    plan = paraplan.ExpertPlacementPlanner("hgx-h800:2", 5, groups=8).plan(loads)
    with pytest.raises(paraplan.InputError, match="--loads: required"):
        paraplan.report(plan)
    html = paraplan.report(plan, loads=loads)
    assert html.count('class="gpu"') == 16 * (len(loads) + 1)  # every layer, and all layers together
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan.to_json())
    done = run_cli(
        cli, "report", str(plan_file), "--loads", str(EXAMPLES / "moe" / "loads-64-experts.json"), "--output", "-"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == html


def _edges(path: Path) -> list[tuple[int, int]]:
    pairs = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            u, v = line.split()
            pairs.append((int(u), int(v)))
    return pairs


def test_gnn_plan_report_and_trace_match_the_cli(cli: Path, tmp_path: Path) -> None:
    import xml.dom.minidom

    graph = EXAMPLES / "gnn" / "community-3k.txt"
    model = EXAMPLES / "gnn" / "gcnii-16.yaml"
    edges = _edges(graph)
    plan = paraplan.GNNPipelinePlanner(model, "dgx-a100:2").plan(edges)
    html = paraplan.report(plan, model=model, cluster="dgx-a100:2", edges=edges)
    document = xml.dom.minidom.parseString(html.encode())
    blocks = [r for r in document.getElementsByTagName("rect") if r.getAttribute("class") in ("forward", "backward")]
    # Every stage runs every chunk of its way forward and backward.
    assert len(blocks) == 2 * len(plan.stages) * (plan.chunks // plan.graph_parallel_ways)
    text = paraplan.trace(plan, model=model, cluster="dgx-a100:2", edges=edges)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan.to_json())
    common = ["--graph", str(graph), "--model", str(model), "--cluster", "dgx-a100:2", "--output", "-"]
    done = run_cli(cli, "report", str(plan_file), *common)
    assert done.returncode == 0, done.stderr
    assert done.stdout == html
    done = run_cli(cli, "trace", str(plan_file), *common)
    assert done.returncode == 0, done.stderr
    assert done.stdout == text
    with pytest.raises(paraplan.InputError, match="not the graph the plan was made for"):
        paraplan.report(plan, model=model, cluster="dgx-a100:2", edges=edges[:-40])
    with pytest.raises(paraplan.InputError, match="the plan has 16 ranks"):
        paraplan.trace(plan, model=model, cluster="dgx-a100:1", edges=edges)
    with pytest.raises(paraplan.InputError, match="exactly one of graph and graph-stats"):
        paraplan.report(plan, model=model, cluster="dgx-a100:2")


def test_gnn_plan_from_stats_reports_its_layout() -> None:
    stats = json.loads((EXAMPLES / "gnn" / "reddit-stats.json").read_text())
    model = EXAMPLES / "gnn" / "gcn-32.yaml"
    plan = paraplan.GNNPipelinePlanner(model, "dgx-a100:4").plan(graph_stats=stats)
    html = paraplan.report(plan, model=model, cluster="dgx-a100:4", graph_stats=stats)
    assert html.count('class="all-reduce"') == len(plan.stages)
    with pytest.raises(paraplan.InputError, match="stages end at layer"):
        paraplan.report(plan, model=EXAMPLES / "gnn" / "gcnii-16.yaml", cluster="dgx-a100:4", graph_stats=stats)


def test_estimates_are_reported_alone_or_after_a_plan(cli: Path, tmp_path: Path) -> None:
    first = paraplan.estimate(model="llama-3-8b", cluster="hgx-h100:2", global_batch=64, seq_len=4096, tp=2, pp=2)
    second = paraplan.estimate(model="llama-3-8b", cluster="hgx-h100:2", global_batch=64, seq_len=4096, tp=1, pp=4)
    assert first.strategy is not None and first.strategy["tensorParallel"] == 2
    path = tmp_path / "first.json"
    path.write_text(first.to_json())
    alone = paraplan.report(estimates=[path])
    done = run_cli(cli, "report", "--estimate", str(path), "--output", "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout == alone
    both = paraplan.report(estimates=[first, second])
    assert "Iteration estimates compared" in both and "estimate 1" in both
    balance = paraplan.BatchBalancer(8, profile=EXAMPLES / "profiles" / "batch-balance-7b.yaml").plan(
        [900 + 31 * i for i in range(64)]
    )
    mixed = paraplan.report(balance, estimates=[first])
    assert "Batch-balancing plan" in mixed and "Iteration estimate" in mixed
    with pytest.raises(paraplan.InputError, match="give a plan or estimates"):
        paraplan.report()
    with pytest.raises(paraplan.InputError, match="give a list"):
        paraplan.report(estimates=first)  # type: ignore[arg-type]
    broken = tmp_path / "broken.json"
    broken.write_text('{"iterationSeconds": 1}')
    with pytest.raises(paraplan.InputError, match="mfu: missing"):
        paraplan.report(estimates=[broken])
