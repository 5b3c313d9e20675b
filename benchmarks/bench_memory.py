"""6. Memory: peak RSS (the kernel's VmHWM) of the real `certwizard` under a pty, read after the first home
screen once the process has gone idle (its start-up status check finished), then the process is killed."""

from __future__ import annotations

import time

from benchmarks.bench_startup import home_markers, size_label
from benchmarks.common import CERTWIZARD, Result, app_environment, log
from benchmarks.datasets import Datasets
from benchmarks.ptyharness import PtyApp, Timeout


def peak_rss(datasets: Datasets, size: int) -> tuple[float, bool]:
    """(MiB, whether the process went idle before the reading)."""
    copy = datasets.fresh_copy(datasets.get(size))
    try:
        with PtyApp([str(CERTWIZARD)], app_environment(copy)) as app:
            app.read_until(home_markers(size), 300)
            try:
                app.wait_idle_cpu(0.5, limit=120)
                idle = True
            except Timeout:
                idle = False
            return app.peak_rss_mib(), idle
    finally:
        datasets.discard(copy)


def run(datasets: Datasets, sizes: list[int], runs: int, budget_s: float = 60.0) -> list[Result]:
    results = []
    for size in sizes:
        samples, busy = [], 0
        started = time.perf_counter()
        for index in range(runs):
            mib, idle = peak_rss(datasets, size)
            samples.append(mib)
            busy += not idle
            log(f"  memory {size_label(size)}: run {index + 1}/{runs}: {mib:.1f} MiB")
            if time.perf_counter() - started > budget_s:
                break      # slow starts: fewer runs (peak memory varies far less than time)
        target, limit = ("<= 100 MiB", 100.0) if size == 10_000 else ("", None)
        note = f"{busy} run(s) still busy after 120 s" if busy else ""
        results.append(Result("memory", "peak RSS after first screen", size_label(size), "MiB", samples,
                              target=target, max_value=limit, note=note))
    return results
