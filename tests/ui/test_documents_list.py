"""DocumentsList: the attached documents, drawn line by line; the user's file names are shown, never run."""

from __future__ import annotations

from textual.app import App, ComposeResult

from certwizard.domain.models import Document
from certwizard.ui.widgets.documents_list import DocumentsList


def document(name: str, number: int) -> Document:
    return Document(display_name=name, stored_name=f"{number:016x}-0a1b2c3d.png", kind="PNG", size=1500 * number,
                    width=800, height=600, sha256=f"{number:064x}")


class ListApp(App):
    def compose(self) -> ComposeResult:
        yield DocumentsList()


def lines(app: App) -> list[str]:
    table = app.query_one(DocumentsList)
    return ["".join(segment.text for segment in table.render_line(y)) for y in range(table.size.height)]


async def test_rows_grow_the_list_and_a_long_or_hostile_name_is_shown_literally_and_cut():
    app = ListApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(DocumentsList)
        await pilot.pause()
        assert table.size.height == 1 and "File name" in lines(app)[0]
        hostile = "[b]bold[/b] \x1b[31mred " + "very long name " * 5 + ".png"
        documents = [document("letter.png", 1), document(hostile, 2)]
        table.show(documents)
        await pilot.pause()
        assert table.size.height == 3                                  # the header and two rows
        first, second = lines(app)[1:3]
        assert "PNG" in first and "2 KB" in first and "800×600" in first and "letter.png" in first
        assert "[b]bold[/b]" in second and "\\x1b[31m" in second and "\x1b" not in second
        assert len(second) == table.size.width and second.rstrip().endswith("…")
        assert table.selected == documents[0]
        table.show(documents, highlight=documents[1].id)                # e.g. the one just attached
        assert table.selected == documents[1]
        table.show(documents[:1])                                       # it was removed: the cursor stays in
        await pilot.pause()
        assert table.selected == documents[0] and table.size.height == 2
