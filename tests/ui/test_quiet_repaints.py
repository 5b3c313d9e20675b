"""Small changes repaint small regions: over SSH every repainted line is bytes on a slow link."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content

from certwizard.domain.status import OrderStatus
from certwizard.ui.widgets.details_text import DetailsText
from certwizard.ui.widgets.keys_footer import KeysFooter
from certwizard.ui.widgets.order_table import OrderTable
from tests.ui.orders import many_orders, open_unissued


class DetailsApp(App):
    def compose(self) -> ComposeResult:
        yield DetailsText(id="details")


class Refreshes(list):
    """Every refresh a widget asks for, as (regions, layout); no regions means the whole widget."""

    @property
    def layouts(self) -> list[bool]:
        return [layout for _, layout in self]

    @property
    def regions(self) -> list[tuple]:
        return [regions for regions, _ in self]


def spy_refreshes(widget: DetailsText) -> Refreshes:
    calls = Refreshes()
    original = widget.refresh

    def refresh(*regions, layout: bool = False, **kwargs):
        calls.append((regions, layout))
        return original(*regions, layout=layout, **kwargs)
    widget.refresh = refresh
    return calls


async def test_details_lay_out_again_only_when_their_height_or_width_changes():
    app = DetailsApp()
    async with app.run_test(size=(40, 10)) as pilot:
        details = app.query_one(DetailsText)
        details.show(Content("first line\nsecond line"))
        await pilot.pause()
        refreshes = spy_refreshes(details)
        details.show(Content("another first\nanother second"))
        assert refreshes.layouts == [False]
        await pilot.pause()
        assert "another second" in str(details.render())
        details.show(Content("one\ntwo\nthree"))
        assert refreshes.layouts[-1] is True
        await pilot.pause()
        assert details.size.height == 3
        details.show(Content("x" * 60))               # one line of text, two lines on screen at 40 columns
        assert refreshes.layouts[-1] is True
        await pilot.pause()
        assert details.size.height == 2
        await pilot.resize_terminal(80, 10)           # the resize lays out: one line at 80 columns
        await pilot.pause()
        assert details.size.height == 1
        details.show(Content("y" * 100))              # two lines at the new width
        assert refreshes.layouts[-1] is True
        await pilot.pause()
        assert details.size.height == 2


async def test_details_repaint_only_the_lines_that_changed():
    app = DetailsApp()
    async with app.run_test(size=(40, 10)) as pilot:
        details = app.query_one(DetailsText)
        details.show(Content("same\nold second\nsame"))
        await pilot.pause()
        refreshes = spy_refreshes(details)
        details.show(Content("same\nnew second\nsame"))
        assert [[(r.y, r.height) for r in call] for call in refreshes.regions] == [[(1, 1)]]
        details.show(Content("same\nnew second\nsame"))                 # nothing changed: nothing repainted
        assert len(refreshes) == 1
        details.show(Content("same\nnew second\nsame", spans=[]).stylize("bold", 0, 4))  # a style is a change
        assert [(r.y, r.height) for r in refreshes.regions[-1]] == [(0, 1)]
        await pilot.pause()
        lines = [details.render_line(y).text for y in range(3)]
        assert [line.rstrip() for line in lines] == ["same", "new second", "same"]


async def test_details_keep_their_minimum_lines_without_laying_out_again():
    class FloorApp(App):
        def compose(self) -> ComposeResult:
            yield DetailsText(Content("rule"), min_lines=4, id="box")

    app = FloorApp()
    async with app.run_test(size=(40, 10)) as pilot:
        box = app.query_one(DetailsText)
        await pilot.pause()
        assert box.size.height == 4
        refreshes = spy_refreshes(box)
        box.show(Content("one\ntwo\nthree"))                  # still within the floor: no layout
        assert refreshes.layouts == [False]
        box.show(Content("1\n2\n3\n4\n5"))                    # taller than the floor: laid out, grows
        assert refreshes.layouts[-1] is True
        await pilot.pause()
        assert box.size.height == 5
        box.show(Content("short"))
        assert refreshes.layouts[-1] is True
        await pilot.pause()
        assert box.size.height == 4


async def test_moving_between_rows_of_one_status_does_not_repaint_the_footer(make_app, services, screen_text):
    services.repository.insert_orders(many_orders(12))
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_unissued(pilot)
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


async def test_moving_the_focus_restyles_the_fields_without_repainting_the_screen(make_app, services):
    services.repository.insert_orders(many_orders(12))
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        whole_screen = []
        original = screen._set_dirty

        def set_dirty(*regions):
            if not regions:
                whole_screen.append(True)
            return original(*regions)
        screen._set_dirty = set_dirty
        table = screen.query_one(OrderTable)
        assert screen.focused is table
        await pilot.press("slash")
        await pilot.pause()
        field = screen.query_one("#filter")
        assert screen.focused is field and field.has_pseudo_class("focus")
        assert not table.has_pseudo_class("focus")
        assert whole_screen == []
