"""Each layer imports only from the layers below it, and no modules import each other in a cycle.

Read from the source (every `import`, at the top or inside a function: a deferred import is still a
dependency), so it needs nothing installed. docs/ARCHITECTURE.md draws the same layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "certwizard"

# (layer, rank, module prefixes): a module may import its own layer and any layer of a lower rank.
LAYERS = [
    ("package", -1, ("certwizard", "certwizard.errors")),    # the version and the error base: for every layer
    ("system", 0, ("certwizard.system",)),
    ("domain", 1, ("certwizard.domain",)),
    ("crypto", 2, ("certwizard.crypto",)),
    ("storage", 2, ("certwizard.storage",)),
    ("documents", 3, ("certwizard.documents",)),
    ("ca", 3, ("certwizard.ca",)),
    ("export", 3, ("certwizard.export",)),
    ("services", 4, ("certwizard.services",)),
    ("cli", 5, ("certwizard.cli",)),
    ("ui", 5, ("certwizard.ui",)),
]
ENTRY_POINTS = {"certwizard.__main__"}
ALLOWED_UPWARD = {
    ("certwizard.cli.tui", "certwizard.ui.app"),       # `certwizard` with no command starts the wizard
}
# Known exceptions, each to be removed by moving code to its layer (issue "One place for every concern"):
# draft validation checks a pasted CSR, so it belongs with the services, not in the domain.
KNOWN_UPWARD = {
    ("certwizard.domain.application", "certwizard.crypto.csr_lint"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def type_checking_only(tree: ast.AST) -> set[ast.AST]:
    """The import statements under `if TYPE_CHECKING:`: they never run, so they cannot form a cycle."""
    nodes: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            nodes.update(inner for statement in node.body for inner in ast.walk(statement))
    return nodes


def import_graph(run_time_only: bool = False) -> dict[str, set[str]]:
    """Which modules each module imports; `run_time_only` leaves out the imports for the type checker."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = type_checking_only(tree) if run_time_only else set()
        for node in ast.walk(tree):
            if node in skipped:
                continue
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:      # `from certwizard.ui import hangup` imports a module
                    targets.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source)
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def layer_of(module: str) -> tuple[str, int]:
    for layer, rank, prefixes in LAYERS:
        if module in prefixes or any(module.startswith(prefix + ".") for prefix in prefixes if rank >= 0):
            return layer, rank
    raise AssertionError(f"{module} is in no layer: add it to LAYERS here and to docs/ARCHITECTURE.md")


def upward_imports(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    found = set()
    for module, targets in graph.items():
        if module in ENTRY_POINTS:
            continue
        layer, rank = layer_of(module)
        for target in targets:
            if target in ENTRY_POINTS:
                found.add((module, target))
                continue
            other, other_rank = layer_of(target)
            if other != layer and other_rank >= rank:
                found.add((module, target))
    return found


def test_every_module_belongs_to_a_layer():
    for module in import_graph():
        if module not in ENTRY_POINTS:
            layer_of(module)


def test_no_layer_imports_from_a_layer_above_or_beside_it():
    found = upward_imports(import_graph()) - ALLOWED_UPWARD
    assert found - KNOWN_UPWARD == set(), "imports against the layers (move the code, or the import, down)"
    assert KNOWN_UPWARD - found == set(), "a known exception is gone: remove it from KNOWN_UPWARD"


def test_no_modules_import_each_other_in_a_cycle():
    graph = import_graph(run_time_only=True)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}          # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target] if target in path else [module, target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(cycle) for cycle in cycles)


@pytest.mark.parametrize("bad, expected", [
    ({"certwizard.domain.models": {"certwizard.storage.repository"}, "certwizard.storage.repository": set()},
     {("certwizard.domain.models", "certwizard.storage.repository")}),
    ({"certwizard.crypto.keys": {"certwizard.storage.errors"}, "certwizard.storage.errors": set()},
     {("certwizard.crypto.keys", "certwizard.storage.errors")}),          # beside it: same rank, other layer
    ({"certwizard.ui.app": {"certwizard.services.workflow"}, "certwizard.services.workflow": set()}, set()),
])
def test_the_rule_itself_sees_an_import_against_the_layers(bad, expected):
    assert upward_imports(bad) == expected


def test_every_error_a_user_can_act_on_shares_one_base():
    import importlib

    from certwizard.errors import CertwizardError

    names = {
        "certwizard.storage.errors": ["StorageError"], "certwizard.crypto.keys": ["KeyFileError", "CsrSelfCheckError"],
        "certwizard.ca.base": ["AuthorityError"], "certwizard.documents.images": ["DocumentError"],
        "certwizard.export.errors": ["ExportError"], "certwizard.domain.status": ["IllegalTransitionError"],
        "certwizard.crypto.certinfo": ["CertificateError"], "certwizard.services.application_file": ["ApplicationFileError"],
        "certwizard.ca.sandbox_pki": ["SandboxCAError", "IssuanceError"],
        "certwizard.services.workflow": ["ApplicationInvalidError", "NotEditableError", "SubmissionInProgressError"],
    }
    for module, classes in names.items():
        for name in classes:
            assert issubclass(getattr(importlib.import_module(module), name), CertwizardError), name
