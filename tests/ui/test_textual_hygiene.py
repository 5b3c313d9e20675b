"""Our widgets must not reuse Textual's private attribute names.

Textual keeps its own state in `self._closing`, `self._value`... on every MessagePump. A subclass that assigns
the same name silently breaks Textual: `ApplyScreen._closing = True` once made closing the Apply screen hang the
whole app (its message queue was never closed). This test finds every `self._name = ...` in certwizard.ui and
refuses names that the Textual base class of that widget already uses.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil

from textual.dom import DOMNode

import certwizard.ui


def _ui_classes() -> list[type]:
    classes = []
    for info in pkgutil.walk_packages(certwizard.ui.__path__, "certwizard.ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, DOMNode):
                classes.append(cls)
    return classes


def _assigned_private_names(cls: type) -> set[str]:
    tree = ast.parse(inspect.getsource(cls).lstrip())  # a nested class body is indented
    names = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id == "self" and target.attr.startswith("_")
                    and not target.attr.startswith("__")):
                names.add(target.attr)
    return names


def _textual_names(cls: type) -> set[str]:
    """Every name the nearest Textual base class uses: class attributes and what its __init__ sets."""
    base = next(b for b in cls.__mro__ if b.__module__.startswith("textual."))
    names = set(dir(base))
    try:
        names |= set(vars(base()))
    except TypeError:  # a base that needs arguments: its class attributes still count
        pass
    return names


def test_ui_classes_were_found():
    names = {cls.__name__ for cls in _ui_classes()}
    assert {"ApplyScreen", "CertificatesScreen", "ConfirmDialog", "FieldRow"} <= names


def test_no_ui_class_overwrites_a_private_textual_attribute():
    clashes = {f"{cls.__module__}.{cls.__qualname__}: self.{name}"
               for cls in _ui_classes()
               for name in _assigned_private_names(cls) & _textual_names(cls)}
    assert not clashes, "rename these attributes, Textual uses them itself: " + ", ".join(sorted(clashes))


def test_every_screen_moves_the_focus_without_repainting_all_of_itself():
    from textual.screen import Screen

    from certwizard.ui.textual_fixes.quiet_focus import QuietFocus

    screens = [cls for cls in _ui_classes() if issubclass(cls, Screen)]
    assert len(screens) >= 8
    loud = [cls.__qualname__ for cls in screens if not issubclass(cls, QuietFocus)]
    assert not loud, "derive these from WizardScreen or DialogScreen (see ui/textual_fixes/quiet_focus.py): " + ", ".join(loud)
    assert all(cls.focused._repaint is False for cls in screens)
