"""Taking in a qualification document: check the file, make a smaller copy of one that is only too big, and
say why a file cannot be attached. The TUI and the CLI follow this one policy.

The wizard runs the picture work in the helper process (`system.isolation`: Pillow holds the GIL while it
decodes, a stall of the screen); the CLI has no screen to keep moving and runs it in place.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from certwizard.documents.images import (
    DocumentCheck,
    DocumentError,
    ReencodedImage,
    inspect_bytes,
    inspect_document,
    reencode_to_fit,
)
from certwizard.system.isolation import run_isolated

T = TypeVar("T")
Runner = Callable[..., Any]       # run_isolated, or `in_place`


def in_place(function: Callable[..., T], *args: Any) -> T:
    return function(*args)


@dataclass(frozen=True)
class Intake:
    """What became of one file: `check` is always there; then either it can be attached as it is (`ok`), or a
    smaller copy was made for the user to accept (`smaller`), or `reasons` say why it cannot be attached."""

    check: DocumentCheck
    smaller: ReencodedImage | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.check.ok

    @property
    def name(self) -> str:
        return self.check.display_name


def take_in(path: str | os.PathLike[str], *, run: Runner | None = None, offer_smaller: bool = True,
            on_step: Callable[[str], None] | None = None) -> Intake:
    """Check the file at `path` (with `run`: by default in the helper process). Over the size limit but
    otherwise fine, and `offer_smaller`: a smaller copy is made (`on_step` hears that it is being made); the
    user's file is never changed."""
    run = run or run_isolated
    check = run(inspect_document, path)
    if check.ok:
        return Intake(check)
    reasons = [problem.message for problem in check.problems]
    if not (offer_smaller and check.can_reencode):
        return Intake(check, reasons=reasons)
    if on_step is not None:
        on_step(f"Making a smaller copy of {check.display_name}")
    try:
        return Intake(check, smaller=run(reencode_to_fit, check))
    except DocumentError as exc:
        return Intake(check, reasons=[*reasons, str(exc)])


def recheck_in_helper(data: bytes, display_name: str) -> DocumentCheck:
    """The check of the bytes about to be stored (`store_document`'s `inspect`), made in the helper process:
    decoding a 500 KB picture holds this process's GIL for 20-30 ms."""
    return run_isolated(inspect_bytes, data, display_name)
