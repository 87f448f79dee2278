"""Planning from several Python threads: the GIL is released while the library plans, and the plans equal serial ones."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import paraplan

from conftest import EXAMPLES, read_edges, read_lengths, read_samples

PROFILE = str(EXAMPLES / "profiles" / "flexsp-gpt7b.yaml")


def batches(count: int, seed: int = 7) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    base = np.array(read_lengths(EXAMPLES / "batches" / "wikipedia-batch0.txt"))
    return [rng.permutation(base)[: int(rng.integers(64, 512))] for _ in range(count)]


def test_eight_threads_give_the_serial_plans() -> None:
    planner = paraplan.SequenceParallelPlanner(PROFILE)
    work = batches(16)
    serial = [planner.plan(batch).to_json(compact=True) for batch in work]
    with ThreadPoolExecutor(max_workers=8) as pool:
        shared = list(pool.map(lambda batch: planner.plan(batch).to_json(compact=True), work))
        own = list(
            pool.map(lambda batch: paraplan.SequenceParallelPlanner(PROFILE).plan(batch).to_json(compact=True), work)
        )
    assert shared == serial
    assert own == serial


def test_every_planner_kind_concurrently() -> None:
    tokens, images, ranks = read_samples(EXAMPLES / "samples" / "multimodal-256.jsonl")
    balancer = paraplan.BatchBalancer(
        8, profile=EXAMPLES / "profiles" / "batch-balance-7b.yaml", equal_counts=True, phases="encoder,llm"
    )
    experts = paraplan.ExpertPlacementPlanner("hgx-h800:2", 5, groups=8)
    loads = np.random.default_rng(3).zipf(1.6, size=(4, 64)).astype(np.float64)
    gnn = paraplan.GNNPipelinePlanner(EXAMPLES / "gnn" / "gcnii-16.yaml", "dgx-a100:2")
    edges = np.array(read_edges(EXAMPLES / "gnn" / "community-3k.txt"))
    calls = [lambda: balancer.plan(tokens, images, ranks), lambda: experts.plan(loads), lambda: gnn.plan(edges)] * 4
    serial = [call().to_json(compact=True) for call in calls]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(lambda call: call().to_json(compact=True), calls))
    assert concurrent == serial


def test_the_gil_is_released_while_planning() -> None:
    """A Python thread keeps running while another thread is inside one long native call."""
    rng = np.random.default_rng(11)
    lengths = rng.choice(np.array(read_lengths(EXAMPLES / "batches" / "wikipedia-batch0.txt")), size=8192)
    planner = paraplan.SequenceParallelPlanner(model="gpt-7b", cluster="hgx-h100:128")
    inside = threading.Event()
    done = threading.Event()
    ticks_inside = 0

    def count() -> None:
        nonlocal ticks_inside
        while not done.is_set():
            if inside.is_set():
                ticks_inside += 1

    counter = threading.Thread(target=count)
    counter.start()
    inside.set()
    planner.plan(lengths)
    inside.clear()
    done.set()
    counter.join()
    # Holding the GIL for the whole call would leave the counter at a handful of ticks (one switch interval at most).
    assert ticks_inside > 10_000
