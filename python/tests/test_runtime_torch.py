"""Plans executed with torch.distributed (gloo, on CPU, processes spawned here): sequence-parallel groups running
Ulysses attention that equals single-process attention, and batch-balancing sends that leave each rank exactly its
planned samples."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402

import paraplan  # noqa: E402
from paraplan import runtime  # noqa: E402
from paraplan.runtime.sequence import packed_attention  # noqa: E402

HEADS, DIM = 8, 4


def sp_profile(gpus: int) -> dict[str, Any]:
    """A small sequence-parallel profile: 96 tokens per GPU, so a few hundred tokens need groups of 2 to 8, and an
    all-to-all slow enough that short sequences stay on one GPU."""
    bandwidth = {"2": 1e9, "4": 5e8, "8": 2e8}
    return {
        "kind": "sequence-parallel",
        "gpus": gpus,
        "gpusPerNode": gpus,
        "alpha1": 2e-6,
        "alpha2": 1e-4,
        "beta1": 1e-3,
        "bytesPerToken": 65536,
        "tokensPerGPU": 96,
        "bandwidth": {d: b for d, b in bandwidth.items() if int(d) <= gpus},
    }


def long_tailed_lengths(gpus: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return [int(x) for x in np.clip(rng.lognormal(3.3, 1.0, size=12 * gpus), 4, 90 * gpus)]


def tensors(sequences: list[int], lengths: list[int], seed: int) -> dict[str, Any]:
    """The group's packed q, k, v and the loss weights, the same on every rank (seeded by the sequences)."""
    total = sum(lengths[s] for s in sequences)
    generator = torch.Generator().manual_seed(seed * 1_000_003 + sum(s * 7919 for s in sequences))
    return {
        name: torch.randn(total, HEADS, DIM, dtype=torch.float64, generator=generator) for name in ("q", "k", "v", "w")
    }


def ring_profile(gpus: int) -> dict[str, Any]:
    """``sp_profile`` with Ulysses blocks of at most 2 ranks: wider groups must run a ring (Ulysses 2 x ring, or a
    pure ring), whichever is faster for their sequences; eight-way pure rings pay 0.1 s per step, so eight-way groups
    run the hybrid."""
    profile = sp_profile(gpus)
    profile.update(
        {
            "maxUlyssesDegree": 2,
            "ringBytesPerToken": 16384,
            "schemes": {
                str(d): [
                    {
                        "ulysses": u,
                        "ring": d // u,
                        "ringBandwidth": 4e8,
                        "ringStepLatency": 1e-1 if u == 1 and d == 8 else 1e-5,
                    }
                    for u in (1, 2)
                    if u < d
                ]
                for d in (4, 8)
                if d <= gpus
            },
        }
    )
    return profile


def sequence_parallel_worker(rank: int, world: int, store: str, seed: int, rings: bool, results: Any) -> None:
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
    try:
        lengths = long_tailed_lengths(world, seed)
        plan = paraplan.SequenceParallelPlanner(ring_profile(world) if rings else sp_profile(world)).plan(lengths)
        groups = runtime.create_groups(world, rings=rings)
        worst = 0.0
        for part in runtime.rank_micro_batches(plan, rank, lengths):
            full = tensors(part.sequences, lengths, seed)
            reference = {name: full[name].clone().requires_grad_(True) for name in ("q", "k", "v")}
            out_full = packed_attention(reference["q"], reference["k"], reference["v"], part.cu_seqlens, causal=True)
            (out_full * full["w"]).sum().backward()
            pad = part.chunk - (part.token_end - part.token_start)

            def mine(x: Any) -> Any:
                piece = x[part.token_start : part.token_end]
                return torch.cat([piece, piece.new_zeros(pad, HEADS, DIM)]) if pad else piece

            local = {name: mine(full[name]).clone().requires_grad_(True) for name in ("q", "k", "v")}
            if rings:
                ulysses = groups.get(part.ulysses_key) if part.ulysses > 1 else None
                ring = groups.get(part.ring_key) if part.ring > 1 else None
                out = runtime.usp_attention(local["q"], local["k"], local["v"], part, ulysses, ring, causal=True)
            else:
                group = groups.get(part.group_key) if part.degree > 1 else None
                out = runtime.ulysses_attention(local["q"], local["k"], local["v"], part, group=group, causal=True)
            (out * mine(full["w"])).sum().backward()
            real = part.token_end - part.token_start
            worst = max(worst, float((out[:real] - out_full[part.token_start : part.token_end]).detach().abs().max()))
            for name in ("q", "k", "v"):
                expected = reference[name].grad[part.token_start : part.token_end]
                worst = max(worst, float((local[name].grad[:real] - expected).abs().max()))
        mixed = any(len({g.degree for g in b.groups}) > 1 for b in plan.micro_batches)
        schemes = sorted({(g.degree, g.ulysses, g.ring) for b in plan.micro_batches for g in b.groups})
        results.put((rank, worst, schemes, mixed))
    finally:
        dist.destroy_process_group()


