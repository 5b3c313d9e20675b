"""Exit codes and output shared by every command: human text by default, --json for machines."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from certwizard.domain.text import printable

EXIT_OK = 0          # success, or the input is acceptable
EXIT_REJECTED = 1    # the input was checked and refused, or the action is not possible now
EXIT_USAGE = 2       # the command line itself is wrong (argparse also uses 2)


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(payload: Any) -> None:
    """ASCII-only JSON: user text with C1 controls or bidi overrides cannot reach the terminal raw."""
    sys.stdout.write(json.dumps(payload, indent=2, default=_default, ensure_ascii=True) + "\n")


def print_json_rows(key: str, rows: Iterable[Any]) -> None:
    """`{key: [rows]}` with one row per line. Each row is encoded by the C encoder: `indent` makes json use
    its pure-Python one, which spent 7 s on the 100,000 rows of `list --json`."""
    encode = json.JSONEncoder(default=_default, ensure_ascii=True).encode
    out = sys.stdout
    out.write(f'{{\n  "{key}": [')
    for index, row in enumerate(rows):
        out.write(("\n    " if index == 0 else ",\n    ") + encode(row))
    out.write("\n  ]\n}\n")


def say(text: str = "", *, err: bool = False) -> None:
    """Print text that may contain user data; control characters are shown as visible escapes."""
    print(printable(text, allow_newlines=True), file=sys.stderr if err else sys.stdout)


def usage_error(message: str) -> int:
    say(f"certwizard: error: {message}", err=True)
    return EXIT_USAGE


def stdout_closed() -> int:
    """The reader went away (`certwizard show X | head`): stop quietly instead of blaming the data folder."""
    try:
        # Later flushes (at exit too) must not raise again; this is what the Python docs advise for SIGPIPE.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    return EXIT_REJECTED
