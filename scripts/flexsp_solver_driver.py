"""Runs FlexSP's released solver on a lengths file, for the comparisons in paraplan-bench (not part of ParaPlan).

FlexSP's solver is PKU-DAIR/Hetu-Galvatron, branch ``flexsp`` (galvatron/flexsp_solver), used unmodified. Setup, once:

    git clone -b flexsp https://github.com/PKU-DAIR/Hetu-Galvatron /tmp/galvatron
    python3 -m venv /tmp/flexsp-venv && /tmp/flexsp-venv/bin/pip install pyscipopt numpy pybind11
    (cd /tmp/galvatron/galvatron/flexsp_solver && PATH=/tmp/flexsp-venv/bin:$PATH make)

Run from galvatron/flexsp_solver (its module finds build/lib there):

    /tmp/flexsp-venv/bin/python scripts/flexsp_solver_driver.py --galvatron /tmp/galvatron LENGTHS.txt

It builds the optimizer as the solver's own ``__main__`` does for GPT-7B on 64 GPUs with 28 GB (FlexSP's paper
setting, the bandwidths of its "4k seq, 2 IB" profile), solves the batch with ``solve_flexSP_globalbatch_mp_gbmb``
(DP bucketing into 16 buckets, sorted consecutive chunks, 5 micro-batch options) and prints the step time.
"""

import argparse
import random
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lengths", help="one sequence length per line, already rounded as FlexSP reads them")
    parser.add_argument("--galvatron", required=True, help="a checkout of Hetu-Galvatron's flexsp branch")
    parser.add_argument("--time-limit", type=int, default=10, help="SCIP's limit per solve, seconds")
    args = parser.parse_args()

    sys.path.insert(0, args.galvatron)
    import galvatron.flexsp_solver  # noqa: F401  (puts the compiled sequence_module on the path)
    from galvatron.flexsp_solver.solver import flexSPCostModel, flexSPOptimizer, optimizer_param_dict
    from sequence_module import Sequence

    random.seed(0)
    with open(args.lengths) as file:
        lengths = [int(word) for word in file.read().split()]
    config = optimizer_param_dict["gpt-7b"]
    bandwidths = {1: 1e10, 2: 119.54, 4: 104.07, 8: 96.5, 16: 10.33, 32: 5.94, 64: 4.87}
    cost = flexSPCostModel(
        cluster_size=64,
        hidden_size=config["hidden_size"],
        layer_num=config["layer_num"],
        param_size_B=config["param_size_B"][192],
        zero_stage=3,
        mixed_precision=True,
        act_per_token=config["act_per_token"],
        cpt_alpha1=config["cpt_alpha1"],
        cpt_alpha2=config["cpt_alpha2"],
        cpt_beta1=config["cpt_beta1"],
        alltoall_bandwidth_dict_gbs=bandwidths,
    )
    optimizer = flexSPOptimizer(
        cluster_size=64,
        memory_limit_gb=28,
        costmodel=cost,
        hide_scipoutput=True,
        hide_alloutput=True,
        concurrent=False,
        scip_param_dict={"limits/time": args.time_limit},
        strategy="adaptive_bfd",
        redist_without_empty_group=False,
    )
    sequences = [Sequence(seq=length, id=index) for index, length in enumerate(lengths)]
    start = time.time()
    groups, results = optimizer.solve_flexSP_globalbatch_mp_gbmb(
        sequences, bucket_alg="dp", chunk_alg="sort_consec", mb_option_num=5, bucket_num=16
    )
    seconds = time.time() - start
    step = sum(result["M"] for result in results) / 1000
    print(f"step {step:.4f} s, {len(groups)} micro-batches, solved in {seconds:.1f} s")


if __name__ == "__main__":
    main()
