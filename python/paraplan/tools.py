"""The CLI's other commands: estimate, layouts, presets, validate, load_plan and compare."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy.typing as npt

from . import _inputs, _native
from ._inputs import Source
from .errors import InputError
from .plans import AnyPlan, Plan, parse_plan
from .planners import _read

__all__ = [
    "estimate",
    "layouts",
    "presets",
    "validate",
    "load_plan",
    "compare",
    "Estimate",
    "TimeBreakdown",
    "MemoryBreakdown",
    "Layouts",
    "RankedLayout",
    "Presets",
    "Validation",
    "Comparison",
    "ComparisonRow",
]


@dataclass(frozen=True)
class TimeBreakdown:
    """Seconds of one iteration by cause (exposed communication only)."""

    compute: float
    tensor_parallel: float
    pipeline_bubble: float
    pipeline_transfers: float
    data_parallel: float
    context_parallel: float
    expert_parallel: float
    optimizer: float
    cpu_offload: float = 0.0
    """Activation copies to and from host memory not hidden behind compute (``cpu_offload_layers``)."""
    synchronisation: float = 0.0
    """Waiting for the slowest worker: the expected largest of the workers' run-to-run compute deviations, once a step,
    or at every micro-batch where delayed FP8 scaling makes the data-parallel replicas meet."""
    fp8_amax_reduction: float = 0.0
    """Delayed FP8 scaling's amax all-reduces after every model chunk's forward and backward (their latency)."""


@dataclass(frozen=True)
class MemoryBreakdown:
    """Bytes per GPU on the busiest pipeline rank; ``peak`` is its total, ``pipeline_rank`` which rank (0 the first)."""

    parameters: float
    gradients: float
    optimizer: float
    activations: float
    logits: float
    peak: float
    pipeline_rank: int


@dataclass(frozen=True)
class Estimate:
    """Iteration time, memory and MFU of one static layout (what ``paraplan estimate --json`` prints)."""

    iteration_seconds: float
    mfu: float
    memory_bytes: float
    usable_memory_bytes: float
    fits_in_memory: bool
    tokens_per_second_per_gpu: float
    model_flops_per_second_per_gpu: float
    breakdown: TimeBreakdown
    memory: MemoryBreakdown
    warnings: list[str]
    #: The layout estimated (camelCase keys, as ``--json`` prints under ``setup.strategy``).
    strategy: dict[str, Any] | None = None
    #: How far the estimator was from published runs of this kind of model (dense or MoE), fitted and held out.
    accuracy: str | None = None
    _json: str = field(default="", repr=False, compare=False)

    def to_json(self) -> str:
        """The estimate as ``paraplan estimate --json`` prints it, for a file ``paraplan report --estimate`` reads."""
        return self._json


@dataclass(frozen=True)
class RankedLayout:
    """One layout of ``layouts``: its strategy (camelCase keys, as ``--json`` prints) and predictions."""

    strategy: dict[str, Any]
    iteration_seconds: float
    mfu: float
    tokens_per_second_per_gpu: float
    memory_bytes: float
    #: The layers do not split evenly over the virtual stages (Megatron needs ``--pipeline-model-parallel-layout``).
    uneven_pipeline: bool = False
    #: The layout as Megatron-LM command-line arguments.
    megatron_arguments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layouts:
    """Static layouts ranked fastest first; ``tried`` estimated, ``fitting`` fit in memory."""

    tried: int
    fitting: int
    layouts: list[RankedLayout]
    #: How far the estimator that ranked them was from published runs of this kind of model (dense or MoE).
    accuracy: str | None = None


@dataclass(frozen=True)
class Presets:
    """GPUs, cluster node types and models known by name (camelCase keys, as the library reports them)."""

    gpus: list[dict[str, Any]]
    clusters: list[dict[str, Any]]
    models: list[dict[str, Any]]


@dataclass(frozen=True)
class Validation:
    """A valid plan's kind and a one-line description."""

    kind: str
    description: str


@dataclass(frozen=True)
class ComparisonRow:
    """One strategy of a comparison: a plan or one of its baselines."""

    plan: str
    strategy: str
    seconds: float
    over_best: float
    lower_bound_seconds: float | None
    over_bound: float | None
    extras: dict[str, float]


