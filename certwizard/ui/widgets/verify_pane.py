"""The Verify Information tab: what the product requires, the application as it will be sent, and the documents."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from certwizard.domain.form_fields import Block, listed_fields
from certwizard.domain.models import Application, AutomaticCsr, Document, Order, ValidationPlan
from certwizard.domain.names import shown_domains
from certwizard.domain.products import Product
from certwizard.domain.validation_methods import ValidationMethod
from certwizard.ui.safe import literal, template
from certwizard.ui.widgets.applicant_form import SectionTitle
from certwizard.ui.widgets.csr_mode import describe_automatic
from certwizard.ui.widgets.documents_list import REMOVE_HINT, DocumentsList
from certwizard.ui.widgets.field_row import FieldRow
from certwizard.ui.widgets.labelled_lines import LabelledLines, Row

NO_DOCUMENTS_HINT = "None yet: F3 saves the letter template, F4 uploads the signed picture."


def review_time(product: Product) -> str:
    """'up to 48 hours', '3 to 7 days'."""
    low, high = product.review_hours
    if high <= 48:
        return f"up to {high} hours"
    return f"{low // 24} to {high // 24} days"


def requirements(product: Product) -> Content:
    """What this product needs from the user, before and after Submit."""
    title = template("[b]What $name ($kind) needs[/b]", name=product.name, kind=product.certificate_type)
    if product.is_professional:
        points = [
            "Company details (first tab): the authority's staff check them against official records.",
            "A verification letter, signed and stamped with the company seal: save the pre-filled template "
            "(F3), print it, sign and stamp it, then photograph or scan it.",
            "Upload the picture (F4): PNG or JPEG, at most 500 KB. A bigger picture can be re-encoded to fit.",
            "Keep the company phone reachable: the authority calls it to confirm the application.",
            f"Review usually takes {review_time(product)}; watch the applicant's mailbox.",
        ]
    elif not product.needs_applicant:
        points = [
            "The domain names, the key and how the domains are proven (first tab); no applicant, no documents.",
            "After you submit, the authority names a DNS TXT record (or a file) for each domain. Your hook or "
            "webroot publishes it, or you do; then verify in Unissued Certificates: certwizard checks it as the "
            "authority will before asking it.",
            "Once the domains are proven, the certificate is usually issued within minutes.",
        ]
    else:
        points = [
            "The applicant's details and the domain names from the first tab; no documents.",
            "After you submit, the authority gives you a DNS TXT record (or a file for the web server) for each "
            "domain. Publish it, then confirm it in Unissued Certificates, where the instructions stay.",
            f"The authority writes to the applicant's e-mail. Review usually takes {review_time(product)}.",
        ]
    return Content("\n").join([title, *(Content("• ").append(point) for point in points)])


def documents_row(documents: list[Document]) -> Row:
    """('Documents', '2: letter.png, id-card.jpg') (or 'none yet')."""
    names = ", ".join(document.display_name for document in documents)
    return _line("Documents", f"{len(documents)}: {names}" if documents else "none yet")


def _line(label: str, value: Content | str) -> Row:
    return label, value if isinstance(value, Content) else literal(value)


def _applied(application: Application, target: str) -> object:
    """The validated value at a field's `target` ("company.location.city")."""
    value: object = application
    for step in target.split("."):
        value = getattr(value, step)
    return value


def block_lines(application: Application, block: Block) -> list[Row]:
    """The block's fields as declared (form_fields): each joins its `verify_line` in its `verify_part`."""
    lines: dict[str, str] = {}
    for declared in listed_fields(block):
        shown = declared.shown(_applied(application, declared.target))
        lines[declared.verify_line] = lines.get(declared.verify_line, "") + declared.verify_part.format(shown)
    return [_line(label, text) for label, text in lines.items()]


def who_publishes(plan: ValidationPlan) -> str:
    if plan.hook:
        return "published and removed by the hook"
    if plan.method is ValidationMethod.HTTP and plan.webroot:
        return "certwizard puts the file under the webroot"
    return "you publish it when the authority gives it"


