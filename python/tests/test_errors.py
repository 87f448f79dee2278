"""Every kind of bad input raises the right exception, with the CLI's message, and the interpreter lives on."""

from __future__ import annotations

import ctypes
import json
from pathlib import Path

import numpy as np
import pytest

import paraplan
from paraplan import _native

from conftest import EXAMPLES, run_cli

PROFILE = str(EXAMPLES / "profiles" / "flexsp-gpt7b.yaml")
BB_PROFILE = str(EXAMPLES / "profiles" / "batch-balance-7b.yaml")


def cli_error(cli: Path, *args: str) -> tuple[int, str]:
    done = run_cli(cli, *args)
    return done.returncode, done.stderr.strip().removeprefix("paraplan: ")


def test_exception_classes() -> None:
    assert issubclass(paraplan.InputError, ValueError)
    assert issubclass(paraplan.InputError, paraplan.ParaPlanError)
    assert issubclass(paraplan.InfeasibleError, paraplan.ParaPlanError)
    assert issubclass(paraplan.PlanningError, paraplan.ParaPlanError)


def test_option_errors_carry_the_cli_message(cli: Path, tmp_path: Path) -> None:
    samples = tmp_path / "s.jsonl"
    samples.write_text('{"tokens": 100}\n{"tokens": 200}\n')
    for flags, kwargs in [
        (["--ranks", "0"], dict(ranks=0)),
        (["--ranks", "2", "--micro-batches", "0"], dict(ranks=2, micro_batches=0)),
        (["--ranks", "2", "--phases", "vision"], dict(ranks=2, phases="vision")),
        (["--ranks", "2", "--split-images"], dict(ranks=2, split_images=True)),
    ]:
        code, message = cli_error(
            cli, "plan", "batch-balance", "--samples", str(samples), "--profile", BB_PROFILE, *flags
        )
        with pytest.raises(paraplan.InputError) as raised:
            paraplan.BatchBalancer(profile=BB_PROFILE, **kwargs).plan([100, 200])  # type: ignore[arg-type]
        assert code == 2 and raised.value.exit_code == 2
        assert str(raised.value) == message


def test_file_errors_carry_the_cli_message(cli: Path, tmp_path: Path) -> None:
    lengths = tmp_path / "l.txt"
    lengths.write_text("100\n")
    missing = str(tmp_path / "missing.yaml")
    code, message = cli_error(cli, "plan", "sequence-parallel", "--lengths", str(lengths), "--profile", missing)
    with pytest.raises(paraplan.InputError) as raised:
        paraplan.SequenceParallelPlanner(missing)
    assert code == 2 and str(raised.value) == message

    broken = tmp_path / "broken.yaml"
    broken.write_text("alpha1: [1, 2\n")
    code, message = cli_error(cli, "plan", "sequence-parallel", "--lengths", str(lengths), "--profile", str(broken))
    with pytest.raises(paraplan.InputError) as raised:
        paraplan.SequenceParallelPlanner(broken)
    assert str(raised.value) == message

    code, message = cli_error(
        cli,
        "estimate",
        "--model",
        "no-such-model",
        "--cluster",
        "hgx-h100:1",
        "--global-batch",
        "8",
        "--seq-len",
        "128",
    )
    with pytest.raises(paraplan.InputError) as raised:
        paraplan.estimate("no-such-model", "hgx-h100:1", global_batch=8, seq_len=128)
    assert str(raised.value) == message


def test_array_errors_name_the_value(cli: Path, tmp_path: Path) -> None:
    lengths = tmp_path / "l.txt"
    lengths.write_text("100\n-2\n")
    code, message = cli_error(cli, "plan", "sequence-parallel", "--lengths", str(lengths), "--profile", PROFILE)
    planner = paraplan.SequenceParallelPlanner(PROFILE)
    with pytest.raises(paraplan.InputError) as raised:
        planner.plan([100, -2])
    assert code == 2
    # The CLI names the file, Python the argument; the rest is the same.
    assert message.removeprefix(str(lengths)) == str(raised.value).removeprefix("lengths")


def test_infeasible(cli: Path, tmp_path: Path) -> None:
    lengths = tmp_path / "l.txt"
    lengths.write_text("100\n100000000\n")
    code, message = cli_error(cli, "plan", "sequence-parallel", "--lengths", str(lengths), "--profile", PROFILE)
    with pytest.raises(paraplan.InfeasibleError) as raised:
        paraplan.SequenceParallelPlanner(PROFILE).plan([100, 100_000_000])
    assert code == 3 and raised.value.exit_code == 3
    assert message.removeprefix(str(lengths)) == str(raised.value).removeprefix("lengths")

    with pytest.raises(paraplan.InfeasibleError):
        paraplan.BatchBalancer(2, profile=BB_PROFILE, max_tokens_per_micro_batch=150).plan([100, 200])


