"""Yardstick: a bare Textual app with one focused Input (bytes written per keystroke).

`--no-blink` stops the cursor blinking (see noblink.py)."""

import sys

from textual.app import App, ComposeResult
from textual.widgets import Input


class BareInput(App):
    def compose(self) -> ComposeResult:
        yield Input(placeholder="Bare yardstick app: one Input")


if __name__ == "__main__":
    if "--no-blink" in sys.argv:
        from noblink import disable_cursor_blink

        disable_cursor_blink()
    BareInput().run()
