"""A DataTable of rows whose Home and End keys move the cursor, as they do in every list of the app.

Textual's DataTable binds Home and End to horizontal scrolling (and Ctrl+Home/End to the first and last row):
in a row table End scrolled sideways and left the cursor on the first row, and e (Export) then exported the
first certificate instead of the last one the user had gone to. Its arrows run when the key reaches it
(`KeysInOrder`), so Enter typed right behind them picks the row they moved to.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from certwizard.ui.textual_fixes.keys_in_order import KeysInOrder


class RowTable(KeysInOrder, DataTable):
    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]
