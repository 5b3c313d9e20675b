"""Adding an ACME account: the CA (a known one or a directory URL), a name, an e-mail, and what the CA's
directory asks for (its terms of service, External Account Binding), read in a worker once the CA is known.

Register (ctrl+s) runs `services.acme_accounts.add_account` in a worker; a refusal is shown in the dialog and
everything typed stays. The EAB HMAC key is a masked field, passed to `add_account` for the one registration
and never shown, logged, stored or put in a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from certwizard.ca.acme.presets import PRESET_TITLES, PRESETS
from certwizard.domain.text import printable, unprintable_characters
from certwizard.errors import CertwizardError
from certwizard.ui.dialogs.base import DialogScreen
from certwizard.ui.safe import literal, literal_multiline, template
from certwizard.ui.textual_fixes.typed_keys_first import after_typed_keys
from certwizard.ui.widgets.keys_footer import KeysFooter
from certwizard.ui.widgets.path_input import PathInput, expand_path
from certwizard.ui.widgets.progress_step import ProgressStep
from certwizard.ui.widgets.safe_input import SafeInput, SecretInput
from certwizard.ui.widgets.toggles import Checkbox
from certwizard.ui.workers import Delivers, background

if TYPE_CHECKING:
    from certwizard.ca.acme.accounts import AcmeAccountRecord
    from certwizard.ca.acme.models import DirectoryMeta
    from certwizard.services import Services

OTHER = "other"
EAB_NOTE = ("From the CA's account page (ZeroSSL: Developer; Google: gcloud publicca external-account-keys "
            "create). The HMAC key is used for this registration only and never stored.")


@dataclass(frozen=True)
class AccountRequest:
    """What Register sends; the HMAC key never appears in a repr."""

    name: str
    directory_url: str
    email: str | None = None
    ca_bundle: str | None = None
    trust_root: str | None = None
    agree_tos: bool = False
    eab_kid: str | None = None
    eab_hmac_key: str | None = field(default=None, repr=False)

    @property
    def directory(self) -> tuple[str, str | None]:
        return (self.directory_url, self.ca_bundle)


@dataclass(frozen=True)
class Registration:
    """What the register worker hands back: the account, or why not (and the field it is about)."""

    record: AcmeAccountRecord | None = None
    error: str = ""
    field: str | None = None


def unmet_needs(meta: DirectoryMeta, request: AccountRequest) -> dict[str, str]:
    """Field -> what the CA's directory asks that the request does not give."""
    problems: dict[str, str] = {}
    if meta.terms_of_service and not request.agree_tos:
        problems["agree"] = ("Read the terms of service at the address above, then tick I agree: the CA "
                             "registers no account without it")
    if meta.external_account_required and not (request.eab_kid and request.eab_hmac_key):
        problems["eab"] = "This CA requires External Account Binding: type the EAB key id and HMAC key"
    return problems


def suggested_name(preset: str, taken: set[str]) -> str:
    """The preset's own name, or with -2, -3... when an account has it already."""
    if preset not in taken:
        return preset
    return next(f"{preset}-{n}" for n in range(2, 100) if f"{preset}-{n}" not in taken)


class Row(Horizontal):
    """`label  control` on one line (compact controls keep the form on an 80x24 screen)."""

    def __init__(self, label: str, control: Widget, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="acme-row")
        self._label = label
        self._control = control

    def compose(self) -> ComposeResult:
        yield Label(self._label, classes="row-label")
        yield self._control


