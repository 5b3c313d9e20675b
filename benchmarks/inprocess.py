"""In-process measurements on the real app (`CertWizardApp` on real services), run in a fresh subprocess each.

    python -m benchmarks.inprocess tables DATA_DIR [--query pay] [--opens 5] [--sorts 6]
    python -m benchmarks.inprocess responsiveness [--keygens 5] [--documents 3]

Each prints one JSON object (lists of samples in ms) as its last line of output.

"Repainted" means painted: `FrameRecorder` sees every frame the app composes (in headless mode Textual still
lays out and renders each frame; the recorder also turns it into terminal bytes, as the real driver would), so
the time of a key is from sending it to the last frame it caused, found by waiting until the app is idle and
no new frame comes. The app is driven only by keys and screen-level behaviour, never table internals.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "apps"))

from benchmarks.common import TEST_SIZE  # noqa: E402


class FrameRecorder:
    """Times (and sizes, in terminal bytes) of the frames an app paints."""

    def __init__(self, app) -> None:
        self.app = app
        self.frames: list[tuple[float, int]] = []
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            # Headless Textual skips turning the frame into escape sequences; do it, as a terminal would need.
            from textual._compositor import CompositorUpdate

            if isinstance(renderable, CompositorUpdate):
                size = len(renderable.render_segments(app.console).encode("utf-8"))
            else:
                size = 0
            self.frames.append((time.perf_counter(), size))

        app._display = display   # instance attribute: only this app object, only for measuring

    @property
    def count(self) -> int:
        return len(self.frames)


async def settle(pilot, recorder: FrameRecorder, rounds: int = 2) -> None:
    """Wait until the app is idle and `rounds` checks in a row saw no new frame."""
    quiet, seen = 0, -1
    while quiet < rounds:
        await pilot.pause()
        if recorder.count == seen:
            quiet += 1
        else:
            quiet, seen = 0, recorder.count


async def key_to_frame(pilot, recorder: FrameRecorder, key: str, why: Counter | None = None) -> float:
    """Milliseconds from sending `key` to the last frame it caused; fails if it caused none.

    With `why`, stack samples taken while the loop was blocked are added to it (see StallMonitor)."""
    await settle(pilot, recorder)
    before = recorder.count
    monitor = StallMonitor(explain=why is not None)
    if why is not None:
        monitor.start()
    sent = time.perf_counter()
    await pilot.press(key)
    await settle(pilot, recorder)
    if why is not None:
        await monitor.stop()
        why.update(monitor.samples)
    if recorder.count == before:
        raise RuntimeError(f"key {key!r} changed nothing on screen ({type(pilot.app.screen).__name__})")
    return (recorder.frames[-1][0] - sent) * 1000


def _quiet_cursors() -> None:
    from noblink import disable_cursor_blink

    disable_cursor_blink()    # a blinking cursor paints every 0.5 s: it would end no wait


def _screen_id(app) -> str:
    return app.screen.id or type(app.screen).__name__


# --- 2. tables ---------------------------------------------------------------------------------------

async def tables(data_dir: Path, query: str, opens: int, sorts: int, budget: float) -> dict:
    """Samples of each table operation; once `budget` seconds are spent, each gets no more samples than
    it already has (at least one), so a slow build still finishes."""
    from textual.widgets import Input

    from certwizard.services import open_services
    from certwizard.ui.app import CertWizardApp

    _quiet_cursors()
    services = open_services(data_dir)
    app = CertWizardApp(services, refresh_seconds=None)
    result: dict[str, list] = {"filter": [], "sort": [], "open_unissued_first": [], "open_unissued": [],
                               "back_home": [],
                               "filter_frame_bytes": []}
    why = {op: Counter() for op in ("filter", "sort", "open_unissued_first", "open_unissued", "back_home")}
    started = time.perf_counter()
    async with app.run_test(size=TEST_SIZE) as pilot:
        recorder = FrameRecorder(app)
        await settle(pilot, recorder)
        if recorder.frames:
            result["first_screen_in_process"] = [(recorder.frames[-1][0] - started) * 1000]
        if _screen_id(app) != "certificates":
            raise RuntimeError(f"expected the home screen, got {_screen_id(app)}")
        await pilot.press("slash")
        await settle(pilot, recorder)
        deadline = time.perf_counter() + budget
        typed_keys = 0
        for key in query:
            before = recorder.count
            result["filter"].append(await key_to_frame(pilot, recorder, key, why["filter"]))
            result["filter_frame_bytes"].append(sum(size for _, size in recorder.frames[before:]))
            typed_keys += 1
            if time.perf_counter() > deadline:
                break
        for _ in range(typed_keys):
            result["filter"].append(await key_to_frame(pilot, recorder, "backspace", why["filter"]))
        typed = app.screen.query_one("#filter", Input).value
        if typed != "":
            raise RuntimeError(f"the filter holds {typed!r} after typing and deleting {query!r}")
        await pilot.press("escape")
        await settle(pilot, recorder)
        for round_ in range(opens):
            # The first visit builds the screen; the app keeps it, so later visits only show it again.
            opened = "open_unissued_first" if round_ == 0 else "open_unissued"
            result[opened].append(await key_to_frame(pilot, recorder, "u", why[opened]))
            if _screen_id(app) != "unissued":
                raise RuntimeError(f"'u' opened {_screen_id(app)}, not Unissued Certificates")
            if round_ == 0:
                for _ in range(sorts):
                    result["sort"].append(await key_to_frame(pilot, recorder, "s", why["sort"]))
                    if time.perf_counter() > deadline:
                        break
            result["back_home"].append(await key_to_frame(pilot, recorder, "escape", why["back_home"]))
            if _screen_id(app) != "certificates":
                raise RuntimeError(f"Escape on Unissued went to {_screen_id(app)}, not home")
            if time.perf_counter() > deadline:
                break
    services.repository.close()
    result["why"] = [{op: dict(samples) for op, samples in why.items()}]
    return result


# --- 4. responsiveness --------------------------------------------------------------------------------

class StallMonitor:
    """How late a 5 ms asyncio timer fires, while running: the longest stall of the event loop.

    With `explain`, a watchdog thread also samples the loop thread's stack every 5 ms while the loop is more
    than 30 ms late; `culprits()` names where those samples were (innermost certwizard frame > innermost
    frame), so a slow row says where its time went."""

    PERIOD = 0.005
    STALL = 0.030

    def __init__(self, explain: bool = True) -> None:
        self.worst = 0.0
        self.stalls_over_30ms = 0
        self._task: asyncio.Task | None = None
        self._beat = time.perf_counter()
        self._explain = explain
        self._samples: Counter[str] = Counter()
        self._sampling = False
        self._thread: threading.Thread | None = None

    async def _run(self) -> None:
        while True:
            before = self._beat = time.perf_counter()
            await asyncio.sleep(self.PERIOD)
            late = time.perf_counter() - before - self.PERIOD
            self.worst = max(self.worst, late)
            if late > self.STALL:
                self.stalls_over_30ms += 1

    def _watch(self, loop_thread: int) -> None:
        while self._sampling:
            time.sleep(self.PERIOD)
            if time.perf_counter() - self._beat > self.STALL + self.PERIOD:
                frame = sys._current_frames().get(loop_thread)
                if frame is not None:
                    self._samples[_where(frame)] += 1

    def start(self) -> None:
        self._beat = time.perf_counter()
        self._task = asyncio.get_running_loop().create_task(self._run())
        if self._explain:
            self._sampling = True
            self._thread = threading.Thread(target=self._watch, args=(threading.get_ident(),), daemon=True)
            self._thread.start()

    async def stop(self) -> float:
        assert self._task is not None
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._sampling = False
        if self._thread is not None:
            self._thread.join()
        return self.worst * 1000

    @property
    def samples(self) -> Counter[str]:
        return self._samples


def culprits(samples: Counter[str], top: int = 3) -> list[str]:
    """e.g. '12x certificates.py:CertificatesScreen.reload > _data_table.py:_update_dimensions'.

    Counts of stack samples: one every 5 ms while the loop is blocked (fewer while another thread holds
    the GIL, so read them as where, not how long)."""
    return [f"{count}x {where}" for where, count in samples.most_common(top)]


def _where(frame) -> str:
    """Innermost certwizard frame > innermost frame (file name and function), for a stack sample."""
    innermost = f"{Path(frame.f_code.co_filename).name}:{frame.f_code.co_qualname}"
    ours = None
    while frame is not None:
        if f"{os.sep}certwizard{os.sep}" in frame.f_code.co_filename:
            ours = f"{Path(frame.f_code.co_filename).name}:{frame.f_code.co_qualname}"
            break
        frame = frame.f_back
    return innermost if ours in (None, innermost) else f"{ours} > {innermost}"


def document_image(kind: str, seed: int, target: int = 490 * 1024) -> bytes:
    """A photographed A4 letter of about `target` bytes (under the 500 KB limit), as JPEG or PNG."""
    from PIL import Image

    from benchmarks.datasets import letter_jpeg

    if kind == "JPEG":
        low, high, best = 30, 95, b""
        while low <= high:           # the highest quality that fits
            quality = (low + high) // 2
            data = letter_jpeg((1654, 2339), quality=quality, seed=seed)
            if len(data) <= target:
                best, low = data, quality + 1
            else:
                high = quality - 1
        return best
    page = Image.open(io.BytesIO(letter_jpeg((1654, 2339), quality=92, seed=seed))).convert("L")
    low, high, best = 0.2, 1.0, b""
    for _ in range(12):              # the largest scale that fits
        scale = (low + high) / 2
        buffer = io.BytesIO()
        page.resize((int(1654 * scale), int(2339 * scale))).save(buffer, "PNG")
        if buffer.tell() <= target:
            best, low = buffer.getvalue(), scale
        else:
            high = scale
    return best


async def _home(pilot, recorder) -> None:
    for _ in range(6):
        await settle(pilot, recorder)
        if _screen_id(pilot.app) == "certificates":
            return
        await pilot.press("escape")
    raise RuntimeError(f"could not get back to the home screen from {_screen_id(pilot.app)}")


async def responsiveness(keygens: int, documents: int) -> dict:
    from benchmarks.datasets import APPLICANT, COMPANY
    from certwizard.domain.models import ApplicationDraft
    from certwizard.services import open_services
    from certwizard.ui.app import CertWizardApp
    from certwizard.ui.widgets import debounce

    _quiet_cursors()
    os.environ["CERTWIZARD_SANDBOX_SPEED"] = "realistic"
    debounce.CHECK_DELAY = debounce.SAVE_DELAY = 0.05     # the form's own timers: not what is measured
    tmp = tempfile.TemporaryDirectory(prefix="certwizard-bench-resp-")
    root = Path(tmp.name)
    services = open_services(root / "data")
    workflow = services.workflow
    rsa_orders = []
    for index in range(keygens):
        order = workflow.open_application(workflow.add_purchased("dv-single")[0].id)
        draft = ApplicationDraft(domains=f"www{index}.example.com", key_algorithm="rsa-4096", **APPLICANT)
        rsa_orders.append(workflow.save_draft(order, draft).id)
    ov = workflow.open_application(workflow.add_purchased("ov-single")[0].id)
    ov = workflow.save_draft(ov, ApplicationDraft(domains="secure.example.com", key_algorithm="ec-p256",
                                                  step="verify", **APPLICANT, **COMPANY)).id
    if not workflow.validate(workflow.order(ov)).ok:
        raise RuntimeError(f"the OV draft does not validate: {workflow.validate(workflow.order(ov)).errors}")
    images = []
    for index in range(documents):
        kind = "JPEG" if index % 2 == 0 else "PNG"
        path = root / f"letter-{index}.{kind.lower()}"
        path.write_bytes(document_image(kind, seed=index + 1))
        images.append((kind, path))

    result: dict[str, list] = {"keygen_stall": [], "keygen_stall_with_result": [], "keygen_worker": [],
                                      "keygen_stalls_over_30ms": []}
    for kind in ("JPEG", "PNG"):
        for key in ("document_stall_", "document_stall_with_result_", "document_bytes_"):
            result[key + kind] = []
    why = {"keygen": Counter(), "JPEG": Counter(), "PNG": Counter()}
    app = CertWizardApp(services, refresh_seconds=None)
    async with app.run_test(size=TEST_SIZE) as pilot:
        recorder = FrameRecorder(app)
        for order_id in rsa_orders:
            await _home(pilot, recorder)
            app.open_order(workflow.order(order_id))
            await settle(pilot, recorder)
            await app.workers.wait_for_complete()
            await pilot.press("f8")                      # Next: to Verify Information
            await settle(pilot, recorder)
            await pilot.press("f9")                      # Submit: asks to confirm
            await settle(pilot, recorder)
            monitor = StallMonitor()
            monitor.start()
            began = time.perf_counter()
            await pilot.press("enter")                   # confirm: the key is generated in a worker
            await app.workers.wait_for_complete()
            worker_ms = (time.perf_counter() - began) * 1000
            result["keygen_stall"].append(monitor.worst * 1000)
            await settle(pilot, recorder)
            result["keygen_stall_with_result"].append(await monitor.stop())
            why["keygen"].update(monitor.samples)
            result["keygen_stalls_over_30ms"].append(monitor.stalls_over_30ms)
            result["keygen_worker"].append(worker_ms)
            status = workflow.order(order_id).status.value
            if status != "domain-verification":
                raise RuntimeError(f"the RSA-4096 submission ended as {status}, not domain-verification")
        for kind, path in images:
            await _home(pilot, recorder)
            app.open_order(workflow.order(ov))
            await settle(pilot, recorder)
            await app.workers.wait_for_complete()
            await pilot.press("f8")                      # Next (if it opened on the first tab)
            await settle(pilot, recorder)
            await pilot.press("f4")                      # Upload: asks for a path
            await settle(pilot, recorder)
            app.screen.query_one("#path").value = str(path)
            await settle(pilot, recorder)
            attached = len(workflow.order(ov).draft.documents)
            monitor = StallMonitor()
            monitor.start()
            await pilot.press("enter")                   # check (and attach) in a worker
            await app.workers.wait_for_complete()
            result[f"document_stall_{kind}"].append(monitor.worst * 1000)
            await settle(pilot, recorder)
            result[f"document_stall_with_result_{kind}"].append(await monitor.stop())
            why[kind].update(monitor.samples)
            result[f"document_bytes_{kind}"].append(path.stat().st_size)
            if len(workflow.order(ov).draft.documents) != attached + 1:
                raise RuntimeError(f"{path.name} ({path.stat().st_size} bytes) was not attached")
    services.repository.close()
    tmp.cleanup()
    result["why"] = [{what: dict(samples) for what, samples in why.items()}]
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    t = sub.add_parser("tables")
    t.add_argument("data_dir", type=Path)
    t.add_argument("--query", default="pay")
    t.add_argument("--opens", type=int, default=5)
    t.add_argument("--sorts", type=int, default=6)
    t.add_argument("--budget", type=float, default=120.0)
    r = sub.add_parser("responsiveness")
    r.add_argument("--keygens", type=int, default=5)
    r.add_argument("--documents", type=int, default=4)
    args = parser.parse_args()
    if args.what == "tables":
        result = asyncio.run(tables(args.data_dir, args.query, args.opens, args.sorts, args.budget))
    else:
        result = asyncio.run(responsiveness(args.keygens, args.documents))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
