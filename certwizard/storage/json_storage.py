"""The database file: a parsed snapshot reused while the file is unchanged, and a TinyDB Storage that
replaces the file atomically.

Why not TinyDB's own JSONStorage: it rewrites the file in place (a crash leaves a torn file), creates it
with the umask's mode, and re-parses the whole file on every read. Here:
- every write goes through `securefs.atomic_replace` (temp file, fsync, rename, fsync of the folder), 0600;
  while the file is big (1 MiB, ~300 orders) a change replaces only the small journal beside it, which is
  folded into the file when it passes 1 MiB (`journal`): a status change at 10,000 orders writes at most
  1 MiB, not 34 MB;
- a read re-reads only a file whose (device, inode, size, mtime) changed. The snapshot keeps the files it
  was read from open, so their inode numbers cannot be reused by a later replacement: signatures stay unique;
- documents are parsed only when used and written back byte for byte when unchanged (`file_layout`,
  `LazyTable`): folding the journal in copies the unchanged orders in the kernel, with no dump or parse.

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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from certwizard.storage.errors import CorruptDatabaseError, CorruptDocumentError, StorageError
from certwizard.storage.file_layout import Layout, Tables, decode_file, plan_file
from certwizard.storage.journal import (
    Changes,
    Journal,
    applies_to,
    decode_journal,
    folding_record,
    generation_of,
    generation_record,
    journal_path,
    was_folded,
)
from certwizard.storage.lazy_table import LazyTable, encode_member, member_entry
from certwizard.storage.source import Source
from certwizard.system.securefs import TEMP_PREFIX, UnsafePathError, atomic_replace, atomic_replace_with

__all__ = [
    "MAX_DATABASE_BYTES", "CertwizardDB", "CorruptDatabaseError", "CorruptDocumentError", "KeyedTable",
    "LazyTable", "Layout", "SnapshotStore", "StorageError", "Tables", "encode_entry", "open_tinydb",
    "remove_orphaned_temp_files",
]

# Only a file in another layout (another tool, an edit by hand) is read and parsed whole, so only such a file
# has a size limit (its parse takes ~10x its size in memory). A file in certwizard's own layout is read by
# offset, at any size: certwizard opens every database it writes.
MAX_DATABASE_BYTES = 256 * 1024 * 1024
_READ_ATTEMPTS = 20
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
    file_tables: Tables         # the database file's own content
    layout: Layout
    source: Source              # the file the tables came from, held open (see source.py)
    tables: Tables              # what readers see: the file's content with the journal applied
    journal: Journal | None = None                   # the journal applied
    journal_signature: Signature | None = None      # the journal file seen, applied or left over
    left_over: Journal | None = None                 # a journal naming another database file (not applied)


class SnapshotStore:
    """The database file of one process (and its journal), re-read only when a file changed.

    `check` is called with every newly read content before it is used (the repository checks the schema
    version there) and may raise. Thread-safe; the cross-process lock is the repository's job.

    Sharing rule: `tables()` returns a fresh outer dict, but the tables and their documents are the snapshot's
    own and must not be changed: a write passes new tables, or the changes (`change`).
    """

    JOURNAL_FROM = 1024 * 1024       # smaller database files take every change whole (a few ms)
    JOURNAL_LIMIT = 1024 * 1024      # a change that would make the journal larger is folded into the file

    def __init__(self, path: str | os.PathLike[str],
                 check: Callable[[Tables], None] = lambda tables: None,
                 file_backed: frozenset[str] = frozenset(), *,
                 journal_from: int | None = None, journal_limit: int | None = None) -> None:
        """`file_backed`: the big tables, whose documents stay in the file until read."""
        self.path = Path(path)
        self.journal_path = journal_path(self.path)
        self.file_backed = file_backed
        self.journal_from = self.JOURNAL_FROM if journal_from is None else journal_from
        self.journal_limit = self.JOURNAL_LIMIT if journal_limit is None else journal_limit
        self.reads = 0           # how many times the database file was read (tests and benchmarks watch it)
        self.journal_reads = 0
        self._check = check
        self._snapshot: _Snapshot | None = None
        self._mutex = threading.Lock()

    def tables(self) -> Tables | None:
        """The current content, or None when there is no file."""
        with self._mutex:
            snapshot = self._current()
            return None if snapshot is None else dict(snapshot.tables)

    def refresh(self) -> bool:
        """Bring the snapshot up to date with the files; False when there is no database file."""
        with self._mutex:
            return self._current() is not None

    @property
    def layout(self) -> Layout | None:
        """How the current file is laid out (None without a file); `refresh` first."""
        snapshot = self._snapshot
        return None if snapshot is None else snapshot.layout

    def left_over_journal(self) -> tuple[Journal, bool] | None:
        """A journal that names another database file, and whether the current file was made by folding it in.

        certwizard leaves one only when killed between writing the file and removing the journal."""
        with self._mutex:
            snapshot = self._current()
            if snapshot is None or snapshot.left_over is None:
                return None
            return snapshot.left_over, was_folded(snapshot.left_over, snapshot.file_tables)

    def write(self, tables: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        """Atomically replace the file with `tables` (which must not be changed afterwards); no journal."""
        lazy = as_tables(tables)
        with self._mutex:
            self._write_file(lazy)

    def change(self, upserts: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
               removals: Mapping[str, Iterable[str]] | None = None) -> None:
        """Insert/replace and remove documents, all or nothing: in the journal while the file is big,
        otherwise (or when the journal is full) by writing the whole file. Call with the lock held."""
        with self._mutex:
            snapshot = self._current()
            changes: Changes = dict(snapshot.journal.changes) if snapshot and snapshot.journal else {}
            for name, documents in (upserts or {}).items():
                for doc_id, document in documents.items():
                    changes[(name, str(doc_id))] = member_entry(str(doc_id), document)
            for name, doc_ids in (removals or {}).items():
                for doc_id in doc_ids:
                    changes[(name, str(doc_id))] = None
            if snapshot is None:
                self._write_file(Journal("", changes).applied_to({}))
                return
            generation = generation_of(snapshot.file_tables)
            journal = Journal(generation or "", changes)
            data = journal.encode()
            if (generation is None or snapshot.layout is not Layout.LINES
                    or snapshot.source.size < self.journal_from or len(data) > self.journal_limit):
                if snapshot.journal is not None:          # a left-over journal then shows it was folded in
                    key, entry = folding_record(snapshot.journal)
                    changes[key] = entry
                self._write_file(Journal("", changes).applied_to(snapshot.file_tables))
                return
            atomic_replace(self.journal_path, data)
            fd, st = _open_pinned(self.journal_path)
            if st.st_size != len(data):
                os.close(fd)
                raise _changed_while_writing(self.journal_path)
            journal = Journal(journal.base, changes, Source(fd, st.st_size, self.journal_path))
            self._snapshot = replace(snapshot, tables=journal.applied_to(snapshot.file_tables),
                                     journal=journal, journal_signature=_signature(st), left_over=None)

    def forget(self) -> None:
        """Drop the snapshot (e.g. after the file was moved away)."""
        with self._mutex:
            self._snapshot = None

    def close(self) -> None:
        self.forget()

    def _write_file(self, lazy: Tables) -> None:
        key, entry = generation_record()          # a new content, so a new generation (see journal.py)
        lazy = Journal("", {key: entry}).applied_to(lazy)
        plan = plan_file(lazy, self.file_backed)
        atomic_replace_with(self.path, plan.write_to)
        # Under the repository's lock nobody else replaces the file between the rename and this open.
        fd, st = _open_pinned(self.path)
        source = Source(fd, st.st_size, self.path)
        if st.st_size != plan.size:
            raise _changed_while_writing(self.path)
        try:
            os.unlink(self.journal_path)        # its changes are in the file now
        except FileNotFoundError:
            pass
        tables = plan.tables_in(lazy, source)
        self._snapshot = _Snapshot(_signature(st), tables, Layout.LINES, source, tables)

    def _current(self) -> _Snapshot | None:
        # Read without the lock: a file replaced between reading the database and its journal is read again.
        for _ in range(_READ_ATTEMPTS):
            try:
                st = os.stat(self.path, follow_symlinks=False)
            except FileNotFoundError:
                self._snapshot = None
                return None
            seen = _signature_of(self.journal_path)
            old = self._snapshot
            if old is not None and old.signature == _signature(st):
                if old.journal_signature == seen:
                    return old
                signature, file_tables = old.signature, old.file_tables
                layout, source = old.layout, old.source
            else:
                signature, file_tables, layout, source = self._read_file()
            journal, journal_signature = self._read_journal()
            left_over = None
            if journal is not None and not applies_to(journal, file_tables, signature):
                left_over, journal = journal, None
            if journal is None and _signature_of(self.path) != signature:
                continue
            tables = file_tables if journal is None else journal.applied_to(file_tables)
            self._check(tables)
            self._snapshot = _Snapshot(signature, file_tables, layout, source, tables, journal,
                                       journal_signature, left_over)
            return self._snapshot
        raise StorageError(f"{self.path} kept being replaced while certwizard read it; another program is "
                           "writing certwizard's database: stop it, then try again")

    def _read_file(self) -> tuple[Signature, Tables, Layout, Source]:
        fd, st = _open_pinned(self.path)
        source = Source(fd, st.st_size, self.path)      # closes the descriptor when dropped
        self.reads += 1
        tables, layout = decode_file(source, self.file_backed, max_whole_bytes=MAX_DATABASE_BYTES)
        return _signature(st), tables, layout, source

    def _read_journal(self) -> tuple[Journal | None, Signature | None]:
        try:
            fd, st = _open_pinned(self.journal_path)
        except FileNotFoundError:
            return None, None
        self.journal_reads += 1
        return decode_journal(Source(fd, st.st_size, self.journal_path)), _signature(st)


def _signature_of(path: Path) -> Signature | None:
    try:
        return _signature(os.stat(path, follow_symlinks=False))
    except FileNotFoundError:
        return None


def _changed_while_writing(path: Path) -> StorageError:
    return StorageError(f"{path} was changed while certwizard wrote it; another program is writing "
                        "certwizard's database: stop it, then try again")


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
    """Delete temp files that `atomic_replace` left for `db_path` or its journal when their writer was killed.

    Call only while holding the database lock: then no live writer owns such a file, whatever its age.
    """
    removed = 0
    for entry in database_temp_files(db_path):
        try:
            os.unlink(entry.path)
            removed += 1
        except FileNotFoundError:
            continue
    return removed


def database_temp_files(db_path: Path) -> list[os.DirEntry[str]]:
    """Temp files of writes to `db_path` or its journal: a writer's at work, or one was killed.

    Relies on securefs naming temp files `<TEMP_PREFIX><12 hex>-<target name>`.
    """
    targets = "|".join(re.escape(path.name) for path in (db_path, journal_path(db_path)))
    pattern = re.compile(re.escape(TEMP_PREFIX) + r"[0-9a-f]{12}-(?:" + targets + r")\Z")
    try:
        entries = list(os.scandir(db_path.parent))
    except FileNotFoundError:
        return []
    return [entry for entry in entries if pattern.match(entry.name) and entry.is_file(follow_symlinks=False)]


# --- TinyDB glue --------------------------------------------------------------------------------------

class SnapshotStorage(Storage):
    """TinyDB Storage over a SnapshotStore (TinyDB(store, storage=SnapshotStorage))."""

    def __init__(self, store: SnapshotStore) -> None:
        self.store = store

    def read(self) -> Tables | None:  # type: ignore[override]  # LazyTables: Mappings, which TinyDB only reads
        return self.store.tables()

    def write(self, data: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        self.store.write(data)


class KeyedTable(Table):
    """A table keyed by certwizard's own string ids ('ord-3f9a1c2b'); documents are replaced, not mutated.

    Reads go through TinyDB (`get`, `search`, `all`...); `get(doc_id=...)` parses just that document. Writes
    use `replace`/`remove`, which change only the named documents and never parse the others."""

    document_id_class = str  # type: ignore[assignment]  # TinyDB types its ids as int; ours are strings
    _db: CertwizardDB         # set by CertwizardDB.table

    def _get_next_id(self, *args: object, **kwargs: object):
        raise TypeError("certwizard documents carry their own ids: "
                        "use KeyedTable.replace({doc_id: document})")

    def ids(self) -> set[str]:
        return set(self._read_table())

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """The document stored under `doc_id` (parsed now), or None."""
        return self.get(doc_id=doc_id)  # type: ignore[call-overload]  # string ids, see above

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
    insert = insert_multiple = _get_next_id

    @property
    def _storage_db(self) -> CertwizardDB:
        return self._db     # set by CertwizardDB.table


class CertwizardDB(TinyDB):
    table_class = KeyedTable

    def table(self, name: str, **kwargs: Any) -> KeyedTable:
        table = super().table(name, **kwargs)
        assert isinstance(table, KeyedTable)         # table_class
        table._db = self
        return table

    def change(self, upserts: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
               removals: Mapping[str, Iterable[str]] | None = None) -> None:
        """Insert/replace and remove documents in several tables, all in ONE atomic write."""
        storage = self.storage
        assert isinstance(storage, SnapshotStorage)
        storage.store.change(upserts, removals)
        for name in self._tables:
            self._tables[name].clear_cache()


def open_tinydb(store: SnapshotStore) -> CertwizardDB:
    """A fresh TinyDB per operation: no Table outlives a lock, so no cached ids or query results go stale."""
    return CertwizardDB(store, storage=SnapshotStorage)
