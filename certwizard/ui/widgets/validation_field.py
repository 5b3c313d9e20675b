"""Domain validation: how the domains will be proven (a DNS TXT record or a file over HTTP) and what publishes
the proof: a hook (either method), or for files the web server's webroot; neither, and the user publishes it.

The rules are the domain's (domain/validation_methods.py), checked by `services.validation.validation_plan` on
F8. A wildcard can be proven only by DNS: while the names typed hold one, the HTTP button is disabled and the
hint says why. A draft that already chose HTTP keeps its choice until the user changes it; F8's error at the
Method field says what to do (switching it silently would hide the webroot the user typed).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, RadioSet

from certwizard.domain.models import ApplicationDraft
from certwizard.domain.validation_methods import DEFAULT_METHOD, ValidationMethod
from certwizard.ui.widgets.applicant_form import SectionTitle, input_id
from certwizard.ui.widgets.field_row import FieldRow
from certwizard.ui.widgets.path_input import FOLDERS_ONLY, PathInput
from certwizard.ui.widgets.toggles import RadioButton  # the state in the glyph, not the colour

TITLE = "Domain validation"
DNS_LABEL, HTTP_LABEL = "DNS TXT record", "File over HTTP"
HTTP_REFUSED_LABEL = "File over HTTP (no wildcards)"     # in the text too, not only in a dimmer colour
METHOD_HINT = ("DNS works for every name, wildcards too. HTTP needs a web server answering on port 80 for "
               "each name.")
WILDCARD_HINT = "DNS only: a wildcard is bound, and a file on one host proves nothing about every name below it."
WEBROOT_HINT = ("Where the web server serves http://DOMAIN/ from: certwizard puts the file under .well-known/ "
                "there, then removes it. Empty: you put it there yourself.")
HOOK_HINT = ("Optional: an executable that publishes the record or file and removes it again "
             "(CERTWIZARD_ACTION=publish or cleanup; see Help). Empty: no hook.")
FIELD_NAMES = ("validation_method", "validation_webroot", "validation_hook")


def method_button_id(method: ValidationMethod) -> str:
    return f"method-{method.value}"


def loaded_method(draft: ApplicationDraft) -> ValidationMethod:
    """The method a draft means: as chosen, else HTTP when it names a webroot, else the default (as
    `validation_plan` reads it). An unknown value (from an application file) shows as the default."""
    chosen = draft.validation_method.strip().lower()
    if not chosen:
        return ValidationMethod.HTTP if draft.validation_webroot.strip() else DEFAULT_METHOD
    try:
        return ValidationMethod(chosen)
    except ValueError:
        return DEFAULT_METHOD


class ValidationField(Vertical):
    """The Domain validation block of the Enter Application tab."""

    DEFAULT_CSS = """
    ValidationField {
        height: auto;
    }
    ValidationField RadioButton:disabled {
        color: $text-disabled;
    }
    """

    def __init__(self) -> None:
        super().__init__(id="validation-field")
        self._wildcard = False

    def compose(self) -> ComposeResult:
        yield SectionTitle(TITLE)
        buttons = [RadioButton(DNS_LABEL, value=True, id=method_button_id(ValidationMethod.DNS)),
                   RadioButton(HTTP_LABEL, id=method_button_id(ValidationMethod.HTTP))]
        yield FieldRow("Method", RadioSet(*buttons, id=input_id("validation_method")),
                       field_name="validation_method", hint=METHOD_HINT)
        # Paths typed into a form are the user's own: not selected when tabbed into (typing would replace them).
        yield FieldRow("Webroot", PathInput(extensions=FOLDERS_ONLY, id=input_id("validation_webroot"),
                                            placeholder="/var/www/html", select_on_focus=False),
                       field_name="validation_webroot", required=False, hint=WEBROOT_HINT)
        yield FieldRow("Hook", PathInput(id=input_id("validation_hook"), select_on_focus=False,
                                         placeholder="/usr/local/bin/publish-proof"),
                       field_name="validation_hook", required=False, hint=HOOK_HINT)

    def on_mount(self) -> None:
        self._show_webroot()

    # --- widgets -------------------------------------------------------------------------------------------

    @property
    def radio(self) -> RadioSet:
        return self.query_one(f"#{input_id('validation_method')}", RadioSet)

    def button(self, method: ValidationMethod) -> RadioButton:
        return self.query_one(f"#{method_button_id(method)}", RadioButton)

    def row(self, name: str) -> FieldRow:
        return self.query_one(f"#row-{name}", FieldRow)

    def _input(self, name: str) -> Input:
        return self.query_one(f"#{input_id(name)}", Input)

    @property
    def method(self) -> ValidationMethod:
        return ValidationMethod.HTTP if self.button(ValidationMethod.HTTP).value else ValidationMethod.DNS

    def set_method(self, method: ValidationMethod) -> None:
        self.button(method).value = True
        self._show_webroot()

    @property
    def wildcard(self) -> bool:
        """The names typed hold a wildcard (so only DNS can prove them)."""
        return self._wildcard

    def set_wildcard(self, wildcard: bool) -> None:
        """Follow the names typed: with a wildcard, HTTP cannot be chosen and the hint says why."""
        if wildcard == self._wildcard:
            return
        self._wildcard = wildcard
        http = self.button(ValidationMethod.HTTP)
        http.disabled = wildcard
        http.label = HTTP_REFUSED_LABEL if wildcard else HTTP_LABEL
        self.row("validation_method").set_hint(WILDCARD_HINT if wildcard else METHOD_HINT)

    def _show_webroot(self) -> None:
        row = self.row("validation_webroot")
        shown = self.method is ValidationMethod.HTTP
        if row.display != shown:
            row.display = shown
            if not shown:
                row.set_error(None)     # about a value no longer used; it must not come back with the row

    # --- values --------------------------------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        """The draft's validation fields. The webroot only with HTTP: hidden, it is not part of the application
        (kept in its field, it comes back when HTTP is chosen again)."""
        method = self.method
        webroot = self._input("validation_webroot").value if method is ValidationMethod.HTTP else ""
        return {"validation_method": method.value, "validation_webroot": webroot,
                "validation_hook": self._input("validation_hook").value}

    def load(self, draft: ApplicationDraft) -> None:
        self.set_method(loaded_method(draft))
        for name in ("validation_webroot", "validation_hook"):
            value = getattr(draft, name)
            if self._input(name).value != value:
                self._input(name).value = value

    def rows(self) -> dict[str, FieldRow]:
        """The rows shown now, in reading order."""
        return {name: self.row(name) for name in FIELD_NAMES if self.row(name).display}

    # --- events --------------------------------------------------------------------------------------------

    @on(RadioSet.Changed)
    def _method_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set is not self.radio:
            return
        self._show_webroot()
        self.row("validation_method").value_changed()     # an error about the other method no longer applies
