"""Where certwizard keeps its data: one private folder, overridable by --data-dir or CERTWIZARD_DATA_DIR."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from certwizard.system.securefs import ensure_private_dir

DATA_DIR_ENV = "CERTWIZARD_DATA_DIR"
APP_NAME = "certwizard"


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir wins, then the environment variable, then the platform's user data folder."""
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return default_data_dir()


@dataclass(frozen=True)
class DataLayout:
    """The files and folders under one data folder."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "certwizard.json"

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    @property
    def documents_dir(self) -> Path:
        return self.root / "documents"

    @property
    def ca_dir(self) -> Path:
        return self.root / "sandbox-ca"

    @property
    def certificates_dir(self) -> Path:
        return self.root / "certificates"

    def ensure(self) -> "DataLayout":
        """Create the data folder and its private sub-folders, all 0700."""
        ensure_private_dir(self.root)
        for folder in (self.keys_dir, self.documents_dir):
            ensure_private_dir(folder)
        return self

    @classmethod
    def resolve(cls, explicit: str | os.PathLike[str] | None = None) -> "DataLayout":
        return cls(resolve_data_dir(explicit))
