"""7. Commands from a fresh process: what a script calling certwizard once per certificate waits for.

- `--version`, `--help` and `show ORDER` (10 orders) against `python -I -c pass` (A B A B pairs).
- Every command that touches one order (`show`, `add`, `apply`, `verify`, `withdraw`, `export`) at 100,000
  orders against the same command at 10 orders, run alternately (10 / 100k / 10 / 100k ...).
- `list --json` at 100,000 orders against 10 orders (built from the order index).
- No size cliff: a 250,000-order database (~0.9 GB) is opened by `show` and `add` (full runs only).

Each size gets one private copy of its cached dataset; the orders that `verify` and `withdraw` act on are
made beforehand in that copy (one per run, submitted to the sandbox CA at realistic speed), so every timed
run does the same work at both sizes. Process wall time, from spawn to exit, output to a pipe.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import PYTHON, Result, app_environment, log
from benchmarks.datasets import Datasets

SMALL, BIG, HUGE = 10, 100_000, 250_000
YARDSTICK = [PYTHON, "-I", "-c", "pass"]
CERTWIZARD = [PYTHON, "-c", "import sys; from certwizard.cli import main; sys.exit(main())"]   # the console script
APPLICATION = """domains = ["www.bench.example.com"]
[applicant]
name = "Li Lei"
phone = "+86 138 0013 8000"
email = "lilei@example.com"
id_number = "11010519491231002X"
[csr]
mode = "automatic"
key = "ec-p256"
"""


def _timed(argv: list[str], env: dict[str, str], expect: tuple[int, ...] = (0,)) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode not in expect:
        raise RuntimeError(f"{' '.join(argv[3:])} exited {done.returncode}: {done.stderr.decode()[-400:]}")
    return elapsed


PREPARE = r"""
import json, sys
from certwizard.domain.models import ApplicationDraft
from certwizard.services import open_services
services = open_services(sys.argv[1])
workflow = services.workflow
runs = int(sys.argv[2])
def submitted():
    order = workflow.open_application(workflow.add_purchased("dv-single")[0].id)
    draft = ApplicationDraft(key_algorithm="ec-p256", domains="www.bench.example.com", applicant_name="Li Lei",
                             applicant_phone="+86 138 0013 8000", applicant_email="lilei@example.com",
                             applicant_id_number="11010519491231002X")
    return workflow.submit(workflow.save_draft(order, draft).id).id
issued = next(s.id for s in workflow.summaries() if s.status.value == "issued")
pending = workflow.add_purchased("dv-single")[0].id
print(json.dumps({"verify": [submitted() for _ in range(runs)], "withdraw": [submitted() for _ in range(runs)],
                  "issued": issued, "pending": pending}))
