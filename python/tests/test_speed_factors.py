"""Planners that plan around slow ranks: measured speeds (``speed_factors``) from Python, as the CLI takes them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import paraplan

from conftest import EXAMPLES, read_lengths, read_samples, run_cli

SAMPLES = EXAMPLES / "samples" / "multimodal-256.jsonl"
PROFILE = EXAMPLES / "profiles" / "batch-balance-7b.yaml"
HALF_SPEED_RANK_3 = [1.0, 1.0, 1.0, 0.5, 1.0, 1.0, 1.0, 1.0]


def test_a_half_speed_rank_gets_half_the_work_and_the_plan_meets_its_bound() -> None:
    tokens, images, _ = read_samples(SAMPLES)
    plan = paraplan.BatchBalancer(8, profile=PROFILE, speed_factors=HALF_SPEED_RANK_3).plan(tokens, images)
    blind = paraplan.BatchBalancer(8, profile=PROFILE).plan(tokens, images)
    bound = plan.lower_bound_seconds
    assert bound is not None and plan.predicted.step_seconds <= bound * 1.01
    rank_tokens = plan.rank_tokens
    assert rank_tokens is not None
    others = np.delete(rank_tokens, 3)
    assert 0.4 < rank_tokens[3] / others.mean() < 0.6
    # The speed-blind plan, run on the same ranks, waits for the slow rank carrying a full share.
    assert plan.predicted.step_seconds * 1.8 < next(b.step_seconds for b in plan.baselines if b.name == "speed-blind")
    assert blind.predicted.step_seconds < plan.predicted.step_seconds


def test_the_same_plan_as_the_cli_from_a_whatif_speed_file(cli: Path, tmp_path: Path) -> None:
    speeds = tmp_path / "speeds.json"
    speeds.write_text(json.dumps({"speedFactors": [1, 1, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}))
    output = tmp_path / "plan.json"
    done = run_cli(
        cli,
        "plan",
        "batch-balance",
        "--samples",
        str(SAMPLES),
        "--ranks",
        "8",
        "--profile",
        str(PROFILE),
        "--speed-factors",
        str(speeds),
        "--output",
        str(output),
    )
    assert done.returncode == 0, done.stderr
    tokens, images, ranks = read_samples(SAMPLES)
    # 16 GPUs over 8 ranks: rank 1 spans GPUs 2 and 3 and runs at the slower one's speed.
    for given in (
        speeds,
        str(speeds),
        {"speedFactors": [1, 1, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]},
        [1, 0.5, 1, 1, 1, 1, 1, 1],
    ):
        plan = paraplan.BatchBalancer(8, profile=PROFILE, speed_factors=given).plan(tokens, images, ranks)
        assert plan.to_json() == output.read_text()


@pytest.mark.parametrize("options", [dict(phases="encoder,llm", keep_encoder_phase=True), dict(sync_every_phase=True)])
def test_both_phase_models_weigh_speeds(cli: Path, tmp_path: Path, options: dict[str, object]) -> None:
    tokens, images, ranks = read_samples(SAMPLES)
    planner = paraplan.BatchBalancer(8, profile=PROFILE, speed_factors=HALF_SPEED_RANK_3, **options)  # type: ignore[arg-type]
    plan = planner.plan(tokens, images, ranks)
    bound = plan.lower_bound_seconds
    assert bound is not None and bound <= plan.predicted.step_seconds <= bound * 1.01
    assert plan.predicted.step_seconds * 1.2 < next(b.step_seconds for b in plan.baselines if b.name == "speed-blind")
    speeds = tmp_path / "speeds.json"
    speeds.write_text(json.dumps({"speedFactors": HALF_SPEED_RANK_3}))
    flags = ["--phases", "encoder,llm", "--keep-encoder-phase"] if "phases" in options else ["--sync-every-phase"]
    output = tmp_path / "plan.json"
    done = run_cli(
        cli,
        "plan",
        "batch-balance",
        "--samples",
        str(SAMPLES),
        "--ranks",
        "8",
        "--profile",
        str(PROFILE),
        *flags,
        "--speed-factors",
        str(speeds),
        "--output",
        str(output),
    )
    assert done.returncode == 0, done.stderr
    assert plan.to_json() == output.read_text()


@pytest.mark.parametrize(
    "speeds, message",
    [
        ([1.0, 0.0], "speedFactors[1] = 0.0"),
        ([1.0, 1.0, 1.0], "3 speeds do not split evenly over 2 ranks"),
        ([[1.0], [1.0]], "speed_factors: must be a non-empty list"),
        (["fast", "slow"], "speed_factors:"),
    ],
)
def test_bad_speed_factors_raise_input_error(speeds: object, message: str) -> None:
    with pytest.raises(paraplan.InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        paraplan.BatchBalancer(2, profile=PROFILE, speed_factors=speeds)  # type: ignore[arg-type]


def test_expert_placement_gives_a_half_speed_gpu_half_the_tokens(cli: Path, tmp_path: Path) -> None:
    loads = json.loads((EXAMPLES / "moe" / "loads-64-experts.json").read_text())
    speeds = [1.0] * 16
    speeds[5] = 0.5
    planner = paraplan.ExpertPlacementPlanner("hgx-h800:2", 6, groups=8, speed_factors=speeds)
    plan = planner.plan(loads)
    bound = plan.lower_bound_seconds
    assert bound is not None and plan.predicted_seconds <= bound * 1.01
    eplb = [b for b in plan.baselines if b.name.startswith("eplb")]
    assert eplb and all(b.expert_seconds > 1.5 * plan.predicted_seconds for b in eplb)
    speed_file = tmp_path / "speeds.json"
    speed_file.write_text(json.dumps({"speedFactors": speeds}))
    output = tmp_path / "plan.json"
    done = run_cli(
        cli,
        "plan",
        "expert-placement",
        "--loads",
        str(EXAMPLES / "moe" / "loads-64-experts.json"),
        "--cluster",
        "hgx-h800:2",
        "--slots-per-gpu",
        "6",
        "--groups",
        "8",
        "--speed-factors",
        str(speed_file),
        "--output",
        str(output),
    )
    assert done.returncode == 0, done.stderr
    assert plan.to_json() == output.read_text()


def test_sequence_parallel_keeps_the_slow_gpu_in_light_groups(cli: Path, tmp_path: Path) -> None:
    batch = EXAMPLES / "batches" / "wikipedia-batch0.txt"
    profile = EXAMPLES / "profiles" / "flexsp-gpt7b.yaml"
    lengths = read_lengths(batch)
    speeds = np.ones(64)
    speeds[13] = 0.5
    plan = paraplan.SequenceParallelPlanner(str(profile), speed_factors=speeds).plan(lengths)
    nominal = paraplan.SequenceParallelPlanner(str(profile)).plan(lengths)
    step = plan.predicted.step_seconds
    assert step <= nominal.predicted.step_seconds * 64 / 63.5 * 1.01
    assert next(b.step_seconds for b in plan.baselines if b.name == "speed-blind") > 1.2 * step
    speed_file = tmp_path / "speeds.json"
    speed_file.write_text(json.dumps({"speedFactors": speeds.tolist()}))
    output = tmp_path / "plan.json"
    done = run_cli(
        cli,
        "plan",
        "sequence-parallel",
        "--lengths",
        str(batch),
        "--profile",
        str(profile),
        "--speed-factors",
        str(speed_file),
        "--output",
        str(output),
    )
    assert done.returncode == 0, done.stderr
    assert plan.to_json() == output.read_text()
