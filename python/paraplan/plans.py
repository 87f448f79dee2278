"""Execution plans (format ``paraplan/v1``) as typed Python objects.

Every field of the JSON plan is an attribute, in snake_case (``microBatches`` -> ``micro_batches``). A plan keeps
the exact text the library wrote, so :meth:`Plan.to_json` gives byte for byte what the CLI writes for the same inputs
and options. docs/plan-format.md documents every field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Union

from . import _native
from .errors import InputError

__all__ = [
    "Plan", "Solver", "Inputs",
    "SequenceParallelPlan", "MicroBatch", "Group", "StepPrediction", "StepBaseline",
    "BatchBalancePlan", "RankAssignment", "EncoderRank", "ImageRef", "Shard", "Moved",
    "ExpertPlacementPlan", "ExpertLayer", "ExpertPrediction", "ExpertBaseline",
    "GNNPipelinePlan", "Stage", "EpochPrediction", "EpochBaseline",
    "AnyPlan", "parse_plan",
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
    """SHA-256 of the inputs the plan was computed from, so a runtime can check it holds the plan for its batch."""

    sha256: str
    summary: str

    @classmethod
    def _from(cls, d: dict[str, Any]) -> Inputs:
        return cls(d["sha256"], d["summary"])


@dataclass(frozen=True)
class Plan:
    """Fields every plan kind shares. ``predicted`` and ``baselines`` hold the kind's cost."""

    kind_name: ClassVar[str] = ""
    format: str
    kind: str
    solver: Solver
    inputs: Inputs
    _text: str = field(repr=False, compare=False)

    @property
    def lower_bound_seconds(self) -> float | None:
        """A time no plan for these inputs can beat under the planner's cost model, where one is proven."""
        return getattr(self, "predicted").lower_bound_seconds  # type: ignore[no-any-return]

    @property
    def predicted_seconds(self) -> float:
        """The predicted time plans are ranked by (step, expert or epoch seconds)."""
        return getattr(self, "predicted").seconds  # type: ignore[no-any-return]

    def to_json(self, *, compact: bool = False) -> str:
        """The plan as the CLI writes it: pretty by default, one line with ``compact=True`` (keys sorted either way)."""
        if compact:
            return self._text
        return _native.call("format", json.dumps({"plan": self._text, "compact": False}))

    def save(self, path: str) -> None:
        """Writes :meth:`to_json` to ``path``."""
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(self.to_json())

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain JSON values (camelCase keys, as in the file)."""
        return json.loads(self._text)  # type: ignore[no-any-return]


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
    """One Ulysses group: ``degree`` ranks from ``first_rank``, running ``sequences`` (indices into the batch)."""

    degree: int
    first_rank: int
    sequences: list[int]

    @property
    def ranks(self) -> range:
        return range(self.first_rank, self.first_rank + self.degree)

    @classmethod
    def _from(cls, d: dict[str, Any]) -> Group:
        return cls(d["degree"], d["firstRank"], d["sequences"])


@dataclass(frozen=True)
class MicroBatch:
    """One micro-batch: its groups run side by side."""

    predicted_seconds: float
    groups: list[Group]

    @classmethod
    def _from(cls, d: dict[str, Any]) -> MicroBatch:
        return cls(d["predictedSeconds"], [Group._from(g) for g in d["groups"]])


@dataclass(frozen=True)
class SequenceParallelPlan(Plan):
    """One step's micro-batches and mixed-degree sequence-parallel groups."""

    kind_name: ClassVar[str] = "sequence-parallel"
    gpus: int = 0
    micro_batches: list[MicroBatch] = field(default_factory=list)
    predicted: StepPrediction = StepPrediction(0.0, None)
    baselines: list[StepBaseline] = field(default_factory=list)


# Batch balancing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankAssignment:
    """One data-parallel rank's samples (indices into the batch), micro-batch by micro-batch, in the order it runs them."""

    rank: int
    micro_batches: list[list[int]]
    predicted_seconds: float

    @property
    def samples(self) -> list[int]:
        return [index for batch in self.micro_batches for index in batch]

    @classmethod
    def _from(cls, d: dict[str, Any]) -> RankAssignment:
        return cls(d["rank"], d["microBatches"], d["predictedSeconds"])


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
        return cls(d["rank"], [ImageRef(i[0], i[1]) for i in d["images"]], d["predictedSeconds"],
                   None if shards is None else [Shard(s["sample"], s["image"], s["firstRank"], s["degree"]) for s in shards])


@dataclass(frozen=True)
class Moved:
    """Samples (and their bytes) that leave the rank they were loaded on."""

    samples: int
    bytes: float


@dataclass(frozen=True)
class BatchBalancePlan(Plan):
    """A global batch balanced over data-parallel ranks and micro-batches."""

    kind_name: ClassVar[str] = "batch-balance"
    ranks: list[RankAssignment] = field(default_factory=list)
    encoder: list[EncoderRank] | None = None
    moved: Moved | None = None
    step_model: str | None = None
    predicted: StepPrediction = StepPrediction(0.0, None)
    baselines: list[StepBaseline] = field(default_factory=list)


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

    @classmethod
    def _from(cls, d: dict[str, Any]) -> ExpertPrediction:
        return cls(d["expertSeconds"], d["maxLoadTokens"], d["loadRatio"], d.get("lowerBoundTokens"), d.get("interNodeTokens"),
                   d.get("interNodeBytes"), d.get("moves"), d.get("lowerBoundSeconds"))