@pytest.mark.parametrize(
    "value",
    [
        [],
        [1.5, 2],
        [float("nan")],
        [float("inf")],
        [10**18],
        [10**30],
        ["100"],
        [True, False],
        [[1, 2], [3, 4]],
        None,
        "100",
        {"a": 1},
        [1 + 2j],
        np.array([1, 2], dtype=np.uint64) + np.uint64(2**63),
        [-(2**63)],
    ],
)
def test_bad_lengths_raise_input_errors(value: object) -> None:
    planner = paraplan.SequenceParallelPlanner(PROFILE)
    with pytest.raises(paraplan.InputError):
        planner.plan(value)  # type: ignore[arg-type]


def test_bad_batch_inputs() -> None:
    balancer = paraplan.BatchBalancer(2, profile=BB_PROFILE)
    for tokens, images, ranks in [
        ([100, 200], [[10]], None),  # one images row for two samples
        ([100, 200], [[10], ["x"]], None),
        ([100, 200], [[10], [-5]], None),
        ([100, 200], [[300], []], None),  # images over the sample's tokens
        ([100, 200], None, [0]),
        ([100, 200], None, [0, 7]),  # a rank outside 0..<2
        ([100, 200], None, [0, -1]),
        ([100, 2**40], None, None),
    ]:
        with pytest.raises(paraplan.InputError):
            balancer.plan(tokens, images, ranks)


def test_bad_expert_inputs() -> None:
    planner = paraplan.ExpertPlacementPlanner("hgx-h800:1", 2)
    loads = np.ones((2, 8))
    for bad in [
        np.ones(8),
        np.ones((2, 0)),
        np.full((1, 8), np.nan),
        -np.ones((1, 8)),
        np.full((1, 8), 1e300),
        [[1e19] * 8],
    ]:
        with pytest.raises(paraplan.InputError):
            planner.plan(bad)
    with pytest.raises(paraplan.InputError):
        planner.plan(loads, origins=np.ones((2, 3, 8)))  # 3 GPUs where the cluster has 8
    with pytest.raises(paraplan.InputError):
        planner.plan(loads, origins=np.ones((2, 8, 7)))
    with pytest.raises(paraplan.InputError):
        planner.plan(loads, previous="/no/such/plan.json")
    for options in [
        dict(slots_per_gpu=0),
        dict(slots_per_gpu=2, groups=0),
        dict(slots_per_gpu=2, balance_tolerance=-1.0),
        dict(slots_per_gpu=2, balance_tolerance=float("nan")),
    ]:
        with pytest.raises(paraplan.InputError):
            paraplan.ExpertPlacementPlanner("hgx-h800:1", **options)  # type: ignore[arg-type]


def test_bad_gnn_inputs(tmp_path: Path) -> None:
    model = {"type": "gcn", "layers": 4, "inputWidth": 16, "hiddenWidth": 16, "outputWidth": 4}
    planner = paraplan.GNNPipelinePlanner(model, "dgx-a100:1")
    for edges in [
        np.zeros((0, 2)),
        np.array([[0, 1, 2]]),
        np.array([[0, -1]]),
        np.array([[0, 2**31]]),
        np.array([[0, 2147483645]]),
    ]:
        with pytest.raises(paraplan.InputError):
            planner.plan(edges)
    with pytest.raises(paraplan.InputError):
        planner.plan()
    with pytest.raises(paraplan.InputError):
        planner.plan(graph_stats={"vertices": -1})
    for bad in [
        dict(model, layers=2**31),
        dict(model, hiddenWidth=2**32),
        dict(model, heads=2**32),
        dict(model, type="rnn"),
    ]:
        with pytest.raises(paraplan.InputError):
            paraplan.GNNPipelinePlanner(bad, "dgx-a100:1")


