"""The ACME accounts of a data folder as records (a TinyDB setting): what an `AcmeAuthority` is built from.

Registering and removing accounts is `services/acme_accounts.py`; reading them is here, below the services,
because the authority registry builds one authority per account.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from certwizard.storage.repository import Repository
    from certwizard.system.paths import DataLayout

SETTING = "acme_accounts"
FAMILY = "acme"          # authority names are "acme:NAME"


@dataclass(frozen=True)
class AcmeAccountRecord:
    name: str
    directory_url: str
    account_url: str
    key_file: str                        # under the data folder's acme/ folder
    email: str | None = None
    ca_bundle: str | None = None         # the API's TLS (private CAs, tests)
    trust_root: str | None = None        # the root issued chains are checked against (private CAs, tests)
    terms_of_service: str | None = None
    created_at: str = ""
    profile: str | None = None           # the CA's certificate profile, where it offers them

    @property
    def authority(self) -> str:
        """The authority name its orders record."""
        return f"{FAMILY}:{self.name}"

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> AcmeAccountRecord:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in stored.items() if key in known})


def acme_dir(layout: DataLayout) -> Path:
    return layout.root / "acme"


def accounts(repository: Repository) -> list[AcmeAccountRecord]:
    stored = repository.get_setting(SETTING, {}) or {}
    return [AcmeAccountRecord.from_stored(fields) for _, fields in sorted(stored.items())]


def find_account(repository: Repository, name: str) -> AcmeAccountRecord | None:
    return next((record for record in accounts(repository) if record.name == name), None)


def authority_names(repository: Repository) -> list[str]:
    return [record.authority for record in accounts(repository)]