services.repository.close()
"""


class _Folder:
    """A private copy of a dataset and the orders each command acts on."""

    def __init__(self, datasets: Datasets, size: int, runs: int) -> None:
        self.size = size
        self.path = datasets.fresh_copy(datasets.get(size))
        self.env = app_environment(self.path)
        done = subprocess.run([PYTHON, "-c", PREPARE, str(self.path), str(runs)], env=self.env,
                              capture_output=True, text=True, check=True)
        self.ids = json.loads(done.stdout.strip().splitlines()[-1])
        self.application = self.path.parent / f"{self.path.name}-application.toml"
        self.application.write_text(APPLICATION)
        self.exports = 0

    def argv(self, command: str, run: int) -> list[str]:
        ids = self.ids
        if command == "show":
            return [*CERTWIZARD, "show", ids["issued"]]
        if command == "add":
            return [*CERTWIZARD, "add", "--product", "dv-single"]
        if command == "apply":
            return [*CERTWIZARD, "apply", ids["pending"], "--from", str(self.application)]
        if command == "verify":
            return [*CERTWIZARD, "verify", ids["verify"][run], "--skip-self-check"]
        if command == "withdraw":
            return [*CERTWIZARD, "withdraw", ids["withdraw"][run]]
        if command == "export":
            self.exports += 1
            out = self.path.parent / f"{self.path.name}-export-{self.exports}"
            return [*CERTWIZARD, "export", ids["issued"], "--server", "nginx", "--out", str(out)]
        if command == "list --json":
            return [*CERTWIZARD, "list", "--json"]
        raise ValueError(command)


ONE_ORDER = ("show", "add", "apply", "verify", "withdraw", "export")


def run(datasets: Datasets, runs: int, huge: bool) -> list[Result]:
    results = []
    log("  commands: start-up against python -I -c pass")
    small = _Folder(datasets, SMALL, runs)
    base_env = small.env
    for name, argv, limit in (("--version", [*CERTWIZARD, "--version"], 3.0),
                              ("--help", [*CERTWIZARD, "--help"], 3.0),
                              ("show ORDER (10 orders)", small.argv("show", 0), 6.0)):
        _timed(YARDSTICK, base_env)
        _timed(argv, base_env)
        bare, app = [], []
        for _ in range(runs):
            bare.append(_timed(YARDSTICK, base_env))
            app.append(_timed(argv, base_env))
        results.append(Result("commands", name, "fresh process", "ms", app, bare, "python -I -c pass",
                              paired=True, target=f"<= {limit:g}x", max_ratio=limit))
        log(f"    {name}: {statistics_line(app, bare)}")

    log(f"  commands: building/reusing {BIG:,} orders and a private copy")
    big = _Folder(datasets, BIG, runs)
    for command in (*ONE_ORDER, "list --json"):
        limit = 3.0 if command == "list --json" else 1.2
        expect = (0, 1) if command == "verify" else (0,)
        _timed(small.argv(command, 0) if command not in ("verify", "withdraw") else YARDSTICK, small.env)
        at_small, at_big = [], []
        for index in range(runs):
            at_small.append(_timed(small.argv(command, index), small.env, expect))
            at_big.append(_timed(big.argv(command, index), big.env, expect))
        results.append(Result("commands", command, f"{BIG:,} vs {SMALL} orders", "ms", at_big, at_small,
                              f"same command at {SMALL} orders", paired=True, target=f"<= {limit:g}x",
                              max_ratio=limit))
        log(f"    {command}: {statistics_line(at_big, at_small)}")
    if huge:
        results.append(_no_cliff(datasets))
    for folder in (small, big):
        datasets.discard(folder.path)
        for extra in folder.path.parent.glob(f"{folder.path.name}-*"):
            shutil.rmtree(extra, ignore_errors=True) if extra.is_dir() else extra.unlink()
    return results


def _no_cliff(datasets: Datasets) -> Result:
    """A 250,000-order database (bigger than the old 256 MiB read limit): show and add work on it."""
    log(f"  commands: {HUGE:,} orders (no size cliff)")
    source = datasets.get(HUGE)
    size = (source / "certwizard.json").stat().st_size
    env = app_environment(source)
    listed = subprocess.run([*CERTWIZARD, "list", "--json"], env=env, capture_output=True, text=True)
    ok = listed.returncode == 0 and len(json.loads(listed.stdout)["orders"]) == HUGE
    some = json.loads(listed.stdout)["orders"][-1]["id"] if ok else ""
    copy = datasets.fresh_copy(source)
    try:
        env = app_environment(copy)
        samples = [_timed([*CERTWIZARD, "show", some], env), _timed([*CERTWIZARD, "add", "--product", "dv-single"],
                                                                    env)]
    except RuntimeError as exc:
        ok, samples = False, []
        log(f"    {exc}")
    finally:
        datasets.discard(copy)
    return Result("commands", "show + add work (ms each)", f"{HUGE:,} orders, {size / 1e6:,.0f} MB", "ms",
                  samples, target="opens", check=ok,
                  note=f"list --json listed all {HUGE:,} orders: {ok}; the file is {size / 2**20:,.0f} MiB")


def statistics_line(samples: list[float], yardstick: list[float]) -> str:
    ratios = sorted(a / b for a, b in zip(samples, yardstick, strict=True) if b)
    middle = ratios[len(ratios) // 2] if ratios else float("nan")
    return f"median {sorted(samples)[len(samples) // 2]:.0f} ms vs {sorted(yardstick)[len(yardstick) // 2]:.0f} " \
           f"ms, ratio {middle:.2f}x"


if __name__ == "__main__":      # python -m benchmarks.bench_commands [RUNS] [DATA_DIR]
    from benchmarks.run import table

    datasets = Datasets(Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    try:
        print(table(run(datasets, int(sys.argv[1]) if len(sys.argv) > 1 else 5, huge=False)))
    finally:
        datasets.close()
