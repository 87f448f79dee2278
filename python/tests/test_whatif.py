"""paraplan.whatif: the CLI's report from a CSV path, a Parquet file, a DataFrame-like object or a pyarrow Table,
and typed errors for bad traces."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

import paraplan

ROOT = Path(__file__).resolve().parents[2]
TRACE = ROOT / "Examples/traces/trace-ST.csv"
META = ROOT / "Examples/traces/meta-ST.yaml"


def cli_report(binary: Path) -> dict:
    out = subprocess.run(
        [str(binary), "whatif", "--trace", str(TRACE), "--meta", str(META), "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


def test_csv_path_matches_the_cli(cli: Path) -> None:
    report = paraplan.whatif(TRACE, META)
    expected = cli_report(cli)
    assert report.slowdown == expected["slowdown"]
    assert report.raw["attribution"] == expected["attribution"]
    assert report.culprit.startswith("the last pipeline stage")
    assert report.ms.recovered >= 1.0
    assert report.heatmap.shape == (8, 32)
    assert report.step_seconds.steps.dtype == np.int64 and len(report.step_seconds.ideal) == 32
    assert report.attribution.by_stage[3] > report.attribution.by_stage[0]
    assert report.attribution.by_worker[0].stage == 3
    assert report.slow_machines == []
    assert report.remedies["balanced_stages"].speed_up > 1.1
    assert "replaced_slow_machines" not in report.remedies
    split = paraplan.whatif(TRACE, META, layers=32)
    assert split.remedies["resplit_stages"].speed_up > 1.1
    assert split.raw["remedies"]["resplitStages"]["layersAfter"] == [10, 9, 9, 4]
    with pytest.raises(paraplan.InputError, match="multiple of pp_size"):
        paraplan.whatif(TRACE, META, layers=30)


def test_parquet_table_and_mapping_meta(tmp_path: Path) -> None:
    pyarrow_csv = pytest.importorskip("pyarrow.csv")
    parquet = pytest.importorskip("pyarrow.parquet")
    table = pyarrow_csv.read_csv(str(TRACE))
    path = tmp_path / "trace.parquet"
    parquet.write_table(table, str(path))
    meta = {"dp_size": 2, "pp_size": 4, "tp_size": 1, "dsp_size": 1, "vpp_size": 1, "world_size": 8}
    from_parquet = paraplan.whatif(path, meta)
    from_table = paraplan.whatif(table, META)
    from_csv = paraplan.whatif(str(TRACE), META)
    assert from_parquet.slowdown == pytest.approx(from_csv.slowdown, rel=1e-12)
    assert from_table.raw["attribution"] == from_parquet.raw["attribution"]


class FrameLike:
    """What paraplan.whatif reads from a pandas DataFrame: columns and to_csv(index=False)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.columns = text.splitlines()[0].split(",")

    def to_csv(self, index: bool = True) -> str:
        assert index is False
        return self.text


def test_dataframe_like() -> None:
    report = paraplan.whatif(FrameLike(TRACE.read_text()), META)
    assert report.slowdown == pytest.approx(1.1787, abs=1e-4)


@pytest.mark.parametrize(
    "trace, meta, message",
    [
        ("dp_rank,stage\n0,0\n", {"dp_size": 1, "pp_size": 1}, "column rank missing"),
        (TRACE.read_text().replace("backward-compute", "backwards", 1), META, "column optype = \"backwards\""),
        (TRACE.read_text(), {"dp_size": 2, "pp_size": 0}, "pp_size = \"0\""),
        (TRACE.read_text(), {"dp_size": 1 << 20, "pp_size": 1 << 20}, "from 1 to 2^18"),
    ],
)
def test_bad_traces_raise_input_error(trace: str, meta: object, message: str) -> None:
    with pytest.raises(paraplan.InputError) as caught:
        paraplan.whatif(FrameLike(trace), meta)  # type: ignore[arg-type]
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


