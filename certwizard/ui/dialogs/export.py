"""Export dialog: write an issued certificate (and its key) for one server type into a folder the user picks.

The form is checked field by field before anything runs (a problem is shown under its field, which gets the
focus); the export itself runs in a thread worker, because a PKCS#12 file takes 600 000 key-derivation rounds
and an encrypted key as many again. The result lists every file written with its real mode, and the note on
configuring the server. Passwords and passphrases are never shown, logged or put in a message.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Label, RadioSet, Select, Static

from certwizard.domain.models import Order
from certwizard.domain.secret_entry import PFX_PASSWORD, secret_problem
from certwizard.domain.text import printable, unprintable_characters
from certwizard.export.bundle import ExportResult, default_basename, export_order
from certwizard.export.errors import ExportError
from certwizard.export.pkcs12 import Pkcs12Profile
from certwizard.export.servers import (
    SERVERS,
    ServerLayout,
    default_server,
    layouts_without_pkcs12,
    spoken_list,
)
from certwizard.services.issued import KeyCheck, KeyState, check_stored_key
from certwizard.ui.dialogs.base import DialogScreen, OneShotForm
from certwizard.ui.safe import literal, literal_multiline, template
from certwizard.ui.textual_fixes.typed_keys_first import after_typed_keys
from certwizard.ui.widgets.field_row import ControlCharactersRemoved
from certwizard.ui.widgets.keys_footer import KeysFooter
from certwizard.ui.widgets.path_input import PathInput, expand_path
from certwizard.ui.widgets.progress_step import ProgressStep
from certwizard.ui.widgets.safe_input import SecretInput
from certwizard.ui.widgets.toggles import RadioButton
from certwizard.ui.workers import Delivers, background

EXPORT_ROOT = "~/certwizard-export"

PROFILE_HELP = ("modern: AES-256 and SHA-256; read by Windows Server 2019 and later, Java 8u301 and later, "
                "OpenSSL 1.1+. legacy: 3DES and SHA-1, weaker; only for Windows Server 2016 and older, old "
                "Java and appliances that refuse the modern file.")

# The server types, their picker lines and hints are the records in certwizard/export/servers/.


def servers_without_key() -> str:
    """'nginx, Apache or PEM': what a manual-CSR order can be exported for."""
    return spoken_list(layout.short_label for layout in layouts_without_pkcs12())


def no_pfx_for_manual_csr() -> str:
    return ("Not possible for this order: a .pfx must contain the private key, and this order's key was made "
            f"outside certwizard (manual CSR). Choose {servers_without_key()}, or build the .pfx yourself "
            "with openssl pkcs12 -export.")


def default_folder(order: Order, server: ServerLayout) -> str:
    """Where the files go unless the user says otherwise: one folder per certificate and server type."""
    from certwizard.crypto.certinfo import load_certificate

    assert order.certificate is not None
    name = default_basename(load_certificate(order.certificate.certificate_pem))
    return f"{EXPORT_ROOT}/{name}-{server.name}"


def password_problem(first: str, second: str) -> str | None:
    """Why the two .pfx password entries are not acceptable (never repeating them)."""
    return secret_problem(PFX_PASSWORD, first, second)


@dataclass(frozen=True)
class ExportRequest:
    server: ServerLayout
    folder: Path
    pkcs12_profile: Pkcs12Profile = "modern"
    pkcs12_password: bytes | None = field(default=None, repr=False)
    key_passphrase: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ExportOutcome:
    """What the worker hands back: the files written (with their modes) or why nothing was written."""

    result: ExportResult | None = None
    modes: tuple[tuple[Path, int], ...] = ()
    error: str = ""
    field: str | None = None       # the form field the error belongs to, when it belongs to one


def run_export(order: Order, request: ExportRequest) -> ExportOutcome:
    """The export itself (runs in a thread): never raises for a refusal, says what to do instead."""
    try:
        result = export_order(order, request.server, request.folder, key_passphrase=request.key_passphrase,
                              pkcs12_password=request.pkcs12_password, pkcs12_profile=request.pkcs12_profile)
    except ExportError as exc:
        return ExportOutcome(error=str(exc), field=_field_of_failure(order, request))
    except OSError as exc:
        return ExportOutcome(error=printable(f"{exc.strerror or exc}: {exc.filename or request.folder}. "
                                             "Check the folder's permissions or choose another folder"),
                             field="folder")
    modes = tuple((path, stat.S_IMODE(os.lstat(path).st_mode)) for path in result.files)
    return ExportOutcome(result=result, modes=modes)


def _field_of_failure(order: Order, request: ExportRequest) -> str | None:
    """A refused export caused by a wrong passphrase belongs under the passphrase field."""
    if request.key_passphrase and order.key is not None:
        check = check_stored_key(order, passphrase=request.key_passphrase)
        if check.state is KeyState.WRONG_PASSPHRASE:
            return "passphrase"
    return None


_FORM_ROWS_CSS = """
    DIALOG .dialog-box {
        width: 78;
        padding: 0 1;
    }
    DIALOG .export-row {
        height: auto;
        margin-top: 1;
    }
    DIALOG .row-label {
        width: 16;
        color: $text-muted;
    }
    DIALOG .export-row:focus-within > .row-label {
        color: $text;
        text-style: bold;
    }
    DIALOG .export-row Input, DIALOG .export-row Select, DIALOG .export-row RadioSet {
        width: 1fr;
    }
    DIALOG .field-note {
        width: 1fr;
        color: $text-muted;
        padding-left: 16;
        height: auto;
    }
    DIALOG .field-error {
        width: 1fr;
        color: $text-error;
        padding-left: 16;
        height: auto;
        display: none;
    }
    DIALOG .field-error.-shown {
        display: block;
    }
