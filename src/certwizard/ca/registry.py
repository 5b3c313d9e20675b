"""Which authority serves an order: looked up by the name recorded on the order."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from certwizard.ca.base import AuthorityError, CertificateAuthority
from certwizard.ca.sandbox import SPEED_ENV, SPEED_SETTING, ReviewSpeed, SandboxAuthority
from certwizard.paths import DataLayout

if TYPE_CHECKING:
    from certwizard.storage.repository import Repository


class Authorities:
    def __init__(self, layout: DataLayout, repository: "Repository") -> None:
        self._repository = repository
        self._by_name: dict[str, CertificateAuthority] = {
            "sandbox": SandboxAuthority(layout.ca_dir, speed=self.sandbox_speed),
        }

    def sandbox_speed(self) -> ReviewSpeed:
        """$CERTWIZARD_SANDBOX_SPEED wins over the saved setting; default: fast."""
        value = os.environ.get(SPEED_ENV) or self._repository.get_setting(SPEED_SETTING, ReviewSpeed.FAST.value)
        try:
            return ReviewSpeed(value)
        except ValueError:
            return ReviewSpeed.FAST

    def get(self, name: str) -> CertificateAuthority:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(self._by_name)
            raise AuthorityError(f"no certificate authority named {name!r} is configured (known: {known})") from None

    def names(self) -> list[str]:
        return list(self._by_name)
