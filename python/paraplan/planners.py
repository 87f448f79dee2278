"""The four planners. Build one once (costs are parsed and checked then) and call ``plan`` every step.

Planners are immutable and thread-safe: any number of threads may call ``plan`` on one planner at once, and the
GIL is released while the native library plans, so the calls run in parallel.
"""

from __future__ import annotations

import ctypes
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _inputs, _native
from ._inputs import Source
from .errors import InputError
from .plans import BatchBalancePlan, ExpertPlacementPlan, GNNPipelinePlan, Plan, SequenceParallelPlan, from_handle

__all__ = ["SequenceParallelPlanner", "BatchBalancer", "ExpertPlacementPlanner", "GNNPipelinePlanner"]


class _Planner:
    _kind = ""

    def __init__(self, options: dict[str, Any]) -> None:
        self._handle: int | None = None
        self._options = options
        self._handle = _native.new_planner(self._kind, _inputs.options(options))

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None and _native is not None:
            self._handle = None
            _native.free_planner(handle)

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={value!r}" for key, value in self._options.items() if value is not None)
        return f"{type(self).__name__}({shown})"

    def _finish(self, status: int, plan: ctypes.c_void_p, error: ctypes.c_void_p) -> Any:
        return from_handle(_native.handed_out(status, plan, error))


class SequenceParallelPlanner(_Planner):
    """Plans one step's micro-batches and mixed-degree Ulysses groups for variable-length sequences (FlexSP's problem).

    Give ``profile`` (FlexSP's coefficients: a YAML/JSON path or a mapping), or ``model`` and ``cluster`` (presets,
    paths or mappings) to derive one. ``time_budget_ms`` stops the search early with the best plan so far.
    ``speed_factors``: each GPU's measured speed (a list, or the file ``paraplan whatif --speed-factors`` writes); a
    group runs at its slowest member's speed.
    """

    _kind = "sequence-parallel"

    def __init__(
        self,
        profile: Source | None = None,
        *,
        model: Source | None = None,
        cluster: Source | None = None,
        time_budget_ms: int | None = None,
        speed_factors: Sequence[float] | npt.ArrayLike | Source | None = None,
    ) -> None:
        super().__init__(
            {
                "profile": _inputs.source("profile", profile),
                "model": _inputs.source("model", model),
                "cluster": _inputs.source("cluster", cluster),
                "time_budget_ms": time_budget_ms,
                "speed_factors": _inputs.speed_factors(speed_factors),
            }
        )

    def plan(self, lengths: Sequence[int] | npt.ArrayLike) -> SequenceParallelPlan:
        """The plan for one global batch; ``lengths`` holds each sequence's tokens (a list or an integer array)."""
        values = _inputs.int64_array("lengths", lengths)
        out, error = ctypes.c_void_p(), ctypes.c_void_p()
        status = _native.library().pp_plan_sequence_parallel(
            self._handle, values.ctypes.data, values.size, ctypes.byref(out), ctypes.byref(error)
        )
        plan: SequenceParallelPlan = self._finish(status, out, error)
        return plan


