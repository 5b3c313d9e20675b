"""Every use of Textual's private internals is listed in certwizard/ui/textual_fixes/README.md.

A Textual upgrade can change any of them without notice; the README says, for each, why it is used and when
it can go. This test reads the source (no import): outside ui/textual_fixes/ (whose modules exist for such
seams), an attribute `x._name` counts as Textual's when Textual's own source defines `_name` and certwizard's
does not (so certwizard's private attributes are never flagged); so do `super()._name` (extending a private
method of Textual's) and an import from a private Textual module (`textual._time`, `textual.widgets._select`). Each use needs a row of the README's table naming the
module (its path under certwizard/ui/) and the name in backticks.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import textual

PACKAGE = Path(__file__).resolve().parents[2] / "certwizard"
FIXES = PACKAGE / "ui" / "textual_fixes"
README = FIXES / "README.md"


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _defined_names(root: Path) -> set[str]:
    """The private names a source tree defines: methods, class attributes and `self._x = ...`."""
    names: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute):
                        names.add(target.attr)
                    elif isinstance(target, ast.Name):
                        names.add(target.id)
    return {name for name in names if _private(name)}


@cache
def _textual_names() -> frozenset[str]:
    return frozenset(_defined_names(Path(textual.__file__).parent))


@cache
def _textual_private() -> frozenset[str]:
    """Textual's private names that certwizard does not define itself."""
    return _textual_names() - _defined_names(PACKAGE)


def _uses(path: Path) -> set[str]:
    """What `path` uses of Textual's internals: `_name` attributes, and `textual...._module` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    private = _textual_private()
    other_modules = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names if alias.name.split(".")[0] != "textual"}     # os._exit is not
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
                if node.attr in _textual_names():       # extending a private method of Textual's
                    found.add(node.attr)
            elif node.attr in private and not (isinstance(owner, ast.Name) and owner.id in other_modules):
                found.add(node.attr)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "textual":
            found.update(part for part in node.module.split(".") if _private(part))
    return found


def _listed() -> set[tuple[str, str]]:
    """(module, name) for every table row of the README: the module's path and each `..._name` in it."""
    pairs: set[tuple[str, str]] = set()
    for line in README.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        modules = re.findall(r"[\w/]+\.py", line)
        names = {match for code in re.findall(r"`([^`]+)`", line) for match in re.findall(r"(?<!_)_[a-z]\w*", code)}
        pairs.update((module, name) for module in modules for name in names)
    return pairs


def test_the_scan_finds_known_uses():
    assert {"_legal_values", "_suggestion", "_scroll_update"} <= _textual_private()
    assert "_summaries" not in _textual_private()          # certwizard's own


def test_every_use_of_textual_internals_outside_textual_fixes_is_listed_in_its_readme():
    listed = _listed()
    unlisted = sorted(f"{path.relative_to(PACKAGE / 'ui')}: {name}"
                      for path in PACKAGE.rglob("*.py") if FIXES not in path.parents
                      for name in _uses(path)
                      if (str(path.relative_to(PACKAGE / "ui")) if PACKAGE / "ui" in path.parents else
                          str(path.relative_to(PACKAGE)), name) not in listed)
    assert not unlisted, ("list these uses of Textual's private internals in ui/textual_fixes/README.md (or move "
                          "them into ui/textual_fixes/): " + ", ".join(unlisted))
