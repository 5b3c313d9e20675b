"""Nothing outside `certwizard/ca/` knows which authority it talks to: it asks the authority's capabilities.

Read from the source, like test_layers.py: no module outside `ca/` imports a sandbox module (in any form,
deferred ones included), names one in a string (a module list for importlib), or compares a value with the
sandbox's name. The CLI's `sandbox-*` commands (`cli/sandbox.py`) are the sandbox's own and may.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "certwizard"
SANDBOX_MODULES = ("certwizard.ca.sandbox", "certwizard.ca.sandbox_pki")
SANDBOX_NAME = "sandbox"
OWN_COMMANDS = {PACKAGE / "cli" / "sandbox.py"}


def leaks(source: str) -> list[str]:
    """What in `source` knows about the sandbox, one line each ("line N: ...")."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value]
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Constant) and o.value == SANDBOX_NAME for o in operands):
                found.append(f"line {node.lineno}: compares with {SANDBOX_NAME!r}")
        found += [f"line {node.lineno}: {name}" for name in names
                  if any(name == module or name.startswith(module + ".") for module in SANDBOX_MODULES)]
    return found


def outside_ca() -> list[Path]:
    return [path for path in sorted(PACKAGE.rglob("*.py"))
            if PACKAGE / "ca" not in path.parents and path not in OWN_COMMANDS]


def test_no_module_outside_ca_imports_names_or_tests_for_the_sandbox():
    found = {str(path.relative_to(PACKAGE.parent)): problems for path in outside_ca()
             if (problems := leaks(path.read_text(encoding="utf-8")))}
    assert found == {}, "ask the authority (ca/base.py capabilities, ca/registry.py) instead"


@pytest.mark.parametrize("source", [
    "from certwizard.ca.sandbox import SPEED_ENV",
    "import certwizard.ca.sandbox_pki",
    "from certwizard.ca import sandbox",
    "def f():\n    from certwizard.ca.sandbox_pki import SandboxPKI",
    "MODULES = ('certwizard.ca.sandbox',)",
    "if order.authority == 'sandbox':\n    pass",
    "ok = 'sandbox' != name",
])
def test_the_check_itself_sees_each_kind_of_leak(source):
    assert leaks(source)


def test_the_check_leaves_the_interface_alone():
    assert leaks("from certwizard.ca.registry import authority_class\nfrom certwizard.ca.base import "
                 "AuthorityError\ntext = 'the sandbox CA'") == []
