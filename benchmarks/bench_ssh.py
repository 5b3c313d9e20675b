"""5. SSH weight: bytes the app writes to its terminal per keystroke, under a pty at 80x24.

Typing: the Apply screen of a purchased certificate (Enter on the home screen opens it, with the Domains to
Bind field focused). One character is typed, and every byte written until the app is quiet for 0.8 s is
counted (longer than the form's debounced domain check, 0.3 s, and draft save, 0.4 s, so their repaints count
too). Then a burst of 10 characters typed 120 ms apart: bytes until quiet, per character. Yardstick: a bare
Textual app with one Input, same keys. Cursors do not blink in these runs (apps/noblink.py): a blink repaints
twice a second whatever the user does, so its cost is reported apart, as idle bytes per second (blinking on).

Tab: bytes per Tab down the Apply form from Domains to Bind (information, no yardstick): moving the focus
restyles two fields; a Tab that scrolls the form repaints the form once.

Cursor move: the home screen with 10,000 orders (Home first, then Down, 5 times; bytes until quiet 0.4 s).
Yardstick: a bare DataTable of 100 rows with the same columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from benchmarks.bench_startup import FOOTER, status_labels
from benchmarks.common import APPS_DIR, CERTWIZARD, PYTHON, Result, app_environment, log
from benchmarks.datasets import Datasets
from benchmarks.ptyharness import PtyApp, plain_text

TYPE_QUIET = 0.8
MOVE_QUIET = 0.4
SINGLES = "www.e"
BURST = "xample.com"
APPLY_MARKERS = [["Domains to Bind"]]
BARE_INPUT_MARKERS = [["Bare yardstick app: one Input"]]
BARE_TABLE_MARKERS = [["Next action"], ["www.shop0"]]


def _typing_session(app: PtyApp) -> tuple[list[float], float]:
    """Per-character bytes for SINGLES (each typed alone) and the per-character average of a BURST.

    Fails unless the typed text shows up on the terminal (the keys really went into the field)."""
    singles = []
    for char in SINGLES:
        app.type(char)
        singles.append(float(app.wait_quiet(TYPE_QUIET)))
    start = app.total_bytes
    for char in BURST:
        app.type(char)
        app.read_for(0.12)
    app.wait_quiet(TYPE_QUIET)
    if SINGLES + BURST not in plain_text(bytes(app.output)):
        raise RuntimeError(f"{app.argv[-1]}: typed {SINGLES + BURST!r} but it is not on the screen")
    return singles, (app.total_bytes - start) / len(BURST)


@contextmanager
def apply_screen(datasets: Datasets, blink: bool = False) -> Iterator[PtyApp]:
    """certwizard on a copy of the one-order data set, its Apply screen open (Domains to Bind focused) and
    painted; the copy is discarded afterwards."""
    copy = datasets.fresh_copy(datasets.one_order())
    argv = [str(CERTWIZARD)] if blink else [PYTHON, str(APPS_DIR / "certwizard_noblink.py")]
    try:
        with PtyApp(argv, app_environment(copy)) as app:
            app.read_until([FOOTER, status_labels()], 60)
            app.wait_quiet(0.5)
            app.type("enter")
            app.read_until(APPLY_MARKERS, 30)
            app.wait_quiet(TYPE_QUIET) if not blink else app.read_for(1.0)
            yield app
    finally:
        datasets.discard(copy)


def certwizard_typing(datasets: Datasets, blink: bool = False, idle_seconds: float = 0.0):
    with apply_screen(datasets, blink) as app:
        if idle_seconds:
            return app.read_for(idle_seconds) / idle_seconds
        return _typing_session(app)


def certwizard_tabs(datasets: Datasets, tabs: int = 6) -> list[float]:
    """Bytes per Tab from Domains to Bind down the Apply form (some Tabs scroll it), until 0.8 s quiet."""
    with apply_screen(datasets) as app:
        samples = []
        for _ in range(tabs):
            app.type("tab")
            samples.append(float(app.wait_quiet(TYPE_QUIET)))
        return samples


def bare_typing(blink: bool = False, idle_seconds: float = 0.0):
    argv = [PYTHON, str(APPS_DIR / "bare_input.py")] + ([] if blink else ["--no-blink"])
    with PtyApp(argv, app_environment()) as app:
        app.read_until(BARE_INPUT_MARKERS, 30)
        app.wait_quiet(TYPE_QUIET) if not blink else app.read_for(1.0)
        if idle_seconds:
            return app.read_for(idle_seconds) / idle_seconds
        return _typing_session(app)


def _cursor_moves(app: PtyApp, moves: int) -> list[float]:
    try:
        app.wait_idle_cpu(0.5, limit=120)      # the start-up status check runs in the background
    except Exception:   # noqa: BLE001 - still busy: measure anyway; the quiet wait below still applies
        pass
    app.wait_quiet(0.5)
    app.type("home")
    app.wait_quiet(MOVE_QUIET)
    samples = []
    for _ in range(moves):
        app.type("down")
        samples.append(float(app.wait_quiet(MOVE_QUIET)))
    return samples


def run(datasets: Datasets, sessions: int, big: int, moves: int = 5, idle: bool = True) -> list[Result]:
    results = []
    log("  ssh: typing into Domains to Bind vs a bare Input")
    app_singles, bare_singles, app_bursts, bare_bursts = [], [], [], []
    for _ in range(sessions):
        singles, burst = bare_typing()
        bare_singles += singles
        bare_bursts.append(burst)
        singles, burst = certwizard_typing(datasets)
        app_singles += singles
        app_bursts.append(burst)
    results.append(Result("ssh", "bytes per keystroke, Domains field", "1 order", "B", app_singles,
                          bare_singles, "bare app, one Input", paired=True, target="<= 1.5x bare",
                          max_ratio=1.5,
                          note="each key alone; all bytes until 0.8 s quiet"))
    results.append(Result("ssh", "bytes per keystroke, typing burst", "1 order", "B", app_bursts, bare_bursts,
                          "bare app, one Input", paired=True, target="<= 1.5x bare", max_ratio=1.5,
                          note="10 keys 120 ms apart; per key"))
    log("  ssh: Tab from field to field on the Apply form")
    tabs = [size for _ in range(sessions) for size in certwizard_tabs(datasets)]
    results.append(Result("ssh", "bytes per Tab (next field)", "1 order", "B", tabs,
                          note="information: Tabs down the Apply form from Domains to Bind; the ones that "
                               "scroll the form are the largest"))
    if idle:
        log("  ssh: idle bytes per second with a blinking cursor")
        app_idle = [certwizard_typing(datasets, blink=True, idle_seconds=3.0)]
        bare_idle = [bare_typing(blink=True, idle_seconds=3.0)]
        results.append(Result("ssh", "idle bytes/s on Apply (cursor blinking)", "1 order", "B/s", app_idle,
                              bare_idle, "bare app, one Input", note="information: no target"))

    log(f"  ssh: cursor move in the {big:,}-order table vs a bare 100-row DataTable")
    app_moves, bare_moves = [], []
    source = datasets.get(big)
    for _ in range(sessions):
        with PtyApp([PYTHON, str(APPS_DIR / "bare_datatable.py")], app_environment()) as app:
            app.read_until(BARE_TABLE_MARKERS, 30)
            bare_moves += _cursor_moves(app, moves)
        copy = datasets.fresh_copy(source)
        try:
            with PtyApp([str(CERTWIZARD)], app_environment(copy)) as app:
                app.read_until([FOOTER, status_labels()], 180)
                app_moves += _cursor_moves(app, moves)
        finally:
            datasets.discard(copy)
    results.append(Result("ssh", "bytes per cursor move (Down)", f"{big:,} orders", "B", app_moves,
                          bare_moves, "bare DataTable, 100 rows", paired=True, target="<= 1.5x bare",
                          max_ratio=1.5))
    return results
