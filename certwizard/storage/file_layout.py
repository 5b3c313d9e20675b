"""The database file's layout: ordinary TinyDB JSON, written one document per line.

    {
    "meta":{
    "schema":{"version":2}
    }
    ,
    "orders":{
    "ord-3f9a1c2b":{...}
    ,
    "ord-77d01e4a":{...}
    }
    }

Any JSON reader (stock TinyDB included) reads it (a big database's latest changes may be in its journal until
they are folded in: `journal`). certwizard reads it without parsing documents: the lines
give every table and document, and documents are parsed when used (`LazyTable`). The big tables (the orders)
are written last and are not even looked at until one of their documents is needed: they stay in the file,
and a write copies their unchanged bytes from the old file to the new one in the kernel.

A file in any other shape (another tool, an edit by hand) is parsed whole, and gets this layout when written.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from certwizard.storage.errors import CorruptDatabaseError
from certwizard.storage.lazy_table import (
    SEPARATOR,
    LazyTable,
    _Entry,
    encode_key,
    encode_member,
    json_type,
    member_key,
    plain_string,
)
from certwizard.storage.source import Source, _write_all

Tables = dict[str, LazyTable]
_TAIL = b"\n}\n}\n"          # the end of a file whose last table has documents
_PLAIN_MEMBER = re.compile(rb'"([\x20\x21\x23-\x5b\x5d-\x7e]{1,200})":\{')     # `"id":{` of an id that needs no unescaping
_CHUNK = 1 << 20


class Layout(Enum):
    LINES = "lines"        # certwizard's layout: documents parsed on demand
    OTHER = "other"        # any other valid JSON: parsed whole


# --- reading ----------------------------------------------------------------------------------------------

def decode_file(source: Source, file_backed: frozenset[str] = frozenset()) -> tuple[Tables, Layout]:
    """The tables of the database file open as `source`; an empty file is an empty database (as in TinyDB)."""
    if source.size <= 64 and not source.read(0, source.size).strip():
        return {}, Layout.LINES
    if source.read(0, min(source.size, 2)) == b"{\n":
        tables = _read_lines(source, file_backed)
        if tables is not None:
            return tables, Layout.LINES
    return _parse_whole(source.read(0, source.size), source), Layout.OTHER


def read_file(path: Path, file_backed: frozenset[str] = frozenset()) -> tuple[Tables, Layout]:
    """Open and decode a database file (for tools and tests; the repository reads through SnapshotStore)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    return decode_file(Source(fd, os.fstat(fd).st_size, path), file_backed)


def _lines(source: Source, start: int) -> Iterator[tuple[int, bytes]]:
    """(file offset, line) from `start`, read 1 MiB at a time; the last line may lack its newline."""
    position, pending = start, b""
    while position < source.size:
        chunk = source.read(position, min(source.size - position, _CHUNK))
        at = position - len(pending)
        position += len(chunk)
        *complete, pending = (pending + chunk).split(b"\n")     # split in C: ~3x faster than a find loop
        for line in complete:
            yield at, line
            at += len(line) + 1
    if pending:
        yield source.size - len(pending), pending


def _read_lines(source: Source, file_backed: frozenset[str]) -> Tables | None:
    """The tables of a file in certwizard's layout, documents unread; None if it is in another layout."""
    lines = _lines(source, 2)
    tables: Tables = {}
    for offset, line in lines:
        if line == b"}":                                   # the end of the file
            rest = next(lines, None)
            return tables if rest is None else None
        if tables:
            if line != b",":
                return None
            offset, line = next(lines, (0, b""))
        header = _table_header(line)
        if header is None or header[0] in tables:
            return None
        name, empty = header
        start = offset + len(line) + 1
        if empty:
            tables[name] = LazyTable(name, {}, source)
        elif name in file_backed and source.read(source.size - len(_TAIL), len(_TAIL)) == _TAIL:
            # The last table (certwizard writes big tables last): left in the file until it is needed.
            tables[name] = LazyTable.in_file(name, source, start, source.size - len(_TAIL))
            return tables
        else:
            table = _read_members(name, lines, source, keep_bytes=name not in file_backed)
            if table is None:
                return None
            tables[name] = table
    return None


def _read_members(name: str, lines: Iterator[tuple[int, bytes]], source: Source,
                  keep_bytes: bool) -> LazyTable | None:
    entries: dict[str, _Entry] = {}
    for offset, line in lines:
        if line == b"}":
            return LazyTable(name, entries, source)
        if entries:
            if line != b",":
                return None
            offset, line = next(lines, (0, b""))
        plain = _PLAIN_MEMBER.match(line)          # certwizard's own ids: no escapes, so no decoding
        if plain is not None and line.endswith(b"}"):
            doc_id, doc_offset = plain.group(1).decode("ascii"), plain.end() - 1
        elif (key := member_key(line)) is not None:
            doc_id, doc_offset = key
        else:
            return None
        if doc_id in entries:
            return None
        entries[doc_id] = (_Entry(line, doc_offset) if keep_bytes
                           else _Entry(offset=doc_offset, span=(offset, len(line))))
    return None


def _table_header(line: bytes) -> tuple[str, bool] | None:
    """`"name":{` (a table with documents) or `"name":{}` (an empty table) -> (name, empty)."""
    for ending, empty in ((b":{}", True), (b":{", False)):
        if line.endswith(ending):
            name = plain_string(line[:-len(ending)])
            return None if name is None else (name, empty)
    return None


