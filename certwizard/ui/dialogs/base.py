"""The base of certwizard's dialogs. Each returns a typed result through `dismiss` and never awaits it.

`DialogScreen`: every modal of the app (QuietFocus mixed in once, as WizardScreen does for screens).
`Dialog`: a bordered box in the middle of the screen with a title, Escape to cancel and the Footer listing
its keys; a subclass yields the box's contents from `compose_box`.

Texts given as `str` are shown literally (they may hold user data); pass a `Content` built with
`certwizard.ui.safe.template` for emphasis.
"""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen

from certwizard.ui.safe import literal_multiline
from certwizard.ui.textual_fixes.quiet_focus import QuietFocus
from certwizard.ui.widgets.keys_footer import KeysFooter

TextLike = str | Content
ResultType = TypeVar("ResultType")


def shown(text: TextLike) -> Content:
    return text if isinstance(text, Content) else literal_multiline(text)


class DialogScreen(QuietFocus, ModalScreen[ResultType]):
    """A modal screen of the app (see ui/textual_fixes/quiet_focus.py)."""


class OneShotForm:
    """Mixed into a form dialog that does one thing in a worker (Export, Install): Escape cancels until it is
    done, then Close takes over; its action (`SUBMIT_ACTION`) is greyed while the worker runs."""

    SUBMIT_ACTION = ""
    _busy: bool

    @property
    def done(self) -> bool:
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close":
            return self.done
        if action == "cancel":
            return not self.done
        if action == self.SUBMIT_ACTION:
            return None if self._busy else not self.done
        return True


class Dialog(DialogScreen[ResultType]):
    """A bordered box in the middle of the screen, with the Footer listing its keys."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=True)]
    COMPACT_FOOTER = True       # Textual's compact key spacing in the Footer (see KeysFooter)

    def __init__(self, title: TextLike) -> None:
        super().__init__(classes="dialog")
        self._title = title

    def compose_box(self) -> ComposeResult:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box") as box:
            box.border_title = shown(self._title)
            yield from self.compose_box()
        yield KeysFooter(compact=self.COMPACT_FOOTER)

    def action_cancel(self) -> None:
        self.dismiss(None)
