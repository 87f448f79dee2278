"""Sequence-parallel plans on torch.distributed: the process groups, each rank's part of every micro-batch, and a
reference Ulysses attention (all-to-all between the sequence and head dimensions over the group).

Token rule (the plan states groups and sequences; this is how a group's ranks split them): a group packs its
sequences in the plan's order into one stream of ``T`` tokens; with ``d`` members and ``c = ceil(T / d)``, member
``i`` (rank ``first_rank + i``) holds tokens ``[i * c, min((i + 1) * c, T))``, padded to ``c`` so the all-to-alls
are even. ``cu_seqlens`` are the packed stream's sequence boundaries, as flash-attention's varlen kernels take them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..plans import SequenceParallelPlan

__all__ = [
    "RankMicroBatch",
    "rank_micro_batches",
    "token_slice",
    "aligned_blocks",
    "create_groups",
    "ulysses_attention",
    "usp_attention",
]


@dataclass(frozen=True)
class RankMicroBatch:
    """One rank's part of one micro-batch."""

    index: int
    """The micro-batch's position in the step."""
    degree: int
    first_rank: int
    local_rank: int
    """This rank's position in its group (0 ..< degree)."""
    sequences: list[int]
    """The group's sequences (batch indices), packed in this order."""
    cu_seqlens: npt.NDArray[np.int64]
    """Boundaries of the packed sequences: ``[0, l0, l0 + l1, ..., T]``."""
    token_start: int
    token_end: int
    """This rank's tokens of the packed stream, ``[token_start, token_end)``."""
    chunk: int
    """Tokens each member holds after padding, ``ceil(T / degree)``."""
    ulysses: int = 0
    """Ranks of the group's Ulysses blocks (0: the whole group, pure Ulysses)."""
    ring: int = 1
    """Blocks in the group's ring (1: no ring)."""

    def __post_init__(self) -> None:
        if self.ulysses == 0:
            object.__setattr__(self, "ulysses", self.degree)

    @property
    def group_key(self) -> tuple[int, int]:
        """``(first_rank, degree)``: the key of this group in :func:`create_groups`'s dict."""
        return self.first_rank, self.degree

    @property
    def ulysses_key(self) -> tuple[int, int]:
        """``(first_rank, ulysses)`` of this rank's Ulysses block: an aligned block, a key of :func:`create_groups`."""
        return self.first_rank + self.local_rank // self.ulysses * self.ulysses, self.ulysses

    @property
    def ring_key(self) -> tuple[int, int, int, int]:
        """``(first_rank, degree, ulysses, member)``: this rank's ring (the blocks' members at its position), a key of
        ``create_groups(rings=True)``."""
        return self.first_rank, self.degree, self.ulysses, self.local_rank % self.ulysses

    @property
    def total_tokens(self) -> int:
        return int(self.cu_seqlens[-1])


def token_slice(total: int, degree: int, local_rank: int) -> tuple[int, int, int]:
    """``(start, end, chunk)`` of member ``local_rank``'s tokens of a packed stream of ``total`` tokens."""
    if degree < 1 or not 0 <= local_rank < degree or total < 0:
        raise InputError(f"token_slice: total {total}, degree {degree}, local rank {local_rank} do not fit")
    chunk = math.ceil(total / degree) if total else 0
    start = min(local_rank * chunk, total)
    return start, min(start + chunk, total), chunk


def rank_micro_batches(plan: SequenceParallelPlan, rank: int, lengths: npt.ArrayLike) -> list[RankMicroBatch]:
    """This rank's micro-batches: its group, the sequences, the packed boundaries and its token slice. A micro-batch
    in which no group holds the rank is left out (the rank idles in it)."""
    values = np.asarray(lengths, dtype=np.int64)
    if not 0 <= rank < plan.gpus:
        raise InputError(f"rank = {rank}: the plan spans ranks 0..<{plan.gpus}")
    planned = sum(len(group.sequences) for batch in plan.micro_batches for group in batch.groups)
    if values.ndim != 1 or values.size != planned:
        raise InputError(f"lengths: {values.size} lengths for a plan of {planned} sequences")
    result = []
    for index, batch in enumerate(plan.micro_batches):
        for group in batch.groups:
            if rank not in group.ranks:
                continue
            cu = np.zeros(len(group.sequences) + 1, dtype=np.int64)
            np.cumsum(values[group.sequences], out=cu[1:])
            start, end, chunk = token_slice(int(cu[-1]), group.degree, rank - group.first_rank)
            result.append(
                RankMicroBatch(
                    index,
                    group.degree,
                    group.first_rank,
                    rank - group.first_rank,
                    list(group.sequences),
                    cu,
                    start,
                    end,
                    chunk,
                    group.ulysses,
                    group.ring,
                )
            )
    return result


