"""Execution plans (format ``paraplan/v1``) as typed Python objects.

Every field of the JSON plan is an attribute, in snake_case (``microBatches`` -> ``micro_batches``), and the bulk
ones are numpy arrays too (``plan.slots``, ``plan.samples``). :meth:`Plan.to_json` gives byte for byte what the CLI
writes for the same inputs and options. docs/plan-format.md documents every field.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar, Union

import numpy as np
import numpy.typing as npt

from . import _native

__all__ = [
    "Plan",
    "Solver",
    "Inputs",
    "SequenceParallelPlan",
    "MicroBatch",
    "Group",
    "StepPrediction",
    "StepBaseline",
    "BatchBalancePlan",
    "RankAssignment",
    "EncoderRank",
    "ImageRef",
    "Shard",
    "Moved",
    "Send",
    "ExpertPlacementPlan",
    "ExpertLayer",
    "ExpertPrediction",
    "ExpertBaseline",
    "GNNPipelinePlan",
    "Stage",
    "EpochPrediction",
    "EpochBaseline",
    "AnyPlan",
    "parse_plan",
]


@dataclass(frozen=True)
class Solver:
    """How the plan was found."""

    backend: str
    status: str
    seconds: float | None = None
    relative_gap: float | None = None

    @classmethod
    def _from(cls, d: dict[str, Any]) -> Solver:
        return cls(d["backend"], d["status"], d.get("seconds"), d.get("relativeGap"))


@dataclass(frozen=True)
class Inputs:
    """SHA-256 of every input that changes the plan, so a runtime can check it holds the plan for its batch
    (``batch_sha256``: of the batch alone, where the options are digested too)."""

    sha256: str
    summary: str
    batch_sha256: str | None = None

    @classmethod
    def _from(cls, d: dict[str, Any]) -> Inputs:
        return cls(d["sha256"], d["summary"], d.get("batchSha256"))


PredictionT = TypeVar("PredictionT")
BaselineT = TypeVar("BaselineT")


class Plan(Generic[PredictionT, BaselineT]):
    """What every plan kind shares; subclasses add their fields.

    A plan wraps the library's plan: its numbers arrive as numpy arrays (one copy, no JSON parsed), typed attributes
    are built from them on first read, and :meth:`to_json` asks the library for the canonical text. Plans compare
    equal when their canonical JSON is equal, and pickle as that text (to send them between ranks).
    """

    kind_name: ClassVar[str] = ""
    _prediction: ClassVar[Any]
    _baseline: ClassVar[Any]

    def __init__(
        self, handle: int, header: dict[str, Any], ints: npt.NDArray[np.int64], doubles: npt.NDArray[np.float64]
    ) -> None:
        """Plans come from planners, :func:`paraplan.load_plan` and :func:`parse_plan`; this takes the library's handle."""
        self._handle: int | None = handle
        self._fields: dict[str, Any] = header["plan"]
        self._arrays: dict[str, np.ndarray[Any, Any]] = {}
        for name, where in header["arrays"].items():
            source = ints if where["type"] == "int64" else doubles
            self._arrays[name] = source[where["offset"] : where["offset"] + where["count"]]

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None and _native is not None:
            self._handle = None
            _native.free_plan(handle)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (_from_text, (self.to_json(compact=True),))

    @property
    def format(self) -> str:
        """The format version, ``paraplan/v1``."""
        return self._fields["format"]  # type: ignore[no-any-return]

    @property
    def kind(self) -> str:
        return self._fields["kind"]  # type: ignore[no-any-return]

    @cached_property
    def solver(self) -> Solver:
        """How the plan was found."""
        return Solver._from(self._fields["solver"])

    @cached_property
    def inputs(self) -> Inputs:
        """The digest of the inputs the plan was computed from."""
        return Inputs._from(self._fields["inputs"])

    @cached_property
    def predicted(self) -> PredictionT:
        """The plan's predicted cost, with its lower bound where one is proven."""
        return self._prediction._from(self._fields["predicted"])  # type: ignore[no-any-return]

    @cached_property
    def baselines(self) -> list[BaselineT]:
        """The strategies the planner compared against, under the same cost model."""
        return [self._baseline._from(b) for b in self._fields["baselines"]]

    @property
    def lower_bound_seconds(self) -> float | None:
        """A time no plan for these inputs can beat under the planner's cost model, where one is proven."""
        return self._fields["predicted"].get("lowerBoundSeconds")  # type: ignore[no-any-return]

    @property
    def predicted_seconds(self) -> float:
        """The predicted time plans are ranked by (step, expert or epoch seconds)."""
        return getattr(self.predicted, "seconds")  # type: ignore[no-any-return]

    def to_json(self, *, compact: bool = False) -> str:
        """The plan as the CLI writes it: pretty by default, one line with ``compact=True`` (keys sorted either way)."""
        assert self._handle is not None
        return _native.plan_json(self._handle, compact)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes :meth:`to_json` to ``path``."""
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(self.to_json())

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain JSON values (camelCase keys, as in the file)."""
        return json.loads(self.to_json(compact=True))  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Plan)
            and type(other) is type(self)
            and other.to_json(compact=True) == self.to_json(compact=True)
        )

    def __hash__(self) -> int:
        return hash(self.to_json(compact=True))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.inputs.summary}: predicted {self.predicted_seconds:.4g} s>"


