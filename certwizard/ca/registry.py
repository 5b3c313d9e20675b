"""Which authority serves an order: looked up by the name recorded on the order (and on its product).

`KNOWN` lists every authority certwizard can use, by name: the class that implements the interface of
`ca/base.py` (as "module:Class", imported when first used, so start-up loads none of them) and the other
modules that using it imports (`ui/warm_up.py` loads them all while the user reads the first screen). The
class builds itself for a data folder with `configured(layout, repository)`; its capabilities (title, CSR name
rule, products, validation methods, trust note, help) are attributes of the class, so `authority_class(name)`
answers them without a data folder. A new authority: one module under `ca/`, one entry in `KNOWN`, and its
products in the catalog (`domain/products.py`, which says why they live there).

`FAMILIES` are authorities of which a data folder has any number, one per account ("acme:NAME"): the class
builds one with `configured(layout, repository, name)`, `members(repository)` lists the folder's names, and
their products are the family's offer in `domain/products.py` under ids naming the account.
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


@dataclass(frozen=True)
class KnownFamily(KnownAuthority):
    members: str = ""                    # "module:function" listing a data folder's authority names


KNOWN: dict[str, KnownAuthority] = {
    "sandbox": KnownAuthority("certwizard.ca.sandbox:SandboxAuthority", ("certwizard.ca.sandbox_pki",)),
}
FAMILIES: dict[str, KnownFamily] = {
    "acme": KnownFamily("certwizard.ca.acme.authority:AcmeAuthority", ("certwizard.ca.acme.client",),
                        members="certwizard.ca.acme.accounts:authority_names"),
    "alibaba": KnownFamily("certwizard.ca.alibaba.authority:AlibabaAuthority", ("certwizard.ca.alibaba.client",),
                           members="certwizard.ca.alibaba.accounts:authority_names"),
}


def _imported(reference: str) -> Any:
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


def family_of(name: str) -> KnownFamily | None:
    """The family an authority name belongs to ("acme:NAME" -> acme), None for another name."""
    family, separator, member = name.partition(":")
    return FAMILIES.get(family) if separator and member else None


def authority_class(name: str) -> Any:
    """The class of the authority named `name` (its capabilities are class attributes); AuthorityError if no
    authority of that name is known."""
    known = KNOWN.get(name) or family_of(name)
    if known is None:
        raise _not_configured(name, KNOWN)
    return _imported(known.implementation)


def _not_configured(name: str, known: Iterable[str]) -> AuthorityError:
    from certwizard.domain.products import IMPORTED_AUTHORITY, IMPORTED_REFUSAL

    if name == IMPORTED_AUTHORITY:       # no authority on purpose: say how to give the certificate one
        return AuthorityError(IMPORTED_REFUSAL)
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
        if name in KNOWN:
            return authority_class(name).configured(self._layout, self._repository)
        return authority_class(name).configured(self._layout, self._repository, name)

    def _members(self) -> list[str]:
        """The family members this data folder has now (accounts may be added while the app runs)."""
        return [name for family in FAMILIES.values()
                for name in _imported(family.members)(self._repository) if name not in self._builders]

    def register(self, name: str, build: Callable[[], CertificateAuthority]) -> None:
        """Serve `name` with what `build()` returns (an authority not in KNOWN, or another build of one)."""
        self._builders[name] = build
        self._by_name.pop(name, None)

    def get(self, name: str) -> CertificateAuthority:
        authority = self._by_name.get(name)
        if authority is None:
            builder = self._builders.get(name)
            if builder is None:
                if family_of(name) is None:
                    raise _not_configured(name, self.names())
                builder = partial(self._configured, name)   # its own refusal says when the account is gone
            authority = self._by_name[name] = builder()
        return authority

    def find(self, name: str) -> CertificateAuthority | None:
        """The authority named `name`, or None when none of that name is configured."""
        return self.get(name) if name in self.names() else None

    def names(self) -> list[str]:
        return [*self._builders, *self._members()]

    def products(self) -> list["Product"]:
        """What the configured authorities offer, authority by authority, each in its own order."""
        return [product for name in self.names() for product in self.get(name).products]

    def help_sections(self) -> list[str]:
        """The configured authorities' sections of the Help screen (Markdown), one per kind of authority."""
        kinds: dict[str, str] = {}
        for name in self.names():
            section = self.get(name).help_section
            if section:
                kinds.setdefault(section, name)
        return list(kinds)

