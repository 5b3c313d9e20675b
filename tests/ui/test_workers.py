"""Results of thread workers reach the screen in order, on the event loop, without the worker waiting."""

from __future__ import annotations

import threading

from textual import work
from textual.app import App
from textual.widgets import Static

from certwizard.ui.workers import ReportsWorkerFailures
from tests.ui.workers_done import workers_done


class Reporting(ReportsWorkerFailures, Static):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, bool, bool]] = []     # (value, on the loop's thread, worker already done)
        self.worker_done = threading.Event()

    def record(self, value: str, *, suffix: str = "") -> None:
        # Had the worker waited for this call (call_from_thread), it could not finish while this waits.
        done = self.worker_done.wait(timeout=2)
        self.seen.append((value + suffix, threading.current_thread() is threading.main_thread(), done))

    @work(thread=True)
    def produce(self) -> None:
        for value in ("first", "second"):
            self.deliver(self.record, value)
        self.deliver(self.record, "third", suffix="!")
        self.worker_done.set()          # reached without waiting for any of the calls


async def test_delivered_calls_run_in_order_on_the_loop_after_the_worker_moved_on():
    class Host(App):
        def compose(self):
            yield Reporting()

    app = Host()
    async with app.run_test() as pilot:
        widget = app.query_one(Reporting)
        widget.produce()
        await workers_done(app)
        await pilot.pause()
    assert [value for value, _, _ in widget.seen] == ["first", "second", "third!"]
    assert all(on_loop and worker_done for _, on_loop, worker_done in widget.seen)
