"""The qualification documents attached to the draft: type, size, dimensions and the user's file name."""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from certwizard.domain.models import Document
from certwizard.ui.screens.certificates import table_cell

REMOVE_HINT = "x or Delete removes the highlighted document."


def document_row(document: Document) -> tuple:
    """Rich Text cells (never markup): DataTable sizes its columns from Text, but not from Content."""
    note = " (re-encoded)" if document.reencoded else ""
    return (table_cell(document.kind), table_cell(f"{math.ceil(document.size / 1024)} KB"),
            table_cell(f"{document.width}×{document.height}"), table_cell(document.display_name + note))


class DocumentsList(DataTable):
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
        super().__init__(cursor_type="row", zebra_stripes=True, id="documents")
        self._documents: list[Document] = []

    def on_mount(self) -> None:
        self.add_columns("Type", "Size", "Pixels", "File name")

    def show(self, documents: list[Document], highlight: str | None = None) -> None:
        """Replace the rows; the cursor goes to `highlight` (a document id), else stays on its document."""
        keep = highlight or (self.selected.id if self.selected is not None else None)
        self._documents = list(documents)
        self.clear()
        for document in self._documents:
            self.add_row(*document_row(document), key=document.id)
        ids = [document.id for document in self._documents]
        if ids:
            self.move_cursor(row=ids.index(keep) if keep in ids else min(self.cursor_row, len(ids) - 1))

    @property
    def selected(self) -> Document | None:
        """The highlighted document (looked up by the row's key, never by position)."""
        if not self._documents or not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return next((document for document in self._documents if document.id == row_key.value), None)

    def action_remove(self) -> None:
        document = self.selected
        if document is not None:
            self.post_message(self.RemoveRequested(document.id, document.display_name))
