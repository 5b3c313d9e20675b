"""The database: one Repository over TinyDB, safe across processes and crashes (see repository.py)."""

from certwizard.storage.json_storage import CorruptDatabaseError, StorageError
from certwizard.storage.migrations import CURRENT_SCHEMA_VERSION, SchemaTooNewError
from certwizard.storage.repository import (
    MAX_ORDERS_PER_ADD,
    ConflictError,
    DatabaseBusyError,
    OrderNotFoundError,
    ProfileNotFoundError,
    Repository,
    UnreadableRecordError,
)

__all__ = [
    "CURRENT_SCHEMA_VERSION",
    "MAX_ORDERS_PER_ADD",
    "ConflictError",
    "CorruptDatabaseError",
    "DatabaseBusyError",
    "OrderNotFoundError",
    "ProfileNotFoundError",
    "Repository",
    "SchemaTooNewError",
    "StorageError",
    "UnreadableRecordError",
]
