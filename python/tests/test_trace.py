"""Plans' predicted schedules as Chrome traces (``paraplan.trace``), the same bytes as ``paraplan trace``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import paraplan

from conftest import EXAMPLES, read_lengths, run_cli

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
