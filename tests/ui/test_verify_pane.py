"""The Verify tab's scroll pane restyles only itself when its focus changes (see VerifyPane.watch_has_focus)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

from certwizard.domain.products import get_product
from certwizard.ui.widgets.documents_list import DocumentsList
from certwizard.ui.widgets.verify_pane import VerifyPane


class PaneApp(App):
    CSS = "VerifyPane:focus { border: solid red; }"

    def compose(self) -> ComposeResult:
        yield Input(id="other")
        yield VerifyPane(get_product("ov-single"))


async def test_the_pane_still_follows_its_own_focus_rules():
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(VerifyPane)
        assert pane.styles.border_top[0] == ""
        pane.focus()
        await pilot.pause()
        assert pane.has_focus and pane.styles.border_top[0] == "solid"
        app.query_one(DocumentsList).focus()          # focus moves into the pane: the pane's own rule goes
        await pilot.pause()
        assert not pane.has_focus and pane.styles.border_top[0] == ""