def run_plan(world: int, store: Path, seed: int, rings: bool) -> tuple[float, list[tuple[int, int, int]], bool]:
    """Every rank's worst difference from single-process attention, the plan's (degree, ulysses, ring) schemes and
    whether a micro-batch mixes degrees."""
    context = mp.get_context("spawn")
    results = context.SimpleQueue()
    mp.start_processes(
        sequence_parallel_worker, args=(world, str(store), seed, rings, results), nprocs=world, start_method="spawn"
    )
    reports = sorted(results.get() for _ in range(world))
    assert [report[0] for report in reports] == list(range(world))
    return max(report[1] for report in reports), reports[0][2], reports[0][3]


@pytest.mark.parametrize("world", [4, 8])
def test_ulysses_groups_from_a_plan_match_single_process_attention(world: int, tmp_path: Path) -> None:
    worst, schemes, mixed = run_plan(world, tmp_path / "store", 12, rings=False)
    assert worst < 1e-5, worst
    degrees = sorted({degree for degree, _, _ in schemes})
    assert len(degrees) >= (3 if world == 8 else 2) and mixed, (
        f"the plan should mix degrees in a micro-batch: {degrees}"
    )


@pytest.mark.parametrize("world", [4, 8])
def test_ring_and_hybrid_groups_from_a_plan_match_single_process_attention(world: int, tmp_path: Path) -> None:
    worst, schemes, _ = run_plan(world, tmp_path / "store", 5, rings=True)
    assert worst < 1e-5, worst
    assert any(ring > 1 for _, _, ring in schemes), f"the plan should run a ring: {schemes}"
    assert all(ulysses <= 2 and ulysses * ring == degree for degree, ulysses, ring in schemes), schemes
    if world == 8:
        # Eight-way pure rings are priced out, so eight-way groups run Ulysses 2 x ring 4.
        assert any(ring > 1 and ulysses > 1 for _, ulysses, ring in schemes), f"the plan should run a hybrid: {schemes}"


def batch_worker(rank: int, world: int, store: str, results: Any) -> None:
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
    try:
        rng = np.random.default_rng(3)
        tokens = rng.integers(50, 3000, size=16 * world).tolist()
        loaded_rank = [i % world for i in range(len(tokens))]
        plan = paraplan.BatchBalancer(
            world,
            profile=Path(__file__).parents[2] / "Examples" / "profiles" / "batch-balance-7b.yaml",
            equal_counts=True,
            micro_batches=2,
        ).plan(tokens, loaded_rank=loaded_rank)
        # Each sample is its token ids: sample i holds tokens[i] ids of value i, so arrivals can be checked.
        loaded = {
            i: torch.full((tokens[i],), i, dtype=torch.int64) for i in range(len(tokens)) if loaded_rank[i] == rank
        }
        mine = runtime.exchange_samples(plan, rank, loaded)
        planned = runtime.rank_partitions(plan)[rank]
        ok = [int(t[0]) for t in mine] == planned and all(
            t.numel() == tokens[i] and bool((t == i).all()) for t, i in zip(mine, planned)
        )
        results.put((rank, ok, len(plan.sends or []), sum(t.numel() for t in mine) == plan.ranks[rank].tokens))
    finally:
        dist.destroy_process_group()


def test_exchange_samples_leaves_each_rank_its_planned_samples(tmp_path: Path) -> None:
    world = 4
    context = mp.get_context("spawn")
    results = context.SimpleQueue()
    mp.start_processes(batch_worker, args=(world, str(tmp_path / "store"), results), nprocs=world, start_method="spawn")
    reports = sorted(results.get() for _ in range(world))
    assert all(report[1] for report in reports), reports
    assert all(report[3] for report in reports), reports
    assert reports[0][2] > 0, "the plan should move some samples"


def test_sampler_and_rank_layout() -> None:
    plans = [
        paraplan.BatchBalancer(
            2,
            profile=Path(__file__).parents[2] / "Examples" / "profiles" / "batch-balance-7b.yaml",
            equal_counts=True,
            micro_batches=2,
        ).plan([100, 900, 400, 300, 800, 200, 50, 700])
        for _ in range(2)
    ]
    batches = list(runtime.PlanSampler(plans, rank=1))
    assert len(batches) == 4
    assert sorted(i for b in batches[:2] for i in b) == sorted(plans[0].ranks[1].samples)
    assert all(8 <= i < 16 for b in batches[2:] for i in b)
    loader = torch.utils.data.DataLoader(list(range(16)), batch_sampler=runtime.PlanSampler(plans, rank=0))
    assert [batch.tolist() for batch in loader] == list(runtime.PlanSampler(plans, rank=0))
    layout = runtime.RankLayout(tp=2, cp=2, dp=2, pp=2)
    assert layout.world_size == 16
    assert [
        layout.global_rank(tp=t, cp=c, dp=d, pp=p)
        for p in range(2)
        for d in range(2)
        for c in range(2)
        for t in range(2)
    ] == list(range(16))
    assert layout.coordinates(13) == {"tp": 1, "cp": 0, "dp": 1, "pp": 1}
    assert layout.sequence_parallel_rank(13) == 2 and layout.data_parallel_rank(13) == 1
    assert layout.global_ranks_of_sequence_parallel(range(0, 4), tp=1, pp=1) == [9, 11, 13, 15]
    assert runtime.megatron_rank(3, tp=2, dp=4, pp=2, tp_rank=1, pp_rank=1) == 15