class BatchBalancer(_Planner):
    """Balances a global batch's samples (text, or text with images) over data-parallel ranks and micro-batches.

    The options are those of ``paraplan plan batch-balance``: ``phases="encoder,llm"`` balances the vision encoder's
    images separately, ``sync_every_phase`` for FSDP/ZeRO-3, ``split_images`` to split heavy images over groups.
    ``speed_factors`` gives each rank's measured speed (a list per GPU or per rank, or the file
    ``paraplan whatif --speed-factors`` writes): slower ranks get less work.
    """

    _kind = "batch-balance"

    def __init__(
        self,
        ranks: int,
        *,
        profile: Source | None = None,
        model: Source | None = None,
        cluster: Source | None = None,
        micro_batches: int | None = None,
        equal_counts: bool = False,
        max_tokens_per_micro_batch: int | None = None,
        phases: str = "llm",
        sync_every_phase: bool = False,
        keep_encoder_phase: bool = False,
        split_images: bool = False,
        speed_factors: Sequence[float] | npt.ArrayLike | Source | None = None,
    ) -> None:
        super().__init__(
            {
                "ranks": ranks,
                "profile": _inputs.source("profile", profile),
                "model": _inputs.source("model", model),
                "cluster": _inputs.source("cluster", cluster),
                "micro_batches": micro_batches,
                "equal_counts": equal_counts,
                "max_tokens_per_micro_batch": max_tokens_per_micro_batch,
                "phases": phases,
                "sync_every_phase": sync_every_phase,
                "keep_encoder_phase": keep_encoder_phase,
                "split_images": split_images,
                "speed_factors": _inputs.speed_factors(speed_factors),
            }
        )

    def plan(
        self,
        tokens: Sequence[int] | npt.ArrayLike,
        images: Sequence[Sequence[int]] | None = None,
        loaded_rank: Sequence[int] | npt.ArrayLike | None = None,
    ) -> BatchBalancePlan:
        """The plan for one global batch.

        ``tokens[i]``: sample i's tokens, image tokens included. ``images[i]``: the token counts of sample i's
        images (one list per sample). ``loaded_rank[i]``: the rank that loaded sample i, to count and cut movement.
        """
        counts = _inputs.int64_array("tokens", tokens)
        offsets = values = ranks = None
        if images is not None:
            offsets, values = _inputs.ragged_int64("images", images, counts.size)
        if loaded_rank is not None:
            ranks = _inputs.int64_array("loaded_rank", loaded_rank)
            if ranks.size != counts.size:
                raise InputError(f"loaded_rank: {ranks.size} ranks for {counts.size} samples")
        out, error = ctypes.c_void_p(), ctypes.c_void_p()
        status = _native.library().pp_plan_batch_balance(
            self._handle,
            counts.ctypes.data,
            counts.size,
            None if offsets is None else offsets.ctypes.data,
            None if values is None or values.size == 0 else values.ctypes.data,
            None if ranks is None else ranks.ctypes.data,
            ctypes.byref(out),
            ctypes.byref(error),
        )
        plan: BatchBalancePlan = self._finish(status, out, error)
        return plan


class ExpertPlacementPlanner(_Planner):
    """Places MoE experts and hot-expert replicas on GPUs, with each replica's token share, for every layer.

    ``cluster``: the expert-parallel GPUs (e.g. ``"hgx-h800:8"``, a path or a mapping); ``slots_per_gpu`` expert
    slots each. ``groups``: expert groups for EPLB's hierarchical baseline. ``model``: an MoE model to price tokens
    (DeepSeek-V3's expert shape otherwise). ``speed_factors``: each GPU's measured speed (a list, or the file
    ``paraplan whatif --speed-factors`` writes); a slower GPU gets fewer tokens.
    """

    _kind = "expert-placement"

    def __init__(
        self,
        cluster: Source,
        slots_per_gpu: int,
        *,
        groups: int | None = None,
        max_moves: int | None = None,
        balance_tolerance: float = 0.0,
        model: Source | None = None,
        speed_factors: Sequence[float] | npt.ArrayLike | Source | None = None,
    ) -> None:
        super().__init__(
            {
                "cluster": _inputs.source("cluster", cluster),
                "slots_per_gpu": slots_per_gpu,
                "groups": groups,
                "max_moves": max_moves,
                "balance_tolerance": balance_tolerance,
                "model": _inputs.source("model", model),
                "speed_factors": _inputs.speed_factors(speed_factors),
            }
        )

    def plan(
        self,
        loads: npt.ArrayLike,
        origins: npt.ArrayLike | None = None,
        previous: ExpertPlacementPlan | str | os.PathLike[str] | None = None,
    ) -> ExpertPlacementPlan:
        """The placement for ``loads [layers, experts]`` (tokens per expert).

        ``origins [layers, gpus, experts]``: tokens each GPU routes to each expert, to cut inter-node traffic.
        ``previous``: the plan now running (a plan or its path), to count moves and honour ``max_moves``.
        """
        matrix = _inputs.float64_array("loads", loads, ndim=2)
        cube = None
        if origins is not None:
            cube = _inputs.float64_array("origins", origins, ndim=3)
            if cube.shape[0] != matrix.shape[0] or cube.shape[2] != matrix.shape[1]:
                raise InputError(
                    f"origins: shape {cube.shape} does not match loads {matrix.shape} (layers, gpus, experts)"
                )
        previous_text = None
        if previous is not None:
            previous_text = (
                previous.to_json(compact=True) if isinstance(previous, Plan) else _read(previous, "previous")
            )
        out, error = ctypes.c_void_p(), ctypes.c_void_p()
        status = _native.library().pp_plan_expert_placement(
            self._handle,
            matrix.ctypes.data,
            matrix.shape[0],
            matrix.shape[1],
            None if cube is None else cube.ctypes.data,
            0 if cube is None else cube.shape[1],
            None if previous_text is None else previous_text.encode(),
            ctypes.byref(out),
            ctypes.byref(error),
        )
        plan: ExpertPlacementPlan = self._finish(status, out, error)
        return plan


