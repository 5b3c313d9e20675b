"""Apply for Certificate: the Enter Application and Verify Information tabs of one purchased certificate.

The screen only orchestrates: widgets show and collect raw text, `workflow` validates and stores. Everything
typed is saved as a draft shortly after typing pauses (through `OrderSession`, one lock for every write), and
before leaving. Slow work (document checks, re-encoding, the letter PDF, key generation and the CA call) runs in
thread workers that report back with `deliver` (ui/workers.py); the header line shows the current step.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.messages import Prune
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.widgets import (
    Checkbox,
    Input,
    RadioSet,
    Select,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)

from certwizard.documents.images import (
    DocumentCheck,
    ReencodedImage,
    format_size,
)
from certwizard.domain.form_fields import FIELDS
from certwizard.domain.models import Application, CsrMode, Order, Profile, ProfileKind
from certwizard.domain.products import Product
from certwizard.domain.text import printable
from certwizard.errors import CertwizardError
from certwizard.services.document_intake import recheck_in_helper, take_in
from certwizard.services.order_session import OrderSession
from certwizard.services.validation import DraftValidation
from certwizard.services.workflow import ApplicationInvalidError, NotEditableError
from certwizard.storage.json_storage import StorageError
from certwizard.storage.repository import ConflictError
from certwizard.ui.dialogs.confirm import ConfirmDialog
from certwizard.ui.dialogs.passphrase import PassphraseDialog
from certwizard.ui.dialogs.path_prompt import PathPromptDialog
from certwizard.ui.dialogs.pickers import ProfilePickerDialog
from certwizard.ui.dialogs.submitted import SubmittedDialog
from certwizard.ui.dialogs.text_prompt import TextPromptDialog
from certwizard.ui.messages import OrdersChanged, ShowUnissued
from certwizard.ui.safe import template
from certwizard.ui.screens.base import WizardScreen
from certwizard.ui.textual_fixes.typed_keys_first import after_typed_keys
from certwizard.ui.widgets.applicant_form import input_id
from certwizard.ui.widgets.debounce import Debouncer
from certwizard.ui.widgets.documents_list import DocumentsList
from certwizard.ui.widgets.enter_form import EnterApplicationForm
from certwizard.ui.widgets.field_row import FieldRow
from certwizard.ui.widgets.keys_footer import KeysFooter
from certwizard.ui.widgets.path_input import expand_path
from certwizard.ui.widgets.progress_step import ProgressStep
from certwizard.ui.widgets.verify_pane import VerifyPane, application_summary, documents_row
from certwizard.ui.workers import ReportsWorkerFailures, background

ENTER, VERIFY = "enter", "verify"
# Fields checked when the user leaves them: input id -> draft field.
_CHECKED_ON_LEAVING = {input_id(declared.name): declared.name for declared in FIELDS
                       if declared.checked_on_leaving}
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
# Actions that only make sense on one tab (the Footer shows only those of the current tab).
_TAB_ACTIONS = {"next": ENTER, "fill_profile": ENTER,
                "back": VERIFY, "save_template": VERIFY, "upload": VERIFY, "save_profile": VERIFY, "submit": VERIFY}
_PROFESSIONAL_ONLY = {"save_template", "upload"}
_APPLICANT_ONLY = {"save_profile", "fill_profile"}      # a profile holds applicant (and company) details


def header_title(order: Order) -> Content:
    return template("[b]Apply for Certificate[/b]  $name", name=order.product.name)


def header_detail(order: Order) -> Content:
    product = order.product
    return template("[dim]$edition ($level) · $type · valid $days · order $id[/dim]",
                    edition=product.level.edition.capitalize(), level=product.level.value,
                    type=product.domain_type.label, id=order.id,
                    days=product.validity_short)        # the fuller label does not fit 80 columns here


def os_error_text(exc: OSError) -> str:
    """'<path>: <why>' from an OSError, without Python's '[Errno 17]' noise."""
    where = exc.filename or ""
    why = exc.strerror or str(exc)
    return f"{where}: {why}" if where else why


