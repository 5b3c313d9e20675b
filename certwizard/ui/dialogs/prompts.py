"""Modal dialogs shared by every screen. Each returns a typed result through `dismiss` and never awaits it.

Texts given as `str` are shown literally (they may hold user data); pass a `Content` built with
`certwizard.ui.safe.template` for emphasis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import DescendantFocus
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Static

from certwizard.domain.models import Profile
from certwizard.domain.products import CATALOG, Product
from certwizard.domain.text import unprintable_characters
from certwizard.ui.safe import literal, literal_multiline, template
from certwizard.ui.textual_fixes.quiet_focus import QuietFocus
from certwizard.ui.widgets.field_row import ControlCharactersRemoved, SafeInput
from certwizard.ui.widgets.keys_footer import KeysFooter
from certwizard.ui.widgets.labelled_lines import LabelledLines, Row
from certwizard.ui.widgets.order_table import table_cell
from certwizard.ui.widgets.row_table import RowTable
from certwizard.ui.widgets.safe_input import SecretInput

TextLike = str | Content


def _shown(text: TextLike) -> Content:
    return text if isinstance(text, Content) else literal_multiline(text)


class _Dialog(QuietFocus, ModalScreen):
    """A bordered box in the middle of the screen, with the Footer listing its keys."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=True)]

    def __init__(self, title: TextLike) -> None:
        super().__init__(classes="dialog")
        self._title = title

    def compose_box(self) -> ComposeResult:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box") as box:
            box.border_title = _shown(self._title)
            yield from self.compose_box()
        yield KeysFooter()

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(_Dialog):
    """Asks before an action with consequences; returns True only for an explicit confirmation.

    For a destructive action (the default) the focus starts on Cancel, so a stray Enter changes nothing. The
    buttons are docked at the bottom of the box and always shown; what is above them scrolls (arrows,
    PageUp, PageDown) when the terminal is too small for it, and a line under the buttons says which one
    Enter presses."""

    BINDINGS = [
        Binding("up", "scroll_body('up')", show=False),
        Binding("down", "scroll_body('down')", show=False),
        Binding("pageup", "scroll_body('page_up')", show=False),
        Binding("pagedown", "scroll_body('page_down')", show=False),
        Binding("left", "app.focus_previous", show=False),
        Binding("right", "app.focus_next", show=False),
    ]

    def __init__(self, title: TextLike, consequence: TextLike, confirm_label: str = "Confirm", *,
                 cancel_label: str = "Cancel", destructive: bool = True, details: Sequence[Row] = ()) -> None:
        """`details`: (label, value) lines shown above the consequence, e.g. what is about to be sent."""
        super().__init__(title)
        self._details = list(details)
        self._consequence = consequence
        self._confirm_label = confirm_label
        self._cancel_label = cancel_label
        self._destructive = destructive

    def compose(self) -> ComposeResult:
        # The box itself scrolls, and the buttons are docked in it: however small the terminal, they stay in
        # view, and the text above them scrolls (a Vertical box cut the buttons off at 80x24).
        with VerticalScroll(classes="dialog-box confirm-box", can_focus=False) as box:
            box.border_title = _shown(self._title)
            with Vertical(classes="dialog-actions"):
                with Horizontal(classes="dialog-buttons"):
                    yield Button(literal(self._cancel_label), id="cancel")
                    yield Button(literal(self._confirm_label), id="confirm",
                                 variant="error" if self._destructive else "primary")
                yield Static(id="enter-hint", classes="dialog-hint")
            if self._details:
                yield LabelledLines(self._details, classes="dialog-text")
            yield Static(_shown(self._consequence), classes="dialog-text")
        yield KeysFooter()

    @property
    def body(self) -> VerticalScroll:
        return self.query_one(".confirm-box", VerticalScroll)

    def on_mount(self) -> None:
        first = self.query_one("#cancel" if self._destructive else "#confirm", Button)
        first.focus()
        self._show_enter(first)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        if isinstance(event.widget, Button):
            self._show_enter(event.widget)

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_enter)      # whether the text scrolls depends on the size

    def _show_enter(self, button: Button | None = None) -> None:
        """The line under the buttons: which one Enter presses (the focused one), and how to read the rest."""
        focused = button or self.focused
        if not isinstance(focused, Button):
            return
        label = self._confirm_label if focused.id == "confirm" else self._cancel_label
        other = self._cancel_label if focused.id == "confirm" else self._confirm_label
        more = " · ↑↓ scroll" if self.body.max_scroll_y > 0 else ""
        self.query_one("#enter-hint", Static).update(template(
            "Enter: [b]$label[/b] · Tab: $other · Esc: cancel$more", label=label, other=other, more=more))

    def action_scroll_body(self, how: str) -> None:
        getattr(self.body, f"scroll_{how}")(animate=False)

    @on(Button.Pressed)
    def _answer(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)


