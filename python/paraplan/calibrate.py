"""Measures the machines it runs on and writes the profiles ParaPlan's cost models read.

    python -m paraplan.calibrate --output calibration.json --sp-output sp-profile.json
    torchrun --nproc_per_node 8 -m paraplan.calibrate --output calibration.json --sp-output sp-profile.json

What it measures (CUDA and NCCL on GPUs; CPU and gloo elsewhere):

- matrix-multiply throughput over sizes: ``achievedFlops`` of a calibration profile (``estimate``/``layouts``
  ``--profile``);
- attention time against sequence length, fitted as ``t(s) = a1 s^2 + a2 s + b`` for one layer and scaled to the
  model's layers: ``alpha1``, ``alpha2``, ``beta1`` of a sequence-parallel profile, checked on held-out lengths;
- under torchrun, all-to-all and all-reduce bandwidth for each power-of-two group size of the ranks launched:
  ``busBandwidth`` (nccl-tests' bus bandwidth) and the sequence-parallel profile's all-to-all ``bandwidth``.

Only rank 0 times compute (the other ranks wait, so they do not share its cores) and writes the files; it prints the
quality of every fit.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["main", "fit_attention", "measure_gemms", "measure_attention", "measure_collectives"]


def _timed(call: Callable[[], Any], repeats: int, synchronize: Callable[[], None]) -> float:
    """The fastest of ``repeats`` runs after a warm-up: other work on the machine only ever adds time."""
    call()
    synchronize()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        synchronize()
        samples.append(time.perf_counter() - start)
    return min(samples)


def measure_gemms(
    torch: Any, device: Any, dtype: Any, sizes: Sequence[int], repeats: int, synchronize: Callable[[], None]
) -> list[dict[str, float]]:
    """Achieved FLOP/s of square GEMMs, one point per size."""
    points = []
    for size in sizes:
        a = torch.randn(size, size, device=device, dtype=dtype)
        b = torch.randn(size, size, device=device, dtype=dtype)
        seconds = _timed(lambda: a @ b, repeats, synchronize)
        points.append({"size": float(size), "flopsPerSecond": 2.0 * size**3 / seconds})
    return points


def measure_attention(
    torch: Any,
    device: Any,
    dtype: Any,
    lengths: Sequence[int],
    heads: int,
    head_dim: int,
    repeats: int,
    synchronize: Callable[[], None],
) -> dict[int, float]:
    """Seconds of one layer's attention, forward and backward, for one sequence of each length."""
    import torch.nn.functional as functional

    timings = {}
    for length in lengths:
        q, k, v = (
            torch.randn(1, heads, length, head_dim, device=device, dtype=dtype, requires_grad=True) for _ in range(3)
        )

        def step() -> None:
            out = functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            torch.autograd.backward(out.sum())

        timings[length] = _timed(step, repeats, synchronize)
    return timings


def fit_attention(timings: dict[int, float]) -> tuple[float, float, float]:
    """``t(s) = a1 s^2 + a2 s + b`` with every coefficient at 0 or above, minimising the squared relative errors (so
    short sequences, which a training step has many of, count as much as long ones)."""
    lengths = np.array(sorted(timings), dtype=np.float64)
    seconds = np.array([timings[int(s)] for s in lengths])
    best: tuple[float, float, float] | None = None
    best_error = math.inf
    # Non-negative least squares over the 7 supports of {s^2, s, 1}: small enough to solve each exactly.
    columns = [lengths**2, lengths, np.ones_like(lengths)]
    for mask in range(1, 8):
        chosen = [i for i in range(3) if mask >> i & 1]
        matrix = np.stack([columns[i] for i in chosen], axis=1)
        solution, *_ = np.linalg.lstsq(matrix / seconds[:, None], np.ones_like(seconds), rcond=None)
        if np.any(solution < 0):
            continue
        coefficients = [0.0, 0.0, 0.0]
        for i, value in zip(chosen, solution):
            coefficients[i] = float(value)
        error = float(np.sum((matrix @ solution / seconds - 1) ** 2))
        if error < best_error:
            best, best_error = (coefficients[0], coefficients[1], coefficients[2]), error
    assert best is not None
    return best