def test_inline_documents_are_checked() -> None:
    profile = {
        "kind": "sequence-parallel",
        "gpus": 8,
        "gpusPerNode": 8,
        "alpha1": 5e-9,
        "alpha2": 1.8e-4,
        "beta1": 0.6,
        "bytesPerToken": 2097152,
        "tokensPerGPU": 5992,
        "bandwidth": {"2": 1.2e11, "4": 1.1e11, "8": 1.0e11},
    }
    paraplan.SequenceParallelPlanner(profile).plan([1000, 2000, 30000])
    with pytest.raises(paraplan.InputError, match="alpha1"):
        paraplan.SequenceParallelPlanner(dict(profile, alpha1="fast"))
    with pytest.raises(paraplan.InputError, match="alpha1"):
        paraplan.SequenceParallelPlanner(dict(profile, alpha1=-1.0))
    with pytest.raises(paraplan.InputError):
        paraplan.SequenceParallelPlanner(dict(profile, alpha1=float("nan")))
    with pytest.raises(paraplan.InputError, match="gpus"):
        paraplan.SequenceParallelPlanner(dict(profile, gpus=10**18))
    deep: dict[str, object] = {}
    node = deep
    for _ in range(200):
        node["x"] = {}
        node = node["x"]  # type: ignore[assignment]
    with pytest.raises(paraplan.InputError):
        paraplan.SequenceParallelPlanner(deep)
    with pytest.raises(paraplan.InputError):
        paraplan.SequenceParallelPlanner(42)  # type: ignore[arg-type]


def test_invalid_plans() -> None:
    for text in ["", "{", "[]", '{"format": "paraplan/v1"}', '{"format": "paraplan/v2", "kind": "sequence-parallel"}']:
        with pytest.raises(paraplan.InputError):
            _native.call("validate", json.dumps({"plan": text}))
    with pytest.raises(paraplan.InputError, match="no such file"):
        paraplan.validate("/no/such/plan.json")


def plan_call(function: object, *args: object) -> tuple[int, int | None, str]:
    plan, error = ctypes.c_void_p(), ctypes.c_void_p()
    status = function(*args, ctypes.byref(plan), ctypes.byref(error))  # type: ignore[operator]
    message = _native.take_text(error)
    if plan.value:
        _native.free_plan(plan.value)
    return status, plan.value, message


def test_raw_abi_refuses_bad_pointers_and_kinds() -> None:
    lib = _native.library()
    out = ctypes.c_void_p()
    lengths = (ctypes.c_int64 * 2)(100, 200)
    status, plan, message = plan_call(lib.pp_plan_sequence_parallel, None, lengths, 2)
    assert (status, plan) == (2, None) and "planner" in message
    status, plan, message = plan_call(lib.pp_plan_sequence_parallel, 0xDEADBEEF, lengths, 2)
    assert status == 2 and "not a live planner" in message
    balancer = paraplan.BatchBalancer(2, profile=BB_PROFILE)
    status, plan, message = plan_call(lib.pp_plan_sequence_parallel, balancer._handle, lengths, 2)
    assert status == 2 and "batch-balance planner" in message
    planner = paraplan.SequenceParallelPlanner(PROFILE)
    assert plan_call(lib.pp_plan_sequence_parallel, planner._handle, None, 2)[0] == 2
    assert plan_call(lib.pp_plan_sequence_parallel, planner._handle, lengths, -1)[0] == 2
    status, plan, message = plan_call(lib.pp_plan_sequence_parallel, planner._handle, lengths, 2)
    assert status == 0 and plan and message == ""
    assert lib.pp_plan_sequence_parallel(planner._handle, lengths, 2, None, None) == 2  # nowhere to put the plan
    assert lib.pp_plan_json(0xDEADBEEF, 0, ctypes.byref(out)) == 2
    assert "not a live plan" in _native.take_text(out)
    assert lib.pp_plan_export(None, ctypes.byref(out), None, None, None, None) == 2
    _native.take_text(out)
    handle = ctypes.c_void_p()
    assert lib.pp_planner_new(b"sequence-parallel", b"{not json", ctypes.byref(handle), ctypes.byref(out)) == 2
    assert handle.value is None and "options" in _native.take_text(out)
    assert lib.pp_planner_new(None, None, ctypes.byref(handle), ctypes.byref(out)) == 2
    _native.take_text(out)
    assert lib.pp_planner_new(b"sequence-parallel", b"{}", None, None) == 2
    assert lib.pp_planner_new(b"\xff\xfe", b"{}", ctypes.byref(handle), ctypes.byref(out)) == 2
    assert "UTF-8" in _native.take_text(out)
    assert lib.pp_call(b"nope", b"{}", ctypes.byref(out)) == 2
    _native.take_text(out)
    status, plan, message = plan_call(lib.pp_plan_load, b"{}", b"mine.json")
    assert status == 2 and message.startswith("mine.json: ")
    lib.pp_planner_free(None)
    lib.pp_planner_free(0xDEADBEEF)
    lib.pp_plan_free(None)
    lib.pp_plan_free(0xDEADBEEF)
    lib.pp_free(None)
