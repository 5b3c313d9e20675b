"""Shown once an application has gone to the certificate authority: what happens next and what to do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from certwizard.domain import fields
from certwizard.domain.models import Order
from certwizard.domain.names import shown_domain, shown_domains
from certwizard.domain.status import OrderStatus
from certwizard.domain.text import printable
from certwizard.domain.validation_methods import ValidationMethod, publisher_words
from certwizard.ui.dialogs.base import DialogScreen
from certwizard.ui.order_words import local_time
from certwizard.ui.safe import literal, template
from certwizard.ui.widgets.keys_footer import KeysFooter


def _bullet(text: Content | str) -> Content:
    return Content("• ").append(text if isinstance(text, Content) else literal(text))


def what_next(order: Order, documents_note: str = "") -> Content:
    """Phone, mailbox, expected time, and for DV the record or file to publish for each domain.
    `documents_note`: how the authority gets an OV/EV application's documents, when not with it."""
    application = order.application
    lines: list[Content] = [template("[b]Your application for $domains is with the certificate authority.[/b]",
                                     domains=shown_domains(order.bound_domains))]
    if application is not None and application.applicant is not None:   # ACME asks for no person
        lines.append(_bullet(phone_advice(application)))
        lines.append(_bullet(template("Watch the mailbox of $email for the authority's e-mails.",
                                      email=application.applicant.email)))
    if order.expected_issuance_at is not None:
        lines.append(_bullet(template("Expected issuance: $when.", when=local_time(order.expected_issuance_at))))
    if documents_note and order.product.is_professional:
        lines.append(_bullet(documents_note))
    if order.status is OrderStatus.DOMAIN_VERIFICATION and order.domain_validations:
        lines.extend(_proof_lines(order))
    elif order.status is OrderStatus.REVIEW_FAILED:
        lines.append(_bullet(template("The authority refused it: $reason", reason=order.status_reason)))
    lines.append(Content("\nAll of this stays visible in Unissued Certificates, where the application can be "
                         "followed, confirmed or withdrawn."))
    return Content("\n").join(lines)


def _proof_lines(order: Order) -> list[Content]:
    """What to publish for each domain: only the way the application chose, and who publishes it (both ways
    for an order without an application)."""
    plan = order.application.validation if order.application is not None else None
    method = plan.method if plan is not None else None
    if plan is None:
        lines = [Content.styled("\nProve each domain: publish its own record (or file), then confirm it in "
                                "Unissued Certificates.", "bold")]
    else:
        by = publisher_words(plan.method, plan.hook, plan.webroot)
        then = ("press v in Unissued Certificates to publish it, check it and ask the CA." if by else
                "publish it, then press v in Unissued Certificates to check it and ask the CA.")
        lines = [template(f"\n[b]Each domain is proven by a $method$by:[/b] {then}", method=plan.method.label,
                          by=f", {by}" if by else "")]
    for validation in order.domain_validations:
        # The value on a line of its own, short of the border: a terminal selection copies it whole (c
        # copies it too); wrapped after the record name, it came with the box's border characters.
        lines.append(template("[b]$domain[/b]", domain=shown_domain(validation.domain)))
        if method is not ValidationMethod.HTTP:
            record = f"DNS {validation.dns_type} record"
            lines.append(template("  $label $name", label=f"{record:<16}", name=validation.dns_name))
            lines.append(template("  $label $value", label=f"{'value':<16}", value=validation.dns_value))
        if method is not ValidationMethod.DNS and validation.file_url:     # none for a wildcard: DNS only
            lines.append(Content("  or publish a file at" if method is None else "  file at"))
            lines.append(template("  $url", url=validation.file_url))
            lines.append(template("  $label $content", label=f"{'containing':<16}",
                                  content=validation.file_content))
        elif method is ValidationMethod.HTTP:
            lines.append(Content("  no file is possible for a wildcard: withdraw, choose dns, submit again"))
    return lines


def phone_advice(application) -> Content:
    """Whom the authority calls. OV/EV: the company, to confirm the application (the form says so too), and
    perhaps the applicant; DV: the applicant. A number is named once, however many roles it has."""
    applicant = fields.format_phone(application.applicant.phone)
    if application.company is None:
        return template("Keep your phone on ($phone): the authority may call to confirm.", phone=applicant)
    company = fields.format_phone(application.company.phone)
    if company == applicant:
        return template("Keep the company phone reachable ($phone): the authority calls it to confirm the "
                        "application.", phone=company)
    return template("Keep the company phone reachable ($company): the authority calls it to confirm the "
                    "application, and may call the applicant ($applicant).", company=company,
                    applicant=applicant)


class SubmittedDialog(DialogScreen[None]):
    # Its box (wider, green) is styled in app.tcss: the app's `.dialog-box` rule beats any DEFAULT_CSS.
    DEFAULT_CSS = """
    /* In screen units, so the OK button below still fits at 80x24 (a fixed 16 rows pushed it off). */
    SubmittedDialog VerticalScroll {
        height: auto;
        max-height: 55vh;
    }
    """

    BINDINGS = [
        Binding("escape,enter", "close", "OK", show=True),
        Binding("c", "copy_value", "Copy TXT value", show=True,
                tooltip="Copy the value of the next DNS TXT record to publish to the clipboard"),
        Binding("c", "copy_file", "Copy file content", show=True,
                tooltip="Copy the content of the next file to publish to the clipboard"),
    ]

    def __init__(self, order: Order, authority_title: str, documents_note: str = "") -> None:
        super().__init__(classes="dialog")
        self.order = order
        self._authority_title = authority_title
        self._documents_note = documents_note
        self._copied = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box") as box:
            box.border_title = literal(f"Submitted to {self._authority_title}")
            with VerticalScroll(can_focus=True, id="what-next-scroll"):
                yield Static(what_next(self.order, self._documents_note), id="what-next")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK, show Unissued Certificates", variant="success", id="ok")
        yield KeysFooter(compact=False)

    def on_mount(self) -> None:
        # The text first: arrows and PageDown read all of it; Enter (or Escape) still closes.
        self.query_one("#what-next-scroll").focus()

    @property
    def _records(self) -> list:
        order = self.order
        return list(order.domain_validations) if order.status is OrderStatus.DOMAIN_VERIFICATION else []

    @property
    def _by_file(self) -> bool:
        application = self.order.application
        return application is not None and application.validation.method is ValidationMethod.HTTP

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy_value":
            return bool(self._records) and not self._by_file
        if action == "copy_file":
            return self._by_file and any(record.file_url for record in self._records)
        return True

    def action_copy_value(self) -> None:
        """Copy the TXT value of each domain in turn (one press, one value: what a DNS console takes)."""
        self._copy_next(self._records, "TXT value", lambda record: (record.dns_value, record.dns_name))

    def action_copy_file(self) -> None:
        """Copy the content of each domain's file in turn."""
        self._copy_next([record for record in self._records if record.file_url], "file content",
                        lambda record: (record.file_content, record.file_url))

    def _copy_next(self, records: list, what: str, value_and_place) -> None:
        if not records:
            return
        index = self._copied % len(records)
        self._copied += 1
        value, place = value_and_place(records[index])
        self.app.copy_to_clipboard(value)
        more = f" ({index + 1} of {len(records)}; press c for the next)" if len(records) > 1 else ""
        self.notify(printable(f"Copied the {what} for {place}{more}."), title="Copied", markup=False)

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
