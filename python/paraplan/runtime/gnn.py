"""GNN layout plans for a runtime: each rank's share of the pipeline, and the vertex partition in DGL's form."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..plans import GNNPipelinePlan

__all__ = ["gnn_rank", "partition_book"]


def gnn_rank(plan: GNNPipelinePlan, rank: int) -> dict[str, Any]:
    """Rank ``rank``'s way (graph-parallel part), stage, layer range ``[first, end)`` and the chunks its way streams."""
    ways = plan.graph_parallel_ways
    if not 0 <= rank < ways * len(plan.stages):
        raise InputError(f"rank = {rank}: the plan has {ways * len(plan.stages)} ranks")
    stage = rank // ways
    way = rank % ways
    per_way = plan.chunks // ways
    first, end = plan.stages[stage].layers
    return {
        "way": way,
        "stage": stage,
        "layers": range(first, end),
        "chunks": list(range(way * per_way, (way + 1) * per_way)),
    }


def partition_book(plan: GNNPipelinePlan) -> npt.NDArray[np.int64]:
    """Vertex -> graph-parallel part (way), the 1-D array ``dgl.metis_partition_assignment`` returns and DGL's
    ``node_map.npy`` holds; within a way, ``plan.chunk_array`` orders the vertices into the chunks it streams."""
    chunks = plan.chunk_array
    if chunks is None:
        raise InputError("plan: lists no chunk per vertex (planned from graph stats, or written to chunk_of_file)")
    return np.asarray(chunks // (plan.chunks // plan.graph_parallel_ways), dtype=np.int64)
