"""Builds the Swift library (release, Swift runtime linked in, only the C ABI exported) and bundles it.

Everything else is in pyproject.toml. PARAPLAN_PREBUILT_LIBRARY=path bundles an already built library instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution


def repository_root() -> Path:
    root = Path(os.environ.get("PARAPLAN_SOURCE_ROOT", Path(__file__).resolve().parent.parent))
    if not (root / "Package.swift").exists():
        raise SystemExit(
            f"paraplan: {root} has no Package.swift; build from the repository (pip install ./python) "
            "or set PARAPLAN_SOURCE_ROOT"
        )
    return root


def build_library() -> Path:
    prebuilt = os.environ.get("PARAPLAN_PREBUILT_LIBRARY")
    if prebuilt:
        return Path(prebuilt)
    root = repository_root()
    scratch = root / ".build-python"
    command = [
        "swift",
        "build",
        "-c",
        "release",
        "--product",
        "ParaPlanABI",
        "--scratch-path",
        str(scratch),
        "-Xswiftc",
        "-static-stdlib",
        "-Xlinker",
        f"--version-script={root / 'include' / 'paraplan.map'}",
    ]
    if shutil.which("swift") is None:
        raise SystemExit("paraplan: the Swift toolchain (swift) is needed to build the native library")
    subprocess.run(command, cwd=root, check=True)
    return scratch / "release" / "libParaPlanABI.so"


class BuildWithLibrary(build_py):
    def run(self) -> None:
        super().run()
        library = build_library()
        target = Path(self.build_lib) / "paraplan" / "_lib"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(library, target / "libparaplan.so")


class BinaryDistribution(Distribution):
    """The wheel carries a native library, so it is platform-specific."""

    def has_ext_modules(self) -> bool:
        return True


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=BinaryDistribution)
