"""Run the certwizard benchmark suite and print one table (and write JSON).

    .venv/bin/python -m benchmarks                      # everything (about 10 minutes)
    .venv/bin/python -m benchmarks --quick              # fewer sizes and runs: a smoke check (~2 minutes)
    .venv/bin/python -m benchmarks --only startup,tables --json /tmp/bench.json

See benchmarks/README.md for what each row measures and how.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import bench_commands, bench_inprocess, bench_memory, bench_ssh, bench_startup
from benchmarks.common import PYTHON, RESULTS_DIR, ROOT, Result, loadavg, log
from benchmarks.datasets import Datasets

SOURCE_ENV = "CERTWIZARD_BENCH_SOURCE"
BENCHMARKS = ("startup", "tables", "persistence", "responsiveness", "ssh", "memory", "commands")


def plan(quick: bool, runs: int | None) -> dict:
    if quick:
        return dict(
            startup=dict(sizes=[0, 10_000], runs=runs or 3, budget_s=30),
            tables=dict(sizes=[10_000], processes={10_000: 1}, opens={10_000: 2}, budget_s={10_000: 20}),
            persistence=dict(sizes=[1_000, 10_000], updates={1_000: 10, 10_000: 10},
                             stock_updates={1_000: 3, 10_000: 3}, writers_per_process={1_000: 10, 10_000: 5},
                             sustained=0),
            responsiveness=dict(keygens=2, documents=2),
            ssh=dict(sessions=1, big=10_000, moves=3, idle=False),
            memory=dict(sizes=[10_000], runs=1),
            commands=dict(runs=runs or 3, huge=False),
        )
    return dict(
        startup=dict(sizes=[0, 1_000, 10_000, 50_000], runs=runs or 10, budget_s=60),
        tables=dict(sizes=[10_000, 50_000], processes={10_000: 2, 50_000: 1}, opens={10_000: 3, 50_000: 2},
                    budget_s={10_000: 45, 50_000: 45}),
        persistence=dict(sizes=[1_000, 10_000], updates={1_000: 30, 10_000: 20},
                         stock_updates={1_000: 10, 10_000: 5}, writers_per_process={1_000: 25, 10_000: 10},
                         sustained=300),
        responsiveness=dict(keygens=5, documents=6),
        ssh=dict(sessions=2, big=10_000, moves=5, idle=True),
        memory=dict(sizes=[0, 10_000, 50_000], runs=runs and min(runs, 3) or 3),
        commands=dict(runs=runs or 10, huge=True),
    )


def run_one(name: str, settings: dict, datasets: Datasets) -> list[Result]:
    if name == "startup":
        return bench_startup.run(datasets, **settings)
    if name == "tables":
        return bench_inprocess.tables(datasets, **settings)
    if name == "persistence":
        return bench_inprocess.persistence(datasets, **settings)
    if name == "responsiveness":
        return bench_inprocess.responsiveness(**settings)
    if name == "ssh":
        return bench_ssh.run(datasets, **settings)
    if name == "commands":
        return bench_commands.run(datasets, **settings)
    if name == "memory":
        sizes, runs = settings["sizes"], settings["runs"]
        return bench_memory.run(datasets, sizes, runs)
    raise ValueError(name)


# --- the table ------------------------------------------------------------------------------------------

def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit in ("B", "B/s", "parses"):
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 1 else f"{value:.3f}"


def table(results: list[Result]) -> str:
    header = ("benchmark", "measure", "size", "n", "median", "min-max", "unit", "yardstick", "ratio",
              "target", "result")
    rows = [header]
    for r in results:
        spread = f"{_number(min(r.samples), r.unit)}-{_number(max(r.samples), r.unit)}" if r.samples else "-"
        verdict = {True: "PASS", False: "FAIL", None: ""}[r.passed]
        rows.append((r.benchmark, r.name, r.size, str(len(r.samples)), _number(r.median, r.unit), spread,
                     r.unit, _number(r.yardstick_median, r.unit),
                     f"{r.ratio:.2f}x" if r.ratio is not None else "-",
                     r.target, verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) if i < 3 or i >= 9 else cell.rjust(widths[i])
                               for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"- {r.benchmark} / {r.name} / {r.size}: {r.note}" for r in results if r.note]
    return "\n".join(lines + (["", "Notes:"] + notes if notes else []))


def _git_revision(label: str = "") -> str:
    if label:
        return label + (f" (certwizard from {os.environ[SOURCE_ENV]})" if os.environ.get(SOURCE_ENV) else "")
    if os.environ.get(SOURCE_ENV):
        return f"certwizard from {os.environ[SOURCE_ENV]}"
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "certwizard"], cwd=ROOT, capture_output=True,
                               text=True)
        return head.stdout.strip() + ("+uncommitted changes in certwizard/" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def _use_source(src: Path, argv: list[str]) -> None:
    """Re-run this command with `src` first on PYTHONPATH, so every process imports that certwizard."""
    if not (src / "certwizard" / "__init__.py").is_file():
        sys.exit(f"--src {src}: there is no certwizard package in that folder (expected {src}/certwizard/)")
    if os.environ.get(SOURCE_ENV) == str(src):
        return
    env = {**os.environ, "PYTHONPATH": str(src), SOURCE_ENV: str(src)}
    os.execve(PYTHON, [PYTHON, "-m", "benchmarks", *argv], env)


def _source() -> Path:
    return Path(os.environ.get(SOURCE_ENV) or ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="fewer sizes and runs (a smoke check)")
    parser.add_argument("--runs", type=int, help="start-up pairs per size (default 10, quick 3)")
    parser.add_argument("--json", type=Path, help="where to write the JSON results "
                                                   "(default benchmarks/results/<date>.json)")
    parser.add_argument("--data-dir", type=Path,
                        help="build datasets here and keep them (default: a temp folder)")
    parser.add_argument("--src", type=Path,
                        help="measure the certwizard package under this folder instead of src/ "
                             "(e.g. an exported commit: see README)")
    parser.add_argument("--label", default="",
                        help="a name for what is measured, kept in the output and JSON "
                             "(e.g. the commit exported for --src)")
    args = parser.parse_args(argv)
    if args.src is not None:
        _use_source(args.src.resolve(), sys.argv[1:] if argv is None else argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")

    log("compiling .pyc files (a first start after an install is slower; that is not measured)")
    subprocess.run([PYTHON, "-m", "compileall", "-q", "-j", "0", str(_source() / "certwizard"), str(ROOT / "benchmarks")],
                   check=False, stdout=subprocess.DEVNULL)
    settings = plan(args.quick, args.runs)
    started = time.perf_counter()
    load_before = loadavg()
    datasets = Datasets(args.data_dir)
    results: list[Result] = []
    failures: dict[str, str] = {}
    try:
        for name in BENCHMARKS:
            if name not in chosen:
                continue
            log(f"[{name}]")
            begun = time.perf_counter()
            try:
                results += run_one(name, settings[name], datasets)
            except Exception as exc:   # noqa: BLE001 - one broken benchmark must not hide the others
                failures[name] = f"{type(exc).__name__}: {exc}"
                log(f"  {name} FAILED: {failures[name]}")
            log(f"  ({time.perf_counter() - begun:.0f} s)")
        sizes = {f"orders-{n}": datasets.database_size(n) for n in (1_000, 10_000, 50_000)
                 if f"orders-{n}" in datasets._built}
    finally:
        if args.data_dir is None:
            datasets.close()
    elapsed = time.perf_counter() - started
    load_after = loadavg()

    print(table(results))
    for name, error in failures.items():
        print(f"\n{name}: FAILED to run: {error}")
    print(f"\n{len(results)} rows in {elapsed:.0f} s; load average before {load_before[0]:.2f}, after "
          f"{load_after[0]:.2f} (2 cores: above ~0.5 other work was competing); "
          f"revision {_git_revision(args.label)}")
    if sizes:
        print("database files: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items()))

    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "quick": args.quick, "only": chosen,
        "revision": _git_revision(args.label), "python": platform.python_version(),
        "machine": platform.platform(),
        "load_average_before": load_before, "load_average_after": load_after, "seconds": elapsed,
        "database_bytes": sizes, "failures": failures, "results": [r.to_dict() for r in results],
    }
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S") + ("-quick" if args.quick else "")
    target = args.json or RESULTS_DIR / f"{stamp}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=2, default=str))
    print(f"JSON: {target}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