# Sequence parallelism -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepPrediction:
    """Predicted step time and the lower bound (sequence parallelism, batch balancing)."""

    step_seconds: float
    lower_bound_seconds: float | None

    @property
    def seconds(self) -> float:
        return self.step_seconds

    @classmethod
    def _from(cls, d: dict[str, Any]) -> StepPrediction:
        return cls(d["stepSeconds"], d.get("lowerBoundSeconds"))


@dataclass(frozen=True)
class StepBaseline:
    """A strategy the planner compared against, under the same cost model."""

    name: str
    step_seconds: float

    @classmethod
    def _from(cls, d: dict[str, Any]) -> StepBaseline:
        return cls(d["name"], d["stepSeconds"])


@dataclass(frozen=True)
class Group:
    """One sequence-parallel group: ``degree`` ranks from ``first_rank``, running ``sequences`` (indices into the
    batch). Attention runs Ulysses over ``ulysses`` adjacent ranks and ring attention over the ``ring`` blocks
    (``ulysses * ring == degree``; pure Ulysses is ``ring == 1``)."""

    degree: int
    first_rank: int
    sequences: list[int]
    ulysses: int = 0
    """0 when constructed without a scheme: read as ``degree`` (pure Ulysses)."""
    ring: int = 1

    def __post_init__(self) -> None:
        if self.ulysses == 0:
            object.__setattr__(self, "ulysses", self.degree)

    @property
    def ranks(self) -> range:
        return range(self.first_rank, self.first_rank + self.degree)

    @classmethod
    def _from(cls, d: dict[str, Any]) -> Group:
        return cls(d["degree"], d["firstRank"], d["sequences"], d.get("ulysses", d["degree"]), d.get("ring", 1))


@dataclass(frozen=True)
class MicroBatch:
    """One micro-batch: its groups run side by side."""

    predicted_seconds: float
    groups: list[Group]

    @classmethod
    def _from(cls, d: dict[str, Any]) -> MicroBatch:
        return cls(d["predictedSeconds"], [Group._from(g) for g in d["groups"]])