class TextPromptDialog(_Dialog):
    """One line of text. `check(value)` returns an error message to show under the field, or None if accepted."""

    def __init__(self, title: TextLike, prompt: TextLike, value: str = "", *, placeholder: str = "",
                 check: Callable[[str], str | None] | None = None, password: bool = False) -> None:
        super().__init__(title)
        self._prompt = prompt
        self._initial_value = value
        self._placeholder = placeholder
        self._check = check or (lambda _: None)
        self._password = password

    def compose_box(self) -> ComposeResult:
        yield Static(_shown(self._prompt), classes="dialog-text")
        # A password stays a plain Input: it is never shown, and silently changing it would lock the user out.
        control = Input if self._password else SafeInput
        # The value is a suggestion: selected, so typing replaces it (e.g. the count, a profile name).
        yield control(self._initial_value, placeholder=self._placeholder, password=self._password,
                      select_on_focus=True, id="prompt-value")
        yield Label("", classes="-error", id="prompt-error")
        yield Static("Enter: OK   Escape: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value
        bad = unprintable_characters(value)
        problem = ("Remove the control or invisible characters, then press Enter" if bad
                   else self._check(value))
        if problem:
            self.query_one("#prompt-error", Label).update(literal(problem))
            return
        self.dismiss(value)

    @on(ControlCharactersRemoved)
    def _cleaned(self, event: ControlCharactersRemoved) -> None:
        event.stop()
        self.query_one("#prompt-error", Label).update(literal(event.explanation))


def check_count(text: str, largest: int = 100) -> str | None:
    """How many certificates were bought: a whole number from 1 to `largest`."""
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= largest:
        return None
    return f"Type a whole number from 1 to {largest}, e.g. 1"


class PassphraseDialog(_Dialog):
    """A new passphrase typed twice; returns it as bytes, or None if cancelled. It is never shown or logged."""

    def __init__(self, title: TextLike = "Passphrase for the private key",
                 explanation: TextLike = ("The key file will be encrypted with this passphrase (at least 8 "
                                          "characters). You will need it to install the certificate; "
                                          "certwizard cannot recover it.")) -> None:
        super().__init__(title)
        self._explanation = explanation

    def compose_box(self) -> ComposeResult:
        yield Static(_shown(self._explanation), classes="dialog-text")
        yield Label("Passphrase")
        yield SecretInput(id="passphrase")
        yield Label("Type it again")
        yield SecretInput(id="passphrase-again")
        yield Label("", classes="-error", id="passphrase-error")
        yield Static("Enter: OK   Escape: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#passphrase")
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#passphrase-again", Input).focus()

    @on(Input.Submitted, "#passphrase-again")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        first = self.query_one("#passphrase", Input).value
        problem = passphrase_problem(first, event.value)
        if problem:
            self.query_one("#passphrase-error", Label).update(literal(problem))
            return
        self.dismiss(first.encode("utf-8"))


MIN_PASSPHRASE = 8


def passphrase_problem(first: str, second: str) -> str | None:
    """Why these two entries are not an acceptable passphrase (the message never contains them)."""
    if not first:
        return f"Type a passphrase of at least {MIN_PASSPHRASE} characters, or press Escape to cancel"
    if len(first) < MIN_PASSPHRASE:
        return (f"Too short: {len(first)} characters. Use at least {MIN_PASSPHRASE} (a few words are easy to "
                "remember and hard to guess), or press Escape to cancel")
    if unprintable_characters(first):
        return "The passphrase contains control characters; use letters, digits, spaces and punctuation"
    if first != second:
        return "The two entries differ; type the same passphrase in both fields"
    return None


def product_facts(product: Product) -> list[str]:
    """The columns of the product picker: name, level, type, names allowed, validity."""
    names = "1" if product.max_domains == 1 else f"max {product.max_domains}"
    return [product.name, product.level.value, product.domain_type.label, names, f"{product.validity_days} days"]


class ProductPickerDialog(_Dialog):
    """Which catalog product was purchased; returns its id, or None if cancelled."""

    BINDINGS = [Binding("enter", "choose", "Choose", show=True, priority=True)]

    def __init__(self, title: TextLike = "Which certificate did you buy?") -> None:
        super().__init__(title)
        self.add_class("-wide")

    def compose_box(self) -> ComposeResult:
        yield Static("Choose the product from your purchase; it decides the domains and information asked.",
                     classes="dialog-text")
        yield RowTable(cursor_type="row", id="products")

    def on_mount(self) -> None:
        # Filled once mounted, so the columns are measured to fit their content.
        table = self.query_one("#products", DataTable)
        table.add_columns("Product", "Level", "Type", "Names", "Validity")
        for product in CATALOG.values():
            table.add_row(*(table_cell(fact) for fact in product_facts(product)), key=product.id)
        table.focus()

    def action_choose(self) -> None:
        table = self.query_one("#products", DataTable)
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        self.dismiss(row_key.value)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(event.row_key.value)


class ProfilePickerDialog(_Dialog):
    """One of the saved applicant/company profiles; returns it, or None if cancelled."""

    BINDINGS = [Binding("enter", "choose", "Use", show=True, priority=True)]

    def __init__(self, profiles: list[Profile], title: TextLike = "Use saved information") -> None:
        super().__init__(title)
        self._profiles = list(profiles)

    def compose_box(self) -> ComposeResult:
        if not self._profiles:
            yield Static("Nothing is saved yet. Fill in the applicant (and company) fields once, then save them "
                         "as a profile from the Verify Information tab.", classes="dialog-text")
            return
        yield RowTable(cursor_type="row", id="profiles")

    def on_mount(self) -> None:
        if not self._profiles:
            return
        table = self.query_one("#profiles", DataTable)
        table.add_columns("Name", "Kind", "Saved", "Details")
        for profile in self._profiles:
            table.add_row(table_cell(profile.label), table_cell(profile.kind.value),
                          table_cell(profile.saved_at.strftime("%d %b %Y")), table_cell(_profile_details(profile)),
                          key=profile.id)
        table.focus()

    def action_choose(self) -> None:
        if not self._profiles:
            self.dismiss(None)
            return
        self.dismiss(self._profiles[self.query_one("#profiles", DataTable).cursor_row])

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(self._profiles[event.cursor_row])


def _profile_details(profile: Profile) -> str:
    """A short reminder of what the profile holds, e.g. 'Li Lei, lilei@example.com'."""
    shown = [v.strip() for k, v in profile.values.items()
             if v.strip() and k in ("applicant_name", "applicant_email", "company_name", "company_city")]
    return ", ".join(shown)