class ApplyScreen(ReportsWorkerFailures, WizardScreen):
    DEFAULT_CSS = """
    ApplyScreen #apply-header {
        height: 2;
        padding: 0 1;
        background: $boost;
    }
    ApplyScreen #apply-tabs {
        height: 1fr;
    }
    ApplyScreen #apply-tabs > ContentSwitcher, ApplyScreen TabPane {
        height: 1fr;
        padding: 0;
    }
    ApplyScreen #apply-header > * {
        height: 1;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", show=True, tooltip="Save the draft and close the application"),
        Binding("f2", "back", "Back", show=True, priority=True,
                tooltip="Back to Enter Application to change it"),
        Binding("f3", "save_template", "Letter", show=True, priority=True,
                tooltip="Save the pre-filled verification letter (PDF) to print, sign and stamp"),
        Binding("f4", "upload", "Upload", show=True, priority=True,
                tooltip="Attach a document: the photographed letter (PNG or JPEG, at most 500 KB)"),
        Binding("f5", "save_profile", "Save profile", show=True, priority=True,
                tooltip="Keep the applicant (and company) details as a profile for later applications"),
        Binding("f6", "fill_profile", "From profile", show=True, priority=True,
                tooltip="Fill the applicant (and company) fields from one of your saved profiles"),
        Binding("f8", "next", "Next", show=True, priority=True,
                tooltip="Check every field and open Verify Information"),
        Binding("f9", "submit", "Submit", show=True, priority=True,
                tooltip="Send the application to the certificate authority (it asks first)"),
    ]

    # Neither is drawn by the screen itself: `repaint=False`, or each change repaints all of it (a full frame,
    # 10-15 ms, twice per document check: at the start and at the end).
    current_tab: reactive[str] = reactive(ENTER, bindings=True, repaint=False)
    working: reactive[bool] = reactive(False, bindings=True, repaint=False)   # a worker runs: most keys wait

    @property
    def busy(self) -> str:
        """The step shown while a worker runs ('' when none)."""
        return self._busy_step

    def __init__(self, order_id: str) -> None:
        super().__init__(id="apply")
        self.order_id = order_id
        self.session: OrderSession | None = None
        self._save_debounce = Debouncer(self, self._save_soon, saving=True)
        self._loaded = False      # field events before the draft is loaded must not be saved over it
        self._leaving = False
        self._busy_step = ""
        self._submit_when_done = False   # F9 typed while a document was being checked
        self._submitting = False
        self._fields_removed = False   # being torn down: widgets report odd values (a Select goes blank)
        self._last_folder = "~/"

    @property
    def workflow(self):
        return self.app.workflow

    @property
    def order(self) -> Order:
        assert self.session is not None
        return self.session.order

    @property
    def product(self) -> Product:
        return self.order.product

    @property
    def form(self) -> EnterApplicationForm:
        return self.query_one(EnterApplicationForm)

    @property
    def verify(self) -> VerifyPane:
        return self.query_one(VerifyPane)

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#apply-tabs", TabbedContent)

    # --- building ------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The product decides which sections exist. Only read here: the order is opened for editing on mount.
        order = self.workflow.order(self.order_id)
        with Vertical(id="apply-header"):
            yield Static(header_title(order))
            # A worker's progress takes the place of the product line: a line that appeared below the form
            # and vanished again laid out the whole form twice (~40 ms each with both tabs).
            yield ProgressStep(header_detail(order), id="progress-step")
        with TabbedContent(id="apply-tabs"):
            with TabPane("Enter Application", id=ENTER):
                form = EnterApplicationForm(order.product)
                yield form
                yield form.hint_line            # under the form, not scrolled with it
            with TabPane("Verify Information", id=VERIFY):
                yield VerifyPane(order.product)
        # Compact, without the palette hint: the Verify tab's keys must fit in 80 columns (ctrl+p still works).
        yield KeysFooter(show_command_palette=False)

    def on_mount(self) -> None:
        # Opening moves a purchased certificate to draft (before any field's event reaches this screen).
        self.session = OrderSession(self.workflow, self.workflow.open_application(self.order_id))
        if not self.order.status.is_editable:
            self.notify(f"This application is {self.order.status.label.lower()} and can no longer be edited; "
                        "withdraw it in Unissued Certificates to change it.", severity="warning", markup=False)
            self._leave()
            return
        self.workflow.set_resume_point(self.order_id)    # reopened here if the app ends while it is open
        self.tabs.disable_tab(VERIFY)
        self._load(self.order)

    def _load(self, order: Order) -> None:
        """Fill every field from the order's draft and open the tab it was left on."""
        self.form.load(order.draft)
        self._loaded = True
        self.verify.show_documents(order.draft.documents)
        if order.draft.step == VERIFY:
            validation = self.workflow.validate(order, order.draft)
            if validation.ok:
                self._open_verify(validation.application)
                return
            self.form.show_errors(validation.errors)
        self._open_enter()

    # --- tabs ----------------------------------------------------------------------------------------------

    def _open_verify(self, application: Application | None) -> None:
        self.verify.show_summary(self.order, application)
        self.verify.show_documents(self.order.draft.documents)
        self.tabs.enable_tab(VERIFY)
        # Blur first: a focused Input in the hidden pane would pull the tabs back (TabbedContent bounce).
        self.set_focus(None)
        self.tabs.active = VERIFY
        self.current_tab = VERIFY
        # The pane is enabled by a message: focusing it before that is silently ignored.
        self.call_after_refresh(self._focus_verify)

    def _focus_verify(self, attempts: int = 5) -> None:
        if self.current_tab != VERIFY:
            return
        if not self.verify.focusable and attempts:     # the enabling message has not arrived yet
            self.call_after_refresh(self._focus_verify, attempts - 1)
            return
        self.verify.scroll_home(animate=False)
        self.verify.focus(scroll_visible=False)   # arrows and PageDown read the tab; Tab reaches the list

    def _open_enter(self) -> None:
        self.set_focus(None)
        self.tabs.active = ENTER
        self.tabs.disable_tab(VERIFY)
        self.current_tab = ENTER
        self.call_after_refresh(self._focus_enter)

    def _focus_enter(self) -> None:
        """The first field showing an error (e.g. after a refused submission), else Domains to Bind."""
        if self.current_tab != ENTER:
            return
        first = next((row for row in self.form.rows().values() if row.error), None)
        if first is not None:
            self.form.focus_row(first)
        else:
            self.form.domains.input.focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id or ENTER
        if tab != self.tabs.active:
            # Stale: e.g. the first tab's activation at mount arrives after a restored draft opened Verify
            # (taking it for a click on the first tab sent every restored application back to Enter).
            return
        if tab == ENTER and self.current_tab == VERIFY:
            self.action_back()   # clicking the first tab is the same as Back: Next must be passed again
        self.current_tab = tab

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tab = _TAB_ACTIONS.get(action)
        if tab is not None and tab != self.current_tab:
            return False
        if action in _PROFESSIONAL_ONLY and self.session is not None and not self.product.is_professional:
            return False
        if action in _APPLICANT_ONLY and self.session is not None and not self.product.needs_applicant:
            return False
        if action == "submit" and self.busy and not self._submitting:
            return True   # typed ahead while a document is checked: it waits for the result (action_submit)
        if self.busy and (action in _TAB_ACTIONS or action == "close"):
            return None   # greyed out while a document is checked or the application is submitted
        return True

    @property
    def open_session(self) -> OrderSession:
        """The edited order's session (opened on mount, before any field or worker can use it)."""
        assert self.session is not None, "the Apply screen's order is opened on mount"
        return self.session

    # --- feedback ------------------------------------------------------------------------------------------

    def _say(self, text: str, *, title: str = "", severity: SeverityLevel = "information",
             timeout: float | None = None) -> None:
        """Notify with `text` shown literally (it may hold file names, domains or CA text)."""
        self.notify(printable(text, allow_newlines=True), title=title, severity=severity, timeout=timeout,
                    markup=False)

    def _set_busy(self, step: str) -> None:
        # Only the progress line changes: a class on the screen restyled every widget at each step (100-200 ms
        # stalls), and a new step must not re-render the Footer.
        self._busy_step = step
        if self.working != bool(step):
            self.working = bool(step)
        self.query_one(ProgressStep).step = step
        if not step and self._submit_when_done:
            self._submit_when_done = False
            self.call_after_refresh(self.action_submit)

    # --- drafts --------------------------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    @on(RadioSet.Changed)
    def _field_changed(self, event: Message) -> None:
        control = getattr(event, "control", None)
        if (not self._loaded or self._leaving or self._fields_removed or control is None
                or self.form not in control.ancestors):
            return
        # Reading ~20 widgets is cheap; keeping the values in the session means leaving never needs the widgets.
        self.open_session.offer(self.form.values())
        self._save_debounce.poke()

    @on(Input.Blurred)
    def _field_left(self, event: Input.Blurred) -> None:
        """Phone and e-mail are checked as soon as the user leaves them, not only by Next: a wrong number
        is found while its digits are still in mind. An empty field says nothing yet (Next will)."""
        name = _CHECKED_ON_LEAVING.get(event.input.id or "")
        if (name is None or not event.value.strip() or not self._loaded or self._leaving
                or self._fields_removed or self.current_tab != ENTER):
            return
        row = self.form.rows().get(name)
        if row is None:
            return
        row.set_error(self._field_problem(name, event.value))

    def _field_problem(self, name: str, value: str) -> str | None:
        from certwizard.domain import fields
        from certwizard.domain.form_fields import BY_NAME, Checking, phone_region

        draft = self.order.draft.model_copy(update=self.form.values())
        try:
            BY_NAME[name].normalise(value, Checking(phone_region(draft, self.workflow.default_phone_region)))
        except fields.FieldError as problem:
            return str(problem)
        return None

    def _save_soon(self) -> None:
        self._save_pending()

    @background("draft-save", "Saving the draft", exclusive=False)
    def _save_pending(self) -> None:
        try:
            self.open_session.save_pending()
        except ConflictError as conflict:
            self.deliver(self._changed_elsewhere, conflict.current)
        except NotEditableError as refused:
            self.deliver(self._not_editable, str(refused))

    def _save_now(self, **extra: object) -> bool:
        """Store what is typed (plus `extra`, e.g. the step) right away; False if that was not possible."""
        self._save_debounce.cancel()
        try:
            self.open_session.save_values({**self.form.values(), **extra})
        except ConflictError as conflict:
            self._changed_elsewhere(conflict.current)
            return False
        except NotEditableError as refused:
            self._not_editable(str(refused))
            return False
        return True

    def _changed_elsewhere(self, current: Order) -> None:
        self._say("This application was changed in another certwizard session; its newer version is loaded. "
                  "Check the fields and make your last change again.", title="Changed in another session",
                  severity="warning", timeout=10)
        if not current.status.is_editable:
            self._not_editable(f"it is now {current.status.label.lower()}")
            return
        self._load(current)

    def _not_editable(self, reason: str) -> None:
        self._say(f"This application can no longer be edited ({reason}). To change it, withdraw it in Unissued "
                  "Certificates.", severity="warning", timeout=10)
        self._leave()

    def _leave(self) -> None:
        """Close the screen on purpose (not because the app ends): the next start opens the home screen."""
        self._leaving = True
        try:
            self.workflow.set_resume_point(None)
        except StorageError:
            pass      # only where the next start opens; the draft itself is saved
        self.dismiss()

    def action_close(self) -> None:
        if self._leaving:
            return
        if not self._save_now():
            return
        self._leave()

    @on(Prune)
    def _note_fields_before_removal(self) -> None:
        """Quitting removes the fields before this screen unmounts, and Changed messages still queued then are
        never delivered (Ctrl+Q right after typing lost the last field): read the fields while they exist."""
        if self._loaded and not self._leaving and self.session is not None and self.current_tab == ENTER:
            self.session.offer(self.form.values())
        # From here on, Changed events come from widgets being removed (the province Select reports blank).
        self._fields_removed = True

    def save_before_exit(self) -> None:
        """The app is ending (hang-up, SIGTERM): store what is typed now (see ui/hangup.py)."""
        if self.session is None or self._leaving or not self._loaded:
            return
        try:
            if self.current_tab == ENTER and not self._fields_removed:
                self.session.offer(self.form.values())
            self.session.save_pending()
        except Exception:  # noqa: BLE001 - the app is ending: nobody is left to tell; the stored draft is intact
            pass

    def on_unmount(self) -> None:
        if self.session is None or self._leaving:
            return
        try:
            self.session.save_pending()
        except Exception:  # noqa: BLE001 - the app is closing: nobody is left to tell; the stored draft is intact
            pass

    # --- Enter Application ---------------------------------------------------------------------------------

    def _after_typed_keys(self, call: Callable[[], object]) -> None:
        after_typed_keys(self, call)          # F-keys are priority keys: see textual_fixes/typed_keys_first.py

    def action_next(self) -> None:
        self._after_typed_keys(self._next)

    def _next(self) -> None:
        if self.current_tab != ENTER or self._leaving:
            return
        draft = self.order.draft.model_copy(update=self.form.values())
        validation = self.workflow.validate(self.order, draft)
        if self._show_enter_errors(validation) and self._save_now(step=VERIFY):
            self._open_verify(validation.application)

    def _show_enter_errors(self, validation: DraftValidation) -> bool:
        """Place every error at its field and focus the first; True when there is none."""
        first = self.form.show_errors(validation.errors)
        if validation.ok:
            return True
        if first is not None:
            self.form.focus_row(first)
        count = len(validation.errors)
        placed = self.form.rows()
        elsewhere = [message for name, message in validation.errors.items() if name not in placed]
        summary = (f"{count} field{'s need' if count != 1 else ' needs'} attention; each one says what to change."
                   if count else "The application is not complete yet.")
        self._say("\n".join([summary, *elsewhere]), title="Not ready yet", severity="warning")
        return False

    def action_fill_profile(self) -> None:
        self._after_typed_keys(self._fill_profile)

    def _fill_profile(self) -> None:
        kind = None if self.product.is_professional else ProfileKind.APPLICANT
        self.app.push_screen(ProfilePickerDialog(self.workflow.profiles(kind)), self._profile_chosen)

    def _profile_chosen(self, profile: Profile | None) -> None:
        if profile is None:
            return
        typed = self.order.draft.model_copy(update=self.form.values())
        self.form.load_contacts(self.workflow.apply_profile(typed, profile))
        if self._save_now():
            what = "company" if profile.kind is ProfileKind.COMPANY else "applicant"
            self._say(f"Filled the {what} details from “{profile.label}”.")

    # --- Verify Information --------------------------------------------------------------------------------

    def action_back(self) -> None:
        self._save_now(step=ENTER)
        self._open_enter()

    def action_save_profile(self) -> None:
        if not self._save_now():
            return
        draft = self.order.draft
        suggestion = draft.company_name.strip() or draft.applicant_name.strip()
        what = "applicant and company details" if self.product.is_professional else "applicant details"
        self.app.push_screen(
            TextPromptDialog("Save as profile", f"Keep the {what} to fill in later applications (F6 on the first "
                             "tab). Name this profile:", suggestion, placeholder="e.g. Web team",
                             check=lambda text: None if text.strip() else "Type a name, e.g. Web team"),
            self._save_profile)

    def _save_profile(self, label: str | None) -> None:
        if label is None:
            return
        try:
            saved = self.workflow.save_profiles(self.order.draft, label, self.product.is_professional)
        except ValueError as refused:
            self._say(str(refused), severity="warning")
            return
        kinds = " and ".join(profile.kind.value for profile in saved)
        self._say(f"Saved “{saved[0].label}” ({kinds} details).")

    def action_save_template(self) -> None:
        if not self._save_now():
            return
        self.app.push_screen(
            PathPromptDialog("Save the verification letter", TEMPLATE_EXPLANATION,
                             value=f"~/certwizard-{self.order.id}-verification.pdf", extensions=(".pdf",),
                             confirm_label="Save"),
            self._template_path_given)

    def _template_path_given(self, typed: str | None) -> None:
        if typed:
            self._set_busy("Writing the verification letter")
            self._write_template(expand_path(typed))

    @background("template", "Writing the verification letter")
    def _write_template(self, path: Path) -> None:
        from certwizard.documents.letter import write_verification_template

        try:
            written = write_verification_template(self.order, self.order.draft, path)
        except OSError as exc:
            self.deliver(self._say, f"The letter was not saved. {os_error_text(exc)}",
                         title="Not saved", severity="error", timeout=12)
        else:
            self.deliver(self._say, f"Saved the letter to {written}. Print it, sign it, stamp it with "
                         "the company seal, photograph it and upload the picture (F4).",
                         title="Letter saved", timeout=12)
        finally:
            self.deliver(self._set_busy, "")

    # --- documents -----------------------------------------------------------------------------------------

    def action_upload(self) -> None:
        self.app.push_screen(
            PathPromptDialog("Upload a qualification document", UPLOAD_EXPLANATION, value=self._last_folder,
                             extensions=IMAGE_EXTENSIONS, confirm_label="Check and attach"),
            self._upload_path_given)

    def _upload_path_given(self, typed: str | None) -> None:
        if not typed:
            return
        path = expand_path(typed)
        self._last_folder = f"{path.parent}/"
        self._set_busy(f"Checking {path.name}")
        self._after_repaint(lambda: self._check_document(path))

    @background("document", "Checking the document")
    def _check_document(self, path: Path) -> None:
        try:
            intake = take_in(path, on_step=lambda step: self.deliver(self._set_busy, step))
            if intake.ok:
                self._attach_from_thread(intake.check, intake.name, intake.check.warnings)
            elif intake.smaller is not None:
                self.deliver(self._offer_smaller, intake.check, intake.smaller)
            else:
                self.deliver(self._document_refused, intake.name, intake.reasons)
        finally:
            self.deliver(self._set_busy, "")

    def _offer_smaller(self, check: DocumentCheck, smaller: ReencodedImage) -> None:
        text = template(
            "[b]$name[/b] is $size, over the 500 KB limit. A smaller copy was made: $kind, [b]$new_size[/b], "
            "$width×$height pixels$quality ($scale of the original width). Your file is not changed.\n\n"
            "Look at the numbers: text on the letter must stay readable. Attach the smaller copy?",
            name=check.display_name, size=format_size(check.size), kind=smaller.kind,
            new_size=format_size(smaller.size), width=smaller.width, height=smaller.height,
            quality=f", JPEG quality {smaller.quality}" if smaller.quality else "",
            scale=f"{smaller.scale:.0%}")
        self.app.push_screen(ConfirmDialog("Attach a smaller copy?", text, "Attach the copy", destructive=False),
                             lambda attach: self._smaller_answered(attach, smaller, check.display_name))

    def _smaller_answered(self, attach: bool | None, smaller: ReencodedImage, name: str) -> None:
        if attach:
            self._set_busy(f"Attaching the smaller copy of {name}")
            self._after_repaint(lambda: self._attach_smaller(smaller, name))
        else:
            self._say(f"{name} was not attached. Crop or shrink it to under 500 KB and upload it again.")

    @background("document", "Attaching the document")
    def _attach_smaller(self, smaller: ReencodedImage, name: str) -> None:
        try:
            self._attach_from_thread(smaller, name, ())
        finally:
            self.deliver(self._set_busy, "")

    def _attach_from_thread(self, accepted: DocumentCheck | ReencodedImage, name: str, warnings) -> None:
        try:
            order = self.open_session.attach(accepted, name, inspect=recheck_in_helper)
        except ConflictError as conflict:
            self.deliver(self._changed_elsewhere, conflict.current)
            return
        except (CertwizardError, OSError) as refused:
            self.deliver(self._document_refused, name, [str(refused)])
            return
        notes = [warning.message for warning in warnings]
        self.deliver(self._attached, order, name, notes)

    def _attached(self, order: Order, name: str, notes: list[str]) -> None:
        documents = order.draft.documents
        self.verify.show_documents(documents, highlight=documents[-1].id if documents else None)
        row = self.verify.documents_row
        if row is not None:
            row.set_error(None)
            self._show_documents_row(row)
        self._say("\n".join([f"Attached {name}.", *notes]), title="Document attached",
                  severity="warning" if notes else "information")

    def _document_refused(self, name: str, reasons: list[str]) -> None:
        row = self.verify.documents_row
        message = "\n".join([f"{name} was not attached:", *(f"• {reason}" for reason in reasons)])
        if row is not None:
            row.set_error(message)
            self._show_documents_row(row)
        self._say(f"{name} was not attached; the reasons are shown under Documents.", severity="error")

    def _show_documents_row(self, row: FieldRow) -> None:
        """Bring the documents list and its message into view (the Verify tab is taller than 24 lines), at the
        top, where the toast about it (bottom right) does not cover the message."""
        row.control.focus(scroll_visible=False)
        row.reveal()

    @on(DocumentsList.RemoveRequested)
    def _remove_requested(self, event: DocumentsList.RemoveRequested) -> None:
        if self.busy:
            return
        document_id, name = event.document_id, event.display_name
        question = template("Remove [b]$name[/b] from this application? certwizard deletes its copy; your "
                            "own file is not touched, and you can upload it again.", name=name)
        self.app.push_screen(ConfirmDialog("Remove the document?", question, "Remove"),
                             lambda remove: self._remove_confirmed(remove, document_id, name))

    def _remove_confirmed(self, remove: bool | None, document_id: str, name: str) -> None:
        if remove and not self.busy:
            self._set_busy(f"Removing {name}")
            self._remove_document(document_id, name)

    @background("document", "Removing the document")
    def _remove_document(self, document_id: str, name: str) -> None:
        try:
            order = self.open_session.remove(document_id)
        except ConflictError as conflict:
            self.deliver(self._changed_elsewhere, conflict.current)
        except (CertwizardError, OSError) as refused:
            self.deliver(self._say, f"{name} was not removed: {refused}", severity="error")
        else:
            self.deliver(self._removed, order, name)
        finally:
            self.deliver(self._set_busy, "")

    def _removed(self, order: Order, name: str) -> None:
        self.verify.show_documents(order.draft.documents)
        self._say(f"Removed {name} from this application.")

    # --- submitting ----------------------------------------------------------------------------------------

    def action_submit(self) -> None:
        if self.busy:
            # Typed ahead while a document is checked or removed: submit once that is done, with its result.
            self._submit_when_done = not self._submitting
            return
        if not self._save_now():
            return
        validation = self.workflow.validate(self.order, for_submission=True)
        if not validation.ok:
            self._show_submission_errors(validation.errors)
            return
        rows = application_summary(self.order, validation.application)
        if self.product.is_professional:
            rows.append(documents_row(self.order.draft.documents))
        self.app.push_screen(ConfirmDialog("Submit the application?",
                                           "Once submitted, the application can be changed only by withdrawing it.",
                                           "Submit", destructive=False, details=rows),
                             self._submit_confirmed)

    def _submit_confirmed(self, confirmed: bool | None) -> None:
        if not confirmed:
            return
        draft = self.order.draft
        if draft.csr_mode == CsrMode.AUTOMATIC and draft.encrypt_key:
            self.app.push_screen(PassphraseDialog(), self._passphrase_given)
        else:
            self._start_submit(None)

    def _passphrase_given(self, passphrase: bytes | None) -> None:
        if passphrase is None:
            self._say("Not submitted: the key needs a passphrase. Submit again and type one, or untick "
                      "“Protect the key with a passphrase” on the first tab.", severity="warning")
            return
        self._start_submit(passphrase)

    def _start_submit(self, passphrase: bytes | None) -> None:
        self._submitting = True
        self._set_busy("Submitting the application")
        self._after_repaint(lambda: self._submit_worker(passphrase))

    def _after_repaint(self, start_worker: Callable[[], object]) -> None:
        """Start a worker once the dialog that asked for it is gone and this screen is painted again: a
        worker thread started at once competes with that repaint for Python's GIL (a 40-50 ms stall)."""
        self.call_after_refresh(start_worker)

    @background("submit", "Submitting the application")
    def _submit_worker(self, passphrase: bytes | None) -> None:
        def progress(step: str) -> None:
            self.deliver(self._set_busy, step)

        try:
            order = self.workflow.submit(self.order_id, passphrase, progress, isolate=True)
        except ApplicationInvalidError as refused:
            self.deliver(self._submission_refused, refused.errors)
        except SUBMISSION_FAILURES as failed:
            self.deliver(self._say, f"The application was not submitted: {failed}", title="Not submitted",
                         severity="error", timeout=15)
        else:
            self.deliver(self._submitted, order)
        finally:
            self.deliver(self._submission_ended)

    def _submission_ended(self) -> None:
        self._submitting = False
        self._set_busy("")

    def _submission_refused(self, errors: dict[str, str]) -> None:
        self.open_session.reload()
        self._show_submission_errors(errors)

    def _show_submission_errors(self, errors: dict[str, str]) -> None:
        """Errors of the first tab go back there; the documents error stays here, under the documents."""
        on_enter = {name: message for name, message in errors.items() if name not in VERIFY_ERRORS}
        if on_enter:
            self.action_back()
            self._show_enter_errors(DraftValidation(errors=on_enter))
            return
        row = self.verify.documents_row
        if "documents" in errors and row is not None:
            row.set_error(errors["documents"])
            self._show_documents_row(row)
        self._say("\n".join(errors.values()), title="Not submitted", severity="warning", timeout=12)

    def _submitted(self, order: Order) -> None:
        authority = self.app.services.authorities.get(order.authority)
        self.app.push_screen(SubmittedDialog(order, authority.title, authority.documents_note),
                             lambda _: self._leave_after_submit(order))

    def _leave_after_submit(self, order: Order) -> None:
        self._leave()
        self.app.post_message(OrdersChanged(order.id))
        self.app.post_message(ShowUnissued(order.id))


TEMPLATE_EXPLANATION = ("certwizard writes the verification letter as a PDF, pre-filled with this application. "
                        "Print it, sign it and stamp it with the company seal. An existing file is never "
                        "overwritten.")
UPLOAD_EXPLANATION = ("The photographed or scanned letter (or another document the authority asked for): a PNG "
                      "or JPEG of at most 500 KB. The file is checked, then a copy is kept in certwizard's data "
                      "folder.")
VERIFY_ERRORS = ("documents", "passphrase")
SUBMISSION_FAILURES = (CertwizardError, OSError)   # every refusal says what to do; ApplicationInvalidError first
