"""What makes a typed secret acceptable: the key's passphrase and a .pfx password, one rule each.

The messages never contain the secret. Both the TUI's dialogs and the command line use these rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from certwizard.domain.text import unprintable_characters

MIN_PASSPHRASE = 8


@dataclass(frozen=True)
class SecretRule:
    noun: str                  # "passphrase", "password"
    when_empty: str            # what to do when nothing was typed
    min_length: int = 0


KEY_PASSPHRASE = SecretRule(
    "passphrase", f"Type a passphrase of at least {MIN_PASSPHRASE} characters", MIN_PASSPHRASE)
PFX_PASSWORD = SecretRule(
    "password", "Type a password for the .pfx file; the server asks for it when it loads the file")


def secret_problem(rule: SecretRule, first: str, second: str | None = None, *, way_out: str = "") -> str | None:
    """Why `first` (and its confirmation `second`, when one was asked for) is not acceptable under `rule`.
    `way_out`: how the front end lets the user give up, e.g. "press Escape to cancel"."""
    tail = f", or {way_out}" if way_out else ""
    if not first:
        return rule.when_empty + tail
    if len(first) < rule.min_length:
        return (f"Too short: {len(first)} characters. Use at least {rule.min_length} (a few words are easy to "
                f"remember and hard to guess){tail}")
    if unprintable_characters(first):
        return f"The {rule.noun} contains control characters; use letters, digits, spaces and punctuation"
    if second is not None and first != second:
        return f"The two entries differ; type the same {rule.noun} in both fields"
    return None
