"""Shared fixtures: the repository's examples and the CLI the Python plans are compared with."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "Examples"


def cli_path() -> Path:
    """The debug CLI that `swift test` builds; built here when missing."""
    override = os.environ.get("PARAPLAN_CLI")
    if override:
        return Path(override)
    path = ROOT / ".build" / "debug" / "paraplan"
    if not path.exists():
        subprocess.run(["swift", "build", "--product", "paraplan"], cwd=ROOT, check=True)
    return path


@pytest.fixture(scope="session")
def cli() -> Path:
    return cli_path()


def run_cli(cli: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(cli), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def read_lengths(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]


def read_samples(path: Path) -> tuple[list[int], list[list[int]], list[int] | None]:
    """tokens, images and loaded ranks of a samples JSON Lines file."""
    rows: list[dict[str, Any]] = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    ranks = [row["rank"] for row in rows] if all("rank" in row for row in rows) else None
    return [row["tokens"] for row in rows], [row.get("images", []) for row in rows], ranks


def read_edges(path: Path) -> list[tuple[int, int]]:
    edges = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            u, v = line.split()
            edges.append((int(u), int(v)))
    return edges
