"""10,000 calls, planning and failing, grow the process's resident memory by less than 5 MB."""

from __future__ import annotations

import os

import numpy as np

import paraplan

from conftest import EXAMPLES


def resident_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_repeated_calls_do_not_grow_memory() -> None:
    planner = paraplan.SequenceParallelPlanner(EXAMPLES / "profiles" / "flexsp-gpt7b.yaml")
    balancer = paraplan.BatchBalancer(8, profile=EXAMPLES / "profiles" / "batch-balance-7b.yaml")
    rng = np.random.default_rng(5)
    lengths = rng.integers(128, 20_000, size=48)
    tokens = rng.integers(100, 4_000, size=64)
    bad = np.array([100, -5])

    def one_round(index: int) -> None:
        if index % 4 == 0:
            planner.plan(lengths)
        elif index % 4 == 1:
            balancer.plan(tokens)
        elif index % 4 == 2:
            try:
                planner.plan(bad)
            except paraplan.InputError:
                pass
        else:
            try:
                paraplan.BatchBalancer(0, profile=EXAMPLES / "profiles" / "batch-balance-7b.yaml")
            except paraplan.InputError:
                pass

    for index in range(1_000):  # warm-up: allocator pools, caches, lazily loaded code
        one_round(index)
    before = resident_bytes()
    for index in range(10_000):
        one_round(index)
    growth = resident_bytes() - before
    assert growth < 5 * 1024 * 1024, f"resident memory grew by {growth / 1e6:.1f} MB over 10,000 calls"
