"""Keys that arrive together (type-ahead over a slow SSH link, a paste) land where the user meant them."""

from __future__ import annotations

from textual import events

from certwizard.ui.screens.apply import ApplyScreen
from tests.ui.workers_done import workers_done

NAMED = {"@": "at", ".": "full_stop", " ": "space", "+": "plus", "/": "slash", "\t": "tab"}


def arrive_together(app, text: str) -> None:
    """Queue every key before the app handles the first, as a terminal burst does ('\\t' is Tab)."""
    for char in text:
        app.post_message(events.Key(NAMED.get(char, char), None if char == "\t" else char))


async def test_text_after_a_tab_in_one_burst_goes_to_the_next_field(make_app, services):
    [order] = services.workflow.add_purchased("ov-single")
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ApplyScreen) and app.focused is screen.form.domains.input
        arrive_together(app, "www.example.com\tLi Lei\t+86 138 0013 8000\tli@example.com")
        await pilot.pause()
        values = screen.form.values()
    assert (values["domains"], values["applicant_name"], values["applicant_phone"], values["applicant_email"]) == (
        "www.example.com", "Li Lei", "+86 138 0013 8000", "li@example.com")
    assert services.workflow.order(order.id).status.value == "draft"

# A path field still completes on Tab: tests/ui/test_apply_documents.py::test_the_upload_path_completes_with_tab


async def test_text_typed_right_after_the_filter_key_goes_into_the_filter(make_app, services):
    from certwizard.ui.screens.certificates import CertificatesScreen
    from tests.ui.orders import many_orders

    services.repository.insert_orders(many_orders(12))
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        arrive_together(app, "/review")       # 'i' and 'r' are also keys of the list (Issued, Refresh)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CertificatesScreen)
        assert screen.query_one("#filter").value == "review"
        assert {summary.status.value for summary in services.workflow.summaries()
                if summary.id in screen.table.keys} <= {"under-review", "review-failed"}
        arrive_together(app, "/a/b")                # in the filter, / is a character like any other
        await pilot.pause()
        assert screen.query_one("#filter").value == "review/a/b"


EDIT_KEYS = {"\b": "backspace", "←": "left", "→": "right", "⇤": "home", "⇥": "end"}


def keys_together(app, keys: str) -> None:
    """Like `arrive_together`, with editing keys: \\b Backspace, ← → arrows, ⇤ Home, ⇥ End."""
    for char in keys:
        if char in EDIT_KEYS:
            app.post_message(events.Key(EDIT_KEYS[char], None))
        else:
            app.post_message(events.Key(NAMED.get(char, char), char))


async def test_backspaces_and_arrows_in_a_burst_edit_where_they_were_typed(make_app, services):
    """Textual runs a field's Backspace only once the key has bubbled up to the app, so in a burst the
    characters typed after it overtook it: 'exampel' + 2 Backspaces + 'le' became 'examp'."""
    services.workflow.add_purchased("ov-single")
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ApplyScreen)
        field = screen.form.domains.input
        assert app.focused is field
        keys_together(app, "www.exampel\b\ble.cmo\b\bom")
        await pilot.pause()
        assert field.value == "www.example.com"
        keys_together(app, "⇤api.\b\b\b\b\b⇥←←←x→→→\b")         # home, type, delete it all, end, move, edit
        await pilot.pause()
        assert field.value == "www.example.xco"


async def test_a_burst_of_backspaces_and_text_in_the_csr_box_keeps_its_order(make_app, services):
    from certwizard.ui.widgets.csr_mode import CsrModeField

    services.workflow.add_purchased("dv-single")
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        panel = app.screen.query_one(CsrModeField)
        panel.query_one("#mode-manual").value = True
        await pilot.pause()
        box = panel.text_area
        box.focus()
        await pilot.pause()
        keys_together(app, "ABCX\bD\b\bCD")
        await pilot.pause()
        assert box.text == "ABCD"


async def test_next_typed_right_after_the_text_checks_that_text_and_shows_each_error(make_app, services,
                                                                                    valid_draft):
    """F8 is read before the letters typed ahead of it are in their field: it checked the old text, focused a
    field with no error, and the letters' arrival then cleared the errors it had shown."""
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft.filled(applicant_phone="", applicant_email=""))
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ApplyScreen) and app.focused is screen.form.domains.input
        for _ in range(2):                     # the first check, and a second after changing the text
            arrive_together(app, "\t\t12\tbad")
            app.post_message(events.Key("f8", None))
            for _ in range(3):
                await workers_done(app)
                await pilot.pause()
            rows = screen.form.rows()
            assert app.focused is rows["applicant_phone"].control
            assert rows["applicant_phone"].error.startswith("Phone")    # about "12", not about ""
            assert rows["applicant_email"].error.startswith("E-mail is not valid")
            assert screen.current_tab == "enter"
            screen.form.applicant.query_one("#f-applicant_phone").value = ""
            screen.form.applicant.query_one("#f-applicant_email").value = ""
            screen.form.domains.input.focus()
            await pilot.pause()


async def test_tabbing_into_a_filled_field_keeps_its_text(make_app, services, valid_draft):
    """Textual selects a field's text when it gets the focus: the next key replaced the whole value."""
    [order] = services.workflow.add_purchased("dv-multi")
    services.workflow.save_draft(order, valid_draft.filled(domains="a.example.com, b.example.com"))
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ApplyScreen)
        await pilot.press("tab")                       # Name
        await pilot.press("shift+tab")                 # back into Domains to Bind
        await pilot.press(*", c.example.com")
        await pilot.press("tab")
        await pilot.press(*" Jr")
        await pilot.pause()
        values = screen.form.values()
    assert values["domains"] == "a.example.com, b.example.com, c.example.com"
    assert values["applicant_name"] == "Li Lei Jr"


async def test_an_arrow_and_enter_in_one_burst_open_the_row_the_arrow_moved_to(make_app, services):
    """Enter is a priority key, read before the arrow typed just ahead of it had moved the cursor: it opened
    the row above the one meant (seen in tmux: Up then Enter opened the order the cursor had left)."""
    from certwizard.ui.screens.certificates import CertificatesScreen

    services.workflow.add_purchased("dv-single")
    services.workflow.add_purchased("ov-single")
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        home = app.screen
        assert isinstance(home, CertificatesScreen)
        start = home.selected_summary.id
        key = "up"
        await pilot.press(key)
        if home.selected_summary.id == start:          # the cursor started on the first row
            key = "down"
            await pilot.press(key)
        meant = home.selected_summary.id
        await pilot.press("down" if key == "up" else "up")
        assert home.selected_summary.id == start
        app.post_message(events.Key(key, None))
        app.post_message(events.Key("enter", None))
        for _ in range(3):
            await pilot.pause()
        assert isinstance(app.screen, ApplyScreen) and app.screen.order_id == meant


async def test_arrows_and_enter_in_one_burst_pick_the_product_the_arrows_reached(make_app, services):
    from certwizard.ui.dialogs.pickers import ProductPickerDialog

    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        chosen: list[str | None] = []
        picker = ProductPickerDialog(services.authorities.products())
        app.push_screen(picker, chosen.append)
        await pilot.pause()
        for key in ("down", "down", "down", "enter"):
            app.post_message(events.Key(key, None))
        for _ in range(3):
            await pilot.pause()
    assert chosen == [list(services.authorities.products())[3].id]
