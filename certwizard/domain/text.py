"""User text is data: refuse control characters on input, and show any that slip through as visible escapes."""

from __future__ import annotations


def _is_allowed(ch: str, allow_newlines: bool) -> bool:
    if allow_newlines and ch in "\n\t":
        return True
    return ch.isprintable()


def unprintable_characters(value: str, allow_newlines: bool = False) -> list[str]:
    """The distinct characters that may not appear in user text (ESC, C0/C1 controls, bidi overrides...)."""
    seen: dict[str, None] = {}
    for ch in value:
        if not _is_allowed(ch, allow_newlines):
            seen.setdefault(ch, None)
    return list(seen)


def describe_characters(chars: list[str]) -> str:
    return ", ".join(f"U+{ord(ch):04X}" for ch in chars)


def require_printable(value: str, allow_newlines: bool = False) -> str:
    """Return `value` unchanged, or raise ValueError naming the offending characters."""
    bad = unprintable_characters(value, allow_newlines)
    if bad:
        raise ValueError(f"contains control or invisible characters ({describe_characters(bad)}); "
                         "type the text again without them")
    return value


def printable(value: str, allow_newlines: bool = False) -> str:
    """`value` with every unprintable character replaced by a visible escape such as \\x1b.

    Use for anything shown on a terminal that came from a user, a CSR, a certificate or a file name.
    """
    if all(_is_allowed(ch, allow_newlines) for ch in value):
        return value
    out = []
    for ch in value:
        if _is_allowed(ch, allow_newlines):
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)