@dataclass(frozen=True)
class Comparison:
    """Plans of one kind and their baselines ranked by predicted time."""

    kind: str
    metric: str
    same_inputs: bool
    rows: list[ComparisonRow]


def _cost_inputs(
    model: Source,
    cluster: Source | None,
    gpu: str | None,
    nodes: int | None,
    gpus_per_node: int,
    profile: Source | None,
) -> dict[str, Any]:
    return {
        "model": _inputs.source("model", model),
        "cluster": _inputs.source("cluster", cluster),
        "gpu": gpu,
        "nodes": nodes,
        "gpus_per_node": gpus_per_node if gpu is not None else None,
        "profile": _inputs.source("profile", profile),
    }


def _names(name: str, value: Sequence[str]) -> str:
    """A list of Megatron-Core module names as the CLI takes it, comma-separated."""
    if isinstance(value, str) or not all(isinstance(item, str) for item in value):
        raise InputError(f"{name} = {value!r}: must be a list of module names")
    return ",".join(value)


def estimate(
    model: Source,
    cluster: Source | None = None,
    *,
    global_batch: int,
    seq_len: int,
    tp: int = 1,
    pp: int = 1,
    dp: int | None = None,
    cp: int = 1,
    ep: int = 1,
    etp: int | None = None,
    micro_batch: int = 1,
    recompute: str = "none",
    recompute_layers: int | None = None,
    recompute_modules: Sequence[str] | None = None,
    sequence_parallel: bool = False,
    interleave: int = 1,
    zero: int = 1,
    fp8: bool = False,
    fp8_recipe: str | None = None,
    grad_reduce_bf16: bool = False,
    tp_comm_overlap: bool = False,
    ep_comm_overlap: bool = False,
    full_iteration_cuda_graph: bool = False,
    cuda_graph_modules: Sequence[str] | None = None,
    moe_dispatcher: str | None = None,
    main_params_dtype: str | None = None,
    exp_avg_dtype: str | None = None,
    exp_avg_sq_dtype: str | None = None,
    cpu_offload_layers: int | None = None,
    memory_headroom: float | None = None,
    overlap_grad_reduce: bool = True,
    overlap_p2p_comm: bool = True,
    flash_attention: bool = True,
    causal_halved: bool = False,
    gpu: str | None = None,
    nodes: int | None = None,
    gpus_per_node: int = 8,
    profile: Source | None = None,
) -> Estimate:
    """Iteration time, per-GPU memory and MFU of a static Megatron-style layout (``paraplan estimate``).

    ``model`` is a preset name, a ``config.json`` or a Hugging Face checkpoint directory, a mapping, or the training
    code's own ``PretrainedConfig`` (``model.config``). ``cluster`` is a preset such as ``"hgx-h100:2"`` (2 nodes of 8 GPUs), a file or a mapping; or give ``gpu`` and
    ``nodes``. ``dp`` defaults to GPUs / (tp x pp x cp). ``etp`` is the tensor parallelism inside each expert
    (default ``tp``); ``ep`` x ``etp`` must divide tp x cp x dp, as in Megatron-Core. ``fp8_recipe`` is one of
    ``"delayed"``, ``"current"``, ``"blockwise"`` or ``"mxfp8"`` and needs ``fp8=True``. ``recompute_modules``
    names what ``recompute="selective"`` repeats, as Megatron-Core's ``recompute_modules``: any of ``"core_attn"``
    (the default), ``"layernorm"`` and ``"moe_act"``. ``memory_headroom`` is the fraction of each GPU's memory a layout
    may not use; the default keeps 10 %, at most 8 GiB. ``cpu_offload_layers`` keeps the activations of the first N
    layers in host memory until backward, as Megatron-Core's ``cpu_offloading_num_layers`` (``pp=1``, no recompute).
    ``full_iteration_cuda_graph`` replays the whole iteration as one CUDA graph (Megatron-Core's
    ``cuda_graph_impl="full_iteration"``): MoE layers then pay no host wait. ``cuda_graph_modules`` captures parts
    of each layer in per-layer graphs instead (``cuda_graph_impl="transformer_engine"``): any of ``"attn"``,
    ``"mlp"``, ``"moe_router"`` and ``"moe_preprocess"``. ``moe_dispatcher`` is ``"alltoall"``, ``"deepep"`` or
    ``"hybridep"`` (Megatron-Core's ``moe_token_dispatcher_type``, ``"flex"`` for the last two); ``"alltoall"`` sends
    every routed copy across nodes, where DeepEP, HybridEP and an unstated dispatcher send one per node. With the
    router and the preprocessing graphed and DeepEP or HybridEP, MoE layers pay no host wait either.
    ``main_params_dtype`` (``"fp32"`` or ``"fp16"``), ``exp_avg_dtype`` and ``exp_avg_sq_dtype`` (``"fp32"``,
    ``"fp16"``, ``"bf16"`` or ``"fp8"``) store Adam's master weights and moments as Megatron-Core's precision-aware
    optimizer does (``use_precision_aware_optimizer``; needs ``zero=1``); absent, all three are FP32.
    ``overlap_p2p_comm=False`` makes the interleaved schedule wait for each pipeline send and receive (Megatron-Core's
    ``overlap_p2p_comm``, on by default in Megatron-LM's arguments).
    """
    request = _cost_inputs(model, cluster, gpu, nodes, gpus_per_node, profile)
    if recompute_modules is not None:
        request["recompute_modules"] = _names("recompute_modules", recompute_modules)
    if cuda_graph_modules is not None:
        request["cuda_graph_modules"] = _names("cuda_graph_modules", cuda_graph_modules)
    request.update(
        {
            "global_batch": global_batch,
            "seq_len": seq_len,
            "tp": tp,
            "pp": pp,
            "dp": dp,
            "cp": cp,
            "ep": ep,
            "etp": etp,
            "micro_batch": micro_batch,
            "recompute": recompute,
            "recompute_layers": recompute_layers,
            "sequence_parallel": sequence_parallel,
            "interleave": interleave,
            "zero": zero,
            "fp8": fp8,
            "fp8_recipe": fp8_recipe,
            "grad_reduce_bf16": grad_reduce_bf16,
            "ep_comm_overlap": ep_comm_overlap,
            "full_iteration_cuda_graph": full_iteration_cuda_graph,
            "moe_dispatcher": moe_dispatcher,
            "main_params_dtype": main_params_dtype,
            "exp_avg_dtype": exp_avg_dtype,
            "exp_avg_sq_dtype": exp_avg_sq_dtype,
            "cpu_offload_layers": cpu_offload_layers,
            "tp_comm_overlap": tp_comm_overlap,
            "memory_headroom": memory_headroom,
            "no_overlap_grad_reduce": not overlap_grad_reduce,
            "no_overlap_p2p_communication": not overlap_p2p_comm,
            "no_flash_attention": not flash_attention,
            "causal_halved": causal_halved,
        }
    )
    text = _native.call("estimate", _inputs.options(request))
    d = json.loads(text)
    b, m = d["breakdown"], d["memory"]
    return Estimate(
        d["iterationSeconds"],
        d["mfu"],
        d["memoryBytes"],
        d["usableMemoryBytes"],
        d["fitsInMemory"],
        d["tokensPerSecondPerGPU"],
        d["modelFlopsPerSecondPerGPU"],
        TimeBreakdown(
            b["compute"],
            b["tensorParallel"],
            b["pipelineBubble"],
            b["pipelineTransfers"],
            b["dataParallel"],
            b["contextParallel"],
            b["expertParallel"],
            b["optimizer"],
            b["cpuOffload"],
            b["synchronisation"],
            b.get("fp8AmaxReduction", 0.0),
        ),
        MemoryBreakdown(
            m["parameters"], m["gradients"], m["optimizer"], m["activations"], m["logits"], m["peak"], m["pipelineRank"]
        ),
        d["warnings"],
        (d.get("setup") or {}).get("strategy"),
        d.get("accuracy"),
        text,
    )


