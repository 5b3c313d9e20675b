"""Asking before an action with consequences."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import DescendantFocus
from textual.widgets import Button, Static

from certwizard.ui.dialogs.base import Dialog, TextLike, shown
from certwizard.ui.safe import literal, template
from certwizard.ui.widgets.keys_footer import KeysFooter
from certwizard.ui.widgets.labelled_lines import LabelledLines, Row


class ConfirmDialog(Dialog):
    """Asks before an action with consequences; returns True only for an explicit confirmation.

    For a destructive action (the default) the focus starts on Cancel, so a stray Enter changes nothing. The
    buttons are docked at the bottom of the box and always shown; what is above them scrolls (arrows,
    PageUp, PageDown) when the terminal is too small for it, and a line under the buttons says which one
    Enter presses."""

    BINDINGS = [
        Binding("up", "scroll_body('up')", show=False),
        Binding("down", "scroll_body('down')", show=False),
        Binding("pageup", "scroll_body('page_up')", show=False),
        Binding("pagedown", "scroll_body('page_down')", show=False),
        Binding("left", "app.focus_previous", show=False),
        Binding("right", "app.focus_next", show=False),
    ]

    def __init__(self, title: TextLike, consequence: TextLike, confirm_label: str = "Confirm", *,
                 cancel_label: str = "Cancel", destructive: bool = True, details: Sequence[Row] = ()) -> None:
        """`details`: (label, value) lines shown above the consequence, e.g. what is about to be sent."""
        super().__init__(title)
        self._details = list(details)
        self._consequence = consequence
        self._confirm_label = confirm_label
        self._cancel_label = cancel_label
        self._destructive = destructive

    def compose(self) -> ComposeResult:
        # The box itself scrolls, and the buttons are docked in it: however small the terminal, they stay in
        # view, and the text above them scrolls (a Vertical box cut the buttons off at 80x24).
        with VerticalScroll(classes="dialog-box confirm-box", can_focus=False) as box:
            box.border_title = shown(self._title)
            with Vertical(classes="dialog-actions"):
                with Horizontal(classes="dialog-buttons"):
                    yield Button(literal(self._cancel_label), id="cancel")
                    yield Button(literal(self._confirm_label), id="confirm",
                                 variant="error" if self._destructive else "primary")
                yield Static(id="enter-hint", classes="dialog-hint")
            if self._details:
                yield LabelledLines(self._details, classes="dialog-text")
            yield Static(shown(self._consequence), classes="dialog-text")
        yield KeysFooter()

    @property
    def body(self) -> VerticalScroll:
        return self.query_one(".confirm-box", VerticalScroll)

    def on_mount(self) -> None:
        first = self.query_one("#cancel" if self._destructive else "#confirm", Button)
        first.focus()
        self._show_enter(first)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        if isinstance(event.widget, Button):
            self._show_enter(event.widget)

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_enter)      # whether the text scrolls depends on the size

    def _show_enter(self, button: Button | None = None) -> None:
        """The line under the buttons: which one Enter presses (the focused one), and how to read the rest."""
        focused = button or self.focused
        if not isinstance(focused, Button):
            return
        label = self._confirm_label if focused.id == "confirm" else self._cancel_label
        other = self._cancel_label if focused.id == "confirm" else self._confirm_label
        more = " · ↑↓ scroll" if self.body.max_scroll_y > 0 else ""
        self.query_one("#enter-hint", Static).update(template(
            "Enter: [b]$label[/b] · Tab: $other · Esc: cancel$more", label=label, other=other, more=more))

    def action_scroll_body(self, how: str) -> None:
        getattr(self.body, f"scroll_{how}")(animate=False)

    @on(Button.Pressed)
    def _answer(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)