"""


def form_rows_css(dialog: str) -> str:
    """The rules of a dialog laid out in FormRows (a label column, one control per row, a note or an error
    under it), scoped to the dialog's class name: Export's and Install's."""
    return _FORM_ROWS_CSS.replace("DIALOG", dialog)


class FormRow(Horizontal):
    """`label  control` on one line (compact controls keep the whole form on an 80x24 screen)."""

    def __init__(self, label: str, control, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="export-row")
        self._label = label
        self._control = control

    def compose(self) -> ComposeResult:
        yield Label(self._label, classes="row-label")
        yield self._control


class ExportDialog(OneShotForm, Delivers, DialogScreen[ExportResult | None]):
    """Export one issued order. Dismisses with the ExportResult, or None when cancelled."""

    SUBMIT_ACTION = "export"

    DEFAULT_CSS = form_rows_css("ExportDialog") + """
    ExportDialog #export-form, ExportDialog #export-result {
        height: auto;
        max-height: 18;
    }
    ExportDialog #pfx-fields, ExportDialog #passphrase-fields {
        height: auto;
    }
    ExportDialog .export-row Input {
        background: $boost;
    }
    ExportDialog .export-row Input:focus {
        background: $primary 25%;
    }
    ExportDialog #export-error {
        color: $text-error;
        margin-top: 1;
        height: auto;
        display: none;
    }
    ExportDialog #export-error.-shown {
        display: block;
    }
    ExportDialog #export-progress {
        height: auto;
        margin-top: 1;
        display: none;
    }
    ExportDialog #export-result {
        display: none;
    }
    ExportDialog.-busy #export-progress, ExportDialog.-done #export-result {
        display: block;
    }
    ExportDialog.-busy #export-form {
        max-height: 12;     /* room for the progress lines inside the box at 80x24 */
    }
    ExportDialog.-done #export-form {
        display: none;
    }
    ExportDialog .dialog-hint {
        margin-top: 1;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=True),
        Binding("ctrl+s", "export", "Export", show=True, priority=True),
        Binding("escape,enter", "close", "Close", show=True),
    ]

    def __init__(self, order: Order, key_check: KeyCheck | None = None) -> None:
        super().__init__(classes="dialog")
        if order.certificate is None:
            raise ValueError(f"order {order.id} has no certificate to export")
        self.order = order
        self.key_check = key_check
        self.outcome: ExportOutcome | None = None
        self._busy = False
        self._error_values: dict[str, tuple[str, ...] | None] = {}
        self._suggested_folder = default_folder(order, default_server())

    @property
    def has_key(self) -> bool:
        return self.order.key is not None

    @property
    def key_encrypted(self) -> bool:
        checked_encrypted = bool(self.key_check and self.key_check.encrypted)
        key = self.order.key
        return key is not None and (key.encrypted or checked_encrypted)

    # --- layout ------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        from certwizard.ui.order_words import domains_summary, order_domains

        with Vertical(classes="dialog-box") as box:
            box.border_title = template("Export $names", names=domains_summary(order_domains(self.order)))
            with VerticalScroll(id="export-form", can_focus=False):
                yield Static(self._intro(), classes="dialog-text")
                choices = [(layout.choice_for(self.has_key), name) for name, layout in SERVERS.items()]
                yield FormRow("Server type", Select(choices, value=default_server().name, allow_blank=False,
                                                    compact=True, id="server"))
                yield Static(id="server-hint", classes="field-note")
                yield Label("", id="server-error", classes="field-error")
                folder = PathInput(self._suggested_folder, id="folder",
                                   placeholder="folder to write into; → or Tab completes")
                folder.compact = True
                yield FormRow("Folder", folder)
                yield Static("Created (0700) if missing. Existing files are never overwritten.",
                             classes="field-note")
                yield Label("", id="folder-error", classes="field-error")
                yield Static(id="export-error")
                with Vertical(id="pfx-fields"):
                    yield FormRow(".pfx password", SecretInput(compact=True, id="pfx-password"))
                    yield FormRow("Type it again",
                                  SecretInput(compact=True, id="pfx-password-again"))
                    yield Label("", id="pfx-password-again-error", classes="field-error")
                    yield FormRow("Encryption", RadioSet(RadioButton("modern (recommended)", value=True,
                                                                     id="profile-modern"),
                                                         RadioButton("legacy", id="profile-legacy"),
                                                         compact=True, id="profile"))
                    yield Static(PROFILE_HELP, classes="field-note")
                if self.key_encrypted:
                    with Vertical(id="passphrase-fields"):
                        yield FormRow("Key passphrase", SecretInput(compact=True, id="passphrase"))
                        yield Label("", id="passphrase-error", classes="field-error")
                        yield Static("The stored key is encrypted: its passphrase opens it for the export.",
                                     classes="field-note")
                yield Static("Enter or ctrl+s: export   Tab: next field   Esc: cancel", classes="dialog-hint")
            with Vertical(id="export-progress"):
                yield ProgressStep(id="progress-text")
            with VerticalScroll(id="export-result", can_focus=True):
                yield Static(id="result-text")
        yield KeysFooter()

    def _intro(self) -> Content:
        if not self.has_key:
            return Content("No private key is written: this order used a manual CSR, so certwizard never had "
                           "the key. The files hold the certificate and its chain.")
        if self.key_check is not None and not self.key_check.usable:
            check = self.key_check
            return literal(f"The stored key cannot be used ({check.summary}): {check.detail}")
        return Content("Writes the certificate, its chain and the private key in the layout the server "
                       "expects, plus a README on configuring it.")

    def on_mount(self) -> None:
        self._server_changed()
        self.query_one("#server", Select).focus()

    # --- the form ----------------------------------------------------------------------------------------

    @property
    def server(self) -> ServerLayout:
        return SERVERS[str(self.query_one("#server", Select).value)]

    @on(Select.Changed, "#server")
    def _server_changed(self) -> None:
        server = self.server
        hint = server.hint if self.has_key else server.hint_without_key or no_pfx_for_manual_csr()
        self.query_one("#server-hint", Static).update(literal(hint))
        self.query_one("#pfx-fields").display = server.needs_private_key and self.has_key
        self._set_error("server", None)
        folder = self.query_one("#folder", PathInput)
        if folder.value == self._suggested_folder:      # untouched: follow the server type
            self._suggested_folder = default_folder(self.order, server)
            folder.value = self._suggested_folder
        self.refresh_bindings()

    # Each field error and the inputs it is about: editing one of them clears the error.
    _INPUTS_OF = {"folder": ("#folder",), "pfx-password-again": ("#pfx-password", "#pfx-password-again"),
                  "passphrase": ("#passphrase",)}

    def _values_of(self, name: str) -> tuple[str, ...]:
        return tuple(self.query_one(selector, Input).value for selector in self._INPUTS_OF.get(name, ()))

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        """An edit clears the error about that field (not a late Changed for the value the error is about)."""
        for name, selectors in self._INPUTS_OF.items():
            if f"#{event.input.id}" in selectors and self._error_values.get(name) != self._values_of(name):
                self._set_error(name, None)

    @on(ControlCharactersRemoved)
    def _cleaned(self, event: ControlCharactersRemoved) -> None:
        event.stop()
        if event.source is self.query_one("#folder"):
            self._set_error("folder", event.explanation)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    def _set_error(self, name: str, message: str | None) -> None:
        label = self.query_one(f"#{name}-error", Label)
        label.update(literal(message or ""))
        label.set_class(bool(message), "-shown")
        self._error_values[name] = self._values_of(name) if message else None

    def _show_general_error(self, message: str | None) -> None:
        error = self.query_one("#export-error", Static)
        error.update(literal_multiline(message or ""))
        error.set_class(bool(message), "-shown")
        if message:
            self._reveal(error)

    def _reveal(self, widget) -> None:
        """Scroll an error into view once laid out (after the focus has scrolled to its field)."""
        self.call_after_refresh(widget.scroll_visible, animate=False)

    def form_problems(self) -> dict[str, str]:
        """Field id -> what is wrong, checked before anything is written."""
        problems: dict[str, str] = {}
        server = self.server
        if server.needs_private_key and not self.has_key:
            problems["server"] = ("A .pfx cannot be made without the private key; "
                                  f"choose {servers_without_key()}")
        folder = self.query_one("#folder", PathInput).value
        if not folder.strip():
            problems["folder"] = "Type the folder to export into, e.g. ~/certs/www.example.com"
        elif unprintable_characters(folder):
            problems["folder"] = "The folder contains control characters; type a plain path"
        if server.needs_private_key and self.has_key:
            first = self.query_one("#pfx-password", Input).value
            second = self.query_one("#pfx-password-again", Input).value
            problem = password_problem(first, second)
            if problem:
                problems["pfx-password-again"] = problem
        if self.key_encrypted and not self.query_one("#passphrase", Input).value:
            problems["passphrase"] = "Type the passphrase chosen when the key was made"
        return problems

    _FOCUS_FOR = {"server": "#server", "folder": "#folder", "pfx-password-again": "#pfx-password",
                  "passphrase": "#passphrase"}

    def request(self) -> ExportRequest:
        server = self.server
        pfx = server.needs_private_key and self.has_key
        profile: Pkcs12Profile = "legacy" if self.query_one("#profile-legacy", RadioButton).value else "modern"
        return ExportRequest(
            server=server, folder=expand_path(self.query_one("#folder", PathInput).value),
            pkcs12_profile=profile,
            pkcs12_password=self.query_one("#pfx-password", Input).value.encode("utf-8") if pfx else None,
            key_passphrase=(self.query_one("#passphrase", Input).value.encode("utf-8")
                            if self.key_encrypted else None))

    # --- actions -----------------------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.outcome is not None and self.outcome.result is not None

    def action_export(self) -> None:
        after_typed_keys(self, self._export_typed)    # Ctrl+S is a priority key: the folder typed before it counts

    def _export_typed(self) -> None:
        if self._busy or self.done:
            return
        problems = self.form_problems()
        for name in ("server", "folder", "pfx-password-again", "passphrase"):
            if self.query(f"#{name}-error"):
                self._set_error(name, problems.get(name))
        self._show_general_error(None)
        if problems:
            first = next(iter(problems))
            focus = self._FOCUS_FOR[first]
            if first == "pfx-password-again" and self.query_one("#pfx-password", Input).value:
                focus = "#pfx-password-again"          # the first entry is there: retype the second
            self.query_one(focus).focus()
            self._reveal(self.query_one(f"#{first}-error"))
            return
        request = self.request()
        self._set_busy(True, request)
        self._export(request)

    def _set_busy(self, busy: bool, request: ExportRequest | None = None) -> None:
        self._busy = busy
        self.set_class(busy, "-busy")
        self.query_one("#export-form").disabled = busy
        if busy and request is not None:
            what = (f"building the password-protected .pfx ({request.pkcs12_profile} profile)"
                    if request.server.needs_private_key else "writing the files")
            self.query_one("#progress-text", ProgressStep).step = \
                f"Exporting for {request.server.label} into {request.folder}: {what}"
        elif not busy:
            self.query_one("#progress-text", ProgressStep).step = ""
        self.refresh_bindings()

    @background("export", "Exporting the certificate")
    def _export(self, request: ExportRequest) -> None:
        try:
            outcome = run_export(self.order, request)
        except Exception as error:      # a bug, not a refusal: the dialog says so and stays usable
            outcome = ExportOutcome(error=printable(
                f"The export failed unexpectedly ({type(error).__name__}: {error}); nothing was kept. "
                "Try again; if it keeps failing, export with `certwizard export` to see the details"))
        self.deliver(self._finished, outcome)

    def _finished(self, outcome: ExportOutcome) -> None:
        self._set_busy(False)
        self.outcome = outcome
        if outcome.result is None:
            self._refused(outcome)
            return
        self.add_class("-done")
        self.query_one("#result-text", Static).update(result_text(self.server, outcome))
        self.query_one("#export-result").focus()
        self.refresh_bindings()

    def _refused(self, outcome: ExportOutcome) -> None:
        if outcome.field == "passphrase" and self.query("#passphrase"):
            passphrase = self.query_one("#passphrase", Input)
            with passphrase.prevent(Input.Changed):       # clearing it must not clear the error about it
                passphrase.value = ""
            passphrase.focus()
            self._set_error("passphrase", "The passphrase does not open the key file; type it again, "
                                          "checking the keyboard layout and Caps Lock")
            self._reveal(self.query_one("#passphrase-error"))
            return
        # Refusals are about the folder (files already there, links, permissions) or, rarely, the key: the
        # message sits under the folder, which gets the focus so another one can be typed at once.
        self.query_one("#folder", PathInput).focus()
        self._show_general_error(outcome.error)

    def action_cancel(self) -> None:
        if self._busy:
            self.notify("The export is running; wait for it to finish (it never leaves half-written files).",
                        severity="warning")
            return
        self.dismiss(None)

    def action_close(self) -> None:
        if self.done and self.outcome is not None:
            self.dismiss(self.outcome.result)


def result_text(server: ServerLayout, outcome: ExportOutcome) -> Content:
    """The files written with their modes, then how to configure the server."""
    assert outcome.result is not None
    files = outcome.result.files
    folder = files[0].parent if files else Path(".")
    lines = [template("[b]Exported for $server into $folder[/b]", server=server.label, folder=folder)]
    for path, mode in outcome.modes:
        lines.append(template("  $mode  $name", mode=f"{mode:04o}", name=path.name))
    for warning in outcome.result.warnings:          # written all the same; the user must know
        lines.append(template("\n[b $style]Warning:[/] $warning", style="$text-warning", warning=warning))
    readme = next((path.name for path in files if path.name.endswith(".README.txt")), "the README")
    lines.append(template("\n[b]Configuring $server[/b] (also in $readme):\n", server=server.label,
                          readme=readme))
    return Content("\n").join(lines) + literal_multiline(outcome.result.note)
