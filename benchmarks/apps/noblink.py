"""Stop text cursors blinking, for byte counting: a blink repaints twice a second whatever the user does,
so with it on, "the app went quiet after a keystroke" never happens. The test suite does the same."""

from textual.widgets import Input, TextArea


def disable_cursor_blink() -> None:
    Input._toggle_cursor = lambda self: None
    TextArea._toggle_cursor_blink_visible = lambda self: None
