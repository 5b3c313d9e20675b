"""ACME accounts of a data folder: registered at the CA once, kept as a record in TinyDB and a key file.

The record holds what certwizard needs to reach the account again (directory, account URL, key file name,
the CA bundle and trust root given for private CAs) and never a secret: the account key is a 0600 file in
the data folder's 0700 `acme/` folder, and an EAB HMAC key is used for the one registration and forgotten.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certwizard.ca.acme.accounts import SETTING, AcmeAccountRecord, accounts, acme_dir
from certwizard.errors import CertwizardError
from certwizard.storage.repository import Repository
from certwizard.system.paths import DataLayout
from certwizard.system.securefs import ensure_private_dir

if TYPE_CHECKING:
    from certwizard.ca.acme.models import DirectoryMeta

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}\Z")


class AcmeAccountError(CertwizardError):
    """An account could not be added or removed; the message says what to do."""


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise AcmeAccountError(f"{name!r} cannot name an account: use 1-32 lower-case letters, digits and "
                               "hyphens, starting with a letter or digit (e.g. letsencrypt, step-ca)")
    return name


def directory_meta(directory_url: str, ca_bundle: str | None = None) -> DirectoryMeta:
    """What the CA's directory asks of a new account (terms of service, External Account Binding), read
    before registering so a form can ask for exactly that. Blocking: the TUI calls it from a worker."""
    from certwizard.ca.acme.client import AcmeClient

    with AcmeClient.open(directory_url, ca_bundle=ca_bundle) as client:
        return client.meta


def add_account(repository: Repository, layout: DataLayout, name: str, directory_url: str, *,
                email: str | None = None, eab_kid: str | None = None, eab_hmac_key: str | None = None,
                ca_bundle: str | None = None, trust_root: str | None = None, profile: str | None = None,
                agree_tos: bool = False,
                agree: Callable[[str], bool] | None = None) -> AcmeAccountRecord:
    """Register a new account at `directory_url` and record it as `name`.

    Without `agree_tos`, `agree(terms_url)` is asked (None: refused, with the URL to read)."""
    from certwizard.ca.acme.client import AcmeClient

    check_name(name)
    if any(record.name == name for record in accounts(repository)):
        raise AcmeAccountError(f"an account named {name!r} exists already; remove it first "
                               f"(certwizard acme remove {name}) or choose another name")
    for label, path in (("CA bundle", ca_bundle), ("trust root", trust_root)):
        if path is not None and not Path(path).is_file():
            raise AcmeAccountError(f"the {label} {path} is not a file; give a PEM file")
    folder = ensure_private_dir(acme_dir(layout))
    key_path = Path(folder) / f"{name}.key"
    if key_path.exists():
        raise AcmeAccountError(f"{key_path} exists already (an account key of an earlier try); move it away "
                               "to register a new account, or keep it and remove that account at the CA")
    with AcmeClient.open(directory_url, ca_bundle=ca_bundle) as client:
        meta = client.meta
        if meta.external_account_required and not (eab_kid and eab_hmac_key):
            raise AcmeAccountError(f"{directory_url} requires External Account Binding: give --eab-kid KID "
                                   "and --eab-hmac-key-file FILE (both from the CA's account page)")
        if profile and meta.profiles and profile not in meta.profiles:
            raise AcmeAccountError(f"{directory_url} offers no profile {profile!r}; it offers "
                                   f"{', '.join(meta.profiles)}")
        terms = meta.terms_of_service
        if terms and not agree_tos:
            if agree is None or not agree(terms):
                raise AcmeAccountError(f"the CA asks you to agree to its terms of service ({terms}); read "
                                       "them, then add --agree-tos")
            agree_tos = True
        account = client.register(key_path, email=email, agree_tos=agree_tos, eab_kid=eab_kid,
                                  eab_hmac_key=eab_hmac_key)
    record = AcmeAccountRecord(
        name=name, directory_url=directory_url, account_url=account.url, key_file=key_path.name, email=email,
        ca_bundle=str(Path(ca_bundle).resolve()) if ca_bundle else None,
        trust_root=str(Path(trust_root).resolve()) if trust_root else None, terms_of_service=terms,
        profile=profile or None,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"))

    def added(stored: Any) -> dict[str, Any]:
        return {**(stored or {}), name: asdict(record)}

    repository.update_setting(SETTING, added, {})
    return record


def remove_account(repository: Repository, layout: DataLayout, name: str,
                   open_orders: Callable[[str], list[str]]) -> AcmeAccountRecord:
    """Forget the account `name` and delete its key file; refused while `open_orders(authority)` names any."""
    found = {record.name: record for record in accounts(repository)}
    record = found.get(name)
    if record is None:
        known = ", ".join(found) or "none"
        raise AcmeAccountError(f"no ACME account is named {name!r} (accounts: {known}); see certwizard acme list")
    using = open_orders(record.authority)
    if using:
        raise AcmeAccountError(f"{len(using)} open order(s) use the account {name!r} ({', '.join(using[:5])}); "
                               "withdraw or finish them first")

    def removed(stored: Any) -> dict[str, Any]:
        return {key: value for key, value in (stored or {}).items() if key != name}

    repository.update_setting(SETTING, removed, {})
    (acme_dir(layout) / record.key_file).unlink(missing_ok=True)
    return record
