"""certwizard's own check of the published proofs failed, so the CA was not asked: what each check found.

Each check is one DNS record name (every authoritative server's answer, with its TTL) or one file URL. The
user fixes what is missing and checks again, or asks the CA anyway (it may see what this server cannot: a
split-horizon DNS, a firewall), knowing that a CA that finds nothing fails the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from certwizard.ui.dialogs.base import Dialog
from certwizard.ui.safe import literal, template
from certwizard.ui.widgets.keys_footer import KeysFooter

if TYPE_CHECKING:
    from certwizard.services.domain_proof import ProofCheck

Choice = Literal["again", "ask-anyway"]

# Beside the buttons, always in view: asking anyway can fail the order.
ASK_ANYWAY_WARNING = ("Ask the CA anyway only if it sees what this server cannot (split DNS, a firewall): if it "
                      "finds nothing, the application fails and must be withdrawn and submitted again.")


def check_head(check: ProofCheck) -> Content:
    """`ok` or `FAIL`, and what was checked (a record name or a URL)."""
    verdict, style = ("ok  ", "$text-success") if check.passed else ("FAIL", "$text-error")
    return template("[b $style]$verdict[/] [b]$subject[/b]", style=style, verdict=verdict, subject=check.subject)


def check_body(check: ProofCheck) -> Content:
    """What was found, one line per authoritative server (its answer and TTL), and for a failed check
    what must be published, each value on a line of its own (a terminal selection copies it whole)."""
    lines = [literal(check.message), *(template("· $server", server=server) for server in check.servers)]
    if not check.passed and check.wanted:
        lines.append(Content("to publish:"))
        lines.extend(template("  $value", value=value) for value in check.wanted)
    return Content("\n").join(lines)


class SelfCheckDialog(Dialog[Choice | None]):
    """Returns "again" (check again), "ask-anyway" (ask the CA without the self-check) or None (closed)."""

    DEFAULT_CSS = """
    SelfCheckDialog .dialog-box {
        padding: 0 1;
    }
    SelfCheckDialog #self-check-results {
        height: auto;
    }
    SelfCheckDialog .check-body {
        padding-left: 5;            /* under the subject, past the verdict */
        margin-bottom: 1;
    }
    SelfCheckDialog #self-check-warning {
        color: $text-warning;
        height: auto;
        margin-top: 1;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Close", show=True),
        Binding("r", "again", "Check again", show=True,
                tooltip="Publish and look again, e.g. once the record reached every name server"),
        Binding("a", "ask_anyway", "Ask the CA anyway", show=True,
                tooltip="Skip certwizard's check: the CA looks now, and fails the order if it finds nothing"),
        Binding("up", "scroll_body('up')", show=False),
        Binding("down", "scroll_body('down')", show=False),
        Binding("pageup", "scroll_body('page_up')", show=False),
        Binding("pagedown", "scroll_body('page_down')", show=False),
        Binding("left", "app.focus_previous", show=False),
        Binding("right", "app.focus_next", show=False),
    ]

    def __init__(self, checks: Sequence[ProofCheck], names: str, checked_at: datetime | None = None) -> None:
        """`checked_at`: when the checks ran, said in the text, so that Check again visibly checked again."""
        super().__init__(template("The CA was not asked: $names", names=names))
        self.add_class("-wide")
        self.checks = list(checks)
        self._names = names
        self.checked_at = checked_at

    def compose(self) -> ComposeResult:
        # As ConfirmDialog: the box scrolls and the buttons are docked in it, so they stay in view at 80x24.
        with VerticalScroll(classes="dialog-box confirm-box", can_focus=False) as box:
            box.border_title = self._title
            with Vertical(classes="dialog-actions"):
                yield Static(Content(ASK_ANYWAY_WARNING), id="self-check-warning")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Close", id="close")
                    yield Button("Ask the CA anyway", id="ask-anyway", variant="warning")
                    yield Button("Check again", id="again", variant="primary")
                yield Static(id="self-check-hint", classes="dialog-hint")
            failed = sum(not check.passed for check in self.checks)
            who = (f"At {self.checked_at.astimezone():%H:%M:%S}, certwizard" if self.checked_at is not None
                   else "certwizard")
            yield Static(template(
                "$who looked where the CA will look and did not find everything ($failed of $total "
                "failed). Publish what is missing exactly as shown, then check again.", failed=failed,
                total=len(self.checks), who=who), classes="dialog-text")
            with Vertical(id="self-check-results"):
                for check in self.checks:
                    yield Static(check_head(check), classes="check-head")
                    yield Static(check_body(check), classes="check-body")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#again", Button).focus()

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_hint)      # whether the checks scroll depends on the size

    def _show_hint(self) -> None:
        scrolls = self.query_one(".confirm-box", VerticalScroll).max_scroll_y > 0
        # The scroll key first: on a narrow screen the end of the line is cut, and the checks may be out of view.
        self.query_one("#self-check-hint", Static).update(Content(
            ("↑↓ scroll · " if scrolls else "") + "Enter: focused button · r again · a ask anyway · Esc close"))

    def action_scroll_body(self, how: str) -> None:
        getattr(self.query_one(".confirm-box", VerticalScroll), f"scroll_{how}")(animate=False)

    def action_again(self) -> None:
        self.dismiss("again")

    def action_ask_anyway(self) -> None:
        self.dismiss("ask-anyway")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        choice = event.button.id
        self.dismiss("again" if choice == "again" else "ask-anyway" if choice == "ask-anyway" else None)
