"""What-if analysis of a recorded training trace (``paraplan whatif``): how much slower the job ran than the same job
with no worker slower than its peers, and where that loss sits. See docs/whatif.md.

    import paraplan

    report = paraplan.whatif("trace-ST.parquet", "meta-ST.yaml")
    report.slowdown              # 1.179
    report.culprit               # 'the last pipeline stage: fixing it recovers 122 % of the loss'
    report.attribution.by_stage  # {0: 1.01, ..., 3: 1.23}
    report.heatmap               # workers x steps, numpy
"""

from __future__ import annotations

import importlib
import io
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from . import _native
from .errors import InputError

__all__ = [
    "whatif",
    "WhatIfReport",
    "Attribution",
    "Recovery",
    "WorkerSlowdown",
    "StepSeconds",
    "SlowMachine",
    "Remedy",
]

#: A trace: a CSV or Parquet path, a pandas DataFrame or a pyarrow Table with the artifact's columns.
TraceSource = Union[str, "os.PathLike[str]", Any]
#: The job's sizes: a meta file path or a mapping (``dp_size``, ``pp_size``, ``tp_size``, ``dsp_size``, ``vpp_size``).
MetaSource = Union[str, "os.PathLike[str]", Mapping[str, Any]]


@dataclass(frozen=True)
class StepSeconds:
    """Per-step times, aligned with ``steps``."""

    steps: npt.NDArray[np.int64]
    recorded: npt.NDArray[np.float64]
    replayed: npt.NDArray[np.float64]
    without_launch_delays: npt.NDArray[np.float64]
    ideal: npt.NDArray[np.float64]
    slowdown: npt.NDArray[np.float64]


@dataclass(frozen=True)
class WorkerSlowdown:
    """The slowdown when only this worker keeps its recorded durations."""

    dp_rank: int
    stage: int
    slowdown: float


@dataclass(frozen=True)
class Attribution:
    """The slowdown when only one group of operations keeps its recorded durations (the rest ideal)."""

    by_op_type: dict[str, float]
    by_dp_rank: dict[int, float]
    by_stage: dict[int, float]
    by_worker: list[WorkerSlowdown]


@dataclass(frozen=True)
class Recovery:
    """How much of the slowdown fixing these workers recovers (1.0: all of it); the paper's M_W and M_S."""

    workers: list[tuple[int, int]]
    recovered: float
    added: float
    original_seconds: float
    ideal_seconds: float
    fixed_seconds: float
    only_these_seconds: float


@dataclass(frozen=True)
class SlowMachine:
    """A worker slower than its stage's peers in most steps, with the evidence."""

    dp_rank: int
    stage: int
    slow_steps: int
    share: float
    since_step: int
    compute_ratio: float
    by_operation: dict[str, float]


@dataclass(frozen=True)
class Remedy:
    """The mean step a remedy would give, and its speed-up over the job without launch delays (a bound)."""

    seconds: float
    speed_up: float


@dataclass(frozen=True)
class WhatIfReport:
    """What ``paraplan whatif --json`` prints, typed. ``raw`` keeps the JSON object."""

    slowdown: float
    launch_slowdown: float
    replay_error: float
    culprit: str
    step_seconds: StepSeconds
    attribution: Attribution
    mw: Recovery
    ms: Recovery
    heatmap_workers: list[tuple[int, int]]
    heatmap: npt.NDArray[np.float64]
    operations: int
    #: Workers slower than their peers in most steps (a machine to replace); empty when slowness moves with the data.
    slow_machines: list[SlowMachine]
    #: ``balanced_batches``, ``balanced_stages`` and, when slow machines were found, ``replaced_slow_machines`` and
    #: ``planned_around_slow_machines`` (their DP peers take more of the work, as ``BatchBalancer(speed_factors=...)``
    #: plans it); ``rebalanced_micro_batches``: each step's recorded micro-batches reassigned over the DP ranks by
    #: ParaPlan's batch balancer; ``resplit_stages`` with ``layers``.
    remedies: dict[str, Remedy]
    raw: dict[str, Any]
    #: Standard deviation of a worker's compute per step against its stage's peers, as a fraction, slow machines left
    #: out: what a calibration profile's ``computeDeviation`` takes. ``None`` without two peers in a stage.
    compute_deviation: float | None = None
    #: The same for one forward or backward compute of one micro-batch: what a calibration profile's
    #: ``operationDeviation`` takes (the wait where peers meet at every micro-batch, as delayed FP8 scaling makes them).
    operation_deviation: float | None = None


def whatif(trace: TraceSource, meta: MetaSource, *, layers: int | None = None) -> WhatIfReport:
    """Analyse a per-operation trace in the straggler-analysis artifact's format.

    ``trace`` is a ``.csv`` or ``.parquet`` path (Parquet needs ``pyarrow``: ``pip install paraplan[parquet]``), a
    pandas DataFrame or a pyarrow Table with the columns ``dp_rank, stage, rank, step, optype, start_ts, duration,
    seq_id`` (and optionally ``mc, mb_id, gmc``). ``meta`` is the meta YAML path or a mapping of the same keys.
    ``layers`` (the model's transformer layers, split evenly over the stages when recorded) also prices the best
    re-split of whole layers (``remedies["resplit_stages"]``).
    Raises :class:`InputError` naming the row and column of a malformed trace, or the operation that breaks the
    dependency model.
    """
    text, source = _trace_text(trace)
    if layers is not None and (isinstance(layers, bool) or not isinstance(layers, int)):
        raise InputError(f"layers = {layers!r}: must be a whole number")
    request = json.dumps({"trace": text, "meta": _meta_text(meta), "source": source, "layers": layers})
    return _report(json.loads(_native.call("whatif", request)))


