"""Domain names as people read them: an internationalised name in Unicode with the punycode the CA receives.

One function for every screen, dialog and message, so an IDN is never shown as punycode alone in one place
and as Unicode in another: 'bücher.example.com (xn--bcher-kva.example.com)'.
"""

from __future__ import annotations

from collections.abc import Sequence


def shown_domain(name: str) -> str:
    """`unicode (punycode)` for an internationalised name (given in either form); other names as they are.
    A name that is not valid IDNA is returned unchanged (it is shown as typed, and checked elsewhere)."""
    if name.isascii() and "xn--" not in name.lower():
        return name                       # the common case, and the one lists meet 10,000 times
    import idna

    unicode_labels, ascii_labels = [], []
    try:
        for label in name.split("."):
            if label.isascii():
                ascii_labels.append(label)
                unicode_labels.append(idna.decode(label) if label.lower().startswith("xn--") else label)
            else:
                unicode_labels.append(label)
                ascii_labels.append(idna.encode(label, uts46=True).decode("ascii"))
    except (idna.IDNAError, UnicodeError, ValueError):
        return name
    unicode, ascii_name = ".".join(unicode_labels), ".".join(ascii_labels)
    return name if unicode == ascii_name else f"{unicode} ({ascii_name})"


def shown_domains(names: Sequence[str]) -> str:
    """Every name, each as `shown_domain` shows it, comma separated."""
    return ", ".join(shown_domain(name) for name in names)