def layouts(
    model: Source,
    cluster: Source | None = None,
    *,
    global_batch: int,
    seq_len: int,
    cp: Sequence[int] = (1,),
    tp: Sequence[int] | None = None,
    pp: Sequence[int] | None = None,
    ep: Sequence[int] | None = None,
    micro_batch: Sequence[int] | None = None,
    even_stages: bool = False,
    cpu_offload: bool = True,
    top: int = 10,
    all_variants: bool = False,
    zero: int = 1,
    fp8: bool = False,
    fp8_recipe: str | None = None,
    grad_reduce_bf16: bool = False,
    tp_comm_overlap: bool = False,
    full_iteration_cuda_graph: bool = False,
    cuda_graph_modules: Sequence[str] | None = None,
    moe_dispatcher: str | None = None,
    main_params_dtype: str | None = None,
    exp_avg_dtype: str | None = None,
    exp_avg_sq_dtype: str | None = None,
    memory_headroom: float | None = None,
    gpu: str | None = None,
    nodes: int | None = None,
    gpus_per_node: int = 8,
    profile: Source | None = None,
) -> Layouts:
    """Every static layout of the cluster ranked by predicted iteration time (``paraplan layouts``).

    ``tp``, ``pp``, ``ep`` and ``micro_batch`` fix those degrees to the values listed; ``even_stages`` keeps only
    layouts whose layers split evenly over the virtual stages. Each layout carries its Megatron-LM arguments.
    ``memory_headroom`` is as in :func:`estimate`. ``cpu_offload=False`` leaves out the layouts that offload
    activations (by default a layout without a pipeline that does not fit is tried with the fewest offloaded layers
    that fit). ``full_iteration_cuda_graph``, ``cuda_graph_modules`` and ``moe_dispatcher`` price every layout with
    those CUDA graphs and that dispatcher, and ``main_params_dtype``, ``exp_avg_dtype`` and ``exp_avg_sq_dtype`` with
    that optimizer state, as in :func:`estimate`.
    """
    request = _cost_inputs(model, cluster, gpu, nodes, gpus_per_node, profile)
    if cuda_graph_modules is not None:
        request["cuda_graph_modules"] = _names("cuda_graph_modules", cuda_graph_modules)
    if isinstance(cp, (str, bytes)) or not isinstance(cp, Sequence):
        raise InputError(f"cp = {cp!r}: must be a list of context-parallel degrees")
    request.update(
        {
            "global_batch": global_batch,
            "seq_len": seq_len,
            "top": top,
            "all_variants": all_variants,
            "zero": zero,
            "fp8": fp8,
            "fp8_recipe": fp8_recipe,
            "grad_reduce_bf16": grad_reduce_bf16,
            "tp_comm_overlap": tp_comm_overlap,
            "full_iteration_cuda_graph": full_iteration_cuda_graph,
            "moe_dispatcher": moe_dispatcher,
            "main_params_dtype": main_params_dtype,
            "exp_avg_dtype": exp_avg_dtype,
            "exp_avg_sq_dtype": exp_avg_sq_dtype,
            "memory_headroom": memory_headroom,
        }
    )
    options = json.loads(_inputs.options(request))
    options["cp"] = [_whole("cp", value) for value in cp]
    for name, values in (("tp", tp), ("pp", pp), ("ep", ep), ("micro-batch", micro_batch)):
        if values is None:
            continue
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise InputError(f"{name.replace('-', '_')} = {values!r}: must be a list of degrees")
        options[name] = [_whole(name.replace("-", "_"), value) for value in values]
    if even_stages:
        options["even-stages"] = True
    if not cpu_offload:
        options["no-cpu-offload"] = True
    d = json.loads(_native.call("layouts", json.dumps(options)))
    return Layouts(
        d["tried"],
        d["fitting"],
        [
            RankedLayout(
                e["strategy"],
                e["iterationSeconds"],
                e["mfu"],
                e["tokensPerSecondPerGPU"],
                e["memoryBytes"],
                e["unevenPipeline"],
                tuple(e["megatronArguments"]),
            )
            for e in d["layouts"]
        ],
        d.get("accuracy"),
    )


