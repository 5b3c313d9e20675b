"""Small changes repaint small regions: over SSH every repainted line is bytes on a slow link."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content

from certwizard.domain.status import OrderStatus
from certwizard.ui.screens.unissued import UnissuedScreen
from certwizard.ui.widgets.details_text import DetailsText
from certwizard.ui.widgets.keys_footer import KeysFooter

from test_order_lists import many_orders


class DetailsApp(App):
    def compose(self) -> ComposeResult:
        yield DetailsText(id="details")


def spy_layouts(widget: DetailsText) -> list[bool]:
    """The `layout` flag of every refresh the widget asks for."""
    calls: list[bool] = []
    original = widget.refresh

    def refresh(*regions, layout: bool = False, **kwargs):
        calls.append(layout)
        return original(*regions, layout=layout, **kwargs)
    widget.refresh = refresh
    return calls


async def test_details_lay_out_again_only_when_their_height_or_width_changes():
    app = DetailsApp()
    async with app.run_test(size=(40, 10)) as pilot:
        details = app.query_one(DetailsText)
        details.show(Content("first line\nsecond line"))
        await pilot.pause()
        layouts = spy_layouts(details)
        details.show(Content("another first\nanother second"))
        assert layouts == [False]
        await pilot.pause()
        assert "another second" in str(details.render())
        details.show(Content("one\ntwo\nthree"))
        assert layouts[-1] is True
        await pilot.pause()
        assert details.size.height == 3
        details.show(Content("x" * 60))               # one line of text, two lines on screen at 40 columns
        assert layouts[-1] is True
        await pilot.pause()
        assert details.size.height == 2
        await pilot.resize_terminal(80, 10)
        await pilot.pause()
        details.show(Content("y" * 60))               # same text shape, new width: measured again
        assert layouts[-1] is True
        await pilot.pause()
        assert details.size.height == 1


async def test_moving_between_rows_of_one_status_does_not_repaint_the_footer(make_app, services, screen_text):
    services.repository.insert_orders(many_orders(12))
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("u")
        screen = app.screen
        assert isinstance(screen, UnissuedScreen)
        assert [services.workflow.order(key).status for key in screen.table.keys] == [OrderStatus.UNDER_REVIEW] * 3
        await pilot.pause()
        footer = screen.query_one(KeysFooter)
        shown = footer.keys
        repainted = []
        original = footer.refresh

        def refresh(*args, **kwargs):
            repainted.append(True)
            return original(*args, **kwargs)
        footer.refresh = refresh
        await pilot.press("down", "down", "up")
        await pilot.pause()
        assert screen.table.cursor_row == 1
        assert repainted == [] and footer.keys is shown
        assert "w Withdraw" in screen_text(app).splitlines()[-1]
        await pilot.press("slash")                          # the filter takes focus: other keys apply
        await pilot.pause()
        assert repainted and footer.keys != shown
