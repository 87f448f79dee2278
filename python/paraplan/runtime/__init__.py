"""Executing plans: what a training or serving runtime needs from a ParaPlan plan, in the shapes it already takes.

numpy at the core; torch is imported only by the functions that talk to torch.distributed (install
``paraplan[torch]``). docs/runtime.md describes how each plan kind is executed.

- Expert placement: :func:`eplb_tensors` (DeepSeek EPLB's ``rebalance_experts`` outputs),
  :func:`sglang_expert_location` (SGLang's ``--init-expert-location`` document), :func:`route` (each token's
  physical slot under the plan's dispatch).
- Batch balancing: :func:`rank_partitions` (verl's ``get_seqlen_balanced_partitions`` shape), :class:`PlanSampler`,
  :func:`exchange_samples` (the plan's sends over torch.distributed).
- Sequence parallelism: :func:`rank_micro_batches` (this rank's groups, sequences, token slices and ``cu_seqlens``),
  :func:`aligned_blocks` and :func:`create_groups`, :func:`ulysses_attention` and :func:`usp_attention` (Ulysses x ring)
  (reference implementations).
- Rank mapping: :func:`megatron_rank` and :class:`RankLayout` for jobs that also run TP, CP or PP.
- GNN layouts: :func:`gnn_rank` and :func:`partition_book`.
"""

from .batch import PlanSampler, exchange_samples, rank_partitions
from .experts import eplb_arrays, eplb_tensors, route, sglang_expert_location
from .gnn import gnn_rank, partition_book
from .ranks import RankLayout, megatron_rank
from .sequence import (
    RankMicroBatch,
    aligned_blocks,
    create_groups,
    rank_micro_batches,
    token_slice,
    ulysses_attention,
    usp_attention,
)

__all__ = [
    "eplb_arrays",
    "eplb_tensors",
    "sglang_expert_location",
    "route",
    "rank_partitions",
    "PlanSampler",
    "exchange_samples",
    "RankMicroBatch",
    "rank_micro_batches",
    "token_slice",
    "aligned_blocks",
    "create_groups",
    "ulysses_attention",
    "usp_attention",
    "RankLayout",
    "megatron_rank",
    "gnn_rank",
    "partition_book",
]