def test_wrong_types_raise_input_error(tmp_path: Path) -> None:
    with pytest.raises(paraplan.InputError):
        paraplan.whatif(42, META)  # type: ignore[arg-type]
    with pytest.raises(paraplan.InputError):
        paraplan.whatif(TRACE, 3.5)  # type: ignore[arg-type]
    with pytest.raises(paraplan.InputError, match="cannot be read"):
        paraplan.whatif(tmp_path / "missing.csv", META)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    pytest.importorskip("pyarrow.parquet")
    with pytest.raises(paraplan.InputError, match="not a readable Parquet file"):
        paraplan.whatif(broken, META)


def test_micro_batches_rebalanced_by_the_batch_balancer() -> None:
    report = paraplan.whatif(TRACE, META)
    rebalanced = report.remedies["rebalanced_micro_batches"]
    # ST's two DP ranks carry the same work: moving micro-batches between them wins nothing, and never more than the
    # bound (every step's compute balanced).
    assert 0.99 < rebalanced.speed_up <= report.remedies["balanced_batches"].speed_up * 1.01


def test_measured_spread_goes_into_a_profile(cli: Path) -> None:
    """``compute_deviation`` is what a calibration profile's ``computeDeviation`` takes; the estimate's wait for the
    slowest worker takes it beside the cluster's spread (their variances add), and a spread outside [0, 0.5] is
    refused by name."""
    report = paraplan.whatif(TRACE, META)
    assert report.compute_deviation == cli_report(cli)["computeDeviation"]
    assert report.compute_deviation is not None and abs(report.compute_deviation - 0.00697) < 1e-5
    setup = {"model": "llama-3-8b", "cluster": "hgx-h100:8", "global_batch": 128, "seq_len": 4096}
    standard = paraplan.estimate(**setup).breakdown.synchronisation
    measured = paraplan.estimate(**setup, profile={"computeDeviation": report.compute_deviation})
    cluster_only = paraplan.estimate(**setup, profile={"computeDeviation": 0}).breakdown.synchronisation
    assert 0 < cluster_only < standard
    compute_share = (measured.breakdown.synchronisation**2 - cluster_only**2) / (standard**2 - cluster_only**2)
    assert compute_share == pytest.approx((report.compute_deviation / 0.0058) ** 2, rel=1e-9)
    alone = {"computeDeviation": 0, "clusterDeviation": 0}
    assert paraplan.estimate(**setup, profile=alone).breakdown.synchronisation == 0
    for field in ("computeDeviation", "clusterDeviation"):
        with pytest.raises(paraplan.InputError, match=field):
            paraplan.estimate(**setup, profile={field: 0.9})


def test_measured_operation_spread_goes_into_a_profile(cli: Path) -> None:
    """``operation_deviation`` is what a profile's ``operationDeviation`` takes: with delayed FP8 scaling the DP peers
    meet at every micro-batch, and that wait scales with the spread of one operation; BF16 does not use it."""
    report = paraplan.whatif(TRACE, META)
    assert report.operation_deviation == cli_report(cli)["operationDeviation"]
    assert report.operation_deviation is not None and abs(report.operation_deviation - 0.01518) < 1e-5
    setup = {"model": "llama-3-8b", "cluster": "hgx-h100:8", "global_batch": 128, "seq_len": 4096, "tp": 2}
    delayed = {**setup, "fp8": True, "fp8_recipe": "delayed"}
    standard = paraplan.estimate(**delayed).breakdown.synchronisation
    measured = paraplan.estimate(**delayed, profile={"operationDeviation": report.operation_deviation})
    assert measured.breakdown.synchronisation == pytest.approx(
        standard * report.operation_deviation / 0.01865, rel=1e-9
    )
    bf16 = paraplan.estimate(**setup, profile={"operationDeviation": 0.3}).breakdown.synchronisation
    assert bf16 == paraplan.estimate(**setup).breakdown.synchronisation
    with pytest.raises(paraplan.InputError, match="operationDeviation"):
        paraplan.estimate(**delayed, profile={"operationDeviation": -0.1})
