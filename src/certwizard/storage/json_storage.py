"""The database file: one JSON codec, a parsed snapshot reused while the file is unchanged, and a TinyDB
Storage that replaces the file atomically.

Why not TinyDB's own JSONStorage: it rewrites the file in place (a crash leaves a torn file), creates it
with the umask's mode, and re-parses the whole file on every read. Here:
- every write goes through `securefs.atomic_replace` (temp file, fsync, rename, fsync of the folder), 0600;
- a read re-parses only when the file's (device, inode, size, mtime) changed. The snapshot keeps the file it
  was read from open, so its inode number cannot be reused by a later replacement: the signature stays unique;
- each document's serialised JSON is kept next to the document object, so a write re-serialises only the
  documents that were replaced (a status change at 10,000 orders joins cached strings, no 10 MB dump).

Documents are treated as immutable: a change replaces the whole document object (see `KeyedTable.replace`).
In-place updates would leave a stale serialisation behind, so `KeyedTable` refuses TinyDB's in-place methods.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from certwizard.securefs import TEMP_PREFIX, UnsafePathError, atomic_replace

Tables = dict[str, dict[str, dict[str, Any]]]
MAX_DATABASE_BYTES = 256 * 1024 * 1024
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class StorageError(Exception):
    """Base of every error the storage layer reports; the message says what is wrong and what to do."""


class CorruptDatabaseError(StorageError):
    """The file is not JSON, or not shaped as {table: {document id: {field: value}}}."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path} is not a readable certwizard database: {problem}")


# --- codec: the one place that turns bytes into tables and back (swap in a faster JSON library here) ---

# ensure_ascii: any Python str round-trips, including lone surrogates that UTF-8 cannot encode.
_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), check_circular=False, allow_nan=False)


def encode_entry(doc_id: str, document: Mapping[str, Any]) -> str:
    """One `"id":{...}` member of a table object."""
    return f"{_ENCODER.encode(doc_id)}:{_ENCODER.encode(document)}"


def encode_table(name: str, entries: Iterable[str]) -> bytes:
    """One `"name":{...}` member of the file's top-level object."""
    return f"{_ENCODER.encode(name)}:{{{','.join(entries)}}}".encode("ascii")


def join_tables(encoded_tables: Iterable[bytes]) -> bytes:
    """The whole file from its encoded tables (one copy: this is megabytes at 10,000 orders)."""
    parts = [b"{"]
    for index, table in enumerate(encoded_tables):
        parts.extend((b",", table) if index else (table,))
    parts.append(b"}")
    return b"".join(parts)


def decode_tables(raw: bytes, path: Path) -> Tables:
    """Parse and check the shape; an empty file is an empty database (as TinyDB treats it)."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise CorruptDatabaseError(path, f"it is not valid JSON ({exc})") from None
    _check_shape(data, path)
    return data


def _check_shape(data: object, path: Path) -> None:
    if not isinstance(data, dict):
        raise CorruptDatabaseError(path, f"its top level is a JSON {_json_type(data)}, "
                                         "not an object of tables")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise CorruptDatabaseError(path, f"table {name!r} is a JSON {_json_type(table)}, not an object")
        for doc_id, document in table.items():
            if not isinstance(document, dict):
                raise CorruptDatabaseError(path, f"document {doc_id!r} in table {name!r} is a JSON "
                                                 f"{_json_type(document)}, not an object")


def _json_type(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


# --- the snapshot -------------------------------------------------------------------------------------

Signature = tuple[int, int, int, int]


def _signature(st: os.stat_result) -> Signature:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class _EncodedTable:
    source: dict[str, dict[str, Any]]                 # the table dict this encoding was made from
    entries: dict[str, tuple[dict[str, Any], str]]    # id -> (document object, its encoded member)
    text: bytes                                       # the whole `"name":{...}` member


class _Pin:
    """Holds the snapshot's file open, so its inode number cannot be reused; closed exactly once."""

    def __init__(self, fd: int) -> None:
        self._close = weakref.finalize(self, os.close, fd)     # also when dropped without close()

    def close(self) -> None:
        self._close()


@dataclass(frozen=True)
class _Snapshot:
    signature: Signature
    tables: Tables
    encoded: dict[str, _EncodedTable]   # filled by our own writes; empty after parsing someone else's file
    pin: _Pin                           # the file the tables came from