def aligned_blocks(world_size: int) -> list[range]:
    """Every aligned power-of-two block of two or more ranks: the groups a sequence-parallel plan can use
    (``world_size - 1`` of them when it is a power of two), larger blocks first."""
    if world_size < 1:
        raise InputError(f"world_size = {world_size}: must be positive")
    blocks = []
    degree = 1 << (world_size.bit_length() - 1)
    while degree >= 2:
        blocks += [range(first, first + degree) for first in range(0, world_size - degree + 1, degree)]
        degree //= 2
    return blocks


def create_groups(
    world_size: int | None = None, *, rings: bool = False, **new_group_options: Any
) -> dict[tuple[int, ...], Any]:
    """One torch.distributed group per aligned block, keyed ``(first_rank, degree)``, made once before training; with
    ``rings``, also every ring a Ulysses x ring group can use, keyed ``(first_rank, degree, ulysses, member)``: the
    ranks ``first_rank + b * ulysses + member`` over the blocks ``b``.

    Every rank must call it, with the same arguments: ``new_group`` needs every process, in the same order. Creating
    them all up front keeps communicator set-up out of the steps (plans change groups every step).
    """
    import torch.distributed as dist

    size = dist.get_world_size() if world_size is None else world_size
    groups: dict[tuple[int, ...], Any] = {}
    for block in aligned_blocks(size):
        groups[(block.start, len(block))] = dist.new_group(list(block), **new_group_options)
    if rings:
        for block in aligned_blocks(size):
            ulysses = 1
            while ulysses < len(block):
                for member in range(ulysses):
                    ranks = list(range(block.start + member, block.stop, ulysses))
                    groups[(block.start, len(block), ulysses, member)] = dist.new_group(ranks, **new_group_options)
                ulysses *= 2
    return groups