def presets() -> Presets:
    """The GPU, cluster and model presets that options accept by name."""
    d = json.loads(_native.call("presets", "{}"))
    return Presets(d["gpus"], d["clusters"], d["models"])


PlanLike = Union["Plan[Any, Any]", str, "os.PathLike[str]"]
#: A GNN graph's statistics: a mapping {"vertices", "edges", "mirrors"} or a JSON file.
GraphStats = Union[Mapping[str, Any], str, "os.PathLike[str]"]


def _plan_text(plan: PlanLike) -> tuple[str, str]:
    """(label, text): a plan object's own text, else the file's."""
    if isinstance(plan, Plan):
        return "plan", plan.to_json(compact=True)
    if isinstance(plan, (str, os.PathLike)):
        return os.fspath(plan), _read(plan, "plan")
    raise InputError(f"plan = {type(plan).__name__}: must be a plan or a path to a plan file")


def validate(plan_or_path: PlanLike) -> Validation:
    """Checks a plan (an object or a file) against the paraplan/v1 schema and its kind's invariants.

    Returns the plan's kind and description; raises :class:`InputError` naming the first problem.
    """
    label, text = _plan_text(plan_or_path)
    d = json.loads(_native.call("validate", json.dumps({"plan": text, "source": label})))
    return Validation(d["kind"], d["description"])


