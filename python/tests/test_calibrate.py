"""Calibration measured, not typed in: torchrun launches the tool on CPU with gloo; the profiles it writes are read
back by the planners and the estimator, and its fitted attention coefficients predict held-out timings."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import paraplan  # noqa: E402
from paraplan import calibrate  # noqa: E402

LAYERS = 4


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    folder = tmp_path_factory.mktemp("calibration")
    torchrun = Path(sys.executable).parent / "torchrun"
    if not torchrun.exists():
        pytest.skip("torchrun is not installed next to this Python")
    calibration, sp = folder / "calibration.json", folder / "sp.json"
    done = subprocess.run(
        [
            str(torchrun),
            "--standalone",
            "--nproc_per_node",
            "4",
            "-m",
            "paraplan.calibrate",
            "--cpu",
            "--output",
            str(calibration),
            "--sp-output",
            str(sp),
            "--layers",
            str(LAYERS),
            "--hidden",
            "256",
            "--tokens-per-gpu",
            "2048",
            "--repeats",
            "15",
            "--megabytes",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout[done.stdout.index("{") :])
    return calibration, sp, report


def test_profiles_are_written_and_read_back(profiles: tuple[Path, Path, dict[str, object]]) -> None:
    calibration, sp, report = profiles
    written = json.loads(calibration.read_text())
    assert set(written) == {"achievedFlops", "busBandwidth", "sequenceParallel"}
    assert set(written["busBandwidth"]["all-to-all"]) == {"2", "4"} and set(written["busBandwidth"]["all-reduce"]) == {
        "2",
        "4",
    }
    assert all(point["flopsPerSecond"] > 0 for point in written["achievedFlops"])
    estimate = paraplan.estimate("llama-3-8b", "hgx-h100:1", profile=calibration, global_batch=8, seq_len=2048)
    assert estimate.iteration_seconds > 0
    plan = paraplan.SequenceParallelPlanner(sp).plan([512, 1024, 4096, 6000, 300, 200])
    assert plan.gpus == 4 and paraplan.validate(plan).kind == "sequence-parallel"
    assert report["ranks"] == 4


def test_fitted_coefficients_predict_held_out_attention(profiles: tuple[Path, Path, dict[str, object]]) -> None:
    calibration, _, report = profiles
    # The tool's own check: held-out lengths timed in the same process, beside the lengths it fitted.
    attention = report["attention"]
    assert isinstance(attention, dict)
    reported = attention["heldOutRelativeErrors"]
    assert reported and _fits_held_out(reported.values()), reported
    # An independent check here, of the fitted shape: this process runs beside other work at another speed than the
    # calibration's rank 0 did (four ranks on a shared machine), so the prediction is scaled to these timings first.
    # The scale is the median ratio over all lengths, not one reference length's: a single slow reference timing
    # (one CI run, 2026-12-07) otherwise shifts every held-out error alike, by 25 %.
    coefficients = json.loads(calibration.read_text())["sequenceParallel"]
    a1, a2, b = (coefficients[name] / LAYERS for name in ("alpha1", "alpha2", "beta1"))
    torch.set_num_threads(1)
    fitted_lengths, held_out = [512, 1024, 2048], [640, 896, 1280, 1792]
    lengths = sorted([*fitted_lengths, *held_out])
    # Three rounds, each length's fastest kept: other work on the machine only ever adds time (as the tool's own timer).
    # Every other round runs the lengths in reverse, so no length is always the first timed.
    rounds = [
        calibrate.measure_attention(
            torch, torch.device("cpu"), torch.float32, lengths[:: 1 if i % 2 == 0 else -1], 4, 64, 7, lambda: None
        )
        for i in range(3)
    ]
    measured = {length: min(timings[length] for timings in rounds) for length in lengths}

    def predicted(length: int) -> float:
        return a1 * length * length + a2 * length + b

    scale = float(np.median([measured[s] / predicted(s) for s in lengths]))
    errors = {s: predicted(s) * scale / measured[s] - 1 for s in held_out}
    assert _fits_held_out(errors.values()), errors


def _fits_held_out(errors: Iterable[float]) -> bool:
    """Held-out lengths within 25 % at the median and 50 % each. Times on this shared two-core machine wander: the
    shortest length's, mostly fixed overhead, was 34 % off in one fresh-clone CI run (2026-12-06) while the median
    was 9 %. The fit without its quadratic term misses the median (31 % in a local run the same day)."""
    magnitudes = sorted(abs(error) for error in errors)
    return bool(magnitudes) and magnitudes[len(magnitudes) // 2] <= 0.25 and magnitudes[-1] <= 0.5


def test_fit_recovers_known_coefficients() -> None:
    lengths = [256, 512, 1024, 2048, 4096]
    a1, a2, b = 3e-9, 2e-6, 1e-4
    noise = np.random.default_rng(0).normal(1, 0.01, size=len(lengths))
    fitted = calibrate.fit_attention({s: (a1 * s * s + a2 * s + b) * n for s, n in zip(lengths, noise)})
    assert fitted[0] == pytest.approx(a1, rel=0.1) and fitted[1] == pytest.approx(a2, rel=0.3)
    assert all(value >= 0 for value in fitted)
