"""CSR Generation: Automatic (key made here) or Manual (paste a CSR), switched without losing either side.

A RadioSet drives a ContentSwitcher, so the pasted CSR and the key choice both survive switching back and forth.
Manual mode lints the CSR shortly after typing pauses, in a worker, against the names currently bound and
by the name rule of the order's authority (as F8 and Submit do), and can load the CSR from a file (read with
`securefs.read_regular_file`, at most 16 KiB). Below, the openssl commands that make a CSR for exactly the
names bound now, in the form every OpenSSL version understands (1.0.2 included).
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import ContentSwitcher, Input, RadioSet, Select, Static, TextArea

from certwizard.crypto.csr_lint import CsrReport, lint_csr, openssl_commands
from certwizard.domain.csr_names import CsrNameRule
from certwizard.domain.models import ApplicationDraft, CsrMode
from certwizard.domain.products import KeyAlgorithm, Product
from certwizard.system import securefs
from certwizard.ui.safe import literal
from certwizard.ui.widgets.applicant_form import input_id, select_text, set_select
from certwizard.ui.widgets.csr_lint_panel import CsrLintPanel
from certwizard.ui.widgets.debounce import Debouncer
from certwizard.ui.widgets.field_row import FieldRow, SafeTextArea
from certwizard.ui.widgets.path_input import PathInput, expand_path
from certwizard.ui.widgets.toggles import Checkbox, RadioButton  # the state in the glyph, not the colour
from certwizard.ui.workers import ReportsWorkerFailures, background

CSR_FILE_LIMIT = 16 * 1024
CSR_EXTENSIONS = (".csr", ".pem", ".req", ".txt")

AUTOMATIC_NOTICE = (
    "Recommended: certwizard generates the private key on this server when you submit and keeps it in its data "
    "folder (mode 0600). Only the CSR goes to the certificate authority.")
MANUAL_NOTICE = (
    "You made the key pair yourself, so keep the private key safe: certwizard never sees it, and a certificate "
    "works only with its own key. If the key is lost, the certificate is useless and a new one must be bought. "
    "Paste the CSR (PEM text, -----BEGIN CERTIFICATE REQUEST-----) or load it from a file.")
MANUAL_HINT = "You made the key pair: paste its CSR below (PEM text), or load it from a file."
PASSPHRASE_HINT = "Asked twice when you submit; never stored. You need it to install the key."
COMMANDS_INTRO = (
    "No CSR yet? These commands make a key and a CSR for every domain bound above, with any OpenSSL (1.0.2 "
    "too; Help has the -addext form of 1.1.1+). Keep the .key file secret.")


@dataclass
class LoadedCsr:
    text: str | None = None
    problem: str | None = None


def read_csr_file(typed_path: str) -> LoadedCsr:
    """The CSR text of a file, or why it cannot be used (never raises for a bad path or file)."""
    path = expand_path(typed_path)
    shown = str(path)
    try:
        data = securefs.read_regular_file(path, CSR_FILE_LIMIT)
    except FileNotFoundError:
        return LoadedCsr(problem=f"There is no file at {shown}; check the path (→ or Tab completes it).")
    except securefs.FileTooLargeError:
        return LoadedCsr(problem=f"{shown} is larger than {CSR_FILE_LIMIT // 1024} KiB, far bigger than a CSR "
                                 "(1-4 KB); choose the .csr file made with your key.")
    except securefs.UnsafePathError as exc:
        return LoadedCsr(problem=f"{shown} {exc.strerror}; give the path of a regular CSR file.")
    except OSError as exc:
        reason = "permission denied" if exc.errno == errno.EACCES else (exc.strerror or "unreadable")
        return LoadedCsr(problem=f"{shown} cannot be read ({reason}); check the path and its permissions.")
    if b"\x00" in data or any(byte > 0x7F for byte in data):
        return LoadedCsr(problem=f"{shown} is not PEM text (it holds binary or non-ASCII data). If it is a DER "
                                 "CSR, convert it first: openssl req -inform DER -in file.der -out file.csr")
    return LoadedCsr(text=data.decode("ascii"))


class CsrModeField(ReportsWorkerFailures, Vertical):
    """The CSR Generation section. `domains` gives the names bound now, for comparing with the CSR's names."""

    DEFAULT_CSS = """
    CsrModeField {
        height: auto;
    }
    CsrModeField ContentSwitcher, CsrModeField ContentSwitcher > Vertical {
        height: auto;
    }
    CsrModeField .csr-notice {
        margin: 0 0 0 19;
        padding: 0 1;
        color: $text-muted;
    }
    CsrModeField #csr-commands {
        margin: 0 0 1 0;
        padding: 0 1;
        background: $boost;
    }
    """

    @dataclass
    class FileLoaded(Message):
        """A CSR file was read into the text area (or could not be)."""
        loaded: LoadedCsr

    def __init__(self, product: Product, domains: Callable[[], list[str] | None],
                 name_rule: CsrNameRule | None = None) -> None:
        """`name_rule`: the authority's (None: that of the authority of the screen's order, else EXACT)."""
        super().__init__(id="csr-mode-field")
        self.product = product
        self._domains = domains
        self._name_rule = name_rule
        self._lint_debounce = Debouncer(self, self.relint)
        self._commands_for: list[str] | None = None

    def compose(self) -> ComposeResult:
        # Short labels: side by side they fit the value column at 80 columns.
        buttons = RadioSet(RadioButton("Automatic (recommended)", value=True, id="mode-automatic"),
                           RadioButton("Manual (paste my CSR)", id="mode-manual"), id=input_id("csr_mode"))
        yield FieldRow("CSR generation", buttons, field_name="csr_mode", hint=AUTOMATIC_NOTICE)
        with ContentSwitcher(initial="csr-automatic", id="csr-switcher"):
            with Vertical(id="csr-automatic"):
                yield FieldRow("Key type", Select([(a.label, a.value) for a in self.product.key_algorithms],
                                                  allow_blank=False, value=self.product.default_key_algorithm.value,
                                                  id=input_id("key_algorithm")), field_name="key_algorithm",
                               hint=AUTOMATIC_NOTICE)
                # A short label: a Checkbox does not wrap, and a long one ran off the screen at 80 columns.
                yield FieldRow("", Checkbox("Protect the key with a passphrase", id=input_id("encrypt_key")),
                               field_name="encrypt_key", required=False, hint=PASSPHRASE_HINT)
            with Vertical(id="csr-manual"):
                yield Static(MANUAL_NOTICE, classes="csr-notice")
                yield FieldRow("CSR (PEM)",
                               SafeTextArea(id=input_id("csr_pem"), soft_wrap=False, show_line_numbers=False,
                                            placeholder="paste the CSR here, or load it from a file below"),
                               field_name="csr_pem")
                # Right under the CSR: the findings must be in view while pasting or after loading a file.
                yield CsrLintPanel()
                yield FieldRow("Load from file", PathInput(extensions=CSR_EXTENSIONS, id="csr-file",
                                                           placeholder="path of a .csr file, then Enter"),
                               field_name="csr_file", required=False)
                yield Static(Content(COMMANDS_INTRO), classes="csr-notice", id="csr-commands-intro")
                yield Static(Content(commands_text(None, self.product)), id="csr-commands")

    # --- widgets -------------------------------------------------------------------------------------------

    @property
    def radio(self) -> RadioSet:
        return self.query_one(f"#{input_id('csr_mode')}", RadioSet)

    @property
    def text_area(self) -> TextArea:
        return self.query_one(f"#{input_id('csr_pem')}", TextArea)

    @property
    def lint_panel(self) -> CsrLintPanel:
        return self.query_one(CsrLintPanel)

    @property
    def mode(self) -> CsrMode:
        return CsrMode.MANUAL if self.query_one("#mode-manual", RadioButton).value else CsrMode.AUTOMATIC

    def set_mode(self, mode: str) -> None:
        manual = mode == CsrMode.MANUAL
        self.query_one("#mode-manual" if manual else "#mode-automatic", RadioButton).value = True
        self.query_one("#csr-switcher", ContentSwitcher).current = "csr-manual" if manual else "csr-automatic"
        self.query_one("#row-csr_mode", FieldRow).set_hint(MANUAL_HINT if manual else AUTOMATIC_NOTICE)
        if manual:
            self._show_commands(self._domains())

    @property
    def name_rule(self) -> CsrNameRule:
        """How the authority relates the CSR's names to the bound domains: the same rule F8 and Submit use."""
        if self._name_rule is not None:
            return self._name_rule
        try:
            # The Apply screen's order; this widget is not built anywhere else.
            order = self.screen.order               # type: ignore[attr-defined]
            return self.app.workflow.csr_name_rule(order)  # type: ignore[attr-defined]
        except (AttributeError, AssertionError):
            return CsrNameRule.EXACT

    def _show_commands(self, domains: list[str] | None) -> None:
        """The openssl commands for the names bound now (the example names until they are valid)."""
        if domains == self._commands_for and self._commands_for is not None:
            return
        self._commands_for = list(domains) if domains else None
        self.query_one("#csr-commands", Static).update(Content(commands_text(domains, self.product)))

    # --- values --------------------------------------------------------------------------------------------

    def values(self) -> dict[str, object]:
        return {
            "csr_mode": self.mode.value,
            "key_algorithm": select_text(self.query_one(f"#{input_id('key_algorithm')}", Select)),
            "encrypt_key": self.query_one(f"#{input_id('encrypt_key')}", Checkbox).value,
            "csr_pem": self.text_area.text,
        }

    def load(self, draft: ApplicationDraft) -> None:
        self.set_mode(draft.csr_mode)
        set_select(self.query_one(f"#{input_id('key_algorithm')}", Select), draft.key_algorithm,
                   fallback=self.product.default_key_algorithm.value)
        self.query_one(f"#{input_id('encrypt_key')}", Checkbox).value = draft.encrypt_key
        if self.text_area.text != draft.csr_pem:
            self.text_area.load_text(draft.csr_pem)
        self.relint()

    def rows(self) -> dict[str, FieldRow]:
        shown = {"csr_mode", "key_algorithm", "encrypt_key"} if self.mode is CsrMode.AUTOMATIC else {
            "csr_mode", "csr_pem", "csr_file"}
        return {row.field_name: row for row in self.query(FieldRow) if row.field_name in shown}

    # --- events --------------------------------------------------------------------------------------------

    @on(RadioSet.Changed)
    def _mode_changed(self, event: RadioSet.Changed) -> None:
        self.set_mode(CsrMode.MANUAL if event.pressed.id == "mode-manual" else CsrMode.AUTOMATIC)

    @on(TextArea.Changed)
    def _csr_changed(self) -> None:
        self._lint_debounce.poke()

    @on(Input.Submitted, "#csr-file")
    def _load_file(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self._read_file(event.value)
        else:
            self.query_one("#row-csr_file", FieldRow).set_error("Type the path of the CSR file, then press Enter.")

    @background("csr-file")
    def _read_file(self, typed_path: str) -> None:
        loaded = read_csr_file(typed_path)
        self.deliver(self._file_read, loaded)

    def _file_read(self, loaded: LoadedCsr) -> None:
        row = self.query_one("#row-csr_file", FieldRow)
        row.set_error(loaded.problem)
        if loaded.text is not None:
            self.text_area.load_text(loaded.text)
            self.text_area.focus()
        self.post_message(self.FileLoaded(loaded))

    # --- linting -------------------------------------------------------------------------------------------

    def relint(self) -> None:
        """Check the pasted CSR again (after it or the bound names changed)."""
        text = self.text_area.text
        domains = self._domains()
        self._show_commands(domains)
        if not text.strip():
            self.lint_panel.show_report(None)
            return
        self._lint(text, domains, self.name_rule)

    @background("csr-lint")
    def _lint(self, text: str, domains: list[str] | None, name_rule: CsrNameRule) -> None:
        report = lint_csr(text, self.product, domains, name_rule=name_rule)
        self.deliver(self._show_if_current, text, report)

    def _show_if_current(self, text: str, report: CsrReport) -> None:
        if text == self.text_area.text:
            self.lint_panel.show_report(report)
            if self.screen.focused in (self.text_area, self.query_one("#csr-file")):
                self.reveal_report()

    def reveal_report(self) -> None:
        """Scroll so the CSR is at the top and its findings right under it are in view (at 80x24 both fit)."""
        self.query_one("#row-csr_pem").scroll_visible(top=True, animate=False)


def commands_text(domains: list[str] | None, product: Product) -> str:
    """The config-file form of `openssl_commands` (short lines, any OpenSSL) for `domains`, RSA 2048 when
    the product takes it."""
    algorithm = KeyAlgorithm.RSA_2048 if KeyAlgorithm.RSA_2048 in product.key_algorithms \
        else product.default_key_algorithm
    return openssl_commands(domains, algorithm).config


def describe_automatic(algorithm: str, encrypt: bool) -> Content:
    """One line for summaries: the key that will be made at submission."""
    try:
        label = KeyAlgorithm(algorithm).label
    except ValueError:
        label = algorithm
    protection = "protected by a passphrase" if encrypt else "not passphrase-protected"
    return literal(f"Automatic: an {label} key is generated on this server at submission ({protection})")