def validation_lines(plan: ValidationPlan) -> list[Row]:
    """How the domains will be proven, and the webroot and hook when given."""
    lines = [_line("Validation", f"{plan.method.label[0].upper()}{plan.method.label[1:]}: {who_publishes(plan)}")]
    if plan.webroot:
        lines.append(_line("Webroot", plan.webroot))
    if plan.hook:
        lines.append(_line("Hook", plan.hook))
    return lines


def application_summary(order: Order, application: Application) -> list[Row]:
    """The validated, normalised application, as the authority will receive it: (label, value) rows (no
    applicant for a product whose authority asks for none)."""
    product = order.product
    lines = [
        _line("Product", f"{product.name}, {product.certificate_type}, {product.validity_label}"),
        _line("Domains", shown_domains(application.domains)
              + "  (the first is the common name)"),
    ]
    if application.applicant is not None:
        lines += block_lines(application, Block.APPLICANT)
    if application.company is not None:
        lines += block_lines(application, Block.COMPANY)
    lines += validation_lines(application.validation)
    csr = application.csr
    if isinstance(csr, AutomaticCsr):
        lines.append(_line("CSR", describe_automatic(csr.key_algorithm.value, csr.encrypt_key)))
    else:
        lines.append(_line("CSR", "Manual: the CSR you pasted (you keep the private key)"))
    return lines


class VerifyPane(VerticalScroll, can_focus=True):
    DEFAULT_CSS = """
    VerifyPane {
        height: 1fr;
        padding: 0 1;
    }
    VerifyPane > Static, VerifyPane > LabelledLines {
        padding: 0 1;
    }
    VerifyPane #requirements {
        margin-top: 1;
    }
    VerifyPane .verify-hint {
        color: $text-muted;
        margin: 1 0;
    }
    VerifyPane DocumentsList.-invalid {
        border-left: wide $error;
    }
    """

    def watch_has_focus(self, _has_focus: bool) -> None:
        # Textual restyles the pane and every widget in it when its focus changes (~10 ms, e.g. when an
        # attached document takes the focus); no rule styles them by the pane's focus, only the pane itself.
        self.app.stylesheet.update_nodes([self], animate=True)

    def __init__(self, product: Product) -> None:
        super().__init__(id="verify-pane")
        self.product = product

    def compose(self) -> ComposeResult:
        # The application and its documents first: at 80x24 both are in view as the tab opens; what the
        # product needs (the keys for it are in the footer too) follows them.
        yield SectionTitle("Your application")
        yield LabelledLines(id="summary")
        yield Static("Complete the first tab and press F8 (Next) to see the application here.",
                     id="summary-missing")
        if self.product.is_professional:
            yield SectionTitle("Qualification documents")
            yield FieldRow("Documents", DocumentsList(), field_name="documents",
                           hint=NO_DOCUMENTS_HINT, hint_below=True)
        yield Static(requirements(self.product), id="requirements")
        yield Static("Check everything above, then press F9 (Submit) to send it to the certificate authority. "
                     "F2 goes back to change something.", classes="verify-hint")

    @property
    def documents(self) -> DocumentsList | None:
        found = self.query(DocumentsList)
        return found.first() if found else None

    @property
    def documents_row(self) -> FieldRow | None:
        found = self.query("#row-documents")
        return found.first(FieldRow) if found else None

    def show_summary(self, order: Order, application: Application | None) -> None:
        summary = self.query_one("#summary", LabelledLines)
        summary.show(application_summary(order, application) if application is not None else [])
        summary.display = application is not None
        self.query_one("#summary-missing").display = application is None

    def show_documents(self, documents: list[Document], highlight: str | None = None) -> None:
        table = self.documents
        if table is None:
            return
        table.show(documents, highlight)
        row = self.documents_row
        if row is not None:
            hint = row.query(".field-hint")
            text = REMOVE_HINT if documents else NO_DOCUMENTS_HINT
            if hint and hint.first(Static).content != text:     # changes at 0 <-> 1 document only
                hint.first(Static).update(text)
