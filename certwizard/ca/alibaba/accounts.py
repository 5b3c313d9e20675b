"""The Alibaba Cloud accounts of a data folder as records (a TinyDB setting). No AccessKey is ever kept:
credentials come from Alibaba's default chain (environment, CLI profile, credentials file, ECS RAM role)."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from certwizard.storage.repository import Repository

SETTING = "alibaba_accounts"
FAMILY = "alibaba"
DEFAULT_REGION = "cn-hangzhou"
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}\Z")


@dataclass(frozen=True)
class AlibabaAccountRecord:
    name: str
    region: str = DEFAULT_REGION
    profile: str | None = None      # a profile of the aliyun CLI's config (ALIBABA_CLOUD_PROFILE)
    created_at: str = ""

    @property
    def authority(self) -> str:
        return f"{FAMILY}:{self.name}"

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> AlibabaAccountRecord:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in stored.items() if key in known})


def accounts(repository: Repository) -> list[AlibabaAccountRecord]:
    stored = repository.get_setting(SETTING, {}) or {}
    return [AlibabaAccountRecord.from_stored(value) for _, value in sorted(stored.items())]


def find_account(repository: Repository, name: str) -> AlibabaAccountRecord | None:
    return next((record for record in accounts(repository) if record.name == name), None)


def authority_names(repository: Repository) -> list[str]:
    return [record.authority for record in accounts(repository)]
