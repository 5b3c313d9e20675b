"""1. Start-up: the whole `certwizard` process under a pty, from fork to its first complete home screen.

The clock stops when the home screen's footer and its content are both on the terminal (the footer is
painted last: it is filled in once the screen is ready). Yardstick: a bare Textual app with one Static, same
harness, run alternately (A B A B) so each certwizard run has a yardstick run next to it.
"""

from __future__ import annotations

import time

from benchmarks.common import APPS_DIR, CERTWIZARD, PYTHON, Result, app_environment, log
from benchmarks.datasets import Datasets
from benchmarks.ptyharness import PtyApp

BARE_ARGV = [PYTHON, str(APPS_DIR / "bare_static.py")]
BARE_MARKERS = [["Bare yardstick app"]]
FOOTER = ["Refresh"]                           # a footer key description of the home screen
WELCOME = ["takes a certificate"]              # the first-start text (no orders yet)
RUN_TIMEOUT = 180.0


def status_labels() -> list[str]:
    from certwizard.domain.status import OrderStatus

    return [status.label for status in OrderStatus]


def home_markers(size: int) -> list[list[str]]:
    """The home screen is painted: its footer, and the welcome text (no orders) or rows of the table."""
    return [FOOTER, WELCOME] if size == 0 else [FOOTER, status_labels()]


def time_to_first_screen(argv: list[str], markers: list[list[str]], data_dir=None) -> float:
    """Milliseconds from fork to the screen described by `markers`; the process is killed afterwards."""
    with PtyApp(argv, app_environment(data_dir)) as app:
        shown_at = app.read_until(markers, RUN_TIMEOUT)
        return (shown_at - app.started_at) * 1000


def size_label(size: int) -> str:
    return "empty folder" if size == 0 else f"{size:,} orders"


def run(datasets: Datasets, sizes: list[int], runs: int, budget_s: float) -> list[Result]:
    results = []
    for size in sizes:
        source = datasets.get(size)

        def certwizard_once(source=source, size=size) -> float:
            copy = datasets.fresh_copy(source)
            try:
                return time_to_first_screen([str(CERTWIZARD)], home_markers(size), copy)
            finally:
                datasets.discard(copy)

        log(f"  startup {size_label(size)}: warm-up")
        time_to_first_screen(BARE_ARGV, BARE_MARKERS)
        first = certwizard_once()
        bare, app = [], []
        if first > 5_000:     # slow enough that caches do not matter: the warm-up counts as a run
            bare.append(time_to_first_screen(BARE_ARGV, BARE_MARKERS))
            app.append(first)
        wanted = runs if first * runs / 1000 <= budget_s else max(3, int(budget_s * 1000 // first))
        if first > 30_000:
            wanted = 2        # a 30 s start-up needs no more samples to be seen
        started = time.perf_counter()
        while len(app) < wanted:
            bare.append(time_to_first_screen(BARE_ARGV, BARE_MARKERS))
            app.append(certwizard_once())
            log(f"    run {len(app)}/{wanted}: bare {bare[-1]:.0f} ms, certwizard {app[-1]:.0f} ms")
            if len(app) >= 3 and time.perf_counter() - started > budget_s:
                break
        target, max_ratio = {0: ("<= 1.3x bare", 1.3), 10_000: ("<= 1.6x bare", 1.6)}.get(size, ("", None))
        results.append(Result("startup", "first home screen (pty, 80x24)", size_label(size), "ms", app, bare,
                              "bare app, one Static", paired=True, target=target, max_ratio=max_ratio))
    return results
