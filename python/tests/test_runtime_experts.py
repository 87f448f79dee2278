"""Expert placement plans as runtimes take them: EPLB's tensors, SGLang's document, and routing that crosses nodes
exactly as often as the plan predicts."""

from __future__ import annotations

import json

import numpy as np
import pytest

import paraplan
from paraplan import runtime

from conftest import EXAMPLES


def affine_origins(rng: np.random.Generator, loads: np.ndarray, gpus: int, gpus_per_node: int) -> np.ndarray:
    """Whole tokens per (layer, GPU, expert) summing to the loads, each expert drawn mostly from one node."""
    layers, experts = loads.shape
    nodes = gpus // gpus_per_node
    origins = np.zeros((layers, gpus, experts), dtype=np.int64)
    for layer in range(layers):
        for expert in range(experts):
            weights = np.ones(gpus)
            favoured = rng.integers(nodes)
            weights[favoured * gpus_per_node : (favoured + 1) * gpus_per_node] *= 6
            origins[layer, :, expert] = rng.multinomial(int(loads[layer, expert]), weights / weights.sum())
    return origins


@pytest.mark.parametrize("experts,cluster,slots", [(64, "hgx-h800:2", 5), (64, "hgx-h800:4", 3), (32, "hgx-h800:2", 4)])
def test_routing_crosses_nodes_as_predicted(experts: int, cluster: str, slots: int) -> None:
    rng = np.random.default_rng(experts + slots)
    gpus = int(cluster.split(":")[1]) * 8
    loads = (rng.zipf(1.4, size=(3, experts)).clip(max=60) * 2000).astype(np.int64)
    origins = affine_origins(rng, loads, gpus, 8)
    plan = paraplan.ExpertPlacementPlanner(cluster, slots).plan(loads.astype(float), origins=origins.astype(float))
    assert plan.predicted.inter_node_tokens is not None and plan.node_tokens is not None
    for layer in range(3):
        crossed = 0
        received = np.zeros(gpus * slots)
        for gpu in range(gpus):
            tokens = np.repeat(np.arange(experts), origins[layer, gpu])
            rng.shuffle(tokens)
            physical = runtime.route(plan, layer, tokens, gpu)
            assert np.all(plan.slots[layer].reshape(-1)[physical] == tokens)  # every token reaches its expert
            crossed += int(np.sum(physical // slots // 8 != gpu // 8))
            np.add.at(received, physical, 1)
        predicted = plan.layers[layer].inter_node_tokens
        assert predicted is not None and predicted > 0
        assert abs(crossed - predicted) <= 0.005 * predicted, (crossed, predicted)
        # A runtime that splits each GPU's tokens by the shares alone sends more across nodes.
        flat, shares = plan.slots[layer].reshape(-1), plan.shares[layer].reshape(-1)
        by_shares = 0.0
        for gpu in range(gpus):
            for expert in range(experts):
                replicas = np.flatnonzero(flat == expert)
                remote = replicas // slots // 8 != gpu // 8
                by_shares += origins[layer, gpu, expert] * float(shares[replicas][remote].sum())
        assert by_shares >= predicted * (1 - 1e-9)
        # Each replica gets its share of its expert's tokens.
        expected = loads[layer][plan.slots[layer].reshape(-1)] * plan.shares[layer].reshape(-1)
        assert np.all(np.abs(received - expected) <= 0.005 * expected.max() + gpus)


def test_eplb_tensors_and_sglang_document() -> None:
    loads = np.array(json.loads((EXAMPLES / "moe" / "eplb-readme-loads.json").read_text()), dtype=float)
    plan = paraplan.ExpertPlacementPlanner(EXAMPLES / "clusters" / "eplb-readme-2x4.yaml", 2, groups=4).plan(loads)
    phy2log, log2phy, logcnt = runtime.eplb_arrays(plan)
    assert phy2log.dtype == log2phy.dtype == logcnt.dtype == np.int64
    assert phy2log.shape == (2, 16) and logcnt.shape == (2, 12) and log2phy.shape == (2, 12, logcnt.max())
    for layer in range(2):
        assert np.array_equal(phy2log[layer], plan.slots[layer].reshape(-1))
        for expert in range(12):
            slots = log2phy[layer, expert][log2phy[layer, expert] >= 0]
            assert len(slots) == logcnt[layer, expert] >= 1
            assert np.all(phy2log[layer, slots] == expert) and np.all(np.diff(slots) > 0)
            assert np.all(log2phy[layer, expert][logcnt[layer, expert] :] == -1)
    assert runtime.sglang_expert_location(plan) == {"physical_to_logical_map": phy2log.tolist()}
    with pytest.raises(paraplan.InputError):
        runtime.route(plan, 5, [0], 0)
    with pytest.raises(paraplan.InputError):
        runtime.route(plan, 0, [99], 0)
    # Without origins the plan has no dispatch: tokens split by the shares.
    physical = runtime.route(plan, 0, np.zeros(1000, dtype=np.int64), 3)
    assert np.all(phy2log[0, physical] == 0)


def test_plans_carry_a_dispatch_only_with_origins() -> None:
    loads = np.array(json.loads((EXAMPLES / "moe" / "loads-64-experts.json").read_text()), dtype=float)
    origins = np.array(json.loads((EXAMPLES / "moe" / "origins-64-experts.json").read_text()), dtype=float)
    planner = paraplan.ExpertPlacementPlanner("hgx-h800:2", 5, groups=8)
    assert planner.plan(loads).dispatch_csr is None
    plan = planner.plan(loads, origins=origins)
    offsets, replicas, fractions = plan.dispatch_csr  # type: ignore[misc]
    assert offsets[-1] == replicas.size == fractions.size
    sums = np.add.reduceat(fractions, offsets[:-1]) if fractions.size else fractions
    assert np.allclose(sums, 1)
    assert paraplan.validate(plan).kind == "expert-placement"


def test_gnn_ranks_and_partition_book() -> None:
    from conftest import read_edges

    plan = paraplan.GNNPipelinePlanner(EXAMPLES / "gnn" / "gcnii-16.yaml", "dgx-a100:2").plan(
        np.array(read_edges(EXAMPLES / "gnn" / "community-3k.txt"))
    )
    book = runtime.partition_book(plan)
    assert plan.chunk_array is not None and book.shape == plan.chunk_array.shape
    assert set(book.tolist()) == set(range(plan.graph_parallel_ways))
    ranks = plan.graph_parallel_ways * len(plan.stages)
    seen_layers = set()
    for rank in range(ranks):
        where = runtime.gnn_rank(plan, rank)
        assert rank in plan.stages[where["stage"]].ranks
        assert all(book[v] == where["way"] for v in np.flatnonzero(np.isin(plan.chunk_array, where["chunks"])))
        seen_layers |= set(where["layers"])
    assert seen_layers == set(range(16))
    with pytest.raises(paraplan.InputError):
        runtime.gnn_rank(plan, ranks)
