"""The database file: a parsed snapshot reused while the file is unchanged, and a TinyDB Storage that
replaces the file atomically.

Why not TinyDB's own JSONStorage: it rewrites the file in place (a crash leaves a torn file), creates it
with the umask's mode, and re-parses the whole file on every read. Here:
- every write goes through `securefs.atomic_replace` (temp file, fsync, rename, fsync of the folder), 0600;
- a read re-reads only when the file's (device, inode, size, mtime) changed. The snapshot keeps the file it
  was read from open, so its inode number cannot be reused by a later replacement: the signature stays unique;
- documents are parsed only when used and written back byte for byte when unchanged (`file_layout`,
  `LazyTable`): a status change at 10,000 orders joins bytes already in memory, with no 20 MB dump or parse.

Documents are treated as immutable: a change replaces the whole document object (`KeyedTable.replace`).
`KeyedTable` refuses TinyDB's in-place methods, which would change shared documents behind the snapshot.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from certwizard.securefs import TEMP_PREFIX, UnsafePathError, atomic_replace_with
from certwizard.storage.errors import CorruptDatabaseError, CorruptDocumentError, StorageError
from certwizard.storage.file_layout import Layout, Tables, decode_file, plan_file
from certwizard.storage.lazy_table import LazyTable, encode_member
from certwizard.storage.source import Source

__all__ = [
    "MAX_DATABASE_BYTES", "CertwizardDB", "CorruptDatabaseError", "CorruptDocumentError", "KeyedTable",
    "LazyTable", "Layout", "SnapshotStore", "StorageError", "Tables", "encode_entry", "open_tinydb",
    "remove_orphaned_temp_files",
]

MAX_DATABASE_BYTES = 256 * 1024 * 1024
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def encode_entry(doc_id: str, document: Mapping[str, Any]) -> str:
    """One `"id":{...}` member of a table object (raises TypeError/ValueError for values JSON cannot hold)."""
    return encode_member(doc_id, document).decode("ascii")


def as_tables(tables: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> Tables:
    """Any {table: {id: document}} as LazyTables (LazyTables are kept as they are)."""
    return {name: LazyTable.of(name, table) for name, table in tables.items()}


# --- the snapshot -------------------------------------------------------------------------------------

Signature = tuple[int, int, int, int]


def _signature(st: os.stat_result) -> Signature:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class _Snapshot:
    signature: Signature
    tables: Tables
    layout: Layout
    source: Source        # the file the tables came from, held open (see source.py)


class SnapshotStore:
    """The database file of one process, re-read only when the file changed.

    `check` is called with every newly read file before it is used (the repository checks the schema version
    there) and may raise. Thread-safe; the cross-process lock is the repository's job.

    Sharing rule: `tables()` returns a fresh outer dict, but the tables and their documents are the snapshot's
    own and must not be changed: a write passes new tables (`LazyTable.with_changes`).
    """

    def __init__(self, path: str | os.PathLike[str],
                 check: Callable[[Tables], None] = lambda tables: None,
                 file_backed: frozenset[str] = frozenset()) -> None:
        """`file_backed`: the big tables, whose documents stay in the file until read."""
        self.path = Path(path)
        self.file_backed = file_backed
        self.reads = 0           # how many times the file was read (tests and benchmarks watch it)
        self._check = check
        self._snapshot: _Snapshot | None = None
        self._mutex = threading.Lock()

    @property
    def parses(self) -> int:
        return self.reads

    def tables(self) -> Tables | None:
        """The current content, or None when there is no file."""
        with self._mutex:
            snapshot = self._current()
            return None if snapshot is None else dict(snapshot.tables)

    def refresh(self) -> bool:
        """Bring the snapshot up to date with the file; False when there is no file."""
        with self._mutex:
            return self._current() is not None

    @property
    def layout(self) -> Layout | None:
        """How the current file is laid out (None without a file); `refresh` first."""
        snapshot = self._snapshot
        return None if snapshot is None else snapshot.layout

    def write(self, tables: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        """Atomically replace the file with `tables` (which must not be changed afterwards)."""
        lazy = as_tables(tables)
        with self._mutex:
            plan = plan_file(lazy, self.file_backed)
            atomic_replace_with(self.path, plan.write_to)
            # Under the repository's lock nobody else replaces the file between the rename and this open.
            fd, st = _open_pinned(self.path)
            source = Source(fd, st.st_size, self.path)
            if st.st_size != plan.size:
                raise StorageError(f"{self.path} was changed while certwizard wrote it; another program is "
                                   "writing certwizard's database: stop it, then try again")
            self._replace(_Snapshot(_signature(st), plan.tables_in(lazy, source), Layout.LINES, source))

    def forget(self) -> None:
        """Drop the snapshot (e.g. after the file was moved away)."""
        with self._mutex:
            self._replace(None)

    def close(self) -> None:
        self.forget()

    def _current(self) -> _Snapshot | None:
        try:
            st = os.stat(self.path, follow_symlinks=False)
        except FileNotFoundError:
            self._replace(None)
            return None
        if self._snapshot is not None and self._snapshot.signature == _signature(st):
            return self._snapshot
        fd, st = _open_pinned(self.path)
        source = Source(fd, st.st_size, self.path)      # closes the descriptor when dropped
        if st.st_size > MAX_DATABASE_BYTES:
            raise StorageError(f"{self.path} is larger than {MAX_DATABASE_BYTES // (1024 * 1024)} MiB, the most "
                               "certwizard reads; move it away (certwizard then starts an empty database) or "
                               "choose another --data-dir")
        self.reads += 1
        tables, layout = decode_file(source, self.file_backed)
        self._check(tables)
        self._replace(_Snapshot(_signature(st), tables, layout, source))
        return self._snapshot

    def _replace(self, snapshot: _Snapshot | None) -> None:
        # The old file is closed once no table reads from it any more (Source closes itself when dropped).
        self._snapshot = snapshot


def _open_pinned(path: Path) -> tuple[int, os.stat_result]:
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePathError(errno.ELOOP, "is a symbolic link; certwizard keeps its database only in a "
                                  "real file: remove the link or choose another --data-dir",
                                  str(path)) from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnsafePathError(errno.EINVAL, "is not a regular file; move it away or choose another "
                              "--data-dir", str(path))
    return fd, st


def remove_orphaned_temp_files(db_path: Path) -> int:
    """Delete temp files that `atomic_replace` left for `db_path` when its writer was killed.

    Call only while holding the database lock: then no live writer owns such a file, whatever its age.
    Relies on securefs naming temp files `<TEMP_PREFIX><12 hex>-<target name>`.
    """
    pattern = re.compile(re.escape(TEMP_PREFIX) + r"[0-9a-f]{12}-" + re.escape(db_path.name) + r"\Z")
    removed = 0
    try:
        entries = list(os.scandir(db_path.parent))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if pattern.match(entry.name) and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
                removed += 1
            except FileNotFoundError:
                continue
    return removed


# --- TinyDB glue --------------------------------------------------------------------------------------

class SnapshotStorage(Storage):
    """TinyDB Storage over a SnapshotStore (TinyDB(store, storage=SnapshotStorage))."""

    def __init__(self, store: SnapshotStore) -> None:
        self.store = store

    def read(self) -> Tables | None:
        return self.store.tables()

    def write(self, data: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        self.store.write(data)


class KeyedTable(Table):
    """A table keyed by certwizard's own string ids ('ord-3f9a1c2b'); documents are replaced, not mutated.

    Reads go through TinyDB (`get`, `search`, `all`...); `get(doc_id=...)` parses just that document. Writes
    use `replace`/`remove`, which change only the named documents and never parse the others."""

    document_id_class = str

    def _get_next_id(self, *args: object, **kwargs: object):
        raise TypeError("certwizard documents carry their own ids: "
                        "use KeyedTable.replace({doc_id: document})")

    def ids(self) -> set[str]:
        return set(self._read_table())

    def replace(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        """Store each document under its id (insert or replace) in one write."""
        self._storage_db.change({self.name: documents})

    def remove(self, cond=None, doc_ids: Iterable[str] | None = None) -> list[str]:  # type: ignore[override]
        if cond is not None or doc_ids is None:
            raise TypeError("KeyedTable.remove takes doc_ids only")
        ids = [str(doc_id) for doc_id in doc_ids]
        self._storage_db.change(removals={self.name: ids})
        return ids

    def _refuse_in_place(self, *args: object, **kwargs: object) -> None:
        raise TypeError("in-place updates would change documents shared with the snapshot; "
                        "use KeyedTable.replace")

    update = upsert = update_multiple = truncate = _refuse_in_place  # type: ignore[assignment]
    insert = insert_multiple = _get_next_id  # type: ignore[assignment]

    @property
    def _storage_db(self) -> CertwizardDB:
        return self._db     # set by CertwizardDB.table


class CertwizardDB(TinyDB):
    table_class = KeyedTable

    def table(self, name: str, **kwargs: Any) -> KeyedTable:
        table = super().table(name, **kwargs)
        table._db = self  # type: ignore[attr-defined]
        return table  # type: ignore[return-value]

    def change(self, upserts: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
               removals: Mapping[str, Iterable[str]] | None = None) -> None:
        """Insert/replace and remove documents in several tables with ONE atomic write of the file."""
        tables = self.storage.read() or {}
        for name in {*(upserts or {}), *(removals or {})}:
            table = tables.get(name) or LazyTable(name, {})
            tables[name] = table.with_changes((upserts or {}).get(name), (removals or {}).get(name, ()))
        self.storage.write(tables)
        for name in self._tables:
            self._tables[name].clear_cache()


def open_tinydb(store: SnapshotStore) -> CertwizardDB:
    """A fresh TinyDB per operation: no Table outlives a lock, so no cached ids or query results go stale."""
    return CertwizardDB(store, storage=SnapshotStorage)
