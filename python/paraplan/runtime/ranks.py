"""Plan ranks and global ranks, in a job that also runs tensor, context or pipeline parallelism."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError

__all__ = ["RankLayout", "megatron_rank"]


@dataclass(frozen=True)
class RankLayout:
    """Megatron-LM's rank order (``--order tp-cp-ep-dp-pp``): tensor-parallel ranks vary fastest, then context,
    then data, then pipeline ranks: ``global = tp + TP * (cp + CP * (dp + DP * pp))``.

    A batch-balancing plan's ranks are data-parallel ranks; a sequence-parallel plan's ranks are the CP x DP ranks
    of one pipeline stage and tensor-parallel rank, flattened with CP fastest (``plan_rank = cp + CP * dp``).
    """

    tp: int = 1
    cp: int = 1
    dp: int = 1
    pp: int = 1

    def __post_init__(self) -> None:
        for name in ("tp", "cp", "dp", "pp"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise InputError(f"{name} = {value!r}: must be a positive whole number")

    @property
    def world_size(self) -> int:
        return self.tp * self.cp * self.dp * self.pp

    def global_rank(self, *, tp: int = 0, cp: int = 0, dp: int = 0, pp: int = 0) -> int:
        for name, value, size in (("tp", tp, self.tp), ("cp", cp, self.cp), ("dp", dp, self.dp), ("pp", pp, self.pp)):
            if not 0 <= value < size:
                raise InputError(f"{name} rank = {value}: must be in 0..<{size}")
        return tp + self.tp * (cp + self.cp * (dp + self.dp * pp))

    def coordinates(self, rank: int) -> dict[str, int]:
        """The tp, cp, dp and pp ranks of a global rank."""
        if not 0 <= rank < self.world_size:
            raise InputError(f"rank = {rank}: must be in 0..<{self.world_size}")
        tp, rest = rank % self.tp, rank // self.tp
        cp, rest = rest % self.cp, rest // self.cp
        dp, pp = rest % self.dp, rest // self.dp
        return {"tp": tp, "cp": cp, "dp": dp, "pp": pp}

    def data_parallel_rank(self, rank: int) -> int:
        """The batch-balancing plan rank a global rank runs."""
        return self.coordinates(rank)["dp"]

    def sequence_parallel_rank(self, rank: int) -> int:
        """The sequence-parallel plan rank a global rank runs (CP fastest within DP)."""
        where = self.coordinates(rank)
        return where["cp"] + self.cp * where["dp"]

    def global_ranks_of_sequence_parallel(self, plan_ranks: range, *, tp: int = 0, pp: int = 0) -> list[int]:
        """The global ranks of a sequence-parallel group, for ``torch.distributed.new_group``."""
        return [self.global_rank(tp=tp, cp=r % self.cp, dp=r // self.cp, pp=pp) for r in plan_ranks]


def megatron_rank(
    plan_rank: int, *, tp: int = 1, cp: int = 1, dp: int = 1, pp: int = 1, tp_rank: int = 0, pp_rank: int = 0
) -> int:
    """The global rank that runs data-parallel ``plan_rank`` at ``tp_rank`` and ``pp_rank`` in Megatron's order."""
    return RankLayout(tp, cp, dp, pp).global_rank(tp=tp_rank, dp=plan_rank, pp=pp_rank)
