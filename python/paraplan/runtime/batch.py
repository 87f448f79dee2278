"""Batch-balancing plans in the shapes data-parallel runtimes take: verl's partitions, a DataLoader batch sampler, and
the plan's sample movements over torch.distributed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from ..errors import InputError
from ..plans import BatchBalancePlan

__all__ = ["rank_partitions", "PlanSampler", "exchange_samples"]


def rank_partitions(plan: BatchBalancePlan) -> list[list[int]]:
    """One list of sample indices per data-parallel rank, in the order the rank runs them: disjoint, covering the batch,
    as verl's ``get_seqlen_balanced_partitions`` returns (to replace its call in ``_balance_batch``: reorder the batch
    by the partitions laid end to end, and each rank's contiguous chunk is its partition)."""
    return [rank.samples for rank in plan.ranks]


class PlanSampler:
    """A DataLoader ``batch_sampler`` yielding one rank's micro-batches, step after step.

    ``plans`` gives each step's plan (a list, or any iterable, e.g. a generator planning each step as it comes).
    ``sample_ids(step, plan)`` maps the plan's batch indices to dataset indices; by default step ``t``'s batch is
    dataset items ``t * batch_size ...`` in order.
    """

    def __init__(
        self,
        plans: Iterable[BatchBalancePlan],
        rank: int,
        sample_ids: Callable[[int, BatchBalancePlan], Sequence[int]] | None = None,
    ) -> None:
        self.plans = plans
        self.rank = rank
        self.sample_ids = sample_ids

    def __iter__(self) -> Iterator[list[int]]:
        offset = 0
        for step, plan in enumerate(self.plans):
            if not 0 <= self.rank < len(plan.ranks):
                raise InputError(f"rank = {self.rank}: the plan of step {step} has {len(plan.ranks)} ranks")
            size = sum(len(rank.samples) for rank in plan.ranks)
            ids = self.sample_ids(step, plan) if self.sample_ids else range(offset, offset + size)
            if len(ids) != size:
                raise InputError(f"sample_ids: {len(ids)} ids for the {size} samples of step {step}")
            for batch in plan.ranks[self.rank].micro_batches:
                yield [ids[index] for index in batch]
            offset += size


def exchange_samples(plan: BatchBalancePlan, rank: int, loaded: dict[int, Any], group: Any = None) -> list[Any]:
    """Performs the plan's ``sends`` over torch.distributed and returns this rank's planned samples, in run order.

    ``loaded`` maps the batch index of every sample this rank loaded to its tensor (any dtype, any shape; shapes may
    differ between samples). Every rank of the plan calls this together. Samples not in ``sends`` stay on the rank
    that loaded them.
    """
    import torch
    import torch.distributed as dist

    if plan.sends is None:
        raise InputError("plan: has no sends (plan it with loaded_rank to move samples)")
    mine = plan.ranks[rank].samples
    outgoing = [send for send in plan.sends if send.source == rank]
    incoming = [send for send in plan.sends if send.target == rank]
    for send in outgoing:
        if send.sample not in loaded:
            raise InputError(f"loaded: sample {send.sample} is to be sent from rank {rank} but is not in it")

    def peer(index: int) -> int:
        return index if group is None else dist.get_global_rank(group, index)

    # The dtypes a sample may have, numbered in the header.
    dtypes = [
        torch.float64,
        torch.float32,
        torch.float16,
        torch.bfloat16,
        torch.int64,
        torch.int32,
        torch.int16,
        torch.int8,
        torch.uint8,
        torch.bool,
    ]
    for send in outgoing:
        if loaded[send.sample].dtype not in dtypes:
            raise InputError(
                f"loaded: sample {send.sample} has dtype {loaded[send.sample].dtype}, which exchange_samples does not send"
            )

    # Shapes and dtypes first, so each receiver can allocate; then the data. Tags keep samples apart.
    headers: dict[int, Any] = {}
    requests: list[Any] = []
    for send in outgoing:
        tensor = loaded[send.sample]
        header = torch.tensor(
            [len(tensor.shape), *tensor.shape, dtypes.index(tensor.dtype)] + [0] * (8 - len(tensor.shape)),
            dtype=torch.int64,
        )
        requests.append(dist.isend(header, dst=peer(send.target), group=group, tag=send.sample))
    for send in incoming:
        headers[send.sample] = torch.zeros(10, dtype=torch.int64)
        requests.append(dist.irecv(headers[send.sample], src=peer(send.source), group=group, tag=send.sample))
    for request in requests:
        if request is not None:
            request.wait()
    received: dict[int, Any] = {}
    requests = []
    for send in outgoing:
        requests.append(
            dist.isend(loaded[send.sample].contiguous(), dst=peer(send.target), group=group, tag=send.sample)
        )
    for send in incoming:
        fields: list[int] = headers[send.sample].tolist()
        shape = fields[1 : 1 + fields[0]]
        received[send.sample] = torch.empty(shape, dtype=dtypes[fields[1 + fields[0]]])
        requests.append(dist.irecv(received[send.sample], src=peer(send.source), group=group, tag=send.sample))
    for request in requests:
        if request is not None:
            request.wait()
    missing = [index for index in mine if index not in received and index not in loaded]
    if missing:
        raise InputError(f"loaded: rank {rank} runs samples {missing[:5]} that it neither loaded nor receives")
    return [received[index] if index in received else loaded[index] for index in mine]