class SequenceParallelPlan(Plan[StepPrediction, StepBaseline]):
    """One step's micro-batches and mixed-degree sequence-parallel groups.

    Arrays: ``group_table`` ``[groups, 4]`` (micro-batch, degree, first rank, sequence count) and ``group_sequences``
    (every group's sequences, laid end to end in that order).
    """

    kind_name: ClassVar[str] = "sequence-parallel"
    _prediction = StepPrediction
    _baseline = StepBaseline

    @property
    def gpus(self) -> int:
        return self._fields["gpus"]  # type: ignore[no-any-return]

    @property
    def group_table(self) -> npt.NDArray[np.int64]:
        return self._arrays["groups"].reshape(-1, 4)

    @property
    def group_sequences(self) -> npt.NDArray[np.int64]:
        return self._arrays["sequences"]

    @cached_property
    def micro_batches(self) -> list[MicroBatch]:
        table = self.group_table.tolist()
        sequences = self.group_sequences.tolist()
        batches: list[list[Group]] = [[] for _ in self._arrays["microBatchSeconds"]]
        schemes = self._arrays["groupSchemes"].reshape(-1, 2).tolist() if "groupSchemes" in self._arrays else None
        start = 0
        for index, (batch, degree, first_rank, count) in enumerate(table):
            ulysses, ring = schemes[index] if schemes is not None else (degree, 1)
            batches[batch].append(Group(degree, first_rank, sequences[start : start + count], ulysses, ring))
            start += count
        return [
            MicroBatch(seconds, groups) for seconds, groups in zip(self._arrays["microBatchSeconds"].tolist(), batches)
        ]


# Batch balancing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankAssignment:
    """One data-parallel rank's samples (indices into the batch), micro-batch by micro-batch, in the order it runs them."""

    rank: int
    micro_batches: list[list[int]]
    predicted_seconds: float
    tokens: int | None = None
    """The rank's samples' tokens (image tokens included), for normalising its loss."""

    @property
    def samples(self) -> list[int]:
        return [index for batch in self.micro_batches for index in batch]


@dataclass(frozen=True)
class ImageRef:
    """Image ``image`` of sample ``sample`` (in JSON the pair ``[sample, image]``)."""

    sample: int
    image: int


@dataclass(frozen=True)
class Shard:
    """An image split over ``degree`` ranks from ``first_rank`` (sequence parallelism inside the vision encoder)."""

    sample: int
    image: int
    first_rank: int
    degree: int


@dataclass(frozen=True)
class EncoderRank:
    """The images one rank encodes in the separate encoder phase."""

    rank: int
    images: list[ImageRef]
    predicted_seconds: float
    shards: list[Shard] | None = None

    @classmethod
    def _from(cls, d: dict[str, Any]) -> EncoderRank:
        shards = d.get("shards")
        return cls(
            d["rank"],
            [ImageRef(i[0], i[1]) for i in d["images"]],
            d["predictedSeconds"],
            None if shards is None else [Shard(s["sample"], s["image"], s["firstRank"], s["degree"]) for s in shards],
        )


@dataclass(frozen=True)
class Send:
    """Sample ``sample`` moves from rank ``source`` (which loaded it) to rank ``target`` (which runs it)."""

    sample: int
    source: int
    target: int


@dataclass(frozen=True)
class Moved:
    """Samples (and their bytes) that leave the rank they were loaded on."""

    samples: int
    bytes: float