class AcmeAccountDialog(Delivers, DialogScreen["AcmeAccountRecord | None"]):
    """Register an ACME account; dismisses with its record, or None when cancelled."""

    DEFAULT_CSS = """
    AcmeAccountDialog #acme-form {
        height: auto;
        max-height: 65vh;      /* in screen units: the hint under it stays in the box at 80x24 */
    }
    AcmeAccountDialog #terms-url {
        width: 1fr;            /* a long address wraps inside the box instead of running past it */
    }
    AcmeAccountDialog .acme-row {
        height: auto;
    }
    AcmeAccountDialog .row-label {
        width: 15;
        color: $text-muted;
    }
    AcmeAccountDialog .acme-row:focus-within > .row-label {
        color: $text;
        text-style: bold;
    }
    AcmeAccountDialog .acme-row Input, AcmeAccountDialog .acme-row Select {
        width: 1fr;
    }
    AcmeAccountDialog .acme-row Input {
        background: $boost;
    }
    AcmeAccountDialog .acme-row Input:focus {
        background: $primary 25%;
    }
    AcmeAccountDialog .field-note {
        width: 1fr;
        height: auto;
        color: $text-muted;
        padding-left: 15;
    }
    AcmeAccountDialog .field-error {
        width: 1fr;
        height: auto;
        color: $text-error;
        padding-left: 15;
        display: none;
    }
    AcmeAccountDialog .field-error.-shown, AcmeAccountDialog #register-error.-shown {
        display: block;
    }
    AcmeAccountDialog #other-fields, AcmeAccountDialog #needs, AcmeAccountDialog #terms-fields,
    AcmeAccountDialog #eab-fields {
        height: auto;
    }
    AcmeAccountDialog #needs {
        margin-top: 1;
    }
    AcmeAccountDialog #terms-fields, AcmeAccountDialog #eab-fields, AcmeAccountDialog #other-fields {
        display: none;
    }
    AcmeAccountDialog #terms-fields.-shown, AcmeAccountDialog #eab-fields.-shown,
    AcmeAccountDialog #other-fields.-shown {
        display: block;
    }
    AcmeAccountDialog #agree {
        padding-left: 15;
    }
    AcmeAccountDialog #register-error {
        color: $text-error;
        height: auto;
        display: none;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=True),
        Binding("ctrl+s", "register", "Register", show=True, priority=True,
                tooltip="Register the account at the CA (its certificates then join the product list)"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__(classes="dialog")
        self.services = services
        self.record: AcmeAccountRecord | None = None
        self._busy = False
        self._suggested = ""                                   # the name last suggested (replaced if untouched)
        self._meta: dict[tuple[str, str | None], DirectoryMeta] = {}    # (url, CA bundle) -> what it asks
        self._shown_for: tuple[str, str | None] | None = None  # the directory the needs below are for

    # --- layout ------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box") as box:
            box.border_title = Content("Add an ACME account")
            with VerticalScroll(id="acme-form", can_focus=False):
                yield Static(Content("Registers an account at the CA (its key stays in the data folder, 0600) "
                                     "and lists the CA's certificates with the others."), classes="dialog-text")
                choices = [(PRESET_TITLES.get(key, key), key) for key in PRESETS]
                choices.append(("Other: a directory URL (step-ca, private CAs)", OTHER))
                yield Row("CA", Select(choices, prompt="Choose the CA", compact=True, id="ca"))
                yield Label("", id="ca-error", classes="field-error")
                with Vertical(id="other-fields"):
                    yield Row("Directory URL", SafeInput(placeholder="https://ca.example.net/acme/directory",
                                                         compact=True, id="url"))
                    yield Label("", id="url-error", classes="field-error")
                    yield Row("CA bundle", self._path_input("ca-bundle", "PEM of the CA's TLS (private CAs)"))
                    yield Label("", id="ca-bundle-error", classes="field-error")
                    yield Row("Trust root", self._path_input("trust-root", "root its certificates chain to"))
                    yield Label("", id="trust-root-error", classes="field-error")
                    yield Static(Content("Both optional: only for a CA whose API or certificates are not "
                                         "publicly trusted."), classes="field-note")
                yield Row("Name", SafeInput(placeholder="what to call it here, e.g. step-ca", compact=True,
                                            id="name"))
                yield Label("", id="name-error", classes="field-error")
                yield Row("E-mail", SafeInput(placeholder="optional: for expiry and account notices",
                                              compact=True, id="email"))
                yield Label("", id="email-error", classes="field-error")
                with Vertical(id="needs"):
                    yield ProgressStep(Content("Choose the CA: what it asks for is read from its directory."),
                                       id="directory-state")
                    with Vertical(id="terms-fields"):
                        yield Row("Terms", Static(id="terms-url"))
                        yield Checkbox("I agree to the terms of service", id="agree", compact=True)
                        yield Label("", id="agree-error", classes="field-error")
                    with Vertical(id="eab-fields"):
                        yield Row("EAB key id", SafeInput(compact=True, id="eab-kid"))
                        yield Row("EAB HMAC key", SecretInput(compact=True, id="eab-hmac"))
                        yield Label("", id="eab-error", classes="field-error")
                        yield Static(Content(EAB_NOTE), classes="field-note")
                yield Static(id="register-error")
            yield Static(Content("ctrl+s: register   Tab: next field   Esc: cancel"), classes="dialog-hint")
        yield KeysFooter()

    @staticmethod
    def _path_input(id: str, placeholder: str) -> PathInput:
        path = PathInput(id=id, extensions=(".pem", ".crt"), placeholder=placeholder)
        path.compact = True
        return path

    def on_mount(self) -> None:
        self.query_one("#ca", Select).focus()

    # --- the form ----------------------------------------------------------------------------------------

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    @property
    def preset(self) -> str | None:
        value = self.query_one("#ca", Select).value
        return value if isinstance(value, str) else None

    def _directory(self) -> tuple[str, str | None] | None:
        """The (directory URL, CA bundle) the form names now, or None before the CA is known."""
        preset = self.preset
        if preset is None:
            return None
        if preset != OTHER:
            return (PRESETS[preset], None)
        url = self._value("#url")
        if not url:
            return None
        bundle = self._value("#ca-bundle")
        return (url, str(expand_path(bundle)) if bundle else None)

    @on(Select.Changed, "#ca")
    def _ca_changed(self) -> None:
        preset = self.preset
        self._set_error("ca", None)
        self.query_one("#other-fields").set_class(preset == OTHER, "-shown")
        name = self.query_one("#name", Input)
        if name.value in ("", self._suggested):       # untouched: follow the CA
            taken = {record.name for record in self._accounts()}
            self._suggested = suggested_name(preset, taken) if preset and preset != OTHER else ""
            name.value = self._suggested
        if preset == OTHER:
            self.query_one("#url", Input).focus()
        self._read_if_needed()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id in ("url", "ca-bundle"):
            self._read_if_needed()
            self.focus_next()
        else:
            self.action_register()

    @on(Input.Blurred, "#url, #ca-bundle")
    def _left_directory_field(self) -> None:
        self._read_if_needed()

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        """Editing a field clears the error about it."""
        for name in ("url", "ca-bundle", "trust-root", "name", "email"):
            if event.input.id == name:
                self._set_error(name, None)
        if event.input.id in ("eab-kid", "eab-hmac"):
            self._set_error("eab", None)

    @on(Checkbox.Changed, "#agree")
    def _agreed(self) -> None:
        self._set_error("agree", None)

    def _set_error(self, name: str, message: str | None) -> None:
        label = self.query_one(f"#{name}-error", Label)
        label.update(literal(message or ""))
        label.set_class(bool(message), "-shown")
        if message:
            self.call_after_refresh(label.scroll_visible, animate=False)

    def _show_general_error(self, message: str | None) -> None:
        error = self.query_one("#register-error", Static)
        error.update(literal_multiline(message or ""))
        error.set_class(bool(message), "-shown")
        if message:
            self.call_after_refresh(error.scroll_visible, animate=False)

    def _accounts(self) -> list[AcmeAccountRecord]:
        from certwizard.services.acme_accounts import accounts

        return accounts(self.services.repository)

    # --- what the directory asks -------------------------------------------------------------------------

    def _read_if_needed(self) -> None:
        directory = self._directory()
        if directory is None:
            self._show_needs(None)
            return
        if directory in self._meta:
            self._show_needs(directory)
            return
        if not directory[0].startswith("https://"):
            self._show_needs(None)
            return
        self._shown_for = None
        self._show_terms_and_eab(None)
        self._state().step = f"Reading the CA's directory at {directory[0]}"
        self._read_directory(*directory)

    def _state(self) -> ProgressStep:
        return self.query_one("#directory-state", ProgressStep)

    @background("acme-directory", "Reading the CA's directory")
    def _read_directory(self, url: str, ca_bundle: str | None) -> None:
        from certwizard.services.acme_accounts import directory_meta

        try:
            meta = directory_meta(url, ca_bundle)
        except CertwizardError as refused:
            self.deliver(self._directory_failed, (url, ca_bundle), str(refused))
            return
        self.deliver(self._directory_read, (url, ca_bundle), meta)

    def _directory_read(self, directory: tuple[str, str | None], meta: DirectoryMeta) -> None:
        self._meta[directory] = meta
        if directory == self._directory():           # not a CA the user has left meanwhile
            self._state().step = ""
            self._show_needs(directory)

    def _directory_failed(self, directory: tuple[str, str | None], message: str) -> None:
        if directory == self._directory():
            self._state().step = ""
            self._state().show_idle(template("[b $style]Could not read the directory:[/] $message",
                                             style="$text-error", message=" ".join(message.splitlines())))
            # Nothing focusable lies below it: unless scrolled to, the reason is cut off at 80x24.
            self.call_after_refresh(self._state().scroll_visible, animate=False)

    def _show_needs(self, directory: tuple[str, str | None] | None) -> None:
        meta = self._meta.get(directory) if directory is not None else None
        self._shown_for = directory if meta is not None else None
        self._show_terms_and_eab(meta)
        if meta is None:
            self._state().show_idle(Content("Choose the CA: what it asks for is read from its directory."
                                            if self.preset is None else
                                            "Type the directory URL (https://...); Enter reads what it asks."
                                            if self.preset == OTHER else ""))
            return
        asks = bool(meta.terms_of_service) or meta.external_account_required
        self._state().show_idle(Content("What this CA asks before it registers an account:" if asks else
                                        "This CA asks nothing more: no terms to agree to, no External Account "
                                        "Binding."))

    def _show_terms_and_eab(self, meta: DirectoryMeta | None) -> None:
        terms = meta.terms_of_service if meta is not None else None
        self.query_one("#terms-fields").set_class(bool(terms), "-shown")
        self.query_one("#terms-url", Static).update(literal(terms or ""))
        self.query_one("#eab-fields").set_class(bool(meta and meta.external_account_required), "-shown")

    # --- registering -------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "register":
            return None if self._busy else True
        return True

    def request(self) -> AccountRequest:
        directory = self._directory() or ("", None)
        trust_root = self._value("#trust-root") if self.preset == OTHER else ""
        eab = self._shown_for is not None and self._meta[self._shown_for].external_account_required
        return AccountRequest(
            name=self._value("#name"), directory_url=directory[0], email=self._value("#email") or None,
            ca_bundle=directory[1], trust_root=str(expand_path(trust_root)) if trust_root else None,
            agree_tos=self.query_one("#agree", Checkbox).value,
            eab_kid=(self._value("#eab-kid") or None) if eab else None,
            eab_hmac_key=(self.query_one("#eab-hmac", Input).value.strip() or None) if eab else None)

    def form_problems(self, request: AccountRequest) -> dict[str, str]:
        """Field -> what is wrong, found before anything is sent."""
        from certwizard.services.acme_accounts import AcmeAccountError, check_name

        problems: dict[str, str] = {}
        if self.preset is None:
            problems["ca"] = "Choose the CA: a known one, or Other to type its directory URL"
        elif self.preset == OTHER:
            if not request.directory_url:
                problems["url"] = "Type the CA's ACME directory URL, e.g. https://ca.internal:9000/acme/acme/directory"
            elif not request.directory_url.startswith("https://"):
                problems["url"] = "The directory URL must start with https:// (ACME runs over TLS only)"
            for name, path in (("ca-bundle", request.ca_bundle), ("trust-root", request.trust_root)):
                if path is not None and not expand_path(path).is_file():
                    problems[name] = f"{path} is not a file: give a PEM file, or leave it empty"
        try:
            check_name(request.name)
        except AcmeAccountError as bad:
            problems["name"] = str(bad) if request.name else "Type a name for the account, e.g. step-ca"
        else:
            if any(record.name == request.name for record in self._accounts()):
                problems["name"] = f"An account named {request.name} exists already: choose another name"
        if request.email is not None and (unprintable_characters(request.email) or "@" not in request.email):
            problems["email"] = "Type an e-mail address such as ops@example.com, or leave it empty"
        if self._shown_for is not None and self._shown_for == request.directory:
            problems.update(unmet_needs(self._meta[self._shown_for], request))
        return problems

    _FOCUS_FOR = {"ca": "#ca", "url": "#url", "ca-bundle": "#ca-bundle", "trust-root": "#trust-root",
                  "name": "#name", "email": "#email", "agree": "#agree", "eab": "#eab-kid"}

    def action_register(self) -> None:
        after_typed_keys(self, self._register_typed)   # ctrl+s is a priority key: what was typed before counts

    def _register_typed(self) -> None:
        if self._busy:
            return
        request = self.request()
        problems = self.form_problems(request)
        for name in ("ca", "url", "ca-bundle", "trust-root", "name", "email", "agree", "eab"):
            self._set_error(name, problems.get(name))
        self._show_general_error(None)
        if problems:
            first = next(iter(problems))
            focus = "#eab-hmac" if first == "eab" and self._value("#eab-kid") else self._FOCUS_FOR[first]
            self.query_one(focus).focus()
            return
        self._set_busy(True, request)
        self._register(request, self._meta.get(request.directory))

    def _set_busy(self, busy: bool, request: AccountRequest | None = None) -> None:
        self._busy = busy
        self.query_one("#acme-form").disabled = busy
        self._state().step = (f"Registering at {request.directory_url}: making the account key, sending "
                              "newAccount" if busy and request is not None else "")
        self.refresh_bindings()

    @background("acme-register", "Registering the ACME account")
    def _register(self, request: AccountRequest, meta: DirectoryMeta | None) -> None:
        from certwizard.services.acme_accounts import add_account, directory_meta

        try:
            if meta is None:          # not read yet (or it failed): read it now, and ask for what it needs
                self.deliver(self._step, f"Reading the CA's directory at {request.directory_url}")
                meta = directory_meta(request.directory_url, request.ca_bundle)
                self.deliver(self._directory_read, request.directory, meta)
                missing = unmet_needs(meta, request)
                if missing:
                    field_name, message = next(iter(missing.items()))
                    self.deliver(self._finished, Registration(error=message, field=field_name))
                    return
                self.deliver(self._step, f"Registering at {request.directory_url}: making the account key, "
                                         "sending newAccount")
            record = add_account(
                self.services.repository, self.services.layout, request.name, request.directory_url,
                email=request.email, eab_kid=request.eab_kid, eab_hmac_key=request.eab_hmac_key,
                ca_bundle=request.ca_bundle, trust_root=request.trust_root, agree_tos=request.agree_tos)
        except CertwizardError as refused:
            outcome = Registration(error=str(refused))
        except Exception as error:     # a bug, not a refusal: said in the dialog, which stays usable
            # Only the kind of failure: a message could quote what was sent, the HMAC key among it.
            outcome = Registration(error=f"Registering failed unexpectedly ({type(error).__name__}); nothing "
                                         "was kept. Try again, or run `certwizard acme add` to see the details")
        else:
            outcome = Registration(record=record)
        self.deliver(self._finished, outcome)

    def _step(self, step: str) -> None:
        self._state().step = step

    def _finished(self, outcome: Registration) -> None:
        self._set_busy(False)
        if outcome.record is not None:
            self.record = outcome.record
            self.dismiss(outcome.record)
            return
        if outcome.field is not None:
            self._set_error(outcome.field, outcome.error)
            self.query_one(self._FOCUS_FOR[outcome.field]).focus()
        else:
            self._show_general_error(printable(outcome.error, allow_newlines=True))

    def action_cancel(self) -> None:
        if self._busy:
            self.notify("The registration is running; wait for the CA's answer.", severity="warning")
            return
        self.dismiss(None)
