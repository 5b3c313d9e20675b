"""Schema versions of the database file and the ordered migrations between them.

The version lives in the file itself: table "meta", document "schema", field "version". To change the layout,
bump CURRENT_SCHEMA_VERSION and register `MIGRATIONS[old] = function(tables) -> tables` that returns new
documents rather than changing the ones it was given (the storage reuses the encoding of unchanged objects).
The repository runs migrations inside its lock and keeps the pre-migration file next to the database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from certwizard import __version__
from certwizard.domain.ids import new_id
from certwizard.storage.errors import CorruptDatabaseError, StorageError
from certwizard.storage.order_index import index_document

# Tables as migrations see them: {table: {document id: document}} (read-only; return new objects).
Tables = Mapping[str, Mapping[str, Mapping[str, Any]]]

CURRENT_SCHEMA_VERSION = 5
META_TABLE = "meta"
SCHEMA_DOC = "schema"
ORDERS = "orders"
ORDER_INDEX = "order_index"
PROFILES = "profiles"
SETTINGS = "settings"

Migration = Callable[[Tables], Tables]


class SchemaTooNewError(StorageError):
    def __init__(self, path: Path, found: int, known: int) -> None:
        self.path = path
        self.found = found
        self.known = known
        super().__init__(
            f"{path} was written by a newer certwizard (database schema {found}; certwizard {__version__} "
            f"understands schema {known} and older). Upgrade certwizard to use it, or choose another "
            "--data-dir. The file was left unchanged.")


class OutdatedSchemaError(StorageError):
    """The file uses an older schema and must be migrated (under the lock) before use."""

    def __init__(self, path: Path, found: int, tables: Tables) -> None:
        self.found = found
        self.tables = tables
        super().__init__(f"{path} uses database schema {found}; it is upgraded to {CURRENT_SCHEMA_VERSION} "
                         "the next time certwizard opens it")


def new_database(version: int = CURRENT_SCHEMA_VERSION) -> dict[str, dict[str, dict[str, Any]]]:
    return {META_TABLE: {SCHEMA_DOC: {"version": version}}}


def schema_version(tables: Tables, path: Path) -> int:
    """The file's schema version: an empty database is current; data without a meta table is version 0."""
    if not tables:
        return CURRENT_SCHEMA_VERSION
    schema = tables.get(META_TABLE, {}).get(SCHEMA_DOC)
    if schema is None:
        return 0
    version = schema.get("version")
    if type(version) is not int or version < 1:
        raise CorruptDatabaseError(path, f"its schema version {version!r} is not a whole number of 1 or more "
                                         f"(table {META_TABLE!r}, document {SCHEMA_DOC!r})")
    return version


def check_schema(tables: Tables, path: Path) -> None:
    """Accept only current files; raise SchemaTooNewError or OutdatedSchemaError otherwise."""
    version = schema_version(tables, path)
    if version > CURRENT_SCHEMA_VERSION:
        raise SchemaTooNewError(path, version, CURRENT_SCHEMA_VERSION)
    if version < CURRENT_SCHEMA_VERSION:
        raise OutdatedSchemaError(path, version, tables)


def migrate(tables: Tables, path: Path, migrations: Mapping[int, Migration] | None = None,
            target: int = CURRENT_SCHEMA_VERSION) -> Tables:
    """Apply the migrations from the file's version up to `target`, one version at a time, in order."""
    steps = MIGRATIONS if migrations is None else migrations
    version = schema_version(tables, path)
    while version < target:
        step = steps.get(version)
        if step is None:
            raise StorageError(f"{path} uses database schema {version}, and this certwizard has no upgrade "
                               "from it; install the certwizard release that wrote it, or choose another "
                               "--data-dir")
        tables = _with_version(step(tables), version + 1)
        version += 1
    return tables


def _with_version(tables: Tables, version: int) -> Tables:
    rest = {name: table for name, table in tables.items() if name != META_TABLE}
    return {**new_database(version), **rest}


# --- the migrations ---------------------------------------------------------------------------------------

_ID_PREFIXES = {"orders": "ord", "profiles": "prof"}


def _v0_to_v1(tables: Tables) -> Tables:
    """v0 is a plain TinyDB file: numeric document ids ("1", "2", ...) and no meta table.

    v1 keys orders and profiles by their own `id` field, so every process agrees on ids without a counter.
    """
    migrated: dict[str, Any] = {}
    for name, table in tables.items():
        prefix = _ID_PREFIXES.get(name)
        migrated[name] = _keyed_by_own_id(table, prefix) if prefix else dict(table)
    return migrated


def _keyed_by_own_id(table: Mapping[str, Mapping[str, Any]], prefix: str) -> dict[str, dict[str, Any]]:
    keyed: dict[str, dict[str, Any]] = {}
    for document in table.values():
        own = document.get("id")
        if not isinstance(own, str) or not own or own in keyed:
            own = _unused_id(prefix, keyed)
        keyed[own] = {**document, "id": own}
    return keyed


def _unused_id(prefix: str, taken: Mapping[str, object]) -> str:
    while (candidate := new_id(prefix)) in taken:
        continue
    return candidate


def with_order_index(tables: Tables) -> Tables:
    """`tables` with the order index rebuilt from the orders (v2 keeps one index entry per order; v3 stores
    each entry's fields as a list; v4 adds when renewal is due, the renewal links and the installations; v5 who publishes the domain
    validation)."""
    orders = tables.get(ORDERS, {})
    return {**tables, ORDER_INDEX: {order_id: index_document(dict(orders[order_id])) for order_id in orders}}


MIGRATIONS: dict[int, Migration] = {
    0: _v0_to_v1,
    1: with_order_index,
    2: with_order_index,
    3: with_order_index,
    4: with_order_index,
}