class BatchBalancePlan(Plan[StepPrediction, StepBaseline]):
    """A global batch balanced over data-parallel ranks and micro-batches.

    Arrays: ``samples`` (every rank's samples in run order, rank after rank), ``micro_batch_sizes`` (samples per
    micro-batch, in the same order), ``rank_micro_batches`` (micro-batches per rank), ``rank_seconds``,
    ``rank_tokens``, ``send_table``.
    """

    kind_name: ClassVar[str] = "batch-balance"
    _prediction = StepPrediction
    _baseline = StepBaseline

    @property
    def samples(self) -> npt.NDArray[np.int64]:
        return self._arrays["samples"]

    @property
    def micro_batch_sizes(self) -> npt.NDArray[np.int64]:
        return self._arrays["microBatchSizes"]

    @property
    def rank_micro_batches(self) -> npt.NDArray[np.int64]:
        return self._arrays["rankMicroBatches"]

    @property
    def rank_seconds(self) -> npt.NDArray[np.float64]:
        return self._arrays["rankSeconds"]

    @cached_property
    def ranks(self) -> list[RankAssignment]:
        samples = self.samples.tolist()
        sizes = self.micro_batch_sizes.tolist()
        result = []
        start = batch = 0
        tokens = self._arrays["rankTokens"].tolist() if "rankTokens" in self._arrays else [None] * len(sizes)
        for rank, count, seconds, total in zip(
            self._arrays["rank"].tolist(), self.rank_micro_batches.tolist(), self.rank_seconds.tolist(), tokens
        ):
            batches = []
            for size in sizes[batch : batch + count]:
                batches.append(samples[start : start + size])
                start += size
            batch += count
            result.append(RankAssignment(rank, batches, seconds, total))
        return result

    @property
    def rank_tokens(self) -> npt.NDArray[np.int64] | None:
        """Each rank's tokens (image tokens included), for loss normalisation; absent in plans older than the field."""
        return self._arrays.get("rankTokens")

    @property
    def send_table(self) -> npt.NDArray[np.int64] | None:
        """``[sends, 3]``: sample, from rank, to rank, by sample; present when the loaded ranks were given."""
        array = self._arrays.get("sends")
        return None if array is None else array.reshape(-1, 3)

    @cached_property
    def sends(self) -> list[Send] | None:
        """Every sample that leaves the rank that loaded it (``from`` is ``source``, ``to`` is ``target``)."""
        table = self.send_table
        return None if table is None else [Send(*row) for row in table.tolist()]

    @cached_property
    def encoder(self) -> list[EncoderRank] | None:
        """The separate encoder phase's images per rank, when the plan has one."""
        encoder = self._fields.get("encoder")
        return None if encoder is None else [EncoderRank._from(e) for e in encoder]

    @cached_property
    def moved(self) -> Moved | None:
        moved = self._fields.get("moved")
        return None if moved is None else Moved(moved["samples"], moved["bytes"])

    @property
    def step_model(self) -> str | None:
        """``slowest-rank`` or ``sum-of-phase-maxima``: how the step follows from the ranks' times."""
        return self._fields.get("stepModel")


# Expert placement -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertPrediction:
    """Predicted expert time and load of a placement (``lower_bound_*`` where proven)."""

    expert_seconds: float
    max_load_tokens: float
    load_ratio: float
    lower_bound_tokens: float | None = None
    inter_node_tokens: float | None = None
    inter_node_bytes: float | None = None
    moves: int | None = None
    lower_bound_seconds: float | None = None

    @property
    def seconds(self) -> float:
        return self.expert_seconds

    @staticmethod
    def _fields_of(d: dict[str, Any]) -> dict[str, Any]:
        """The prediction's fields from a plan's JSON object (its camelCase keys)."""
        return dict(
            expert_seconds=d["expertSeconds"],
            max_load_tokens=d["maxLoadTokens"],
            load_ratio=d["loadRatio"],
            lower_bound_tokens=d.get("lowerBoundTokens"),
            inter_node_tokens=d.get("interNodeTokens"),
            inter_node_bytes=d.get("interNodeBytes"),
            moves=d.get("moves"),
            lower_bound_seconds=d.get("lowerBoundSeconds"),
        )

    @classmethod
    def _from(cls, d: dict[str, Any]) -> ExpertPrediction:
        return cls(**cls._fields_of(d))


@dataclass(frozen=True)
class ExpertBaseline(ExpertPrediction):
    """A placement policy compared against (EPLB's, no replication)."""

    name: str = ""

    @classmethod
    def _from(cls, d: dict[str, Any]) -> ExpertBaseline:
        return cls(**cls._fields_of(d), name=d["name"])


