"""The HTML reports as people see them: each example report is opened in a real headless Chromium at a phone's, a
laptop's and a desktop's width and as printed, laid out with the system's fonts, and measured
(browser_checks/layout.js): the page fits, every figure is drawn, no label is cut off or lies on another, and bars
are drawn to scale."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import Browser, chromium_path
from conftest import EXAMPLES, run_cli

LAYOUT_CHECK = (Path(__file__).parent / "browser_checks" / "layout.js").read_text()
SAMPLES = str(EXAMPLES / "samples" / "multimodal-256.jsonl")
BB_PROFILE = str(EXAMPLES / "profiles" / "batch-balance-7b.yaml")
SP_PROFILE = str(EXAMPLES / "profiles" / "flexsp-gpt7b.yaml")
LENGTHS = str(EXAMPLES / "batches" / "wikipedia-batch0.txt")
LLAMA = str(EXAMPLES / "models" / "llama-3-8b.config.json")
LOADS = [
    "--loads",
    str(EXAMPLES / "moe" / "loads-64-experts.json"),
    "--origins",
    str(EXAMPLES / "moe" / "origins-64-experts.json"),
    "--cluster",
    "hgx-h800:2",
    "--groups",
    "8",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("PARAPLAN_NO_BROWSER"):
            pytest.skip("PARAPLAN_NO_BROWSER is set and no Chromium is installed")
        pytest.fail("no Chromium: `make test` installs it (Debian's chromium package)")
    opened = Browser(executable)
    yield opened
    opened.close()


def cli_ok(cli: Path, *args: str) -> None:
    done = run_cli(cli, *args)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def reports(cli: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every kind of report, from the examples (sequence parallelism on 64 and 128 GPUs); one with a plan file named at
    length, whose labels must be fitted."""
    out = tmp_path_factory.mktemp("reports")
    sp_plan, bb_plan = out / "sp.json", out / "bb.json"
    cli_ok(cli, "plan", "sequence-parallel", "--lengths", LENGTHS, "--profile", SP_PROFILE, "--output", str(sp_plan))
    cli_ok(
        cli,
        "report",
        str(sp_plan),
        "--lengths",
        LENGTHS,
        "--profile",
        SP_PROFILE,
        "--output",
        str(out / "sequence-parallel.html"),
    )
    wide_lengths, wide_plan = str(EXAMPLES / "batches" / "wikipedia-128gpu.txt"), out / "sp-128.json"
    derived = ["--model", LLAMA, "--cluster", "hgx-h100:16"]
    cli_ok(cli, "plan", "sequence-parallel", "--lengths", wide_lengths, *derived, "--output", str(wide_plan))
    cli_ok(
        cli,
        "report",
        str(wide_plan),
        "--lengths",
        wide_lengths,
        *derived,
        "--output",
        str(out / "sequence-parallel-128.html"),
    )
    cli_ok(
        cli,
        "plan",
        "batch-balance",
        "--samples",
        SAMPLES,
        "--ranks",
        "8",
        "--profile",
        BB_PROFILE,
        "--micro-batches",
        "4",
        "--phases",
        "encoder,llm",
        "--keep-encoder-phase",
        "--output",
        str(bb_plan),
    )
    cli_ok(
        cli,
        "report",
        str(bb_plan),
        "--samples",
        SAMPLES,
        "--profile",
        BB_PROFILE,
        "--output",
        str(out / "batch-balance.html"),
    )
    cli_ok(
        cli,
        "plan",
        "batch-balance",
        "--samples",
        SAMPLES,
        "--ranks",
        "8",
        "--profile",
        BB_PROFILE,
        "--speed-factors",
        str(EXAMPLES / "clusters" / "speeds-one-slow-gpu.json"),
        "--report",
        str(out / "batch-balance-baselines.html"),
    )
    estimates = []
    for name, layout in [("tp2-pp2", ["--tp", "2", "--pp", "2"]), ("pp4", ["--pp", "4", "--recompute", "full"])]:
        done = run_cli(
            cli,
            "estimate",
            "--model",
            LLAMA,
            "--cluster",
            "hgx-h100:2",
            *layout,
            "--global-batch",
            "64",
            "--seq-len",
            "4096",
            "--json",
        )
        assert done.returncode == 0, done.stderr
        (out / f"{name}.json").write_text(done.stdout)
        estimates += ["--estimate", str(out / f"{name}.json")]
    cli_ok(cli, "report", *estimates, "--output", str(out / "estimates-compared.html"))
    cli_ok(
        cli,
        "estimate",
        "--model",
        LLAMA,
        "--cluster",
        "hgx-h100:4",
        "--tp",
        "2",
        "--pp",
        "4",
        "--interleave",
        "2",
        "--global-batch",
        "64",
        "--seq-len",
        "4096",
        "--sequence-parallel",
        "--report",
        str(out / "estimate.html"),
    )
    short_name = out / "ep5.json"
    long_name = out / "expert-placement-with-six-slots-per-gpu-after-the-rebalancing-of-step-1200.json"
    cli_ok(cli, "plan", "expert-placement", *LOADS, "--slots-per-gpu", "5", "--output", str(short_name))
    cli_ok(cli, "plan", "expert-placement", *LOADS, "--slots-per-gpu", "6", "--output", str(long_name))
    cli_ok(cli, "report", str(short_name), "--groups", "8", "--output", str(out / "expert-placement.html"))
    cli_ok(cli, "report", str(short_name), str(long_name), "--output", str(out / "experts-compared.html"))
    cli_ok(
        cli,
        "layouts",
        "--model",
        LLAMA,
        "--cluster",
        "hgx-h100:2",
        "--global-batch",
        "64",
        "--seq-len",
        "4096",
        "--top",
        "5",
        "--report",
        str(out / "layouts.html"),
    )
    cli_ok(
        cli,
        "whatif",
        "--trace",
        str(EXAMPLES / "traces" / "trace-ST.csv"),
        "--meta",
        str(EXAMPLES / "traces" / "meta-ST.yaml"),
        "--layers",
        "32",
        "--report",
        str(out / "whatif.html"),
    )
    cli_ok(
        cli,
        "plan",
        "gnn-pipeline",
        "--graph",
        str(EXAMPLES / "gnn" / "community-3k.txt"),
        "--model",
        str(EXAMPLES / "gnn" / "gcnii-16.yaml"),
        "--cluster",
        "dgx-a100:2",
        "--report",
        str(out / "gnn-pipeline.html"),
    )
    return {path.stem: path for path in sorted(out.glob("*.html"))}


