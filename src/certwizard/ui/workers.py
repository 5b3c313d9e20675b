"""Worker failures reach the user wherever the worker was started.

Textual posts Worker.StateChanged to the widget that started the worker and does not bubble it, so the app's
own handler never sees a screen's failed worker: without this, an error in a screen's worker vanished.
"""

from __future__ import annotations

from textual.worker import Worker, WorkerState


class ReportsWorkerFailures:
    """Mix into a Screen or widget that starts workers: a failed worker is reported by the app."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.app.report_worker_failure(event.worker)  # type: ignore[attr-defined]