@dataclass(frozen=True)
class ExpertLayer:
    """One MoE layer: ``gpus[g]`` lists the experts in GPU g's slots; ``shares[e]`` each replica's share of expert e's
    tokens, in the order its replicas appear scanning GPUs and slots."""

    gpus: list[list[int]]
    shares: list[list[float]]
    max_load: float
    mean_load: float
    inter_node_tokens: float | None = None

    @classmethod
    def _from(cls, d: dict[str, Any]) -> ExpertLayer:
        return cls(d["gpus"], d["shares"], d["maxLoad"], d["meanLoad"], d.get("interNodeTokens"))


class ExpertPlacementPlan(Plan[ExpertPrediction, ExpertBaseline]):
    """Experts and replicas on GPUs for every MoE layer, with each replica's token share.

    Arrays: ``slots`` ``[layers, gpus, slots_per_gpu]`` (the logical expert in each slot) and ``shares`` (the same
    shape: the fraction of that expert's tokens the replica receives).
    """

    kind_name: ClassVar[str] = "expert-placement"
    _prediction = ExpertPrediction
    _baseline = ExpertBaseline

    @property
    def experts(self) -> int:
        return self._fields["experts"]  # type: ignore[no-any-return]

    @property
    def gpus_per_node(self) -> int:
        return self._fields["gpusPerNode"]  # type: ignore[no-any-return]

    @property
    def slots_per_gpu(self) -> int:
        return self._fields["slotsPerGPU"]  # type: ignore[no-any-return]

    @property
    def seconds_per_token(self) -> float:
        return self._fields["secondsPerToken"]  # type: ignore[no-any-return]

    @property
    def bytes_per_token(self) -> float | None:
        return self._fields.get("bytesPerToken")

    @property
    def slots(self) -> npt.NDArray[np.int64]:
        """``[layers, gpus, slots_per_gpu]``: every GPU of a plan the planners write fills all its slots."""
        return self._arrays["slots"].reshape(len(self._arrays["layerGPUs"]), -1, self.slots_per_gpu)

    @property
    def shares(self) -> npt.NDArray[np.float64]:
        return self._arrays["shares"].reshape(len(self._arrays["layerGPUs"]), -1, self.slots_per_gpu)

    @cached_property
    def layers(self) -> list[ExpertLayer]:
        if np.all(self._arrays["gpuSlots"] == self.slots_per_gpu):
            slots, shares = self.slots.tolist(), self.shares.tolist()
        else:
            slots, shares = self._ragged("slots"), self._ragged("shares")
        return [
            ExpertLayer(gpus, layer_shares, max_load, mean_load, None if inter != inter else inter)
            for gpus, layer_shares, max_load, mean_load, inter in zip(
                slots,
                shares,
                self._arrays["maxLoad"].tolist(),
                self._arrays["meanLoad"].tolist(),
                self._arrays["interNodeTokens"].tolist(),
            )
        ]

    @property
    def node_tokens(self) -> npt.NDArray[np.float64] | None:
        """``[layers, nodes, experts]``: the tokens each node routes to each expert, when planned with origins."""
        array = self._arrays.get("nodeTokens")
        return None if array is None else array.reshape(len(self._arrays["layerGPUs"]), -1, self.experts)

    @property
    def dispatch_csr(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]] | None:
        """The dispatch as CSR over (layer, node, expert) in that order: ``offsets`` (one more than the entries),
        ``replicas`` and ``fractions``; the entry's replicas are numbered in slot order. None without origins."""
        if "dispatchCounts" not in self._arrays:
            return None
        offsets = np.zeros(self._arrays["dispatchCounts"].size + 1, dtype=np.int64)
        np.cumsum(self._arrays["dispatchCounts"], out=offsets[1:])
        return offsets, self._arrays["dispatchReplicas"], self._arrays["dispatchFractions"]

    def _ragged(self, name: str) -> list[list[list[Any]]]:
        values, counts = self._arrays[name].tolist(), self._arrays["gpuSlots"].tolist()
        layers, start, gpu = [], 0, 0
        for gpus in self._arrays["layerGPUs"].tolist():
            layer = []
            for count in counts[gpu : gpu + gpus]:
                layer.append(values[start : start + count])
                start += count
            gpu += gpus
            layers.append(layer)
        return layers


