"""Keys that arrive together (type-ahead over a slow SSH link, a paste) land where the user meant them."""

from __future__ import annotations

from textual import events

from certwizard.ui.screens.apply import ApplyScreen

NAMED = {"@": "at", ".": "full_stop", " ": "space", "+": "plus"}


def arrive_together(app, text: str) -> None:
    """Queue every key before the app handles the first, as a terminal burst does ('\\t' is Tab)."""
    for char in text:
        key = events.Key("tab", None) if char == "\t" else events.Key(NAMED.get(char, char), char)
        app.post_message(key)


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
