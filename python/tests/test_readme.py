"""The documentation's code runs as written (from the repository root): README.md's and docs/*.md's Python blocks
run, blocks marked ``python fragment`` (a piece of a training loop that needs a loader and torch.distributed) are
compiled, and the Swift blocks' generated tests are in step with the documents."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _blocks(kind: str) -> list[tuple[str, str]]:
    found = []
    for path in DOCUMENTS:
        for block in re.findall(rf"^```{kind}\n(.*?)^```", path.read_text(), flags=re.S | re.M):
            found.append((path.name, block))
    return found


def test_python_blocks_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    blocks = _blocks("python")
    assert blocks
    for name, block in blocks:
        exec(compile(block, name, "exec"), {})


def test_python_fragments_compile() -> None:
    fragments = _blocks("python fragment")
    assert fragments
    for name, block in fragments:
        compile(block, name, "exec")


def test_swift_snippet_tests_are_in_step_with_the_documents() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "doc_snippets.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
