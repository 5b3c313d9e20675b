"""Thread workers and the screens that start them: one way to start them, failures reported, results
delivered without waiting.

`background(group, description)` is how certwizard starts a thread worker: Textual's `@work` with
`thread=True`, `exit_on_error=False` (a failure is reported, it never closes the app) and, unless told
otherwise, `exclusive=True` (a newer run of the group cancels the older one).

Textual posts Worker.StateChanged to the widget that started the worker and does not bubble it, so the app's
own handler never sees a screen's failed worker: without `ReportsWorkerFailures`, an error in a screen's
worker vanished.

`App.call_from_thread` runs a call on the event loop and waits for it: a worker that shows its result that way
stays alive, holding its share of the GIL, while the screen composes and paints the result (a 40-50 ms
stall of the event loop at the end of a submission). `deliver` posts the call instead; calls from one
worker run in the order they were delivered, and before the worker's own Worker.StateChanged.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ParamSpec, TypeVar

from textual import work
from textual.message import Message
from textual.worker import Worker, WorkerState

P = ParamSpec("P")
R = TypeVar("R")


def background(group: str, description: str | None = None, *,
               exclusive: bool = True) -> Callable[[Callable[P, R]], Callable[P, Worker[R]]]:
    """Decorate a method to run in a thread worker of `group` (see the module's docstring)."""
    return work(thread=True, exclusive=exclusive, exit_on_error=False, group=group, description=description)


class Delivered(Message):
    """A call to run on the event loop, posted by a worker thread."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__()
        self.call = call


class Delivers:
    """Mix into a widget, Screen or App: its workers' results can be delivered with `deliver`."""

    def deliver(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """From a worker thread: run `call(*args, **kwargs)` on the event loop, without waiting for it."""
        self.post_message(Delivered(partial(call, *args, **kwargs)))  # type: ignore[attr-defined]

    def on_delivered(self, message: Delivered) -> None:      # a name, not @on: this mixin is not a widget
        message.stop()
        message.call()


class ReportsWorkerFailures(Delivers):
    """Mix into a Screen or widget that starts workers: a failed worker is reported by the app, and its
    results can be delivered with `deliver`."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.app.report_worker_failure(event.worker)  # type: ignore[attr-defined]
