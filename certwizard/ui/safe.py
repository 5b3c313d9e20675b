"""Showing user data in Textual safely: never parsed as markup, never able to emit terminal escapes.

Textual parses any str given to Static/Label/notify/DataTable as markup, and passes ESC sequences through to the
terminal. Everything that came from a user, a CSR, a certificate or a file name goes through `literal()`.
"""

from __future__ import annotations

from textual.content import Content

from certwizard.domain.text import printable


def literal(text: object) -> Content:
    """Content that shows `text` exactly (brackets kept), with control characters made visible."""
    return Content(printable(str(text)))


def literal_multiline(text: object) -> Content:
    return Content(printable(str(text), allow_newlines=True))


def template(markup: str, **values: object) -> Content:
    """Markup written by us with user values substituted as data: template("[b]$name[/b]", name=user_text)."""
    return Content.from_markup(markup, **{k: printable(str(v)) for k, v in values.items()})