class GNNPipelinePlanner(_Planner):
    """Chooses graph-parallel ways x pipeline stages, each stage's layers and the chunk count for full-graph GNN
    training (GNNPipe), partitioning the graph with METIS.

    ``model``: a GNN model file or mapping (type, layers, inputWidth, hiddenWidth, outputWidth[, heads]).
    """

    _kind = "gnn-pipeline"

    def __init__(self, model: Source, cluster: Source, *, chunks: int | None = None, ways: int | None = None) -> None:
        super().__init__(
            {
                "model": _inputs.source("model", model),
                "cluster": _inputs.source("cluster", cluster),
                "chunks": chunks,
                "ways": ways,
            }
        )

    def plan(
        self,
        edges: npt.ArrayLike | None = None,
        *,
        num_vertices: int | None = None,
        graph_stats: Mapping[str, Any] | str | os.PathLike[str] | None = None,
    ) -> GNNPipelinePlan:
        """The layout for a graph given as ``edges [M, 2]`` (vertex ids from 0; symmetrised, self-loops dropped) or as
        ``graph_stats`` ({"vertices", "edges", "mirrors"}, a mapping or a JSON file) for graphs too large to load."""
        if (edges is None) == (graph_stats is None):
            raise InputError("edges: give exactly one of edges and graph_stats")
        out, error = ctypes.c_void_p(), ctypes.c_void_p()
        if edges is not None:
            pairs = _inputs.int64_array("edges", edges, ndim=2, columns=2)
            if num_vertices is not None and (not isinstance(num_vertices, (int, np.integer)) or num_vertices <= 0):
                raise InputError(f"num_vertices = {num_vertices}: must be a positive whole number")
            status = _native.library().pp_plan_gnn_pipeline(
                self._handle,
                pairs.ctypes.data,
                pairs.shape[0],
                int(num_vertices or 0),
                None,
                ctypes.byref(out),
                ctypes.byref(error),
            )
        else:
            if isinstance(graph_stats, Mapping):
                try:
                    text = json.dumps(dict(graph_stats), allow_nan=False)
                except (TypeError, ValueError) as problem:
                    raise InputError(f"graph_stats: {problem}") from problem
            else:
                text = _read(graph_stats, "graph_stats")  # type: ignore[arg-type]
            status = _native.library().pp_plan_gnn_pipeline(
                self._handle, None, 0, 0, text.encode(), ctypes.byref(out), ctypes.byref(error)
            )
        plan: GNNPipelinePlan = self._finish(status, out, error)
        return plan


def _read(path: str | os.PathLike[str], name: str) -> str:
    """A text file, with the CLI's messages when it cannot be read."""
    shown = os.fspath(path)
    if not os.path.exists(shown):
        raise InputError(f"{shown}: no such file")
    if os.path.isdir(shown):
        raise InputError(f"{shown}: is a directory, not a file")
    try:
        with open(shown, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{shown}: cannot be read ({error})") from error
