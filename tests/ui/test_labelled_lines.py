"""Label/value lines: values wrap in their own column, and user text stays literal."""

from __future__ import annotations

from textual.app import App, ComposeResult

from certwizard.ui.safe import literal
from certwizard.ui.widgets.labelled_lines import LabelledLines

ROWS = [("Company", literal("[b]Acme[/b] Trading Co., Ltd. (Private enterprise), org. ID 91110105MA01ABCD1X")),
        ("Phone", literal("+86 10 6552 9988"))]


class LinesApp(App):
    def compose(self) -> ComposeResult:
        yield LabelledLines(ROWS)


async def test_values_wrap_under_their_own_column_and_the_height_follows():
    app = LinesApp()
    async with app.run_test(size=(50, 10)) as pilot:
        widget = app.query_one(LabelledLines)
        await pilot.pause()
        lines = [line.plain for line in widget.lines(50)]
        assert lines[0].startswith("Company    [b]Acme[/b] Trading")      # literal, not bold markup
        assert lines[1] == "           enterprise), org. ID 91110105MA01ABCD1X"
        assert lines[2] == "Phone      +86 10 6552 9988"
        assert len(lines) == 3 and widget.size.height == 3
        await pilot.resize_terminal(120, 10)
        await pilot.pause()
        assert widget.size.height == 2
        widget.show([("Domains", literal("www.example.com"))])
        await pilot.pause()
        assert widget.size.height == 1