class SnapshotStore:
    """The parsed database file of one process, re-read only when the file changed.

    `check` is called with every newly parsed file before it is used (the repository checks the schema version
    there) and may raise. Thread-safe; the cross-process lock is the repository's job.

    Sharing rule: `tables()` returns a fresh outer dict, but the table dicts and documents are the snapshot's
    own and must not be changed. TinyDB honours this: `Table._update_table` builds a new dict for the table it
    writes, and `KeyedTable` refuses the methods that would change documents in place.
    """

    def __init__(self, path: str | os.PathLike[str],
                 check: Callable[[Tables], None] = lambda tables: None) -> None:
        self.path = Path(path)
        self.parses = 0          # how many times the file was read and parsed (tests and benchmarks watch it)
        self._check = check
        self._snapshot: _Snapshot | None = None
        self._mutex = threading.Lock()

    def tables(self) -> Tables | None:
        """The current content, or None when there is no file."""
        with self._mutex:
            snapshot = self._current()
            return None if snapshot is None else dict(snapshot.tables)

    def refresh(self) -> bool:
        """Bring the snapshot up to date with the file; False when there is no file."""
        with self._mutex:
            return self._current() is not None

    def write(self, tables: Tables) -> None:
        """Atomically replace the file with `tables` (which must not be changed afterwards)."""
        with self._mutex:
            previous = self._snapshot.encoded if self._snapshot else {}
            encoded = {name: _encode_table(name, table, previous.get(name)) for name, table in tables.items()}
            atomic_replace(self.path, join_tables(t.text for t in encoded.values()))
            # Under the repository's lock nobody else replaces the file between the rename and this open.
            fd, st = _open_pinned(self.path)
            self._replace(_Snapshot(_signature(st), tables, encoded, _Pin(fd)))

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
        try:
            raw = _read_all(fd, self.path)
            self.parses += 1
            tables = decode_tables(raw, self.path)
            self._check(tables)
        except BaseException:
            os.close(fd)
            raise
        self._replace(_Snapshot(_signature(st), tables, {}, _Pin(fd)))
        return self._snapshot

    def _replace(self, snapshot: _Snapshot | None) -> None:
        old, self._snapshot = self._snapshot, snapshot
        if old is not None:
            old.pin.close()


def _encode_table(name: str, table: dict[str, dict[str, Any]],
                  previous: _EncodedTable | None) -> _EncodedTable:
    """Encode only what changed: an untouched table or document object reuses its earlier encoding."""
    if previous is not None and previous.source is table:
        return previous
    known = previous.entries if previous is not None else {}
    entries = {}
    for doc_id, document in table.items():
        cached = known.get(doc_id)
        entries[doc_id] = cached if cached is not None and cached[0] is document else (
            document, encode_entry(doc_id, document))
    return _EncodedTable(table, entries, encode_table(name, [text for _, text in entries.values()]))


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


def _read_all(fd: int, path: Path) -> bytes:
    chunks = []
    offset = 0
    while offset <= MAX_DATABASE_BYTES:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)
    raise StorageError(f"{path} is larger than {MAX_DATABASE_BYTES // (1024 * 1024)} MiB, the most "
                       "certwizard reads; move it away (certwizard then starts an empty database) or choose "
                       "another --data-dir")


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
        self._store = store

    def read(self) -> Tables | None:
        return self._store.tables()

    def write(self, data: Tables) -> None:
        self._store.write(data)


class KeyedTable(Table):
    """A table keyed by certwizard's own string ids ('ord-3f9a1c2b'); documents are replaced, not mutated."""

    document_id_class = str

    def _get_next_id(self):
        raise TypeError("certwizard documents carry their own ids: "
                        "insert tinydb.table.Document(value, doc_id=...)")

    def ids(self) -> set[str]:
        return set(self._read_table())

    def replace(self, documents: Mapping[str, dict[str, Any]]) -> None:
        """Store each document under its id (insert or replace) in one write."""
        fresh = {doc_id: dict(document) for doc_id, document in documents.items()}
        # _update_table is TinyDB's one read-modify-write primitive; its public update() mutates in place.
        self._update_table(lambda table: table.update(fresh))

    def _refuse_in_place(self, *args: object, **kwargs: object) -> None:
        raise TypeError("in-place updates would desynchronise the cached serialisation; "
                        "use KeyedTable.replace")

    update = upsert = update_multiple = _refuse_in_place  # type: ignore[assignment]


class CertwizardDB(TinyDB):
    table_class = KeyedTable


def open_tinydb(store: SnapshotStore) -> CertwizardDB:
    """A fresh TinyDB per operation: no Table outlives a lock, so no cached ids or query results go stale."""
    return CertwizardDB(store, storage=SnapshotStorage)
