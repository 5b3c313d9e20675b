"""The Enter Application tab: Domains to Bind, Applicant (not for a CA that asks for no person, e.g. ACME),
Company (OV/EV only), Domain validation and CSR Generation.

The form only shows and collects raw text (`values()` / `load()`); validation is the domain's
(`workflow.validate`), whose `{draft field: message}` errors `show_errors` places at the fields.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from certwizard.domain.models import ApplicationDraft, CsrMode
from certwizard.domain.products import Product
from certwizard.ui.widgets.applicant_form import ApplicantForm, SectionTitle
from certwizard.ui.widgets.company_form import CompanyForm
from certwizard.ui.widgets.csr_mode import CsrModeField
from certwizard.ui.widgets.domains_field import DomainsField
from certwizard.ui.widgets.field_row import FieldRow, HintLine
from certwizard.ui.widgets.validation_field import ValidationField

NO_APPLICANT_NOTE = "No applicant needed: only the domains, the key and how they are proven."
NEXT_HINT = "When everything is filled in, press F8 (Next): it checks every field and opens Verify Information."


def row_of(widget: Widget | None) -> FieldRow | None:
    """The FieldRow `widget` belongs to (None outside any)."""
    for node in widget.ancestors_with_self if widget is not None else ():
        if isinstance(node, FieldRow):
            return node
    return None


class EnterApplicationForm(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    EnterApplicationForm {
        height: 1fr;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    EnterApplicationForm > .no-applicant {
        padding: 0 1;
        color: $text-muted;
    }
    """

    def __init__(self, product: Product) -> None:
        super().__init__(id="enter-form")
        self.product = product
        # The focused field's hint, else how to go on. The screen puts it right under the form, outside it:
        # fixed, so a Tab repaints only it, and never over a field (docked inside, it hid the last one).
        self.hint_line = HintLine(NEXT_HINT, id="field-hint-line")

    def compose(self) -> ComposeResult:
        yield DomainsField(self.product)
        if self.product.needs_applicant:
            yield ApplicantForm()
        else:
            yield Static(NO_APPLICANT_NOTE, classes="no-applicant")
        if self.product.is_professional:
            yield CompanyForm()
        yield ValidationField()
        yield SectionTitle("CSR Generation")
        yield CsrModeField(self.product, domains=self._bound_names)

    # --- parts ---------------------------------------------------------------------------------------------

    @property
    def domains(self) -> DomainsField:
        return self.query_one(DomainsField)

    @property
    def applicant(self) -> ApplicantForm | None:
        """None for a product whose CA asks for no applicant."""
        found = self.query(ApplicantForm)
        return found.first() if found else None

    @property
    def company(self) -> CompanyForm | None:
        found = self.query(CompanyForm)
        return found.first() if found else None

    @property
    def validation(self) -> ValidationField:
        return self.query_one(ValidationField)

    @property
    def csr(self) -> CsrModeField:
        return self.query_one(CsrModeField)

    def _bound_names(self) -> list[str] | None:
        check = self.domains.last_check
        return check.names if check is not None and check.ok else None

    # --- values --------------------------------------------------------------------------------------------

    def values(self) -> dict[str, object]:
        """Everything typed, by draft field name (applicant and company fields only where the product asks
        for them)."""
        values: dict[str, object] = {"domains": self.domains.input.value}
        if self.applicant is not None:
            values.update(self.applicant.values())
        if self.company is not None:
            values.update(self.company.values())
        values.update(self.validation.values())
        values.update(self.csr.values())
        return values

    def read_draft(self, base: ApplicationDraft) -> ApplicationDraft:
        return base.model_copy(update=self.values())

    def load(self, draft: ApplicationDraft) -> None:
        self.domains.load(draft.domains)
        self.load_contacts(draft)
        self.validation.load(draft)
        self.csr.load(draft)

    def load_contacts(self, draft: ApplicationDraft) -> None:
        """Only the applicant (and company) fields, e.g. after filling them from a saved profile."""
        if self.applicant is not None:
            self.applicant.load(draft)
        if self.company is not None:
            self.company.load(draft)

    # --- errors --------------------------------------------------------------------------------------------

    def rows(self) -> dict[str, FieldRow]:
        """The visible row of every field, in reading order."""
        rows = {"domains": self.domains.row}
        if self.applicant is not None:
            rows.update({row.field_name: row for row in self.applicant.query(FieldRow)})
        if self.company is not None:
            rows.update(self.company.rows())
        rows.update(self.validation.rows())
        rows.update(self.csr.rows())
        return rows

    def show_errors(self, errors: dict[str, str]) -> FieldRow | None:
        """Show each error at its field and clear the others; returns the first invalid row on screen."""
        first: FieldRow | None = None
        for name, row in self.rows().items():
            message = errors.get(name)
            if name == "csr_pem" and message and self._lint_panel_shows_problems():
                message = ("This CSR cannot be used: the problems are listed below. Fix them and paste it "
                           "again, or switch CSR generation to Automatic.")
            row.set_error(message)
            if message and first is None:
                first = row
        return first

    def _lint_panel_shows_problems(self) -> bool:
        report = self.csr.lint_panel.report
        return self.csr.mode is CsrMode.MANUAL and report is not None and not report.ok

    def focus_row(self, row: FieldRow) -> None:
        """Focus the row's control and scroll it to the top, so the label and the error are both visible and
        the toast that comes with them (bottom right) does not cover the error."""
        row.control.focus(scroll_visible=False)
        if row.field_name == "csr_pem":
            self.csr.reveal_report()       # its error points at the linter's list, right below
        else:
            row.reveal()

    # --- reactions -----------------------------------------------------------------------------------------

    def on_domains_field_checked(self, event: DomainsField.Checked) -> None:
        # Every accepted name counts, even while another one is wrong: a wildcard typed is DNS only at once.
        self.validation.set_wildcard(any(entry.is_wildcard for entry in event.check.entries))
        if self.csr.mode is CsrMode.MANUAL:
            self.csr.relint()

    def on_mount(self) -> None:
        # Watched, not DescendantFocus: the hint is then repainted in the frame that shows the focus move
        # (a message arrived a frame later: two frames per Tab).
        self.watch(self.screen, "focused", self._focus_moved, init=False)

    def _focus_moved(self, focused: Widget | None) -> None:
        row = row_of(focused)
        self.hint_line.show_row(row if row is not None and self in row.ancestors else None)