def load_plan(path: str | os.PathLike[str]) -> AnyPlan:
    """Reads a plan file, validates it and returns the typed plan (its kind decides the class)."""
    label, text = _plan_text(path)
    return parse_plan(text, label)


def compare(plans: Sequence[PlanLike] | Mapping[str, PlanLike]) -> Comparison:
    """Ranks plans of one kind, and every baseline each reports, by predicted time (``paraplan compare``).

    Give a list of plans or paths (labelled by path, or ``plan N``), or a mapping of labels to plans.
    """
    items = list(plans.items()) if isinstance(plans, Mapping) else [(None, plan) for plan in plans]
    entries = []
    for index, (label, plan) in enumerate(items):
        own, text = _plan_text(plan)
        entries.append(
            {"label": label if label is not None else (own if own != "plan" else f"plan {index}"), "plan": text}
        )
    d = json.loads(_native.call("compare", json.dumps({"plans": entries, "format": "json"})))
    return Comparison(
        d["kind"],
        d["metric"],
        d["sameInputs"],
        [
            ComparisonRow(
                r["plan"],
                r["strategy"],
                r["seconds"],
                r["overBest"],
                r.get("lowerBoundSeconds"),
                r.get("overBound"),
                r["extras"],
            )
            for r in d["rows"]
        ],
    )