# GNN layouts ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EpochPrediction:
    """Predicted epoch time, bytes sent and pipeline bubble of a GNN layout."""

    epoch_seconds: float
    communication_bytes: float
    bubble_fraction: float | None = None
    lower_bound_seconds: float | None = None

    @property
    def seconds(self) -> float:
        return self.epoch_seconds

    @classmethod
    def _from(cls, d: dict[str, Any]) -> EpochPrediction:
        return cls(d["epochSeconds"], d["communicationBytes"], d.get("bubbleFraction"), d.get("lowerBoundSeconds"))


@dataclass(frozen=True)
class EpochBaseline(EpochPrediction):
    """A layout compared against (graph parallelism, pure pipeline, GNNPipe's fixed rule)."""

    name: str = ""

    @classmethod
    def _from(cls, d: dict[str, Any]) -> EpochBaseline:
        return cls(
            d["epochSeconds"], d["communicationBytes"], d.get("bubbleFraction"), d.get("lowerBoundSeconds"), d["name"]
        )


@dataclass(frozen=True)
class Stage:
    """A pipeline stage: its ranks (one per graph-parallel way) and its layers ``[first, end)``."""

    ranks: list[int]
    layers: list[int]


class GNNPipelinePlan(Plan[EpochPrediction, EpochBaseline]):
    """Graph-parallel ways x pipeline stages, each stage's layers, and the vertex chunks."""

    kind_name: ClassVar[str] = "gnn-pipeline"
    _prediction = EpochPrediction
    _baseline = EpochBaseline

    @property
    def graph_parallel_ways(self) -> int:
        return self._fields["graphParallelWays"]  # type: ignore[no-any-return]

    @cached_property
    def stages(self) -> list[Stage]:
        return [Stage(s["ranks"], s["layers"]) for s in self._fields["stages"]]

    @property
    def chunks(self) -> int:
        return self._fields["chunks"]  # type: ignore[no-any-return]

    @property
    def chunk_array(self) -> npt.NDArray[np.int64] | None:
        """Vertex -> chunk as a numpy array, when the plan lists it."""
        return self._arrays.get("chunkOf")

    @cached_property
    def chunk_of(self) -> list[int] | None:
        """Vertex -> chunk, when the graph was given whole (the CLI writes large ones to ``chunk_of_file``)."""
        array = self.chunk_array
        return None if array is None else array.tolist()

    @property
    def chunk_of_file(self) -> str | None:
        return self._fields.get("chunkOfFile")

    @property
    def chunk_sizes(self) -> list[int] | None:
        return self._fields.get("chunkSizes")

    @property
    def mirrors_source(self) -> str:
        return self._fields["mirrorsSource"]  # type: ignore[no-any-return]


AnyPlan = Union[SequenceParallelPlan, BatchBalancePlan, ExpertPlacementPlan, GNNPipelinePlan]


_KINDS: dict[str, type[Plan[Any, Any]]] = {
    cls.kind_name: cls for cls in (SequenceParallelPlan, BatchBalancePlan, ExpertPlacementPlan, GNNPipelinePlan)
}


def from_handle(handle: int) -> AnyPlan:
    """The typed plan behind a library plan handle, which it takes over (and frees with the plan)."""
    try:
        header, ints, doubles = _native.export_plan(handle)
        plan_class = _KINDS[header["plan"]["kind"]]
    except BaseException:
        _native.free_plan(handle)
        raise
    return plan_class(handle, header, ints, doubles)  # type: ignore[return-value]


def parse_plan(text: str, source: str = "plan") -> AnyPlan:
    """A typed plan from plan JSON, validated by the library first (errors name ``source``)."""
    return from_handle(_native.load_plan(text, source))


def _from_text(text: str) -> AnyPlan:
    return parse_plan(text)
