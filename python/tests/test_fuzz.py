"""Property-based fuzzing of the C ABI and the Python API: whatever goes in, the answer is a plan or a paraplan error,
and the interpreter survives (a trap in the library would kill this process and fail the run).

Cases are derandomised, so CI runs the same ones every time; the suite runs well over 1,000 of them.
"""

from __future__ import annotations

import ctypes
import json
import os
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import paraplan
from paraplan import _native

from conftest import EXAMPLES

PROFILE = str(EXAMPLES / "profiles" / "flexsp-gpt7b.yaml")
BB_PROFILE = str(EXAMPLES / "profiles" / "batch-balance-7b.yaml")
# A longer, random run: PARAPLAN_FUZZ_EXAMPLES=5000 pytest python/tests/test_fuzz.py (docs/python.md).
LONG_RUN = os.environ.get("PARAPLAN_FUZZ_EXAMPLES")
FUZZ = settings(
    max_examples=int(LONG_RUN or 250),
    deadline=None,
    derandomize=LONG_RUN is None,
    suppress_health_check=list(HealthCheck),
)

EXTREME_INTS = st.one_of(
    st.integers(-5, 70_000),
    st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**32, 2**32 + 1, 2**53, 10**15, 10**18, 2**63 - 1, -(2**63)]),
)
EXTREME_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, 1e19, 1e25, 1e300, 2.0**63, float("nan"), float("inf"), -1.0]),
)
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), EXTREME_INTS, st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)
OPTION_KEYS = [
    "profile",
    "model",
    "cluster",
    "ranks",
    "micro-batches",
    "equal-counts",
    "max-tokens-per-micro-batch",
    "phases",
    "slots-per-gpu",
    "groups",
    "max-moves",
    "balance-tolerance",
    "chunks",
    "ways",
    "time-budget-ms",
    "split-images",
]
OPTION_VALUES = st.one_of(
    JSON_VALUES,
    st.sampled_from(
        [
            PROFILE,
            BB_PROFILE,
            "hgx-h100:1",
            "hgx-h800:2",
            "llama-3-8b",
            "deepseek-v3",
            "encoder,llm",
            "hgx-h100:100000000",
        ]
    ),
)


def raw(function: Any, *args: Any) -> tuple[int, str]:
    out = ctypes.c_void_p()
    status = function(*args, ctypes.byref(out))
    return status, _native.take_text(out)


