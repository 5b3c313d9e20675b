"""The qualification documents attached to the draft: type, size, dimensions and the user's file name."""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from certwizard.domain.models import Document
from certwizard.ui.safe import literal


def document_row(document: Document) -> tuple:
    note = " (re-encoded)" if document.reencoded else ""
    return (literal(document.kind), literal(f"{math.ceil(document.size / 1024)} KB"),
            literal(f"{document.width}×{document.height}"), literal(document.display_name + note))


class DocumentsList(DataTable):
    """One row per document; Delete or x asks to remove the highlighted one."""

    DEFAULT_CSS = """
    DocumentsList {
        height: auto;
        max-height: 12;
        margin: 0 1;
    }
    """

    BINDINGS = [Binding("delete,x", "remove", "Remove document", show=True)]

    @dataclass
    class RemoveRequested(Message):
        document_id: str
        display_name: str

    def __init__(self) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id="documents")
        self._documents: list[Document] = []

    def on_mount(self) -> None:
        self.add_columns("Type", "Size", "Pixels", "File name")

    def show(self, documents: list[Document]) -> None:
        """Replace the rows, keeping the cursor near where it was."""
        row = self.cursor_row
        self._documents = list(documents)
        self.clear()
        for document in self._documents:
            self.add_row(*document_row(document), key=document.id)
        if self._documents:
            self.move_cursor(row=min(row, len(self._documents) - 1))

    @property
    def selected(self) -> Document | None:
        if not self._documents:
            return None
        return self._documents[min(self.cursor_row, len(self._documents) - 1)]

    def action_remove(self) -> None:
        document = self.selected
        if document is not None:
            self.post_message(self.RemoveRequested(document.id, document.display_name))