def _parse_whole(raw: bytes, source: Source) -> Tables:
    path = source.path
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise CorruptDatabaseError(path, f"it is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise CorruptDatabaseError(path, f"its top level is a JSON {json_type(data)}, not an object of tables")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise CorruptDatabaseError(path, f"table {name!r} is a JSON {json_type(table)}, not an object")
        for doc_id, document in table.items():
            if not isinstance(document, dict):
                raise CorruptDatabaseError(path, f"document {doc_id!r} in table {name!r} is a JSON "
                                                 f"{json_type(document)}, not an object")
    return {name: LazyTable.of(name, table) for name, table in data.items()}


# --- writing ----------------------------------------------------------------------------------------------

Piece = bytes | tuple[Source, int, int]      # bytes to write, or (source, offset, length) to copy


@dataclass
class FilePlan:
    """What to write (few large pieces), and where each document of the big tables lands in the new file."""

    pieces: list[Piece] = field(default_factory=list)
    size: int = 0
    placed: dict[str, dict[str, _Entry]] = field(default_factory=dict)   # table -> id -> entry in new file

    def write_to(self, fd: int) -> None:
        for piece in self.pieces:
            if isinstance(piece, bytes):
                _write_all(fd, piece)
            else:
                source, offset, length = piece
                source.copy_to(fd, offset, length)

    def tables_in(self, tables: Mapping[str, LazyTable], written: Source) -> Tables:
        """The tables as they are in the written file: big tables read from it, small ones as they were."""
        return {name: LazyTable(name, self.placed[name], written) if name in self.placed else table
                for name, table in tables.items()}


class _Builder:
    """Accumulates output: adjacent bytes are joined, adjacent ranges of one source are merged."""

    def __init__(self) -> None:
        self.pieces: list[Piece] = []
        self.text: list[bytes] = []
        self.size = 0

    def add(self, data: bytes) -> None:
        self.text.append(data)
        self.size += len(data)

    def copy(self, source: Source, offset: int, length: int) -> None:
        if self.text:
            self.pieces.append(b"".join(self.text))
            self.text = []
        self.pieces.append((source, offset, length))
        self.size += length

    def finish(self) -> list[Piece]:
        if self.text:
            self.pieces.append(b"".join(self.text))
            self.text = []
        return self.pieces


def plan_file(tables: Mapping[str, LazyTable], file_backed: frozenset[str] = frozenset()) -> FilePlan:
    """The whole file: small tables first, big ones last, unchanged documents copied from their file."""
    out = _Builder()
    placed: dict[str, dict[str, _Entry]] = {}
    names = [n for n in tables if n not in file_backed] + [n for n in tables if n in file_backed]
    out.add(b"{")
    for index, name in enumerate(names):
        out.add(b"\n,\n" if index else b"\n")
        table = tables[name]
        if not table:
            out.add(encode_key(name) + b":{}")
            continue
        out.add(encode_key(name) + b":{\n")
        if name in file_backed:
            placed[name] = _plan_file_backed(out, table)
        else:
            out.add(SEPARATOR.join(table.members()))
        out.add(b"\n}")
    out.add(b"\n}\n")
    return FilePlan(out.finish(), out.size, placed)


def _plan_file_backed(out: _Builder, table: LazyTable) -> dict[str, _Entry]:
    """Runs of documents that lie one after the other in the old file become one kernel copy each; every
    document's place in the new file is recorded (an entry whose place did not move is reused)."""
    source = table.source
    placed: dict[str, _Entry] = {}
    run_start = run_end = -1           # the run of the old file being gathered
    run_out = 0                        # where that run starts in the new file
    separator = len(SEPARATOR)
    first = True
    for doc_id, entry in table.entries.items():
        span = entry.span
        if not first and run_end < 0:
            out.add(SEPARATOR)
        if span is not None and entry.member is None:
            offset, length = span
            if run_end >= 0 and offset == run_end + separator:
                run_end = offset + length
            else:
                if run_end >= 0:
                    assert source is not None
                    out.copy(source, run_start, run_end - run_start)
                    out.add(SEPARATOR)
                run_start, run_end, run_out = offset, offset + length, out.size
            new_offset = run_out + (offset - run_start)
            placed[doc_id] = entry if new_offset == offset else _Entry(offset=entry.offset,
                                                                       span=(new_offset, length))
        else:
            if run_end >= 0:
                assert source is not None
                out.copy(source, run_start, run_end - run_start)
                out.add(SEPARATOR)
                run_start = run_end = -1
            if entry.member is not None:
                member = entry.member
            else:
                assert entry.document is not None       # an entry holds its member, its document, or both
                member = encode_member(doc_id, entry.document)
            doc_offset = entry.offset if entry.member is not None else len(encode_key(doc_id)) + 1
            placed[doc_id] = _Entry(offset=doc_offset, span=(out.size, len(member)))
            out.add(member)
        first = False
    if run_end >= 0:
        assert source is not None
        out.copy(source, run_start, run_end - run_start)
    return placed


def encode_file(tables: Mapping[str, LazyTable], file_backed: frozenset[str] = frozenset()) -> bytes:
    """The whole file as bytes (for tests and small databases; writes stream a `FilePlan`)."""
    plan = plan_file(tables, file_backed)
    parts = []
    for piece in plan.pieces:
        parts.append(piece if isinstance(piece, bytes) else piece[0].read(piece[1], piece[2]))
    return b"".join(parts)
