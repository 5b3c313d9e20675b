"""The order lists at any size: only visible rows are drawn, and 10,000 orders behave exactly like 10."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.app import App, ComposeResult

from certwizard.domain.models import Order
from certwizard.domain.status import OrderStatus
from certwizard.ui.messages import OrdersChanged
from certwizard.ui.screens.certificates import CertificatesScreen
from certwizard.ui.screens.unissued import UnissuedScreen
from certwizard.ui.widgets.order_table import OrderTable
from certwizard.ui.widgets.virtual_table import Column, VirtualTable, fit
from tests.ui.orders import START, many_orders, open_unissued, submitted_application


@pytest.fixture(params=[12, 10_000], ids=["12-orders", "10000-orders"])
def sized_services(request, services):
    services.repository.insert_orders(many_orders(request.param))
    return services


# --- the widget ---------------------------------------------------------------------------------------------

class TableApp(App):
    def __init__(self, keys: list[str], width: int = 12) -> None:
        super().__init__()
        self.keys = keys
        self.width = width
        self.drawn: list[str] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable(id="table")

    def on_mount(self) -> None:
        table = self.query_one(VirtualTable)
        table.set_columns([Column("name", "Name", self.width), Column("n", "Number", 8)])
        table.set_rows(self.keys, self.cells)
        table.focus()

    def cells(self, key: str) -> list[str]:
        self.drawn.append(key)
        return [f"row {key}", str(len(key))]


async def test_only_the_rows_on_screen_are_drawn_and_a_cursor_step_redraws_two():
    app = TableApp([str(i) for i in range(50_000)])
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        first = set(app.drawn)
        assert first == {str(i) for i in range(11)}          # 12 lines: the header and 11 rows
        app.drawn.clear()
        await pilot.press("down")
        await pilot.pause()
        assert set(app.drawn) == {"0", "1"}
        table = app.query_one(VirtualTable)
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_key == "49999" and "49999" in app.drawn
        assert len(set(app.drawn)) < 40


async def test_new_rows_update_the_scrollbar_and_scroll_range_in_the_same_frame():
    app = TableApp([str(i) for i in range(100)])
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        assert table.show_vertical_scrollbar and table.max_scroll_y == 101 - 12
        table.set_rows(["a", "b", "c"], app.cells)          # fits: the scrollbar goes, nothing to scroll
        await pilot.pause()
        assert not table.show_vertical_scrollbar and table.max_scroll_y == 0
        assert table.cursor_key == "a"                       # the cursor stays on its row
        table.set_rows([str(i) for i in range(30)], app.cells, keep="29")
        await pilot.pause()
        assert table.show_vertical_scrollbar and table.max_scroll_y == 31 - 12
        assert round(table.scroll_y) == table.max_scroll_y   # the kept row is in view
        text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
    assert "row 29" in text


async def test_keys_and_clicks_move_the_cursor_and_rows_keep_their_texts_literal():
    hostile = ["[bold]x[/bold]", "a\x1b[2Jb", "[@click=app.quit]q[/]"]
    app = TableApp(hostile, width=26)
    async with app.run_test(size=(40, 6)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.click(VirtualTable, offset=(3, 3))
        await pilot.click(VirtualTable, offset=(3, 3))     # clicking the [@click=app.quit] text twice...
        await pilot.pause()
        assert table.cursor_key == hostile[2]
        assert app.is_running and app.return_code is None   # ...ran no action
        text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
    assert "row [bold]x[/bold]" in text and "row [@click=app.quit]q[/]" in text
    assert "row a\\x1b[2Jb" in text and "\x1b" not in text


@pytest.mark.parametrize("text, width, shown", [
    ("abc", 5, "abc  "), ("abcdef", 4, "abc…"), ("bücher", 6, "bücher"), ("例え", 3, "例…"), ("x", 0, "")])
def test_fit_pads_or_cuts_by_terminal_cells(text, width, shown):
    assert fit(text, width) == shown


# --- the home screen --------------------------------------------------------------------------------------

async def test_home_filter_narrows_and_clears_the_same_at_any_size(make_app, sized_services, screen_text):
    count = len(sized_services.workflow.summaries())
    app = make_app(sized_services)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, CertificatesScreen)
        table = screen.query_one(OrderTable)
        assert table.row_count == count
        await pilot.press("slash", *"shop1")
        await pilot.pause()
        expected = {o.id for o in sized_services.workflow.summaries() if any("shop1" in d for d in o.domains)}
        assert set(table.keys) == expected
        await pilot.press(*"1")                            # narrows further: "shop11"
        await pilot.pause()
        assert set(table.keys) == {i for i in expected
                                   if any("shop11" in d for d in sized_services.workflow.order(i).listed_domains)}
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == count
        text = screen_text(app)
    drafts = sum(1 for i in range(count) if i % 4 == 1)
    assert f"{count:,} certificates" in text and f"{drafts:,} draft" in text, text


async def test_unissued_sorts_by_expected_time_and_reverses(make_app, sized_services):
    app = make_app(sized_services)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_unissued(pilot)
        table = screen.query_one(OrderTable)
        reviews = [s for s in sized_services.workflow.summaries() if s.status is OrderStatus.UNDER_REVIEW]
        by_submitted = [s.id for s in sorted(reviews, key=lambda s: s.submitted_at)]
        assert list(table.keys) == by_submitted
        await pilot.press("s")                              # expected issuance: the reverse of submission here
        assert list(table.keys) == by_submitted[::-1]
        await pilot.press("S")
        assert list(table.keys) == by_submitted
        assert table.row_texts(by_submitted[0])["status"] == "Under review"


async def test_unissued_sorts_orders_that_arrive_later_into_place(make_app, services):
    services.repository.insert_orders(many_orders(12))
    app = make_app(services)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_unissued(pilot)
        table = screen.query_one(OrderTable)
        await pilot.press("s", "S")                         # expected issuance, latest first (kept for reuse)
        before = list(table.keys)
        await pilot.press("s", "s", "s", "s", "s")         # round all the columns back to submission
        assert "sorted by Submitted" in screen.query_one("#sort-line").render().plain
        # Under review, expected after every seeded one: it goes at the top of "expected, latest first".
        late = submitted_application("late.example.org")
        services.repository.insert_orders([Order(
            id="ord-late0001", product_id="dv-multi", status=OrderStatus.UNDER_REVIEW, application=late,
            authority_ref="sbx-late", purchased_at=START, submitted_at=START + timedelta(days=2),
            expected_issuance_at=START + timedelta(days=9))])
        app.post_message(OrdersChanged("ord-late0001"))
        await pilot.pause()
        await pilot.press("s")                              # expected again, still latest first
        await pilot.pause()
        assert list(table.keys) == ["ord-late0001", *before]
        await pilot.press("S")                              # earliest first: exactly the other way round
        assert list(table.keys) == [*before[::-1], "ord-late0001"]


async def test_the_home_footer_asking_unissued_before_it_has_its_widgets_does_not_crash_the_app(make_app,
                                                                                                services):
    # Why `s` sometimes "did not sort" at 10,000 orders under load: pushing Unissued made the home screen's
    # footer refresh its keys, and Textual resolves `screen.*` actions (ctrl+c's copy_text) against the new
    # top screen. When that callback ran before Unissued had composed its widgets, its check_action looked
    # for the table, raised NoMatches, and the app closed; the test's next key went to a closed app and
    # was dropped. The same order of events is forced here: the footer asks in the tick of the push.
    services.repository.insert_orders(many_orders(12))
    app = make_app(services)
    async with app.run_test(size=(120, 30)) as pilot:
        home = app.screen
        app.push_screen(UnissuedScreen())                 # not awaited: the screen has no widgets yet
        assert isinstance(app.screen, UnissuedScreen) and not app.screen.children
        assert dict(home.active_bindings)                 # calls UnissuedScreen.check_action: no NoMatches
        await pilot.pause()
        await pilot.press("s")
        assert app.is_running and "sorted by Expected" in app.screen.query_one("#sort-line").render().plain


# --- changes made elsewhere ---------------------------------------------------------------------------------

async def test_the_home_list_picks_up_orders_added_by_another_session(make_app, services, screen_text,
                                                                      monkeypatch):
    """It showed only what this session had done until the screen was left and reopened."""
    from certwizard.services import open_services
    from certwizard.ui import db_watch

    monkeypatch.setattr(db_watch, "WATCH_SECONDS", 0.05)
    services.workflow.add_purchased("dv-single")
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CertificatesScreen) and len(screen.table.keys) == 1
        other = open_services(services.layout.root)               # e.g. `certwizard add` in another shell
        try:
            [added] = other.workflow.add_purchased("ov-multi")
        finally:
            other.repository.close()
        for _ in range(40):
            await pilot.pause(0.05)
            if added.id in screen.table.keys:
                break
        assert added.id in screen.table.keys
        assert "2 certificates" in screen_text(app)


def test_the_watch_sees_the_database_and_its_journal_change(tmp_path):
    from certwizard.storage.journal import journal_path
    from certwizard.ui.db_watch import DatabaseWatch

    database = tmp_path / "certwizard.json"
    database.write_text("{}")
    watch = DatabaseWatch(database)
    assert not watch.changed()
    journal_path(database).write_bytes(b"a change")             # a big database takes changes here
    assert watch.changed() and not watch.changed()
    database.write_text('{"orders": {}}')
    assert watch.changed()