def measure_collectives(
    torch: Any, dist: Any, device: Any, megabytes: float, repeats: int, synchronize: Callable[[], None]
) -> dict[str, dict[str, float]]:
    """Bus bandwidth (bytes/s) of all-to-all and all-reduce for each power-of-two group of ranks 0 ..< size, and the
    all-to-all's algorithm bandwidth (what a sequence-parallel group sees) under ``all-to-all-algorithm``."""
    world = dist.get_world_size()
    rank = dist.get_rank()
    table: dict[str, dict[str, float]] = {"all-to-all": {}, "all-reduce": {}, "all-to-all-algorithm": {}}
    size = 2
    while size <= world:
        group = dist.new_group(list(range(size)))
        elements = int(megabytes * 2**20 / 4) // size * size
        if rank < size:
            data = torch.ones(elements, device=device, dtype=torch.float32)
            output = torch.empty_like(data)
            all_to_all = _timed(lambda: dist.all_to_all_single(output, data, group=group), repeats, synchronize)
            all_reduce = _timed(lambda: dist.all_reduce(data, group=group), repeats, synchronize)
            bytes_ = elements * 4
            table["all-to-all"][str(size)] = bytes_ / all_to_all * (size - 1) / size
            table["all-to-all-algorithm"][str(size)] = bytes_ / all_to_all
            table["all-reduce"][str(size)] = bytes_ / all_reduce * 2 * (size - 1) / size
        dist.barrier()
        size *= 2
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m paraplan.calibrate", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--output", required=True, help="calibration profile to write (JSON), for estimate/layouts --profile"
    )
    parser.add_argument("--sp-output", help="sequence-parallel profile to write (JSON), for SequenceParallelPlanner")
    parser.add_argument(
        "--layers", type=int, default=32, help="model layers: the fitted attention time is per layer x this"
    )
    parser.add_argument(
        "--hidden", type=int, default=4096, help="model hidden size, for the all-to-all bytes per token"
    )
    parser.add_argument("--heads", type=int, default=0, help="attention heads timed (default: 32 on GPUs, 4 on CPU)")
    parser.add_argument(
        "--head-dim", type=int, default=0, help="attention head width timed (default: 128 on GPUs, 64 on CPU)"
    )
    parser.add_argument(
        "--tokens-per-gpu",
        type=int,
        default=0,
        help="sequence-parallel token capacity per GPU (default: 8192 on GPUs, 4096 on CPU)",
    )
    parser.add_argument("--lengths", default="", help="attention lengths to fit, comma-separated")
    parser.add_argument("--held-out", default="", help="attention lengths to check the fit on, comma-separated")
    parser.add_argument("--sizes", default="", help="GEMM sizes, comma-separated")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--megabytes", type=float, default=0, help="collective message size (default 256 on GPUs, 8 on CPU)"
    )
    parser.add_argument("--cpu", action="store_true", help="measure the CPU even where CUDA is available")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per rank (default 1: steady timings)")
    args = parser.parse_args(argv)

    import torch
    import torch.distributed as dist

    cuda = torch.cuda.is_available() and not args.cpu
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed and not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    rank = dist.get_rank() if distributed else 0
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    if cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    device = torch.device("cuda" if cuda else "cpu")
    if not cuda:
        torch.set_num_threads(args.threads)
    dtype = torch.bfloat16 if cuda else torch.float32

    def synchronize() -> None:
        if cuda:
            torch.cuda.synchronize()

    def numbers(text: str, default: list[int]) -> list[int]:
        return [int(item) for item in text.split(",") if item.strip()] if text else default

    heads = args.heads or (32 if cuda else 4)
    head_dim = args.head_dim or (128 if cuda else 64)
    lengths = numbers(args.lengths, [1024, 2048, 4096, 8192, 16384] if cuda else [256, 512, 1024, 1536, 2048])
    held_out = numbers(args.held_out, [3072, 12288] if cuda else [768, 1280, 1792])
    sizes = numbers(args.sizes, [1024, 2048, 4096, 8192] if cuda else [128, 256, 512])
    report: dict[str, Any] = {"device": str(device), "ranks": dist.get_world_size() if distributed else 1}

    profile: dict[str, Any] = {}
    coefficients = (0.0, 0.0, 0.0)
    if rank == 0:
        profile["achievedFlops"] = measure_gemms(torch, device, dtype, sizes, args.repeats, synchronize)
        timings = measure_attention(
            torch, device, dtype, lengths + held_out, heads, head_dim, args.repeats, synchronize
        )
        coefficients = fit_attention({s: timings[s] for s in lengths})
        a1, a2, b = coefficients
        errors = {s: (a1 * s * s + a2 * s + b) / timings[s] - 1 for s in held_out}
        report["attention"] = {
            "fit": {"a1": a1, "a2": a2, "b": b},
            "heldOutRelativeErrors": errors,
            "fitRelativeErrors": {s: (a1 * s * s + a2 * s + b) / timings[s] - 1 for s in lengths},
        }
        profile["sequenceParallel"] = {"alpha1": a1 * args.layers, "alpha2": a2 * args.layers, "beta1": b * args.layers}
    if distributed:
        dist.barrier()
        table = measure_collectives(
            torch, dist, device, args.megabytes or (256 if cuda else 8), args.repeats, synchronize
        )
        if rank == 0:
            profile["busBandwidth"] = {name: table[name] for name in ("all-to-all", "all-reduce") if table[name]}
            report["collectives"] = table
    if rank == 0:
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(profile, handle, indent=2, sort_keys=True)
        if args.sp_output:
            world = dist.get_world_size() if distributed else 1
            if not distributed:
                print(
                    "paraplan.calibrate: no all-to-all measured (run under torchrun); the sequence-parallel profile is "
                    "not written",
                    file=sys.stderr,
                )
            else:
                bandwidth = {degree: value for degree, value in table["all-to-all-algorithm"].items()}
                sp_profile = {
                    "kind": "sequence-parallel",
                    "gpus": world,
                    "gpusPerNode": min(local_world, world),
                    "alpha1": profile["sequenceParallel"]["alpha1"],
                    "alpha2": profile["sequenceParallel"]["alpha2"],
                    "beta1": profile["sequenceParallel"]["beta1"],
                    # FlexSP's count: 4 all-to-alls, forward and backward, per layer, 2 bytes per element.
                    "bytesPerToken": 16 * args.layers * args.hidden,
                    "tokensPerGPU": args.tokens_per_gpu or (8192 if cuda else 4096),
                    "bandwidth": bandwidth,
                }
                with open(args.sp_output, "w", encoding="utf-8") as handle:
                    json.dump(sp_profile, handle, indent=2, sort_keys=True)
        print(json.dumps(report, indent=2, sort_keys=True, default=str))
    if distributed:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
