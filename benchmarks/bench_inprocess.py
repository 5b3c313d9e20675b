"""2. Tables, 3. Persistence and 4. Responsiveness: each runs its worker in a fresh Python process
(`benchmarks.inprocess`, `benchmarks.persistence`), so sizes and runs share no caches, memory or GC state."""

from __future__ import annotations

import json
import subprocess
from collections import Counter

from benchmarks.common import PYTHON, ROOT, Result, log
from benchmarks.datasets import Datasets
from benchmarks.inprocess import culprits

TABLE_TARGET = ("<= 50 ms", 50.0)


def worker(*args: str, timeout: float = 1800) -> dict:
    """Run `python -m benchmarks.<args>` and return the JSON object it printed last."""
    done = subprocess.run([PYTHON, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=None)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"benchmark worker {' '.join(args)} failed ({done.returncode}):\n"
                           f"{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def _merge(into: dict[str, list], more: dict[str, list]) -> None:
    for key, values in more.items():
        into.setdefault(key, []).extend(values)


def _why(data: dict, what: str, top: int = 2) -> str:
    """Where the blocked loop spent its time for `what`, summed over runs (empty if it never blocked)."""
    samples: Counter[str] = Counter()
    for run in data.get("why", []):
        samples.update(run.get(what, {}))
    found = culprits(samples, top)
    return "stack samples while blocked: " + "; ".join(found) if found else ""


def tables(datasets: Datasets, sizes: list[int], processes: dict[int, int], opens: dict[int, int],
           budget_s: dict[int, float]) -> list[Result]:
    results = []
    for size in sizes:
        merged: dict[str, list] = {}
        for index in range(processes.get(size, 1)):
            log(f"  tables {size:,} orders: process {index + 1}/{processes.get(size, 1)}")
            copy = datasets.fresh_copy(datasets.get(size))
            try:
                _merge(merged, worker("benchmarks.inprocess", "tables", str(copy), "--opens",
                                      str(opens.get(size, 3)), "--budget", str(budget_s.get(size, 120))))
            finally:
                datasets.discard(copy)
        label = f"{size:,} orders"
        target, limit = TABLE_TARGET
        results += [
            Result("tables", "filter keystroke -> repainted", label, "ms", merged["filter"], target=target,
                   max_value=limit,
                   note=f"'pay' then 3x Backspace (headless 120x40). {_why(merged, 'filter')}"),
            Result("tables", "sort (s on Unissued) -> repainted", label, "ms", merged["sort"], target=target,
                   max_value=limit, note=_why(merged, "sort")),
            Result("tables", "open Unissued (u), first time", label, "ms", merged["open_unissued_first"],
                   target=target, max_value=limit, note=_why(merged, "open_unissued_first")),
            Result("tables", "open Unissued (u) again", label, "ms", merged["open_unissued"],
                   target=target, max_value=limit, note=_why(merged, "open_unissued")),
            Result("tables", "back to home (Escape) -> repainted", label, "ms", merged["back_home"],
                   target=target, max_value=limit, note=_why(merged, "back_home")),
        ]
    return results


def persistence(datasets: Datasets, sizes: list[int], updates: dict[int, int], stock_updates: dict[int, int],
                writers_per_process: dict[int, int], sustained: int = 0) -> list[Result]:
    results = []
    for size in sizes:
        label = f"{size:,} orders"
        log(f"  persistence {label}: one status change vs stock TinyDB")
        copy = datasets.fresh_copy(datasets.get(size))
        try:
            single = worker("benchmarks.persistence", "single", str(copy), "--updates", str(updates[size]),
                            "--stock-updates", str(stock_updates[size]), "--sustained", str(sustained))
        finally:
            datasets.discard(copy)
        target, limit, ratio = ("", None, None)
        if size == 10_000:
            target, limit, ratio = ("<= 30 ms and <= 0.25x stock", 30.0, 0.25)
        results.append(Result("persistence", "status change, crash-safe write", label, "ms", single["update"],
                              single["stock_update"], "stock TinyDB update()", target=target, max_value=limit,
                              max_ratio=ratio))
        if single["sustained"]:
            runs = single["sustained"]
            results.append(Result("persistence", f"  mean of {len(runs)} in a row", label, "ms",
                                  [sum(runs) / len(runs)], single["stock_update"], "stock TinyDB update()",
                                  note=f"information: the journal was folded into the file {single['folds'][0]} "
                                       f"time(s), the slowest change took {max(runs):.0f} ms"))
        results.append(Result("persistence", "read one order (unchanged file)", label, "ms", single["get"],
                              single["stock_get"], "stock TinyDB get()", note="information"))
        reparses = single["reparses_unchanged"] + single["reparses_after_own_write"]
        results.append(Result("persistence", "file re-parses on reads", label, "parses",
                              [float(sum(reparses))], target="0", max_value=0.0,
                              note="20 reads of an unchanged file + 2 after own write"))
        log(f"  persistence {label}: 4 writer processes at once")
        copy = datasets.fresh_copy(datasets.get(size))
        try:
            race = worker("benchmarks.persistence", "writers", str(copy), "--per-process",
                          str(writers_per_process[size]))
        finally:
            datasets.discard(copy)
        lost, stock_lost = int(race["lost"][0]), int(race["stock_lost"][0])
        results.append(Result("persistence", "4 processes writing: wall ms per update", label, "ms/update",
                              race["ms_per_update"], race["stock_ms_per_update"], "stock TinyDB + file lock",
                              target="nothing lost", check=lost == 0,
                              note=f"{race['updates'][0]} updates; lost {lost} (stock: {stock_lost})"))
    return results


def responsiveness(keygens: int, documents: int) -> list[Result]:
    log(f"  responsiveness: {keygens} RSA-4096 submissions, {documents} document checks")
    data = worker("benchmarks.inprocess", "responsiveness", "--keygens", str(keygens), "--documents",
                  str(documents))
    keygen_ms = sorted(data["keygen_worker"])
    results = [
        Result("responsiveness", "longest loop stall: RSA-4096 key+submit", "", "ms", data["keygen_stall"],
               target="<= 30 ms", max_value=30.0,
               note=f"while the submit worker runs (key, CSR, CA): "
                    f"{keygen_ms[0]:.0f}-{keygen_ms[-1]:.0f} ms. {_why(data, 'keygen', 3)}"),
        Result("responsiveness", "  same, until the result is painted", "", "ms",
               data["keygen_stall_with_result"], note="information: includes showing the Submitted dialog"),
    ]
    for kind in ("JPEG", "PNG"):
        if data[f"document_stall_{kind}"]:
            sizes = data[f"document_bytes_{kind}"]
            results.append(Result("responsiveness", f"longest loop stall: {kind} document check", "", "ms",
                                  data[f"document_stall_{kind}"], target="<= 30 ms", max_value=30.0,
                                  note=f"{min(sizes) // 1024}-{max(sizes) // 1024} KB, checked and attached "
                                       f"in the worker. {_why(data, kind, 3)}"))
            results.append(Result("responsiveness", "  same, until the result is painted", "", "ms",
                                  data[f"document_stall_with_result_{kind}"],
                                  note="information: includes listing the document and the notice"))
    return results
