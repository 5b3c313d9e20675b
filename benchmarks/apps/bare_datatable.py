"""Yardstick: a bare Textual app with one DataTable of 100 rows (bytes written per cursor move).

Four columns like certwizard's home table, row cursor and zebra stripes, so only the surroundings differ."""

from textual.app import App, ComposeResult
from textual.widgets import DataTable

PRODUCTS = ("DV single", "DV multi ×5", "OV single", "OV multi ×5", "DV wildcard")
STATUSES = ("Pending application", "Draft", "Domain verification", "Under review", "Issued")
ACTIONS = ("Apply", "Continue draft", "Publish DNS record, then verify", "Wait for review", "Export")


class BareDataTable(App):
    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Product", "Domains", "Status", "Next action")
        table.add_rows((PRODUCTS[i % 5], f"www.shop{i}.example.com", STATUSES[i % 5], ACTIONS[i % 5])
                       for i in range(100))


if __name__ == "__main__":
    BareDataTable().run()
