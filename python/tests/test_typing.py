"""The package's type hints hold: mypy --strict passes on it (py.typed promises users they can rely on them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import paraplan


def test_mypy_strict(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    assert (Path(paraplan.__file__).parent / "py.typed").exists()
    # Checked as installed (-p), from an empty folder so that nothing shadows it.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "cache"),
            "-p",
            "paraplan",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
