"""A new passphrase for a private key, typed twice."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from certwizard.domain.secret_entry import KEY_PASSPHRASE, secret_problem
from certwizard.ui.dialogs.base import Dialog, TextLike, shown
from certwizard.ui.safe import literal
from certwizard.ui.widgets.safe_input import SecretInput


class PassphraseDialog(Dialog):
    """A new passphrase typed twice; returns it as bytes, or None if cancelled. It is never shown or logged."""

    def __init__(self, title: TextLike = "Passphrase for the private key",
                 explanation: TextLike = ("The key file will be encrypted with this passphrase (at least 8 "
                                          "characters). You will need it to install the certificate; "
                                          "certwizard cannot recover it.")) -> None:
        super().__init__(title)
        self._explanation = explanation

    def compose_box(self) -> ComposeResult:
        yield Static(shown(self._explanation), classes="dialog-text")
        yield Label("Passphrase")
        yield SecretInput(id="passphrase")
        yield Label("Type it again")
        yield SecretInput(id="passphrase-again")
        yield Label("", classes="-error", id="passphrase-error")
        yield Static("Enter: OK   Escape: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#passphrase")
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#passphrase-again", Input).focus()

    @on(Input.Submitted, "#passphrase-again")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        first = self.query_one("#passphrase", Input).value
        problem = passphrase_problem(first, event.value)
        if problem:
            self.query_one("#passphrase-error", Label).update(literal(problem))
            return
        self.dismiss(first.encode("utf-8"))


def passphrase_problem(first: str, second: str) -> str | None:
    """Why these two entries are not an acceptable passphrase (the message never contains them)."""
    return secret_problem(KEY_PASSPHRASE, first, second, way_out="press Escape to cancel")
