"""The shared library as C sees it: the header compiles, a C program plans through it, and the library exports the
ABI and nothing else, needing no part of the Swift toolchain at run time."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import paraplan
from paraplan import _native

from conftest import EXAMPLES, ROOT, read_lengths

ABI = {
    "pp_abi_version",
    "pp_version",
    "pp_free",
    "pp_planner_new",
    "pp_planner_free",
    "pp_plan_sequence_parallel",
    "pp_plan_batch_balance",
    "pp_plan_expert_placement",
    "pp_plan_gnn_pipeline",
    "pp_plan_load",
    "pp_plan_export",
    "pp_plan_json",
    "pp_plan_free",
    "pp_call",
}

PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
#include "paraplan.h"

int main(int argc, char **argv) {
    if (pp_abi_version() != PARAPLAN_ABI_VERSION) return 10;
    pp_planner *planner = NULL;
    char *error = NULL;
    char options[4096];
    snprintf(options, sizeof options, "{\"profile\": \"%s\"}", argv[1]);
    if (pp_planner_new("sequence-parallel", options, &planner, &error) != PP_OK) { fprintf(stderr, "%s\n", error); return 11; }
    int64_t lengths[4096];
    int64_t count = 0;
    FILE *file = fopen(argv[2], "r");
    char line[256];
    while (fgets(line, sizeof line, file)) if (line[0] != '#') lengths[count++] = atoll(line);
    fclose(file);
    pp_plan *plan = NULL;
    if (pp_plan_sequence_parallel(planner, lengths, count, &plan, &error) != PP_OK) return 12;
    char *json = NULL;
    if (pp_plan_json(plan, 1, &json) != PP_OK) return 13;
    fputs(json, stdout);
    pp_free(json);
    lengths[0] = -3;
    int32_t status = pp_plan_sequence_parallel(planner, lengths, count, &plan, &error);
    fprintf(stderr, "%d %s\n", status, error);
    pp_free(error);
    pp_plan_free(plan);
    pp_planner_free(planner);
    return 0;
}
"""


def library_path() -> str:
    return _native._library_path()


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_a_c_program_plans_through_the_header(tmp_path: Path) -> None:
    source = tmp_path / "plan.c"
    source.write_text(PROGRAM)
    binary = tmp_path / "plan"
    library = Path(library_path())
    subprocess.run(
        [
            "cc",
            "-std=c11",
            "-Wall",
            "-Werror",
            "-I",
            str(ROOT / "include"),
            str(source),
            "-o",
            str(binary),
            str(library),
            f"-Wl,-rpath,{library.parent}",
        ],
        check=True,
    )
    batch = EXAMPLES / "batches" / "wikipedia-batch0.txt"
    profile = EXAMPLES / "profiles" / "flexsp-gpt7b.yaml"
    done = subprocess.run([str(binary), str(profile), str(batch)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    expected = paraplan.SequenceParallelPlanner(profile).plan(read_lengths(batch)).to_json(compact=True)
    assert done.stdout == expected
    assert done.stderr.startswith("2 lengths: lengths[0] = -3: ")


@pytest.mark.skipif(shutil.which("nm") is None, reason="no nm")
def test_exports_only_the_abi() -> None:
    listing = subprocess.run(
        ["nm", "-D", "--defined-only", library_path()], capture_output=True, text=True, check=True
    ).stdout
    exported = {
        fields[2]
        for fields in (line.split() for line in listing.splitlines())
        if len(fields) == 3 and fields[1].isupper()
    }
    assert exported == ABI


@pytest.mark.skipif(shutil.which("readelf") is None, reason="no readelf")
def test_needs_no_swift_runtime() -> None:
    dynamic = subprocess.run(["readelf", "-d", library_path()], capture_output=True, text=True, check=True).stdout
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic))
    # libc, libm, libstdc++, libgcc_s, the loader, the solvers, and what CLP's pkg-config links with it.
    allowed = re.compile(
        r"^(ld-linux.*|lib(c|m|stdc\+\+|gcc_s|Clp|ClpSolver|CoinUtils|glpk|metis|bz2|z|lapack|blas)\.so.*)$"
    )
    assert needed and all(allowed.match(name) for name in needed), needed
    assert not any("swift" in name.lower() or "dispatch" in name or "Foundation" in name for name in needed)


def test_abi_version_is_checked() -> None:
    assert _native.library().pp_abi_version() == _native.ABI_VERSION == 1
    assert paraplan.library_version() == paraplan.__version__


def test_plans_pickle_as_their_text() -> None:
    import pickle

    plan = paraplan.SequenceParallelPlanner(EXAMPLES / "profiles" / "flexsp-gpt7b.yaml").plan(
        np.array([4096, 8192, 100_000])
    )
    copy = pickle.loads(pickle.dumps(plan))
    assert copy == plan and copy.micro_batches == plan.micro_batches