@dataclass(frozen=True)
class ExpertBaseline(ExpertPrediction):
    """A placement policy compared against (EPLB's, no replication)."""

    name: str = ""

    @classmethod
    def _from(cls, d: dict[str, Any]) -> ExpertBaseline:
        return cls(d["expertSeconds"], d["maxLoadTokens"], d["loadRatio"], d.get("lowerBoundTokens"), d.get("interNodeTokens"),
                   d.get("interNodeBytes"), d.get("moves"), d.get("lowerBoundSeconds"), d["name"])


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


@dataclass(frozen=True)
class ExpertPlacementPlan(Plan):
    """Experts and replicas on GPUs for every MoE layer, with each replica's token share."""

    kind_name: ClassVar[str] = "expert-placement"
    experts: int = 0
    gpus_per_node: int = 0
    slots_per_gpu: int = 0
    seconds_per_token: float = 0.0
    bytes_per_token: float | None = None
    layers: list[ExpertLayer] = field(default_factory=list)
    predicted: ExpertPrediction = ExpertPrediction(0.0, 0.0, 0.0)
    baselines: list[ExpertBaseline] = field(default_factory=list)


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
        return cls(d["epochSeconds"], d["communicationBytes"], d.get("bubbleFraction"), d.get("lowerBoundSeconds"), d["name"])


@dataclass(frozen=True)
class Stage:
    """A pipeline stage: its ranks (one per graph-parallel way) and its layers ``[first, end)``."""

    ranks: list[int]
    layers: list[int]


@dataclass(frozen=True)
class GNNPipelinePlan(Plan):
    """Graph-parallel ways x pipeline stages, each stage's layers, and the vertex chunks."""

    kind_name: ClassVar[str] = "gnn-pipeline"
    graph_parallel_ways: int = 0
    stages: list[Stage] = field(default_factory=list)
    chunks: int = 0
    chunk_of: list[int] | None = None
    chunk_of_file: str | None = None
    chunk_sizes: list[int] | None = None
    mirrors_source: str = ""
    predicted: EpochPrediction = EpochPrediction(0.0, 0.0)
    baselines: list[EpochBaseline] = field(default_factory=list)


AnyPlan = Union[SequenceParallelPlan, BatchBalancePlan, ExpertPlacementPlan, GNNPipelinePlan]


def parse_plan(text: str) -> AnyPlan:
    """A typed plan from plan JSON the library wrote or validated."""
    try:
        d = json.loads(text)
    except ValueError as error:
        raise InputError(f"plan: not valid JSON ({error})") from error
    common = {"format": d["format"], "kind": d["kind"], "solver": Solver._from(d["solver"]), "inputs": Inputs._from(d["inputs"]),
              "_text": text}
    kind = d["kind"]
    if kind == "sequence-parallel":
        return SequenceParallelPlan(**common, gpus=d["gpus"], micro_batches=[MicroBatch._from(m) for m in d["microBatches"]],
                                    predicted=StepPrediction._from(d["predicted"]),
                                    baselines=[StepBaseline._from(b) for b in d["baselines"]])
    if kind == "batch-balance":
        encoder = d.get("encoder")
        moved = d.get("moved")
        return BatchBalancePlan(**common, ranks=[RankAssignment._from(r) for r in d["ranks"]],
                                encoder=None if encoder is None else [EncoderRank._from(e) for e in encoder],
                                moved=None if moved is None else Moved(moved["samples"], moved["bytes"]),
                                step_model=d.get("stepModel"), predicted=StepPrediction._from(d["predicted"]),
                                baselines=[StepBaseline._from(b) for b in d["baselines"]])
    if kind == "expert-placement":
        return ExpertPlacementPlan(**common, experts=d["experts"], gpus_per_node=d["gpusPerNode"], slots_per_gpu=d["slotsPerGPU"],
                                   seconds_per_token=d["secondsPerToken"], bytes_per_token=d.get("bytesPerToken"),
                                   layers=[ExpertLayer._from(layer) for layer in d["layers"]],
                                   predicted=ExpertPrediction._from(d["predicted"]),
                                   baselines=[ExpertBaseline._from(b) for b in d["baselines"]])
    if kind == "gnn-pipeline":
        return GNNPipelinePlan(**common, graph_parallel_ways=d["graphParallelWays"],
                               stages=[Stage(s["ranks"], s["layers"]) for s in d["stages"]], chunks=d["chunks"],
                               chunk_of=d.get("chunkOf"), chunk_of_file=d.get("chunkOfFile"), chunk_sizes=d.get("chunkSizes"),
                               mirrors_source=d["mirrorsSource"], predicted=EpochPrediction._from(d["predicted"]),
                               baselines=[EpochBaseline._from(b) for b in d["baselines"]])
    raise InputError(f"plan: kind = {kind}: unknown plan kind")
