"""Expert placement plans in the forms MoE runtimes take: DeepSeek EPLB's tensors, SGLang's expert location
document, and token routing under the plan's dispatch."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..plans import ExpertPlacementPlan

__all__ = ["eplb_arrays", "eplb_tensors", "sglang_expert_location", "route"]


def eplb_arrays(
    plan: ExpertPlacementPlan,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``(phy2log, log2phy, logcnt)`` as int64 numpy arrays, shaped as EPLB's ``rebalance_experts`` returns them.

    Physical slot ``p`` is slot ``p % slots_per_gpu`` of GPU ``p // slots_per_gpu``. ``phy2log [layers, slots]``:
    the logical expert in each slot (-1 for an empty one); ``log2phy [layers, experts, max replicas]``: each
    expert's physical slots in ascending order, padded with -1 to the most replicas any expert has; ``logcnt
    [layers, experts]``: replica counts.
    """
    slots = plan.slots
    layers = slots.shape[0]
    phy2log = slots.reshape(layers, -1).astype(np.int64, copy=True)
    logcnt = np.zeros((layers, plan.experts), dtype=np.int64)
    for layer in range(layers):
        np.add.at(logcnt[layer], phy2log[layer][phy2log[layer] >= 0], 1)
    width = int(logcnt.max()) if logcnt.size else 0
    log2phy = np.full((layers, plan.experts, width), -1, dtype=np.int64)
    for layer in range(layers):
        order = np.argsort(phy2log[layer], kind="stable")
        order = order[phy2log[layer][order] >= 0]
        experts = phy2log[layer][order]
        rank = np.arange(order.size) - np.searchsorted(experts, experts)  # replica rank within its expert
        log2phy[layer, experts, rank] = order
    return phy2log, log2phy, logcnt


def eplb_tensors(plan: ExpertPlacementPlan) -> tuple[Any, Any, Any]:
    """:func:`eplb_arrays` as torch int64 tensors: what ``eplb.rebalance_experts`` returns, to drop into code that
    calls it (vLLM's EPLB policy interface, SGLang's EPLB manager)."""
    import torch

    return tuple(torch.from_numpy(array) for array in eplb_arrays(plan))  # type: ignore[return-value]


def sglang_expert_location(plan: ExpertPlacementPlan) -> dict[str, list[list[int]]]:
    """The document SGLang's ``--init-expert-location FILE.json`` reads: ``{"physical_to_logical_map": [[...]]}``
    with one row per MoE layer. Use it with ``--ep-num-redundant-experts`` equal to slots minus experts."""
    phy2log, _, _ = eplb_arrays(plan)
    if (phy2log < 0).any():
        raise InputError("plan: SGLang needs every physical slot filled; this plan leaves some empty")
    return {"physical_to_logical_map": phy2log.tolist()}


def route(plan: ExpertPlacementPlan, layer: int, experts: npt.ArrayLike, source_rank: int) -> npt.NDArray[np.int64]:
    """The physical slot (EPLB's numbering) each token goes to, for tokens routed to ``experts`` by rank
    ``source_rank`` in MoE layer ``layer``.

    Tokens follow the plan's dispatch for the source rank's node (the one its ``inter_node_tokens`` assumes): of a
    node's tokens for an expert, each replica gets its fraction, in whole tokens by largest remainders, in token
    order. Plans made without origins have no dispatch: tokens then split by the replicas' shares.
    """
    ids = np.ascontiguousarray(experts, dtype=np.int64)
    if ids.ndim != 1:
        raise InputError(f"experts: shape {ids.shape}: must be one expert id per token")
    slots = plan.slots
    if not 0 <= layer < slots.shape[0]:
        raise InputError(f"layer = {layer}: must be in 0..<{slots.shape[0]}")
    gpus = slots.shape[1]
    if not 0 <= source_rank < gpus:
        raise InputError(f"source_rank = {source_rank}: must be in 0..<{gpus}")
    if ids.size and (ids.min() < 0 or ids.max() >= plan.experts):
        raise InputError(f"experts: ids must be in 0..<{plan.experts}")
    flat = slots[layer].reshape(-1)
    replica_slots = [np.flatnonzero(flat == expert) for expert in range(plan.experts)]
    node = source_rank // plan.gpus_per_node
    nodes = gpus // plan.gpus_per_node
    csr = plan.dispatch_csr
    shares = plan.shares[layer].reshape(-1)
    result = np.empty(ids.size, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    present, starts, counts = np.unique(ids[order], return_index=True, return_counts=True)
    for expert, start, count in zip(present.tolist(), starts.tolist(), counts.tolist()):
        replicas = replica_slots[expert]
        if csr is not None:
            offsets, indices, fractions = csr
            entry = (layer * nodes + node) * plan.experts + expert
            chosen = replicas[indices[offsets[entry] : offsets[entry + 1]]]
            weights = fractions[offsets[entry] : offsets[entry + 1]]
        else:
            chosen, weights = replicas, shares[replicas]
        result[order[start : start + count]] = np.repeat(chosen, _apportion(count, weights))
    return result


def _apportion(count: int, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Whole numbers summing to ``count`` in proportion to ``weights`` (largest remainders, ties to the first)."""
    total = float(weights.sum())
    exact = count * (weights / total if total > 0 else np.full(weights.size, 1 / weights.size))
    whole = np.floor(exact).astype(np.int64)
    short = count - int(whole.sum())
    if short > 0:
        whole[np.argsort(-(exact - whole), kind="stable")[:short]] += 1
    return whole