def _whole(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{name} = {value!r}: must be a whole number")
    return int(value)


def trace(
    plan: PlanLike,
    lengths: Sequence[int] | npt.ArrayLike | None = None,
    *,
    tokens: Sequence[int] | npt.ArrayLike | None = None,
    images: Sequence[Sequence[int]] | None = None,
    loaded_rank: Sequence[int] | npt.ArrayLike | None = None,
    profile: Source | None = None,
    model: Source | None = None,
    cluster: Source | None = None,
    edges: npt.ArrayLike | None = None,
    num_vertices: int | None = None,
    graph_stats: GraphStats | None = None,
) -> str:
    """A plan's predicted schedule as Chrome-trace JSON, for Perfetto (``paraplan trace``).

    A sequence-parallel plan takes ``lengths``, the batch it was made for; a batch-balance plan ``tokens`` (and
    ``images``, ``loaded_rank``, as ``BatchBalancer.plan`` took them). ``profile``, or ``model`` and ``cluster``: the
    cost it was planned with. A GNN-pipeline plan takes ``edges`` (and ``num_vertices``) or ``graph_stats``, with the
    GNN ``model`` and ``cluster``, as ``GNNPipelinePlanner`` took them. The inputs are checked against the plan. Write
    the text to a ``.json`` file and open it in ui.perfetto.dev.
    """
    label, text = _plan_text(plan)
    request: dict[str, Any] = {
        "plan": text,
        "source": label,
        "profile": _inputs.source("profile", profile),
        "model": _inputs.source("model", model),
        "cluster": _inputs.source("cluster", cluster),
    }
    if lengths is not None:
        values = _inputs.int64_array("lengths", lengths)
        request["lengths"] = "\n".join(str(v) for v in values.tolist())
    if tokens is not None:
        counts = _inputs.int64_array("tokens", tokens).tolist()
        ranks = None if loaded_rank is None else _inputs.int64_array("loaded_rank", loaded_rank).tolist()
        if images is not None and len(images) != len(counts):
            raise InputError(f"images: {len(images)} lists for {len(counts)} samples")
        if ranks is not None and len(ranks) != len(counts):
            raise InputError(f"loaded_rank: {len(ranks)} ranks for {len(counts)} samples")
        rows = []
        for index, count in enumerate(counts):
            row: dict[str, Any] = {"tokens": count}
            if images is not None:
                row["images"] = [_whole(f"images[{index}]", image) for image in images[index]]
            if ranks is not None:
                row["rank"] = ranks[index]
            rows.append(json.dumps(row))
        request["samples"] = "\n".join(rows) + "\n"
    request.update(_graph_inputs(edges, num_vertices, graph_stats))
    return _native.call("trace", json.dumps({k: v for k, v in request.items() if v is not None}))


def report(
    plan: PlanLike | None = None,
    lengths: Sequence[int] | npt.ArrayLike | None = None,
    *,
    loads: npt.ArrayLike | None = None,
    profile: Source | None = None,
    model: Source | None = None,
    cluster: Source | None = None,
    edges: npt.ArrayLike | None = None,
    num_vertices: int | None = None,
    graph_stats: GraphStats | None = None,
    estimates: Sequence[Estimate | str | os.PathLike[str]] | None = None,
) -> str:
    """A plan's self-contained HTML report with figures (``paraplan report``); no network or scripts needed to read it.

    A sequence-parallel plan takes ``lengths`` and its cost (``profile``, or ``model`` and ``cluster``), checked against
    the plan; an expert-placement plan ``loads [layers, experts]`` unless it was planned with origins; a GNN-pipeline
    plan ``edges`` (and ``num_vertices``) or ``graph_stats`` with its GNN ``model`` and ``cluster``; a batch-balance
    plan needs only itself. ``estimates`` (results of :func:`estimate`, or ``estimate --json`` files) are drawn after
    the plan, several on one scale; with no plan they are the report.
    """
    request: dict[str, Any] = {
        "profile": _inputs.source("profile", profile),
        "model": _inputs.source("model", model),
        "cluster": _inputs.source("cluster", cluster),
    }
    if plan is not None:
        request["source"], request["plan"] = _plan_text(plan)
    if estimates is not None:
        if isinstance(estimates, (str, os.PathLike, Estimate)):
            raise InputError("estimates: give a list of estimates or estimate files")
        request["estimates"] = [_estimate_entry(index, item) for index, item in enumerate(estimates)]
    elif plan is None:
        raise InputError("plan: give a plan or estimates")
    if lengths is not None:
        request["lengths"] = "\n".join(str(v) for v in _inputs.int64_array("lengths", lengths).tolist())
    if loads is not None:
        request["loads"] = json.dumps(_inputs.float64_array("loads", loads, ndim=2).tolist())
    request.update(_graph_inputs(edges, num_vertices, graph_stats))
    return _native.call("report", json.dumps({k: v for k, v in request.items() if v is not None}))


def _graph_inputs(
    edges: npt.ArrayLike | None, num_vertices: int | None, graph_stats: GraphStats | None
) -> dict[str, Any]:
    """A GNN plan's graph for ``report`` and ``trace``: ``edges [M, 2]`` as an edge list's text, or the statistics."""
    request: dict[str, Any] = {}
    if edges is not None:
        pairs = _inputs.int64_array("edges", edges, ndim=2, columns=2)
        request["graph"] = "".join(f"{u} {v}\n" for u, v in pairs.tolist())
    if num_vertices is not None:
        request["vertices"] = _whole("num_vertices", num_vertices)
    if graph_stats is not None:
        if isinstance(graph_stats, Mapping):
            try:
                request["graph-stats"] = json.dumps(dict(graph_stats), allow_nan=False)
            except (TypeError, ValueError) as problem:
                raise InputError(f"graph_stats: {problem}") from problem
        else:
            request["graph-stats"] = _read(graph_stats, "graph_stats")
    return request


def _estimate_entry(index: int, item: Estimate | str | os.PathLike[str]) -> dict[str, str]:
    """An estimate for ``report``: its JSON, labelled by its file's name or its place in the list."""
    if isinstance(item, Estimate):
        return {"label": f"estimate {index}", "estimate": item.to_json()}
    if isinstance(item, (str, os.PathLike)):
        return {"label": os.fspath(item), "estimate": _read(item, f"estimates[{index}]")}
    raise InputError(f"estimates[{index}] = {type(item).__name__}: must be an Estimate or a path")