@FUZZ
@given(
    kind=st.sampled_from(["sequence-parallel", "batch-balance", "expert-placement", "gnn-pipeline", "", "plan"]),
    options=st.one_of(st.dictionaries(st.sampled_from(OPTION_KEYS), OPTION_VALUES, max_size=6), JSON_VALUES),
    mangle=st.sampled_from(["json", "truncated", "nan", "bytes"]),
)
def test_planner_options(kind: str, options: Any, mangle: str) -> None:
    text = json.dumps(options)
    if mangle == "truncated":
        text = text[: len(text) // 2]
    elif mangle == "nan":
        text = text.replace("0", "NaN", 1)
    data = text.encode() if mangle != "bytes" else text.encode()[:-1] + b"\xff"
    handle = ctypes.c_void_p()
    error = ctypes.c_void_p()
    status = _native.library().pp_planner_new(kind.encode(), data, ctypes.byref(handle), ctypes.byref(error))
    message = _native.take_text(error)
    assert status in (0, 1, 2, 3)
    if status == 0:
        assert handle.value and not message
        _native.free_planner(handle.value)
    else:
        assert handle.value is None and message and "\n" not in message


@FUZZ
@given(
    command=st.sampled_from(["presets", "estimate", "layouts", "validate", "format", "compare", "solve"]),
    request=st.one_of(
        JSON_VALUES,
        st.fixed_dictionaries(
            {
                "model": st.sampled_from(["llama-3-8b", "mixtral-8x7b", "deepseek-v3", "x"]),
                "cluster": st.sampled_from(["hgx-h100:1", "hgx-h100:4", "dgx-a100:0", "h100"]),
                "global-batch": EXTREME_INTS,
                "seq-len": EXTREME_INTS,
            },
            optional={
                "tp": EXTREME_INTS,
                "pp": EXTREME_INTS,
                "cp": st.one_of(EXTREME_INTS, st.lists(EXTREME_INTS, max_size=4)),
                "ep": EXTREME_INTS,
                "interleave": EXTREME_INTS,
                "micro-batch": EXTREME_INTS,
                "memory-headroom": EXTREME_FLOATS,
                "cpu-offload-layers": EXTREME_INTS,
                "full-iteration-cuda-graph": st.one_of(st.booleans(), JSON_VALUES),
                "cuda-graph-modules": st.one_of(
                    st.sampled_from(["attn,moe_router,moe_preprocess", "moe_preprocess", "mlp", "", ",,", "attn,attn"]),
                    JSON_VALUES,
                ),
                "moe-dispatcher": st.one_of(st.sampled_from(["alltoall", "deepep", "hybridep", "flex"]), JSON_VALUES),
                "main-params-dtype": st.one_of(st.sampled_from(["fp32", "fp16", "bf16"]), JSON_VALUES),
                "exp-avg-dtype": st.one_of(st.sampled_from(["fp32", "bf16", "fp8", "fp64"]), JSON_VALUES),
                "exp-avg-sq-dtype": st.one_of(st.sampled_from(["fp16", "bf16", ""]), JSON_VALUES),
                "top": EXTREME_INTS,
                "zero": EXTREME_INTS,
                "recompute": st.sampled_from(["none", "full", "all"]),
            },
        ),
    ),
)
def test_calls(command: str, request: Any) -> None:
    try:
        text = json.dumps(request)
    except ValueError:
        text = "{"
    status, message = raw(_native.library().pp_call, command.encode(), text.encode())
    assert status in (0, 1, 2, 3) and message
    assert status != 1, message


@FUZZ
@given(
    lengths=st.one_of(st.lists(EXTREME_INTS, max_size=40), st.lists(st.integers(1, 400_000), min_size=1, max_size=600)),
    count_delta=st.sampled_from([0, 0, 0, -1, 1]),
)
def test_sequence_parallel_arrays(lengths: list[int], count_delta: int) -> None:
    planner = paraplan.SequenceParallelPlanner(PROFILE, time_budget_ms=200)
    values = np.array(lengths, dtype=np.int64) if lengths else np.zeros(0, dtype=np.int64)
    count = max(0, len(lengths) + min(count_delta, 0))  # never past the buffer: the ABI trusts the count it is given
    handle, error = ctypes.c_void_p(), ctypes.c_void_p()
    status = _native.library().pp_plan_sequence_parallel(
        planner._handle, values.ctypes.data if count else None, count, ctypes.byref(handle), ctypes.byref(error)
    )
    message = _native.take_text(error)
    assert status in (0, 2, 3), message
    if status == 0:
        plan = paraplan.plans.from_handle(handle.value)
        assert isinstance(plan, paraplan.SequenceParallelPlan)
        seen = sorted(index for batch in plan.micro_batches for group in batch.groups for index in group.sequences)
        assert seen == list(range(count))
        assert paraplan.validate(plan).kind == "sequence-parallel"
    else:
        assert handle.value is None and message


@FUZZ
@given(
    tokens=st.lists(EXTREME_INTS, max_size=24),
    images=st.lists(st.lists(EXTREME_INTS, max_size=3), max_size=24),
    ranks=st.one_of(st.none(), st.lists(EXTREME_INTS, max_size=24)),
    planner_ranks=st.integers(1, 8),
    options=st.fixed_dictionaries(
        {},
        optional={
            "micro_batches": st.integers(-1, 5),
            "equal_counts": st.booleans(),
            "max_tokens_per_micro_batch": EXTREME_INTS,
        },
    ),
)
def test_batch_balance_arrays(
    tokens: list[int], images: list[list[int]], ranks: list[int] | None, planner_ranks: int, options: dict[str, Any]
) -> None:
    try:
        balancer = paraplan.BatchBalancer(planner_ranks, profile=BB_PROFILE, **options)
    except paraplan.InputError:
        return
    rows = (images + [[]] * len(tokens))[: len(tokens)]
    loaded = None if ranks is None else (ranks + [0] * len(tokens))[: len(tokens)]
    try:
        plan = balancer.plan(tokens, rows, loaded)
    except (paraplan.InputError, paraplan.InfeasibleError):
        return
    assert sorted(i for rank in plan.ranks for i in rank.samples) == list(range(len(tokens)))


@FUZZ
@given(
    layers=st.integers(1, 3),
    experts=st.sampled_from([1, 4, 8, 16, 0]),
    data=st.data(),
    with_origins=st.booleans(),
    slots=st.integers(0, 4),
)
def test_expert_placement_arrays(
    layers: int, experts: int, data: st.DataObject, with_origins: bool, slots: int
) -> None:
    try:
        planner = paraplan.ExpertPlacementPlanner("hgx-h800:1", slots, groups=data.draw(st.sampled_from([None, 2, 3])))
    except paraplan.InputError:
        return
    loads = np.array(
        data.draw(
            st.lists(st.lists(EXTREME_FLOATS, min_size=experts, max_size=experts), min_size=layers, max_size=layers)
        ),
        dtype=np.float64,
    ).reshape(layers, experts)
    origins = None
    if with_origins:
        gpus = data.draw(st.sampled_from([8, 8, 3]))
        origins = np.array(
            data.draw(st.lists(EXTREME_FLOATS, min_size=layers * gpus * experts, max_size=layers * gpus * experts)),
            dtype=np.float64,
        ).reshape(layers, gpus, experts)
    try:
        plan = planner.plan(loads, origins=origins)
    except (paraplan.InputError, paraplan.InfeasibleError):
        return
    assert len(plan.layers) == layers
    for layer in plan.layers:
        assert sorted({e for slots_ in layer.gpus for e in slots_}) == list(range(experts))


@FUZZ
@given(
    edges=st.lists(st.tuples(EXTREME_INTS, EXTREME_INTS), max_size=30),
    vertices=st.one_of(st.none(), EXTREME_INTS),
    model=st.fixed_dictionaries(
        {
            "type": st.sampled_from(["gcn", "gat", "gcnii", "graphsage", "x"]),
            "layers": EXTREME_INTS,
            "inputWidth": EXTREME_INTS,
            "hiddenWidth": EXTREME_INTS,
            "outputWidth": EXTREME_INTS,
        },
        optional={"heads": EXTREME_INTS},
    ),
)
def test_gnn_arrays(edges: list[tuple[int, int]], vertices: int | None, model: dict[str, Any]) -> None:
    try:
        planner = paraplan.GNNPipelinePlanner(model, "dgx-a100:1")
    except paraplan.InputError:
        planner = paraplan.GNNPipelinePlanner(
            {"type": "gcn", "layers": 4, "inputWidth": 8, "hiddenWidth": 8, "outputWidth": 2}, "dgx-a100:1"
        )
    array = np.array(edges, dtype=np.int64).reshape(-1, 2)
    try:
        plan = planner.plan(array, num_vertices=vertices)
    except (paraplan.InputError, paraplan.InfeasibleError):
        return
    assert plan.chunk_of is not None


@FUZZ
@given(text=st.one_of(st.text(max_size=40), JSON_VALUES.map(json.dumps)), source=st.text(max_size=10))
def test_plan_text(text: str, source: str) -> None:
    handle, error = ctypes.c_void_p(), ctypes.c_void_p()
    status = _native.library().pp_plan_load(
        text.encode("utf-8", "surrogatepass"),
        source.encode("utf-8", "surrogatepass"),
        ctypes.byref(handle),
        ctypes.byref(error),
    )
    message = _native.take_text(error)
    assert status == 2 and handle.value is None and message


@FUZZ
@given(
    value=st.one_of(
        st.lists(EXTREME_FLOATS, max_size=10),
        st.lists(st.lists(EXTREME_INTS, max_size=3), max_size=4),
        st.text(max_size=10),
        st.binary(max_size=10),
        st.none(),
        st.booleans(),
        EXTREME_INTS,
        st.lists(st.text(max_size=3), max_size=3),
        st.builds(
            lambda n, dtype: np.zeros(n, dtype=dtype),
            st.integers(0, 4),
            st.sampled_from([np.int8, np.uint16, np.float32, np.complex64, np.bool_, np.str_, object]),
        ),
    )
)
def test_python_api_any_value(value: Any) -> None:
    planner = paraplan.SequenceParallelPlanner(PROFILE, time_budget_ms=100)
    experts = paraplan.ExpertPlacementPlanner("hgx-h800:1", 2)
    for call in (
        lambda: planner.plan(value),
        lambda: experts.plan(value),
        lambda: paraplan.validate(value),
        lambda: paraplan.BatchBalancer(2, profile=BB_PROFILE).plan(value),
    ):
        try:
            call()
        except (paraplan.InputError, paraplan.InfeasibleError):
            pass
