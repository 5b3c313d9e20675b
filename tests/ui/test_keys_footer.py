"""KeysFooter: the keys that work now on one line, clickable, greyed when they do nothing."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from certwizard.ui.widgets.keys_footer import KeysFooter


class KeysApp(App):
    BINDINGS = [Binding("a", "add", "Add"), Binding("x", "remove", "Remove", tooltip="Removes it"),
                Binding("b", "add", "Add again"), Binding("h", "hidden", "Hidden", show=False)]

    def __init__(self, *, can_remove: bool = True, compact: bool = True) -> None:
        super().__init__()
        self.can_remove, self.compact, self.done = can_remove, compact, []

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield KeysFooter(compact=self.compact)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "remove" and not self.can_remove else True

    def action_add(self) -> None:
        self.done.append("add")

    def action_remove(self) -> None:
        self.done.append("remove")


def footer_line(app: App) -> str:
    return "".join(segment.text for segment in app.query_one(KeysFooter).render_line(0))


async def test_the_footer_shows_each_action_once_and_the_palette_on_the_right():
    app = KeysApp()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        line = footer_line(app)
        assert line.startswith("a Add x Remove ") and "Add again" not in line and "Hidden" not in line
        assert line.rstrip().endswith("▏^p palette") and len(line) == 60


async def test_a_click_presses_the_key_and_a_greyed_key_does_nothing():
    app = KeysApp(can_remove=False)
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        footer = app.query_one(KeysFooter)
        assert [key.enabled for key in footer.keys] == [True, False]
        await pilot.click(KeysFooter, offset=(2, 0))        # "Add"
        await pilot.click(KeysFooter, offset=(8, 0))        # "Remove", greyed
        await pilot.pause()
        assert app.done == ["add"]
        await pilot.hover(KeysFooter, offset=(8, 0))
        assert footer.tooltip == "Removes it"


async def test_keys_that_do_not_fit_are_cut_but_the_palette_stays():
    app = KeysApp(compact=False)
    async with app.run_test(size=(24, 5)) as pilot:
        await pilot.pause()
        line = footer_line(app)
        assert len(line) == 24 and line.startswith(" a Add ") and line.rstrip().endswith("▏^p palette")
