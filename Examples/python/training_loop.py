"""A training loop's view of ParaPlan: every planner built once and called per step, from Python.

Run from the repository root with the project's environment: ``.venv/bin/python Examples/python/training_loop.py``
(``make example`` does). No GPU is needed: the loop plans, and prints what each rank would run.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

import paraplan

EXAMPLES = Path(__file__).resolve().parents[1]


def wikipedia_lengths() -> np.ndarray:
    text = (EXAMPLES / "batches" / "wikipedia-batch0.txt").read_text().splitlines()
    return np.array([int(line) for line in text if line.strip() and not line.startswith("#")], dtype=np.int64)


def sequence_parallel_steps(steps: int = 4) -> None:
    """Mixed-degree Ulysses groups per step; the next step is planned on a worker thread while this one 'trains'."""
    planner = paraplan.SequenceParallelPlanner(EXAMPLES / "profiles" / "flexsp-gpt7b.yaml")
    rng = np.random.default_rng(0)
    pool = rng.permutation(np.tile(wikipedia_lengths(), 4))
    batches = [pool[i * 512 : (i + 1) * 512] for i in range(steps)]
    with ThreadPoolExecutor(max_workers=1) as prefetch:
        upcoming = prefetch.submit(planner.plan, batches[0])
        for step in range(steps):
            plan = upcoming.result()
            if step + 1 < steps:
                upcoming = prefetch.submit(planner.plan, batches[step + 1])  # the GIL is free while it plans
            degrees = sorted({group.degree for batch in plan.micro_batches for group in batch.groups}, reverse=True)
            bound = plan.lower_bound_seconds or plan.predicted_seconds
            print(
                f"sequence parallel, step {step}: {len(plan.micro_batches)} micro-batches, SP degrees {degrees}, "
                f"predicted {plan.predicted_seconds:.3f} s ({plan.predicted_seconds / bound:.3f}x the bound), "
                f"best baseline {min(b.step_seconds for b in plan.baselines):.3f} s"
            )
    rank = 5
    for index, batch in enumerate(plan.micro_batches):
        group = next(group for group in batch.groups if rank in group.ranks)
        print(
            f"  rank {rank}, micro-batch {index}: SP={group.degree} with ranks {group.ranks.start}-{group.ranks.stop - 1}, "
            f"sequences {group.sequences[:6]}{' ...' if len(group.sequences) > 6 else ''}"
        )


def batch_balancing() -> None:
    """verl-style balancing of a multimodal batch over data-parallel ranks, images balanced in their own phase."""
    rows = [json.loads(line) for line in (EXAMPLES / "samples" / "multimodal-256.jsonl").read_text().splitlines()]
    balancer = paraplan.BatchBalancer(
        8,
        model=EXAMPLES / "models" / "qwen2-vl-7b.config.json",
        cluster="hgx-h100:1",
        equal_counts=True,
        phases="encoder,llm",
    )
    plan = balancer.plan(
        [row["tokens"] for row in rows],
        images=[row.get("images", []) for row in rows],
        loaded_rank=[row["rank"] for row in rows],
    )
    slowest = max(plan.rank_seconds)
    print(
        f"batch balancing: {len(rows)} samples on {len(plan.ranks)} ranks, step {plan.predicted_seconds:.3f} s "
        f"(slowest LLM rank {slowest:.3f} s); baselines: "
        + ", ".join(f"{b.name} {b.step_seconds / plan.predicted_seconds:.3f}x" for b in plan.baselines)
    )
    partitions = [rank.samples for rank in plan.ranks]  # one list of sample indices per rank, as verl uses
    assert sorted(i for part in partitions for i in part) == list(range(len(rows)))
    print(f"  rank 0 runs samples {partitions[0][:8]} ...; {plan.moved.samples if plan.moved else 0} samples move")


def expert_placement(intervals: int = 3) -> None:
    """EPLB-style placement every interval, each one limited to a few moves from the placement running."""
    rng = np.random.default_rng(1)
    loads = np.array(json.loads((EXAMPLES / "moe" / "loads-64-experts.json").read_text()), dtype=np.float64)
    planner = paraplan.ExpertPlacementPlanner("hgx-h800:2", 5, groups=8)
    plan = planner.plan(loads)
    limited = paraplan.ExpertPlacementPlanner("hgx-h800:2", 5, groups=8, max_moves=16)
    for interval in range(intervals):
        eplb = min(b.load_ratio for b in plan.baselines if b.name.startswith("eplb"))
        print(
            f"expert placement, interval {interval}: {plan.slots.shape[0]} layers x {plan.slots.shape[1]} GPUs x "
            f"{plan.slots.shape[2]} slots, max/mean {plan.predicted.load_ratio:.4f} (EPLB {eplb:.4f})"
            + (f", {plan.predicted.moves} slots moved (at most 16 a layer)" if plan.predicted.moves is not None else "")
        )
        loads = loads * rng.lognormal(0.0, 0.3, size=loads.shape)
        plan = limited.plan(loads, previous=plan)


def gnn_layout() -> None:
    edges = [
        tuple(map(int, line.split()))
        for line in (EXAMPLES / "gnn" / "community-3k.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    plan = paraplan.GNNPipelinePlanner(EXAMPLES / "gnn" / "gcnii-16.yaml", "dgx-a100:2").plan(np.array(edges))
    print(
        f"GNN layout: {plan.graph_parallel_ways} ways x {len(plan.stages)} stages, {plan.chunks} chunks, "
        f"epoch {plan.predicted.epoch_seconds * 1e3:.2f} ms; stage layers {[stage.layers for stage in plan.stages]}"
    )


def main() -> None:
    print(f"paraplan {paraplan.__version__} (library {paraplan.library_version()})")
    sequence_parallel_steps()
    batch_balancing()
    expert_placement()
    gnn_layout()
    estimate = paraplan.estimate(
        "llama-3-8b", "hgx-h100:2", tp=2, global_batch=64, seq_len=4096, sequence_parallel=True
    )
    print(
        f"estimate: Llama-3-8B, TP 2 on 16 H100s: {estimate.iteration_seconds:.3f} s per iteration, MFU {estimate.mfu:.1%}"
    )
    try:
        paraplan.SequenceParallelPlanner(EXAMPLES / "profiles" / "flexsp-gpt7b.yaml").plan([4096, -1])
    except paraplan.InputError as error:
        print(f"bad input is a typed error: {error}")


if __name__ == "__main__":
    main()