KINDS = [
    "sequence-parallel",
    "sequence-parallel-128",
    "batch-balance",
    "batch-balance-baselines",
    "estimate",
    "estimates-compared",
    "expert-placement",
    "experts-compared",
    "layouts",
    "whatif",
    "gnn-pipeline",
]


@pytest.mark.parametrize("width,media", [(480, "screen"), (800, "screen"), (1280, "screen"), (720, "print")])
@pytest.mark.parametrize("kind", KINDS)
def test_report_reads_as_drawn(browser: Browser, reports: dict[str, Path], kind: str, width: int, media: str) -> None:
    measured = browser.evaluate(reports[kind], LAYOUT_CHECK, width=width, media=media)
    assert measured["figures"] >= 1, f"{kind}: no figure drawn"
    assert measured["problems"] == [], f"{kind} at {width}px ({media}): " + "; ".join(measured["problems"][:10])


def test_step_bars_are_measured(browser: Browser, reports: dict[str, Path]) -> None:
    """The scale check has bars to measure where reports compare steps (it would pass vacuously otherwise)."""
    for kind in ["sequence-parallel", "batch-balance-baselines", "experts-compared"]:
        assert browser.evaluate(reports[kind], LAYOUT_CHECK)["bars"] >= 3, kind


def test_the_checks_see_a_broken_figure(browser: Browser, tmp_path: Path) -> None:
    """A label drawn past its figure's edge, overlapping labels and a bar off its scale are each reported."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><body><svg xmlns="http://www.w3.org/2000/svg" width="300" height="100">'
        "<title>broken</title>"
        '<text x="250" y="20" font-size="11">a label far too long for this figure</text>'
        '<text x="10" y="60" font-size="11">first</text><text x="12" y="61" font-size="11">first</text>'
        '<rect class="bar" x="100" y="70" width="100" height="8" data-seconds="2"/>'
        '<rect class="bar" x="100" y="80" width="80" height="8" data-seconds="1"/>'
        "</svg></body></html>"
    )
    problems = browser.evaluate(page, LAYOUT_CHECK)["problems"]
    assert any("leaves the figure" in problem for problem in problems), problems
    assert any("overlap" in problem for problem in problems), problems
    assert any("a bar of 1 s" in problem for problem in problems), problems
