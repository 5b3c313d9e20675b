"""`certwizard check document FILE [--json]`: would this PNG/JPEG be accepted as a qualification document?"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from certwizard.cli.output import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, print_json, say, usage_error

if TYPE_CHECKING:
    from certwizard.documents.images import DocumentCheck

# The FILE argument names nothing that can be read: a usage error (exit 2), as for `check csr FILE`. A file
# that was read and refused (not an image, too large, damaged) is a rejection (exit 1).
PATH_PROBLEMS = frozenset({"not-found", "permission-denied", "symlink", "not-regular-file", "unreadable"})


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "document", help="check a PNG or JPEG qualification document (max 500 KB)",
        description="Check a qualification document the way the wizard does: PNG or JPEG by content, at most "
                    "500 KB, not damaged, nothing hidden after the image. Nothing is copied or changed. "
                    "Exit 0 when acceptable, 1 when refused, 2 on a usage error.")
    parser.add_argument("file", metavar="FILE", help="the image file to check")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not args.file:
        return usage_error("FILE is empty; give the path of a PNG or JPEG file")
    # Pillow is imported only when a document is actually checked, not when the parser is built.
    from certwizard.documents.images import inspect_document

    check = inspect_document(args.file)
    unusable_path = [problem for problem in check.problems if str(problem.code) in PATH_PROBLEMS]
    if args.json:
        print_json(check.to_dict())
    elif unusable_path:
        return usage_error(f"{args.file}: {unusable_path[0].message}")
    else:
        _print_human(check)
    if unusable_path:
        return EXIT_USAGE
    return EXIT_OK if check.ok else EXIT_REJECTED


def _print_human(check: DocumentCheck) -> None:
    verdict = "acceptable" if check.ok else "refused"
    say(f"{check.display_name}: {verdict}")
    for label, value in _facts(check):
        say(f"  {label:<11} {value}")
    for note in check.warnings:
        say(f"  {'warning':<11} {note.message}")
    for problem in check.problems:
        say(f"  {'problem':<11} {problem.message}")
    if check.can_reencode:
        say(f"  {'hint':<11} {_reencode_hint(check)}")


def _facts(check: DocumentCheck) -> list[tuple[str, str]]:
    from certwizard.documents.images import format_size

    facts = []
    if check.kind:
        facts.append(("type", f"{check.kind} (decided by the content, not the name)"))
    if check.size or check.sha256:
        facts.append(("size", f"{format_size(check.size)} ({check.size:,} bytes; the limit is 500 KB)"))
    if check.width and check.height:
        facts.append(("dimensions", f"{check.width} x {check.height} pixels"))
    if check.sha256:
        facts.append(("sha256", check.sha256))
    return facts


def _reencode_hint(check: DocumentCheck) -> str:
    from certwizard.documents.images import DocumentError, format_size, reencode_to_fit

    advice = "add it in the wizard, which offers to re-encode it and shows you the result first"
    try:
        result = reencode_to_fit(check)
    except DocumentError:
        return advice
    return (f"re-encoded it would be a {result.kind} of {format_size(result.size)}, "
            f"{result.width} x {result.height} pixels; {advice}")
