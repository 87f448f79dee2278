"""A short, seeded run of scripts/fuzz.py against the CLI: no crash, hang or exit 1 on mutated input.

The long run (10,000 cases per subcommand) is documented in the README's reliability section.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_short_fuzz_run_finds_nothing(cli: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        # The suite runs the debug build, several times slower than the release build the 20 s limit is set for;
        # 120 s still catches a hang without failing on a loaded machine.
        [
            sys.executable,
            str(ROOT / "scripts" / "fuzz.py"),
            "--cases",
            "25",
            "--seed",
            "7",
            "--time-limit",
            "120",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PARAPLAN": str(cli)},
    )
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["cases"] == 26 * 25  # every subcommand variant of scripts/fuzz.py
    assert summary["findings"] == 0, (
        done.stdout + "\n" + "\n".join(str(p) for p in (tmp_path / "findings").glob("*/cmd.sh"))
    )
    assert done.returncode == 0
