"""TitleBar: Textual's Header as one line; the icon opens the command palette."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.widgets import Static

from certwizard.ui.widgets.title_bar import TitleBar


class TitledApp(App):
    TITLE = "certwizard"

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static("body")

    def on_mount(self) -> None:
        self.screen.sub_title = "Certificates"


def title_line(app: App) -> str:
    return app.query_one(TitleBar).render().plain


async def test_the_title_and_subtitle_are_centred_between_the_icon_and_the_clock_space():
    app = TitledApp()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        line = title_line(app)
        assert len(line) == 60 and line.startswith(" ⭘      ")
        middle = line[8:50]
        assert middle.strip() == "certwizard — Certificates"
        assert abs((len(middle) - len(middle.lstrip())) - (len(middle) - len(middle.rstrip()))) <= 1
        app.screen.sub_title = "Help"
        await pilot.pause()
        assert "certwizard — Help" in title_line(app)


async def test_a_long_title_is_cut_with_an_ellipsis():
    app = TitledApp()
    async with app.run_test(size=(30, 5)) as pilot:
        await pilot.pause()
        line = title_line(app)
        title = line[8:20]                      # 30 cells: 8 for the icon, 10 kept blank on the right
        assert len(line) == 30 and title.startswith("certwizard") and title.endswith("…")


async def test_clicking_the_icon_opens_the_command_palette():
    app = TitledApp()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.click(TitleBar, offset=(1, 0))
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