def ulysses_attention(
    q: Any, k: Any, v: Any, micro_batch: RankMicroBatch, group: Any = None, causal: bool = False
) -> Any:
    """Reference Ulysses attention for this rank's slice: ``q``, ``k``, ``v`` are ``[chunk, heads, head_dim]`` (the
    rank's tokens, zero-padded to ``micro_batch.chunk``); an all-to-all gives each member all tokens of
    ``heads / degree`` heads, attention runs per packed sequence, and a second all-to-all returns the slice.
    Differentiable (the all-to-alls have autograd). For tests and examples, not speed."""
    import torch
    from torch.distributed.nn import functional as differentiable

    def all_to_all_single(output: Any, tensor: Any, group: Any) -> Any:
        return differentiable.all_to_all_single(output, tensor, group=group)  # type: ignore[no-untyped-call]

    degree = micro_batch.degree
    chunk, heads, dim = q.shape
    if chunk != micro_batch.chunk or heads % degree:
        raise InputError(f"q: shape {tuple(q.shape)}: needs {micro_batch.chunk} tokens and heads divisible by {degree}")

    def scatter_heads(x: Any) -> Any:  # [chunk, H, D] -> [degree * chunk, H / degree, D]: all tokens, some heads
        if degree == 1:
            return x
        parts = x.reshape(chunk, degree, heads // degree, dim).permute(1, 0, 2, 3).contiguous()
        return all_to_all_single(torch.empty_like(parts), parts, group=group).reshape(
            degree * chunk, heads // degree, dim
        )

    def gather_heads(x: Any) -> Any:  # the inverse
        if degree == 1:
            return x
        parts = x.reshape(degree, chunk, heads // degree, dim).contiguous()
        back = all_to_all_single(torch.empty_like(parts), parts, group=group)
        return back.permute(1, 0, 2, 3).reshape(chunk, heads, dim)

    full_q, full_k, full_v = scatter_heads(q), scatter_heads(k), scatter_heads(v)
    out = packed_attention(full_q, full_k, full_v, micro_batch.cu_seqlens, causal)
    return gather_heads(out)


def usp_attention(
    q: Any,
    k: Any,
    v: Any,
    micro_batch: RankMicroBatch,
    ulysses_group: Any = None,
    ring_group: Any = None,
    causal: bool = False,
) -> Any:
    """Reference attention for a Ulysses x ring group (USP): an all-to-all inside this rank's Ulysses block gives
    each member all of the block's tokens for ``heads / ulysses`` heads; across the ring, each member attends to every
    block's keys and values of those heads, which ring attention passes block by block (here gathered at once, which
    gives the same result); a second all-to-all returns the rank's slice. ``ulysses_group`` is
    ``groups[micro_batch.ulysses_key]`` and ``ring_group`` ``groups[micro_batch.ring_key]`` from
    ``create_groups(rings=True)``. Differentiable. For tests and examples, not speed."""
    import torch
    from torch.distributed.nn import functional as differentiable

    u, r = micro_batch.ulysses, micro_batch.ring
    if r == 1:
        return ulysses_attention(q, k, v, micro_batch, group=ulysses_group, causal=causal)
    chunk, heads, dim = q.shape
    if chunk != micro_batch.chunk or heads % u:
        raise InputError(f"q: shape {tuple(q.shape)}: needs {micro_batch.chunk} tokens and heads divisible by {u}")

    def scatter_heads(x: Any) -> Any:  # [chunk, H, D] -> [u * chunk, H / u, D]: the block's tokens, some heads
        if u == 1:
            return x
        parts = x.reshape(chunk, u, heads // u, dim).permute(1, 0, 2, 3).contiguous()
        out = differentiable.all_to_all_single(torch.empty_like(parts), parts, group=ulysses_group)  # type: ignore[no-untyped-call]
        return out.reshape(u * chunk, heads // u, dim)

    def gather_heads(x: Any) -> Any:  # the inverse
        if u == 1:
            return x
        parts = x.reshape(u, chunk, heads // u, dim).contiguous()
        back = differentiable.all_to_all_single(torch.empty_like(parts), parts, group=ulysses_group)  # type: ignore[no-untyped-call]
        return back.permute(1, 0, 2, 3).reshape(chunk, heads, dim)

    block_q, block_k, block_v = scatter_heads(q), scatter_heads(k), scatter_heads(v)
    # Every block's keys and values of these heads, in block order: the whole padded stream.
    all_k, all_v = _gather_blocks(block_k, ring_group), _gather_blocks(block_v, ring_group)
    block = micro_batch.local_rank // u
    out = _attention_rows(block_q, all_k, all_v, block * u * chunk, micro_batch.cu_seqlens, causal)
    return gather_heads(out)


def _gather_blocks(x: Any, group: Any) -> Any:
    """The group's blocks concatenated in rank order, differentiable: a block's gradient is the sum of every member's
    gradient of it (an all-reduce; torch.distributed.nn's all_gather gives wrong gradients on gloo)."""
    import torch
    import torch.distributed as dist

    class GatherBlocks(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, block: Any) -> Any:
            ctx.position, ctx.rows = dist.get_rank(group), block.shape[0]
            parts = [torch.empty_like(block) for _ in range(dist.get_world_size(group))]
            dist.all_gather(parts, block.contiguous(), group=group)
            return torch.cat(parts, dim=0)

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            total = grad.contiguous().clone()
            dist.all_reduce(total, group=group)
            return total[ctx.position * ctx.rows : (ctx.position + 1) * ctx.rows]

    return GatherBlocks.apply(x)


def _attention_rows(q: Any, k: Any, v: Any, first: int, cu_seqlens: npt.NDArray[np.int64], causal: bool) -> Any:
    """Attention of the query rows at stream positions ``first ..< first + len(q)`` against every key of the stream,
    each within its own packed sequence (causal: keys up to its position); rows past the stream's end are zero."""
    import torch

    total = int(cu_seqlens[-1])
    positions = torch.arange(k.shape[0])
    sequence_of = torch.full((k.shape[0],), -1, dtype=torch.int64)
    bounds = cu_seqlens.tolist()
    for index, (start, end) in enumerate(zip(bounds, bounds[1:])):
        sequence_of[start:end] = index
    rows = positions[first : first + q.shape[0]]
    allowed = (sequence_of[rows][:, None] == sequence_of[None, :]) & (sequence_of[rows][:, None] >= 0)
    if causal:
        allowed &= positions[None, :] <= rows[:, None]
    # Padding rows attend to everything (no row without a key, so no NaN in either pass) and are zeroed below.
    allowed |= (rows >= total)[:, None]
    scores = torch.einsum("qhd,khd->hqk", q, k) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~allowed[None], float("-inf"))
    out = torch.einsum("hqk,khd->qhd", scores.softmax(-1), v)
    return out * (rows < total).to(out.dtype)[:, None, None]


def packed_attention(q: Any, k: Any, v: Any, cu_seqlens: npt.NDArray[np.int64], causal: bool = False) -> Any:
    """Softmax attention within each packed sequence of ``[tokens, heads, head_dim]`` tensors; padding beyond the last
    boundary stays zero."""
    import torch

    pieces = []
    scale = 1 / math.sqrt(q.shape[-1])
    bounds = cu_seqlens.tolist()
    for start, end in zip(bounds, bounds[1:]):
        qs, ks, vs = q[start:end].transpose(0, 1), k[start:end].transpose(0, 1), v[start:end].transpose(0, 1)
        scores = qs @ ks.transpose(1, 2) * scale
        if causal:
            mask = torch.ones(end - start, end - start, dtype=torch.bool, device=q.device).triu(1)
            scores = scores.masked_fill(mask, float("-inf"))
        pieces.append((scores.softmax(-1) @ vs).transpose(0, 1))
    padding = q.shape[0] - bounds[-1]
    if padding:
        pieces.append(q.new_zeros(padding, q.shape[1], q.shape[2]))
    return torch.cat(pieces, dim=0)
