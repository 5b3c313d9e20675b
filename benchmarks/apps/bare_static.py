"""Yardstick: a bare Textual app with one Static (start-up is measured to its first painted frame)."""

from textual.app import App, ComposeResult
from textual.widgets import Static

TEXT = "Bare yardstick app: one Static"


class BareStatic(App):
    def compose(self) -> ComposeResult:
        yield Static(TEXT)


if __name__ == "__main__":
    BareStatic().run()
