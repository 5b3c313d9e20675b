"""`settle`, which every scene and snapshot waits with: it must survive workers replaced while it waits."""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App
from textual.worker import WorkerFailed

from tests.snapshots.scenes import settle


class LintLikeApp(App):
    """Starts an exclusive worker, and replaces it shortly after, as the CSR lint is when the text changes."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.fail = fail
        self.finished: list[str] = []

    async def lint(self, name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        if self.fail:
            raise RuntimeError("the lint broke")
        self.finished.append(name)

    def on_mount(self) -> None:
        self.run_worker(self.lint("first", 30), exclusive=True, group="lint")
        self.set_timer(0.05, lambda: self.run_worker(self.lint("second", 0.1), exclusive=True, group="lint"))


async def test_settle_waits_through_an_exclusive_worker_being_replaced():
    app = LintLikeApp()
    async with app.run_test() as pilot:
        await settle(pilot)     # raised WorkerCancelled: it gathered the first worker, cancelled at 0.05 s
        assert app.finished == ["second"]
        assert all(worker.is_finished for worker in app.workers)


async def test_settle_still_reports_a_worker_that_failed():
    app = LintLikeApp(fail=True)
    with pytest.raises(WorkerFailed):
        async with app.run_test() as pilot:
            await settle(pilot)
