"""Which authority serves an order: looked up by the name recorded on the order."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from certwizard.ca.base import AuthorityError, CertificateAuthority
from certwizard.system.paths import DataLayout

if TYPE_CHECKING:
    from certwizard.ca.sandbox import ReviewSpeed
    from certwizard.storage.repository import Repository


class Authorities:
    """The configured authorities, each built when first used (start-up needs none of them)."""

    def __init__(self, layout: DataLayout, repository: "Repository") -> None:
        self._repository = repository
        self._layout = layout
        self._builders = {"sandbox": self._sandbox}
        self._by_name: dict[str, CertificateAuthority] = {}

    def _sandbox(self) -> CertificateAuthority:
        from certwizard.ca.sandbox import SandboxAuthority

        return SandboxAuthority(self._layout.ca_dir, speed=self.sandbox_speed)

    def sandbox_speed(self) -> "ReviewSpeed":
        """$CERTWIZARD_SANDBOX_SPEED wins over the saved setting; default: fast."""
        from certwizard.ca.sandbox import SPEED_ENV, SPEED_SETTING, ReviewSpeed

        value = os.environ.get(SPEED_ENV) or self._repository.get_setting(SPEED_SETTING, ReviewSpeed.FAST.value)
        try:
            return ReviewSpeed(value)
        except ValueError:
            return ReviewSpeed.FAST

    def get(self, name: str) -> CertificateAuthority:
        authority = self._by_name.get(name)
        if authority is None:
            builder = self._builders.get(name)
            if builder is None:
                known = ", ".join(self._builders)
                raise AuthorityError(f"no certificate authority named {name!r} is configured (known: {known})")
            authority = self._by_name[name] = builder()
        return authority

    def names(self) -> list[str]:
        return list(self._builders)