def _trace_text(trace: TraceSource) -> tuple[str, str]:
    if isinstance(trace, (str, os.PathLike)):
        path = os.fspath(trace)
        if path.lower().endswith(".parquet"):
            try:
                parquet: Any = importlib.import_module("pyarrow.parquet")
            except ImportError as error:
                raise InputError(f"{path}: reading Parquet needs pyarrow (pip install 'paraplan[parquet]')") from error
            try:
                table = parquet.read_table(path)
            except (OSError, ValueError) as error:
                raise InputError(f"{path}: not a readable Parquet file ({error})") from error
            return _arrow_csv(table), path
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read(), path
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{path}: cannot be read ({error})") from error
    if hasattr(trace, "to_csv") and hasattr(trace, "columns"):  # a pandas DataFrame
        return str(trace.to_csv(index=False)), "DataFrame"
    if hasattr(trace, "schema") and hasattr(trace, "column_names"):  # a pyarrow Table
        return _arrow_csv(trace), "Table"
    raise InputError(
        f"trace = {type(trace).__name__}: must be a CSV or Parquet path, a pandas DataFrame or a pyarrow Table"
    )


def _arrow_csv(table: Any) -> str:
    arrow_csv: Any = importlib.import_module("pyarrow.csv")  # pyarrow ships no type stubs
    buffer = io.BytesIO()
    arrow_csv.write_csv(table, buffer)
    return buffer.getvalue().decode("utf-8")


def _meta_text(meta: MetaSource) -> str:
    if isinstance(meta, (str, os.PathLike)):
        path = os.fspath(meta)
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{path}: cannot be read ({error})") from error
    if isinstance(meta, Mapping):
        lines = []
        for key, value in meta.items():
            if not isinstance(key, str) or isinstance(value, (Mapping, list, tuple)):
                raise InputError(f"meta[{key!r}]: keys must be strings and values numbers or strings")
            lines.append(f"{key}: {value}")
        return "\n".join(lines) + "\n"
    raise InputError(f"meta = {type(meta).__name__}: must be a meta file path or a mapping")


def _recovery(d: Mapping[str, Any]) -> Recovery:
    return Recovery(
        [(w["dataParallelRank"], w["stage"]) for w in d["workers"]],
        d["recovered"],
        d["added"],
        d["originalSeconds"],
        d["idealSeconds"],
        d["fixedSeconds"],
        d["onlyTheseSeconds"],
    )


def _report(d: dict[str, Any]) -> WhatIfReport:
    s = d["stepSeconds"]
    steps = StepSeconds(
        np.asarray(s["steps"], dtype=np.int64),
        *(
            np.asarray(s[k], dtype=np.float64)
            for k in ("recorded", "replayed", "withoutLaunchDelays", "ideal", "slowdown")
        ),
    )
    a = d["attribution"]
    attribution = Attribution(
        dict(a["byOpType"]),
        {int(k): v for k, v in a["byDPRank"].items()},
        {int(k): v for k, v in a["byStage"].items()},
        [WorkerSlowdown(w["dataParallelRank"], w["stage"], w["slowdown"]) for w in a["byWorker"]],
    )
    workers = [(w["dataParallelRank"], w["stage"]) for w in d["heatmapWorkers"]]
    heatmap = np.asarray(d["heatmap"], dtype=np.float64).reshape(len(workers), len(steps.steps))
    machines = [
        SlowMachine(
            m["dataParallelRank"],
            m["stage"],
            m["slowSteps"],
            m["share"],
            m["sinceStep"],
            m["computeRatio"],
            dict(m["byOperation"]),
        )
        for m in d["slowMachines"]["slowMachines"]
    ]
    names = {
        "balancedBatches": "balanced_batches",
        "balancedStages": "balanced_stages",
        "replacedSlowMachines": "replaced_slow_machines",
        "plannedAroundSlowMachines": "planned_around_slow_machines",
    }
    remedies = {names[k]: Remedy(v["seconds"], v["speedUp"]) for k, v in d["remedies"].items() if k in names and v}
    if d["remedies"].get("rebalancedMicroBatches"):
        moved = d["remedies"]["rebalancedMicroBatches"]
        remedies["rebalanced_micro_batches"] = Remedy(moved["remedy"]["seconds"], moved["remedy"]["speedUp"])
    if d["remedies"].get("resplitStages"):
        split = d["remedies"]["resplitStages"]
        remedies["resplit_stages"] = Remedy(split["remedy"]["seconds"], split["remedy"]["speedUp"])
    return WhatIfReport(
        d["slowdown"],
        d["launchSlowdown"],
        d["replayError"],
        d["culprit"],
        steps,
        attribution,
        _recovery(d["mw"]),
        _recovery(d["ms"]),
        workers,
        heatmap,
        d["operations"],
        machines,
        remedies,
        d,
        d.get("computeDeviation"),
        d.get("operationDeviation"),
    )
