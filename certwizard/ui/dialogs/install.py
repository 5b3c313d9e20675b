"""Install dialog: record a place on this server where the certificate lives, write it there, and reload.

Unlike Export, an installation is kept up to date: `certwizard renew` writes the renewed certificate there
again and runs the reload command (services/installations.py). Each field is checked before anything is
written; the installation itself runs in a worker (a .pfx takes many key-derivation rounds, and the reload
command may take seconds). Passphrases are never shown, logged or put in a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Label, Select, Static

from certwizard.domain.models import Order
from certwizard.domain.text import printable, unprintable_characters
from certwizard.errors import CertwizardError
from certwizard.export.servers import SERVERS, ServerLayout, default_server
from certwizard.ui.dialogs.base import DialogScreen, OneShotForm
from certwizard.ui.dialogs.export import FormRow, default_folder, form_rows_css
from certwizard.ui.safe import literal, literal_multiline, template
from certwizard.ui.textual_fixes.typed_keys_first import after_typed_keys
from certwizard.ui.widgets.field_row import ControlCharactersRemoved
from certwizard.ui.widgets.keys_footer import KeysFooter
from certwizard.ui.widgets.path_input import PathInput, expand_path
from certwizard.ui.widgets.progress_step import ProgressStep
from certwizard.ui.widgets.safe_input import SafeInput, SecretInput
from certwizard.ui.workers import Delivers, background

FIELDS = ("server", "folder", "reload", "password-file", "passphrase")


@dataclass(frozen=True)
class InstallRequest:
    server: ServerLayout
    folder: str
    reload: str
    password_file: str
    passphrase: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class InstallOutcome:
    lines: tuple[str, ...] = ()
    note: str = ""
    problems: tuple[str, ...] = ()      # installed, but a reload (or a file) failed: said, not hidden
    error: str = ""                     # nothing was recorded
    field: str | None = None            # the form field the error belongs to

    @property
    def recorded(self) -> bool:
        return not self.error


def field_of(message: str) -> str | None:
    """Which field a refusal of add_installation is about (it names the thing in its words)."""
    lowered = message.lower()
    for words, name in (("reload command", "reload"), ("password file", "password-file"), ("passphrase", "passphrase"),
                        (".pfx", "password-file")):
        if words in lowered:
            return name
    return "folder"


class InstallDialog(OneShotForm, Delivers, DialogScreen[bool | None]):
    """Install one issued order. Dismisses with True once an installation was recorded, None when cancelled."""

    SUBMIT_ACTION = "install"

    DEFAULT_CSS = form_rows_css("InstallDialog") + """
    InstallDialog #install-form, InstallDialog #install-result {
        height: auto;
        max-height: 18;
    }
    InstallDialog #install-error.-shown {
        display: block;
    }
    InstallDialog #install-error {
        color: $text-error;
        margin-top: 1;
        height: auto;
        display: none;
    }
    InstallDialog #install-progress, InstallDialog #install-result {
        height: auto;
        display: none;
    }
    InstallDialog.-busy #install-progress, InstallDialog.-done #install-result {
        display: block;
    }
    InstallDialog.-done #install-form {
        display: none;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=True),
        Binding("ctrl+s", "install", "Install", show=True, priority=True),
        Binding("escape,enter", "close", "Close", show=True),
    ]

    def __init__(self, order: Order, workflow) -> None:
        super().__init__(classes="dialog")
        if order.certificate is None:
            raise ValueError(f"order {order.id} has no certificate to install")
        self.order = order
        self.workflow = workflow
        self.outcome: InstallOutcome | None = None
        self._busy = False
        self._suggested_folder = default_folder(order, default_server()).replace("certwizard-export",
                                                                                  "certwizard-installed")

    @property
    def has_key(self) -> bool:
        return self.order.key is not None

    @property
    def key_encrypted(self) -> bool:
        return self.order.key is not None and self.order.key.encrypted

    def compose(self) -> ComposeResult:
        from certwizard.ui.order_words import domains_summary, order_domains

        with Vertical(classes="dialog-box") as box:
            box.border_title = template("Install $names", names=domains_summary(order_domains(self.order)))
            with VerticalScroll(id="install-form", can_focus=False):
                yield Static(Content("Writes the files in place and keeps them up to date: renewal writes the "
                                     "new certificate here and runs the reload command."), classes="dialog-text")
                choices = [(layout.choice_for(self.has_key), name) for name, layout in SERVERS.items()]
                yield FormRow("Server type", Select(choices, value=default_server().name, allow_blank=False,
                                                    compact=True, id="server"))
                yield Label("", id="server-error", classes="field-error")
                folder = PathInput(self._suggested_folder, id="folder",
                                   placeholder="the server's certificate folder; → or Tab completes")
                folder.compact = True
                yield FormRow("Folder", folder)
                yield Static("Files there are replaced atomically; the previous ones are kept as NAME.prev.",
                             classes="field-note")
                yield Label("", id="folder-error", classes="field-error")
                yield FormRow("Reload", SafeInput(placeholder="e.g. systemctl reload nginx (no shell)",
                                                  compact=True, id="reload"))
                yield Static("Run once after the files change (60 s at most). Empty: no reload.",
                             classes="field-note")
                yield Label("", id="reload-error", classes="field-error")
                with Vertical(id="pfx-fields"):
                    password_file = PathInput("", id="password-file",
                                              placeholder="file holding the .pfx password (first line)")
                    password_file.compact = True
                    yield FormRow(".pfx password in", password_file)
                    yield Label("", id="password-file-error", classes="field-error")
                if self.key_encrypted:
                    yield FormRow("Key passphrase", SecretInput(compact=True, id="passphrase"))
                    yield Label("", id="passphrase-error", classes="field-error")
                yield Static(id="install-error")
                yield Static("Enter or ctrl+s: install   Tab: next field   Esc: cancel", classes="dialog-hint")
            with Vertical(id="install-progress"):
                yield ProgressStep(id="install-step")
            with VerticalScroll(id="install-result", can_focus=True):
                yield Static(id="install-result-text")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._server_changed()
        self.query_one("#server", Select).focus()

    @property
    def server(self) -> ServerLayout:
        return SERVERS[str(self.query_one("#server", Select).value)]

    @on(Select.Changed, "#server")
    def _server_changed(self) -> None:
        self.query_one("#pfx-fields").display = self.server.pkcs12 and self.has_key
        folder = self.query_one("#folder", PathInput)
        if folder.value == self._suggested_folder:           # untouched: follow the server type
            self._suggested_folder = default_folder(self.order, self.server).replace("certwizard-export",
                                                                                      "certwizard-installed")
            folder.value = self._suggested_folder
        self._set_error("server", None)

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        if event.input.id in FIELDS:
            self._set_error(event.input.id, None)

    @on(ControlCharactersRemoved)
    def _cleaned(self, event: ControlCharactersRemoved) -> None:
        event.stop()
        source = getattr(event.source, "id", None)
        if source in FIELDS:
            self._set_error(source, event.explanation)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_install()

    def _set_error(self, name: str, message: str | None) -> None:
        found = self.query(f"#{name}-error")
        if found:
            label = found.first(Label)
            label.update(literal(message or ""))
            label.set_class(bool(message), "-shown")

    def form_problems(self) -> dict[str, str]:
        """Field id -> what is wrong, checked before anything is written."""
        from certwizard.services.installations import InstallationError, checked_reload_command

        problems: dict[str, str] = {}
        server = self.server
        if server.pkcs12 and not self.has_key:
            problems["server"] = "A .pfx holds the private key, and certwizard has none for this order (manual CSR)"
        folder = self.query_one("#folder", PathInput).value
        if not folder.strip():
            problems["folder"] = "Type the folder the server reads its certificate from, e.g. /etc/nginx/ssl"
        elif unprintable_characters(folder):
            problems["folder"] = "The folder contains control characters; type a plain path"
        reload = self.query_one("#reload", Input).value
        if reload.strip():
            try:
                checked_reload_command(reload)
            except InstallationError as exc:
                problems["reload"] = str(exc)
        if server.pkcs12 and self.has_key and not self.query_one("#password-file", PathInput).value.strip():
            problems["password-file"] = ("Give the file that holds the .pfx password on its first line (0600); "
                                         "renewal reads it again, certwizard never stores the password")
        if self.key_encrypted and not self.query_one("#passphrase", Input).value:
            problems["passphrase"] = "Type the passphrase chosen when the key was made"
        return problems

    def request(self) -> InstallRequest:
        server = self.server
        password_file = self.query_one("#password-file", PathInput).value.strip() if server.pkcs12 else ""
        return InstallRequest(
            server=server, folder=str(expand_path(self.query_one("#folder", PathInput).value)),
            reload=self.query_one("#reload", Input).value.strip(),
            password_file=str(expand_path(password_file)) if password_file else "",
            passphrase=(self.query_one("#passphrase", Input).value.encode("utf-8") if self.key_encrypted else None))

    # --- actions -----------------------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.outcome is not None and self.outcome.recorded

    def action_install(self) -> None:
        after_typed_keys(self, self._install_typed)   # ctrl+s is a priority key: what was typed before it counts

    def _install_typed(self) -> None:
        if self._busy or self.done:
            return
        problems = self.form_problems()
        for name in FIELDS:
            self._set_error(name, problems.get(name))
        self._show_error(None)
        if problems:
            first = next(name for name in FIELDS if name in problems)
            self.query_one(f"#{first}").focus()
            self._reveal(self.query_one(f"#{first}-error"))
            return
        request = self.request()
        self._set_busy(True, f"Installing for {request.server.label} into {request.folder}")
        self._install(request)

    def _set_busy(self, busy: bool, step: str = "") -> None:
        self._busy = busy
        self.set_class(busy, "-busy")
        self.query_one("#install-form").disabled = busy
        self.query_one("#install-step", ProgressStep).step = step if busy else ""
        self.refresh_bindings()

    @background("install", "Installing the certificate")
    def _install(self, request: InstallRequest) -> None:
        from certwizard.services.installations import add_installation

        try:
            report = add_installation(self.workflow, self.order.id, request.server.name, request.folder,
                                      reload=request.reload, password_file=request.password_file,
                                      passphrase=request.passphrase)
        except CertwizardError as exc:
            message = printable(str(exc))
            outcome = InstallOutcome(error=message, field=field_of(message))
        except OSError as exc:
            outcome = InstallOutcome(error=printable(f"{exc.strerror or exc}: {exc.filename or request.folder}. "
                                                     "Check the folder's permissions or choose another"),
                                     field="folder")
        else:
            outcome = InstallOutcome(lines=tuple(report.lines), note=report.note, problems=tuple(report.problems))
        self.deliver(self._finished, outcome)

    def _finished(self, outcome: InstallOutcome) -> None:
        self._set_busy(False)
        self.outcome = outcome
        if not outcome.recorded:
            name = outcome.field if outcome.field and self.query(f"#{outcome.field}-error") else None
            if name is not None:
                self._set_error(name, outcome.error)
                self.query_one(f"#{name}").focus()
                self._reveal(self.query_one(f"#{name}-error"))
            else:
                self._show_error(outcome.error)
                self._reveal(self.query_one("#install-error"))
            self.refresh_bindings()
            return
        self.add_class("-done")
        self.query_one("#install-result-text", Static).update(result_text(outcome))
        self.query_one("#install-result").focus()
        self.refresh_bindings()

    def _reveal(self, widget) -> None:
        """Scroll an error into view once laid out (after the focus has scrolled to its field)."""
        self.call_after_refresh(widget.scroll_visible, animate=False)

    def _show_error(self, message: str | None) -> None:
        error = self.query_one("#install-error", Static)
        error.update(literal_multiline(message or ""))
        error.set_class(bool(message), "-shown")

    def action_cancel(self) -> None:
        if self._busy:
            self.notify("Installing; wait for it to finish (a file is replaced whole or not at all).",
                        severity="warning")
            return
        self.dismiss(None)

    def action_close(self) -> None:
        if self.done:
            self.dismiss(True)


def result_text(outcome: InstallOutcome) -> Content:
    """What was written and reloaded, the problems (installed all the same), then the server's setup note."""
    head = "[b]Installed, with problems[/b]" if outcome.problems else "[b]Installed[/b]"
    lines = [template(head)]
    lines.extend(literal(f"  {line}") for line in outcome.lines)
    for problem in outcome.problems:
        lines.append(template("[b $style]Problem:[/] $problem", style="$text-warning", problem=problem))
    if outcome.note:
        lines.append(Content("\n") + literal_multiline(outcome.note))
    lines.append(Content("\nRenewal (certwizard renew) keeps it up to date here."))
    return Content("\n").join(lines)
