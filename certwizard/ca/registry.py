"""Which authority serves an order: looked up by the name recorded on the order (and on its product).

`KNOWN` lists every authority certwizard can use, by name: the class that implements the interface of
`ca/base.py` (as "module:Class", imported when first used, so start-up loads none of them) and the other
modules that using it imports (`ui/warm_up.py` loads them all while the user reads the first screen). The
class builds itself for a data folder with `configured(layout, repository)`; its capabilities (title, CSR name
rule, products, validation methods, trust note, help) are attributes of the class, so `authority_class(name)`
answers them without a data folder. A new authority: one module under `ca/`, one entry in `KNOWN`, and its
products in the catalog (`domain/products.py`, which says why they live there).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from certwizard.ca.base import AuthorityError, CertificateAuthority
from certwizard.system.paths import DataLayout

if TYPE_CHECKING:
    from certwizard.domain.products import Product
    from certwizard.storage.repository import Repository


@dataclass(frozen=True)
class KnownAuthority:
    implementation: str                  # "module:Class"
    also_imports: tuple[str, ...] = ()   # modules its code imports when used (loaded early by the warm-up)

    @property
    def module(self) -> str:
        return self.implementation.partition(":")[0]


KNOWN: dict[str, KnownAuthority] = {
    "sandbox": KnownAuthority("certwizard.ca.sandbox:SandboxAuthority", ("certwizard.ca.sandbox_pki",)),
}


def authority_class(name: str) -> Any:
    """The class of the authority named `name` (its capabilities are class attributes); AuthorityError if no
    authority of that name is known."""
    known = KNOWN.get(name)
    if known is None:
        raise _not_configured(name, KNOWN)
    module, _, class_name = known.implementation.partition(":")
    return getattr(importlib.import_module(module), class_name)


def _not_configured(name: str, known: Iterable[str]) -> AuthorityError:
    return AuthorityError(f"no certificate authority named {name!r} is configured (known: {', '.join(known)})")


def modules_to_warm() -> list[str]:
    """Every module the known authorities use, theirs first (for `ui/warm_up.py`)."""
    return [name for known in KNOWN.values() for name in (known.module, *known.also_imports)]


class Authorities:
    """The configured authorities of one data folder, each built when first used (start-up needs none)."""

    def __init__(self, layout: DataLayout, repository: "Repository") -> None:
        self._repository = repository
        self._layout = layout
        self._builders: dict[str, Callable[[], CertificateAuthority]] = {
            name: partial(self._configured, name) for name in KNOWN}
        self._by_name: dict[str, CertificateAuthority] = {}

    def _configured(self, name: str) -> CertificateAuthority:
        return authority_class(name).configured(self._layout, self._repository)

    def register(self, name: str, build: Callable[[], CertificateAuthority]) -> None:
        """Serve `name` with what `build()` returns (an authority not in KNOWN, or another build of one)."""
        self._builders[name] = build
        self._by_name.pop(name, None)

    def get(self, name: str) -> CertificateAuthority:
        authority = self._by_name.get(name)
        if authority is None:
            builder = self._builders.get(name)
            if builder is None:
                raise _not_configured(name, self._builders)
            authority = self._by_name[name] = builder()
        return authority

    def find(self, name: str) -> CertificateAuthority | None:
        """The authority named `name`, or None when none of that name is configured."""
        return self.get(name) if name in self._builders else None

    def names(self) -> list[str]:
        return list(self._builders)

    def products(self) -> list["Product"]:
        """What the configured authorities offer, authority by authority, each in its own order."""
        return [product for name in self._builders for product in self.get(name).products]

    def help_sections(self) -> list[str]:
        """The configured authorities' sections of the Help screen (Markdown)."""
        return [section for name in self._builders if (section := self.get(name).help_section)]

