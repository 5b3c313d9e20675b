"""F1 opens Help at the part about the screen the user is on (it always opened at the top, the general part).

The help text itself is in ui/screens/help.py; this only chooses where to open it, by the headings there.
"""

from __future__ import annotations

from textual.app import App
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown

from certwizard.ui.screens.help import HelpScreen

# Screen id -> (what the title bar calls it, the heading's anchor in the help text). The home screen's help is
# the start ("How it works"), and so is Issued Certificates' (its step 6: the help has no part of its own).
TOPICS = {
    "apply": ("Apply for Certificate", "filling-in-the-application"),
    "unissued": ("Unissued Certificates", "after-you-submit"),
}
CSR_BY_HAND = "creating-a-csr-by-hand"
REVIEW_TAKES_LONG = "when-the-review-takes-long"
PROVING_DOMAINS = "proving-the-domains"
VALIDATION_CONTROLS = ("f-validation_method", "f-validation_webroot", "f-validation_hook")


def screen_behind(app: App) -> Screen:
    """The screen the user works on: the current one, or the one under the dialog that is open."""
    for screen in reversed(app.screen_stack):
        if not isinstance(screen, ModalScreen):
            return screen
    return app.screen


def topic_for(screen: Screen) -> tuple[str, str] | None:
    """(screen name, anchor) of the help about `screen` now, or None for the start of Help."""
    known = TOPICS.get(screen.id or "")
    if known is None:
        return None
    name, anchor = known
    if screen.id == "apply" and _manual_csr(screen):
        anchor = CSR_BY_HAND
    elif screen.id == "apply" and _focused_id(screen) in VALIDATION_CONTROLS:
        anchor = PROVING_DOMAINS
    elif screen.id == "unissued":
        summary = getattr(screen, "selected_summary", None)
        if summary is not None and summary.status.value == "review-failed":
            anchor = REVIEW_TAKES_LONG
    return name, anchor


def _focused_id(screen: Screen) -> str | None:
    focused = screen.focused
    return focused.id if focused is not None else None


def _manual_csr(screen: Screen) -> bool:
    return _focused_id(screen) in ("f-csr_pem", "csr-file")


def open_help(app: App) -> None:
    """Help, with the part about the screen it is opened from at the top once the text is laid out."""
    if isinstance(app.screen, HelpScreen):
        return
    topic = topic_for(screen_behind(app))
    help_screen = HelpScreen()
    if topic is not None:
        help_screen.sub_title = f"Help · {topic[0]}"
    app.push_screen(help_screen)
    if topic is not None:
        help_screen.call_after_refresh(_go_to, help_screen, topic[1])


def _go_to(help_screen: HelpScreen, anchor: str, frames: int = 30) -> None:
    """Scroll to `anchor` once the Markdown has its headings, and again a frame later, when they are laid out
    (Markdown builds its blocks in the background)."""
    markdown = help_screen.query(Markdown).first() if help_screen.is_mounted else None
    if markdown is not None and markdown.table_of_contents and markdown.goto_anchor(anchor):
        help_screen.call_after_refresh(markdown.goto_anchor, anchor)
    elif frames:
        help_screen.call_after_refresh(_go_to, help_screen, anchor, frames - 1)
