"""The qualification documents attached to the draft: type, size, dimensions and the user's file name.

A VirtualTable (drawn line by line), not Textual's DataTable: a DataTable renders every cell through Rich
again after each change, and the frame that showed a newly attached document took 25-35 ms, a stall of
the screen, of which the table was a quarter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message

from certwizard.domain.models import Document
from certwizard.ui.widgets.virtual_table import Column, VirtualTable

REMOVE_HINT = "x or Delete removes the highlighted document."
HEADINGS = ("Type", "Size", "Pixels", "File name")
CELL_PADDING = 2        # VirtualTable draws one space either side of each cell


def document_row(document: Document) -> tuple[str, str, str, str]:
    """Plain texts: VirtualTable never reads them as markup and shows control characters escaped."""
    note = " (re-encoded)" if document.reencoded else ""
    return (document.kind, f"{math.ceil(document.size / 1024)} KB", f"{document.width}×{document.height}",
            document.display_name + note)


class DocumentsList(VirtualTable):
    """One row per document; Delete or x asks to remove the highlighted one."""

    DEFAULT_CSS = """
    DocumentsList {
        height: auto;
        max-height: 12;
        margin: 0 1;
    }
    """

    # Not in the Footer: the Verify tab's keys already fill 80 columns. The hint under the list names it.
    BINDINGS = [Binding("delete,x", "remove", "Remove document", show=False)]

    @dataclass
    class RemoveRequested(Message):
        document_id: str
        display_name: str

    def __init__(self) -> None:
        super().__init__(id="documents")
        self._documents: dict[str, Document] = {}
        self._rows: dict[str, tuple[str, str, str, str]] = {}

    def on_mount(self) -> None:
        self._fit_columns()

    def show(self, documents: list[Document], highlight: str | None = None) -> None:
        """Replace the rows; the cursor goes to `highlight` (a document id), else stays on its document."""
        selected = self.selected
        keep = highlight or (selected.id if selected is not None else None)
        self._documents = {document.id: document for document in documents}
        self._rows = {document.id: document_row(document) for document in documents}
        self._fit_columns()
        self.set_rows(list(self._documents), self._rows.__getitem__, keep=keep)

    def _set_row_count(self, rows: int) -> None:
        # The list grows with its rows (height: auto): unlike the big tables, a new row must lay it out.
        size = Size(self.size.width, rows + 1)
        if size != self.virtual_size:
            self.virtual_size = size
            self.refresh(layout=True)

    def on_resize(self, event: events.Resize) -> None:
        self._fit_columns()
        super().on_resize(event)

    def _fit_columns(self) -> None:
        """Type, size and pixels as wide as their longest text; the file name takes the rest."""
        widths = [max([cell_len(heading)] + [cell_len(row[index]) for row in self._rows.values()])
                  for index, heading in enumerate(HEADINGS[:3])]
        names = max(self.size.width - sum(widths) - CELL_PADDING * len(HEADINGS), cell_len(HEADINGS[3]))
        self.set_columns([Column(str(index), heading, width)      # a longer name is cut with an ellipsis
                          for index, (heading, width) in enumerate(zip(HEADINGS, [*widths, names], strict=True))])

    @property
    def selected(self) -> Document | None:
        """The highlighted document (looked up by the row's key, never by position)."""
        key = self.cursor_key
        return self._documents.get(key) if key is not None else None

    def action_remove(self) -> None:
        document = self.selected
        if document is not None:
            self.post_message(self.RemoveRequested(document.id, document.display_name))
