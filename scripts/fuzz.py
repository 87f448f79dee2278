#!/usr/bin/env python3
"""Fuzzes the paraplan CLI: every subcommand, seeded from Examples/, with mutated files and flags.

The contract (README §Reliability): bad input exits 2 with one line on stderr, an infeasible problem exits 3, and
nothing crashes (a signal), hangs (over the time limit) or exits 1 on input a user gave. A run that breaks it is a
finding; its command and input files are kept under OUT/findings/ to reproduce.

    python3 scripts/fuzz.py --cases 10000 --seed 1            # 10,000 cases per subcommand (the long run)
    python3 scripts/fuzz.py --cases 30 --seed 7 --out DIR     # what the test suite runs

Run from the project's root; PARAPLAN names the binary (default .build/release/paraplan). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "Examples"
TIME_LIMIT = 20.0
MEMORY_LIMIT = 16 << 30

# Numbers that break arithmetic: zero, signs, 32/64-bit edges, huge and tiny doubles, non-numbers.
EXTREMES = [
    "0",
    "-1",
    "1",
    "2",
    "3",
    "7",
    "255",
    "65536",
    "2147483647",
    "2147483648",
    "4294967296",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "1e19",
    "1e300",
    "-1e300",
    "1e-300",
    "1.5",
    "-0",
    "nan",
    "inf",
    "-inf",
    "1e26",
    "-1e26",
    "0x10",
    "",
    "abc",
    "null",
    "true",
    "[]",
    "{}",
    "\"5\"",
    "1_000",
]


@dataclass
class Subcommand:
    """A base invocation: arguments with {name} placeholders for the seed files it reads."""

    name: str
    arguments: list[str]
    files: dict[str, Path] = field(default_factory=dict)


def subcommands(plans: dict[str, Path]) -> list[Subcommand]:
    e = EXAMPLES
    # Mixtral on two nodes with EP 8: the start of every MoE estimate seed.
    moe_estimate = ["estimate", "--model", "{model}", "--cluster", "hgx-h100:2", "--ep", "8"]
    moe_estimate += ["--global-batch", "64", "--seq-len", "4096"]
    return [
        Subcommand(
            "plan sequence-parallel",
            ["plan", "sequence-parallel", "--lengths", "{lengths}", "--profile", "{profile}", "--output", "out.json"],
            {"lengths": e / "batches/wikipedia-batch0.txt", "profile": e / "profiles/flexsp-gpt7b.yaml"},
        ),
        Subcommand(
            "plan batch-balance",
            [
                "plan",
                "batch-balance",
                "--samples",
                "{samples}",
                "--ranks",
                "8",
                "--equal-counts",
                "--micro-batches",
                "4",
                "--profile",
                "{profile}",
                "--phases",
                "encoder,llm",
                "--output",
                "out.json",
            ],
            {"samples": e / "samples/multimodal-256.jsonl", "profile": e / "profiles/batch-balance-7b.yaml"},
        ),
        Subcommand(
            "plan expert-placement",
            [
                "plan",
                "expert-placement",
                "--loads",
                "{loads}",
                "--origins",
                "{origins}",
                "--cluster",
                "{cluster}",
                "--slots-per-gpu",
                "5",
                "--groups",
                "8",
                "--output",
                "out.json",
            ],
            {
                "loads": e / "moe/loads-64-experts.json",
                "origins": e / "moe/origins-64-experts.json",
                "cluster": e / "clusters/hgx-h100-4-nodes.yaml",
            },
        ),
        Subcommand(
            "plan gnn-pipeline",
            [
                "plan",
                "gnn-pipeline",
                "--graph",
                "{graph}",
                "--model",
                "{model}",
                "--cluster",
                "dgx-a100:1",
                "--output",
                "out.json",
            ],
            {"graph": e / "gnn/community-3k.txt", "model": e / "gnn/gcnii-16.yaml"},
        ),
        Subcommand(
            "estimate",
            [
                "estimate",
                "--model",
                "{model}",
                "--cluster",
                "{cluster}",
                "--tp",
                "2",
                "--pp",
                "2",
                "--global-batch",
                "64",
                "--seq-len",
                "4096",
                "--sequence-parallel",
                "--json",
            ],
            {"model": e / "models/llama-3-8b.config.json", "cluster": e / "clusters/hgx-h100-4-nodes.yaml"},
        ),
        Subcommand(
            "estimate moe recompute-modules",
            [
                *moe_estimate,
                "--recompute",
                "selective",
                "--recompute-modules",
                "layernorm,moe_act",
                "--full-iteration-cuda-graph",
                "--json",
            ],
            {"model": e / "models/mixtral-8x7b.config.json"},
        ),
        Subcommand(
            "layouts",
            [
                "layouts",
                "--model",
                "{model}",
                "--cluster",
                "hgx-h100:2",
                "--global-batch",
                "64",
                "--seq-len",
                "4096",
                "--json",
            ],
            {"model": e / "models/mixtral-8x7b.config.json"},
        ),
        Subcommand(
            "estimate moe per-layer cuda graphs",
            [
                *moe_estimate,
                "--cuda-graph-modules",
                "attn,moe_router,moe_preprocess",
                "--moe-dispatcher",
                "hybridep",
                "--json",
            ],
            {"model": e / "models/mixtral-8x7b.config.json"},
        ),
        Subcommand(
            "estimate precision-aware optimizer",
            [
                *moe_estimate,
                "--exp-avg-dtype",
                "bf16",
                "--exp-avg-sq-dtype",
                "bf16",
                "--main-params-dtype",
                "fp16",
                "--json",
            ],
            {"model": e / "models/mixtral-8x7b.config.json"},
        ),
        Subcommand(
            "estimate measured spread",
            [
                "estimate",
                "--model",
                "llama-3-8b",
                "--cluster",
                "hgx-h100:8",
                "--global-batch",
                "128",
                "--seq-len",
                "4096",
                "--fp8",
                "--profile",
                "{profile}",
                "--json",
            ],
            {"profile": e / "profiles/trace-st-spread.yaml"},
        ),
        Subcommand("validate", ["validate", "{plan}"], {"plan": plans["sequence-parallel"]}),
        Subcommand("format", ["format", "{plan}", "--output", "out.json"], {"plan": plans["expert-placement"]}),
        Subcommand(
            "compare",
            ["compare", "{first}", "{second}"],
            {"first": plans["batch-balance"], "second": plans["batch-balance-2"]},
        ),
        Subcommand("solve", ["solve", "{lp}", "--export-mps", "out.mps"], {"lp": e / "models/transport.lp"}),
        Subcommand("presets", ["presets", "--json"]),
        Subcommand("schema", ["schema"]),
        Subcommand(
            "whatif",
            ["whatif", "--trace", "{trace}", "--meta", "{meta}", "--output", "out.json"],
            {"trace": e / "traces/trace-ST.csv", "meta": e / "traces/meta-ST.yaml"},
        ),
        # The planners with measured speeds: one GPU of 64 at half speed (per GPU for SP, 8 GPUs per rank for batch
        # balancing, pairs of GPUs for the 32-GPU expert cluster).
        Subcommand(
            "plan sequence-parallel --speed-factors",
            [
                "plan",
                "sequence-parallel",
                "--lengths",
                "{lengths}",
                "--profile",
                "{profile}",
                "--speed-factors",
                "{speeds}",
                "--output",
                "out.json",
            ],
            {
                "lengths": e / "batches/wikipedia-batch0.txt",
                "profile": e / "profiles/flexsp-gpt7b.yaml",
                "speeds": e / "clusters/speeds-one-slow-gpu.json",
            },
        ),
        Subcommand(
            "plan batch-balance --speed-factors",
            [
                "plan",
                "batch-balance",
                "--samples",
                "{samples}",
                "--ranks",
                "8",
                "--micro-batches",
                "4",
                "--profile",
                "{profile}",
                "--speed-factors",
                "{speeds}",
                "--output",
                "out.json",
            ],
            {
                "samples": e / "samples/multimodal-256.jsonl",
                "profile": e / "profiles/batch-balance-7b.yaml",
                "speeds": e / "clusters/speeds-one-slow-gpu.json",
            },
        ),
        Subcommand(
            "plan batch-balance --speed-factors (phases)",
            [
                "plan",
                "batch-balance",
                "--samples",
                "{samples}",
                "--ranks",
                "8",
                "--phases",
                "encoder,llm",
                "--keep-encoder-phase",
                "--profile",
                "{profile}",
                "--speed-factors",
                "{speeds}",
                "--output",
                "out.json",
            ],
            {
                "samples": e / "samples/multimodal-256.jsonl",
                "profile": e / "profiles/batch-balance-7b.yaml",
                "speeds": e / "clusters/speeds-one-slow-gpu.json",
            },
        ),
        Subcommand(
            "plan batch-balance --speed-factors (synchronised)",
            [
                "plan",
                "batch-balance",
                "--samples",
                "{samples}",
                "--ranks",
                "8",
                "--sync-every-phase",
                "--profile",
                "{profile}",
                "--speed-factors",
                "{speeds}",
                "--output",
                "out.json",
            ],
            {
                "samples": e / "samples/multimodal-256.jsonl",
                "profile": e / "profiles/batch-balance-7b.yaml",
                "speeds": e / "clusters/speeds-one-slow-gpu.json",
            },
        ),
        Subcommand(
            "plan expert-placement --speed-factors",
            [
                "plan",
                "expert-placement",
                "--loads",
                "{loads}",
                "--cluster",
                "{cluster}",
                "--slots-per-gpu",
                "5",
                "--speed-factors",
                "{speeds}",
                "--output",
                "out.json",
            ],
            {
                "loads": e / "moe/loads-64-experts.json",
                "cluster": e / "clusters/hgx-h100-4-nodes.yaml",
                "speeds": e / "clusters/speeds-one-slow-gpu.json",
            },
        ),
        # Ring and Ulysses × ring schemes in a profile; reports of estimates and of GNN plan files.
        Subcommand(
            "plan sequence-parallel (ring schemes)",
            ["plan", "sequence-parallel", "--lengths", "{lengths}", "--profile", "{profile}", "--output", "out.json"],
            {"lengths": e / "batches/wikipedia-batch0.txt", "profile": e / "profiles/gpt7b-ulysses-ring.yaml"},
        ),
        # A derived profile whose micro-batches are 99 % full (the memory-dense steps and the roomiest rule).
        Subcommand(
            "plan sequence-parallel (memory-tight)",
            [
                "plan",
                "sequence-parallel",
                "--lengths",
                "{lengths}",
                "--model",
                "{model}",
                "--cluster",
                "hgx-h100:16",
                "--output",
                "out.json",
            ],
            {"lengths": e / "batches/wikipedia-128gpu.txt", "model": e / "models/llama-3-70b.config.json"},
        ),
        Subcommand(
            "report --estimate",
            ["report", "--estimate", "{estimate}", "--output", "out.html"],
            {"estimate": plans["estimate"]},
        ),
        Subcommand(
            "report (GNN plan)",
            [
                "report",
                "{plan}",
                "--graph",
                "{graph}",
                "--model",
                "{model}",
                "--cluster",
                "dgx-a100:2",
                "--output",
                "out.html",
            ],
            {"plan": plans["gnn-pipeline"], "graph": e / "gnn/community-3k.txt", "model": e / "gnn/gcnii-16.yaml"},
        ),
    ]


def mutate_text(text: str, rng: random.Random) -> str:
    """One of several structure-aware or blind mutations of a seed file."""
    choice = rng.randrange(10)
    tokens = _numbers(text)
    if choice <= 3 and tokens:
        start, end = rng.choice(tokens)
        return text[:start] + rng.choice(EXTREMES) + text[end:]
    if choice == 4 and text:
        cut = rng.randrange(len(text))
        return text[:cut]
    if choice == 5 and text:
        at = rng.randrange(len(text))
        return text[:at] + chr(rng.choice([0, 9, 10, 34, 44, 58, 91, 93, 123, 125, 0xFEFF, 0x1F600])) + text[at:]
    if choice == 6:
        depth = rng.choice([10, 70, 3000])
        return "x: " + "[" * depth + "]" * depth + "\n" if rng.random() < 0.5 else "[" * depth + "]" * depth
    if choice == 7 and text:
        lines = text.splitlines(keepends=True)
        line = rng.choice(lines) if lines else text
        return text + line * rng.choice([1, 2, 100, 5000])
    if choice == 8 and tokens:
        # Every number at once to one extreme.
        value = rng.choice(EXTREMES)
        out, last = [], 0
        for start, end in tokens:
            out.append(text[last:start] + value)
            last = end
        return "".join(out) + text[last:]
    data = bytearray(text.encode("utf-8", "surrogatepass"))
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return data.decode("utf-8", "replace")


def _numbers(text: str) -> list[tuple[int, int]]:
    spans, i = [], 0
    while i < len(text):
        if text[i].isdigit() or (text[i] == "-" and i + 1 < len(text) and text[i + 1].isdigit()):
            j = i + 1
            while j < len(text) and (text[j].isdigit() or text[j] in ".eE+-"):
                j += 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    return spans


def mutate_arguments(arguments: list[str], rng: random.Random) -> list[str]:
    args = list(arguments)
    flags = [
        i for i, a in enumerate(args) if a.startswith("--") and i + 1 < len(args) and not args[i + 1].startswith("--")
    ]
    choice = rng.randrange(5)
    if choice <= 2 and flags:
        i = rng.choice(flags)
        args[i + 1] = rng.choice(EXTREMES + ["1,1,1", "-", "/dev/null", "out.json", "hgx-h100:0", "hgx-h100:99999999"])
    elif choice == 3 and flags:
        i = rng.choice(flags)
        del args[i : i + 2]
    else:
        args += rng.choice(
            [
                ["--tp", "3"],
                ["--json"],
                ["--output", "-"],
                ["--compact"],
                ["--cp", "1,2,4,8,16"],
                ["--time-budget-ms", "1"],
                ["--memory-headroom", "0.95"],
                ["--fp8"],
                ["--zero", "3"],
                ["--ep", "8"],
                ["--etp", "2"],
                ["--recompute", "full"],
                ["--interleave", "1000000"],
                ["--recompute-modules", "moe_act,layernorm,core_attn"],
            ]
        )
    return args


@dataclass
class Outcome:
    subcommand: str
    status: int
    seconds: float
    stderr: str
    finding: str | None


def run_case(
    binary: Path, sub: Subcommand, rng: random.Random, work: Path, case: int, time_limit: float = TIME_LIMIT
) -> Outcome:
    directory = work / f"{sub.name.replace(' ', '-')}-{case}"
    directory.mkdir(parents=True)
    mapping = {}
    mutate_file = sub.files and rng.random() < 0.7
    target = rng.choice(sorted(sub.files)) if sub.files else None
    for name, path in sub.files.items():
        text = path.read_text(encoding="utf-8", errors="replace")
        if mutate_file and name == target:
            text = mutate_text(text, rng)
        copy = directory / f"{name}{path.suffix}"
        copy.write_text(text, encoding="utf-8", errors="surrogatepass")
        mapping[name] = str(copy)
    arguments = [a.format(**mapping) if "{" in a else a for a in sub.arguments]
    if not mutate_file or rng.random() < 0.3:
        arguments = mutate_arguments(arguments, rng)
    start = time.monotonic()
    try:
        done = subprocess.run(
            [str(binary), *arguments],
            cwd=directory,
            capture_output=True,
            timeout=time_limit,
            preexec_fn=_limit_memory,
            text=True,
            errors="replace",
        )
        status, stderr = done.returncode, done.stderr
    except subprocess.TimeoutExpired:
        status, stderr = -999, ""
    seconds = time.monotonic() - start
    finding = None
    if status == -999:
        finding = "too slow"
    elif status < 0:
        finding = f"signal {-status}"
    elif status == 1:
        finding = "exit 1"
    elif status not in (0, 2, 3):
        finding = f"exit {status}"
    elif status == 2 and not stderr.strip():
        finding = "exit 2 without a message"
    if finding:
        (directory / "cmd.sh").write_text(f"# {finding}\n{binary} " + " ".join(_quote(a) for a in arguments) + "\n")
        (directory / "stderr.txt").write_text(stderr)
    else:
        shutil.rmtree(directory, ignore_errors=True)
    return Outcome(sub.name, status, seconds, stderr, finding)


def _quote(argument: str) -> str:
    return argument if argument and all(c.isalnum() or c in "-_./:,=" for c in argument) else repr(argument)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def seed_plans(binary: Path, work: Path) -> dict[str, Path]:
    """Plans of every kind, made by the CLI from Examples/, for validate, format and compare to read."""
    e, plans = EXAMPLES, {}
    commands = {
        "sequence-parallel": [
            "plan",
            "sequence-parallel",
            "--lengths",
            str(e / "batches/wikipedia-batch0.txt"),
            "--profile",
            str(e / "profiles/flexsp-gpt7b.yaml"),
        ],
        "batch-balance": [
            "plan",
            "batch-balance",
            "--samples",
            str(e / "samples/multimodal-256.jsonl"),
            "--ranks",
            "8",
            "--equal-counts",
            "--profile",
            str(e / "profiles/batch-balance-7b.yaml"),
        ],
        "batch-balance-2": [
            "plan",
            "batch-balance",
            "--samples",
            str(e / "samples/multimodal-256.jsonl"),
            "--ranks",
            "8",
            "--profile",
            str(e / "profiles/batch-balance-7b.yaml"),
        ],
        "expert-placement": [
            "plan",
            "expert-placement",
            "--loads",
            str(e / "moe/loads-64-experts.json"),
            "--cluster",
            "hgx-h100:4",
            "--slots-per-gpu",
            "5",
        ],
    }
    commands["gnn-pipeline"] = [
        "plan",
        "gnn-pipeline",
        "--graph",
        str(e / "gnn/community-3k.txt"),
        "--model",
        str(e / "gnn/gcnii-16.yaml"),
        "--cluster",
        "dgx-a100:2",
    ]
    for name, arguments in commands.items():
        path = work / f"seed-{name}.json"
        subprocess.run([str(binary), *arguments, "--output", str(path)], check=True, capture_output=True)
        plans[name] = path
    # An estimate file, as `estimate --json` writes it, for `report --estimate`.
    estimate = subprocess.run(
        [
            str(binary),
            "estimate",
            "--model",
            "llama-3-8b",
            "--cluster",
            "hgx-h100:2",
            "--tp",
            "2",
            "--global-batch",
            "64",
            "--seq-len",
            "4096",
            "--json",
        ],
        check=True,
        capture_output=True,
    )
    plans["estimate"] = work / "seed-estimate.json"
    plans["estimate"].write_bytes(estimate.stdout)
    return plans


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="cases per subcommand")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--time-limit",
        type=float,
        default=TIME_LIMIT,
        help="seconds a case may take (default 20, for the release build; a debug build is several times slower)",
    )
    parser.add_argument("--only", help="one subcommand, e.g. 'estimate'")
    parser.add_argument("--out", type=Path, help="where findings are kept (default: a new temporary folder)")
    options = parser.parse_args()
    binary = Path(os.environ.get("PARAPLAN", ROOT / ".build/release/paraplan")).resolve()
    if not binary.exists():
        print(f"fuzz: {binary} not found; build it with `swift build -c release --product paraplan`", file=sys.stderr)
        return 2
    out = options.out or Path(tempfile.mkdtemp(prefix="paraplan-fuzz-"))
    out.mkdir(parents=True, exist_ok=True)
    plans = seed_plans(binary, out)
    subs = [s for s in subcommands(plans) if options.only in (None, s.name)]
    jobs = [
        (sub, random.Random(f"{options.seed}:{sub.name}:{case}"), case) for sub in subs for case in range(options.cases)
    ]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=options.jobs) as pool:
        outcomes = list(
            pool.map(lambda job: run_case(binary, job[0], job[1], out / "findings", job[2], options.time_limit), jobs)
        )
    print(f"{len(outcomes)} cases, seed {options.seed}, {time.monotonic() - started:.0f} s, {binary}")
    print(
        f"| subcommand | cases | exit 0 | exit 2 | exit 3 | crashes | over {options.time_limit:g} s | exit 1 | other "
        "| slowest s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    findings = 0
    for sub in subs:
        mine = [o for o in outcomes if o.subcommand == sub.name]
        count = lambda test: sum(1 for o in mine if test(o))  # noqa: E731
        crashes = count(lambda o: (o.finding or "").startswith("signal"))
        slow = count(lambda o: o.finding == "too slow")
        exit1 = count(lambda o: o.finding == "exit 1")
        other = count(lambda o: o.finding is not None) - crashes - slow - exit1
        findings += crashes + slow + exit1 + other
        print(
            f"| {sub.name} | {len(mine)} | {count(lambda o: o.status == 0)} | {count(lambda o: o.status == 2)} | "
            f"{count(lambda o: o.status == 3)} | {crashes} | {slow} | {exit1} | {other} | "
            f"{max(o.seconds for o in mine):.2f} |"
        )
    print(json.dumps({"cases": len(outcomes), "findings": findings, "out": str(out)}))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
