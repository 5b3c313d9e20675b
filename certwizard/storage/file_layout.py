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

from certwizard.storage.errors import CorruptDatabaseError, CorruptDocumentError, StorageError
from certwizard.storage.lazy_table import (
    SEPARATOR,
    LazyTable,
    _Entry,
    encode_key,
    encode_member,
    json_type,
    member_entry,
    member_key,
    plain_string,
)
from certwizard.storage.source import Source, _write_all

Tables = dict[str, LazyTable]
# Where the file's tables are: {"tables": {name: [start, end, in id order]}}, offsets as fixed-width digit
# strings so that the directory has the same size whatever it says (it is written before what it places).
DIRECTORY = ("meta", "layout")
_OFFSET_DIGITS = 15
_TAIL = b"\n}\n}\n"          # the end of a file whose last table has documents
_PLAIN_MEMBER = re.compile(rb'"([\x20\x21\x23-\x5b\x5d-\x7e]{1,200})":\{')     # `"id":{` of an id that needs no unescaping
_CHUNK = 1 << 20
_FIRST_CHUNK = 1 << 14


class Layout(Enum):
    LINES = "lines"        # certwizard's layout: documents parsed on demand
    OTHER = "other"        # any other valid JSON: parsed whole


# --- reading ----------------------------------------------------------------------------------------------

def decode_file(source: Source, file_backed: frozenset[str] = frozenset(),
                max_whole_bytes: int | None = None) -> tuple[Tables, Layout]:
    """The tables of the database file open as `source`; an empty file is an empty database (as in TinyDB).

    A file in certwizard's layout is read at any size; `max_whole_bytes` limits only a file that must be parsed
    whole (another layout), which needs memory many times its size."""
    if source.size <= 64 and not source.read(0, source.size).strip():
        return {}, Layout.LINES
    if source.read(0, min(source.size, 2)) == b"{\n":
        tables = _read_lines(source, file_backed)
        if tables is not None:
            return tables, Layout.LINES
    if max_whole_bytes is not None and source.size > max_whole_bytes:
        raise StorageError(f"{source.path} is larger than {max_whole_bytes // (1024 * 1024)} MiB and not in "
                           "certwizard's own layout, so it would have to be read whole; move it away (certwizard "
                           "then starts an empty database) or choose another --data-dir")
    return _parse_whole(source.read(0, source.size), source), Layout.OTHER


def read_file(path: Path, file_backed: frozenset[str] = frozenset()) -> tuple[Tables, Layout]:
    """Open and decode a database file (for tools and tests; the repository reads through SnapshotStore)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    return decode_file(Source(fd, os.fstat(fd).st_size, path), file_backed)


def _lines(source: Source, start: int) -> Iterator[tuple[int, bytes]]:
    """(file offset, line) from `start`, read 1 MiB at a time; the last line may lack its newline."""
    position, pending = start, b""
    size = _FIRST_CHUNK          # small first: opening a big file reads its small tables and jumps on
    while position < source.size:
        chunk = source.read(position, min(source.size - position, size))
        size = min(size * 4, _CHUNK)
        at = position - len(pending)
        position += len(chunk)
        *complete, pending = (pending + chunk).split(b"\n")     # split in C: ~3x faster than a find loop
        for line in complete:
            yield at, line
            at += len(line) + 1
    if pending:
        yield source.size - len(pending), pending


def _read_lines(source: Source, file_backed: frozenset[str]) -> Tables | None:
    """The tables of a file in certwizard's layout, documents unread; None if it is in another layout.

    Tables the file's directory (meta document "layout", written first) places are not read at all: opening
    a database of 100,000 orders reads its small tables and checks a few bytes where each big one starts and
    ends."""
    lines = _lines(source, 2)
    tables: Tables = {}
    places: dict[str, tuple[int, int, bool]] = {}
    while (item := next(lines, None)) is not None:
        offset, line = item
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
        place = places.get(name)
        if empty:
            tables[name] = LazyTable(name, {}, source)
        elif place is not None and place[0] == start and _table_ends_at(source, place[1]):
            tables[name] = LazyTable.in_file(name, source, start, place[1], by_id=place[2],
                                             keep=name not in file_backed)
            lines = _lines(source, place[1] + 1)
            if next(lines, None) != (place[1] + 1, b"}"):
                return None
        elif name in file_backed and source.read(source.size - len(_TAIL), len(_TAIL)) == _TAIL:
            # The last table (certwizard writes big tables last): left in the file until it is needed.
            tables[name] = LazyTable.in_file(name, source, start, source.size - len(_TAIL))
            return tables
        else:
            table = _read_members(name, lines, source, keep_bytes=name not in file_backed)
            if table is None:
                return None
            tables[name] = table
            if name == DIRECTORY[0]:
                places = _directory(table, source.size)
    return None


def _table_ends_at(source: Source, end: int) -> bool:
    return end + 3 <= source.size and source.read(end, 3) == b"\n}\n"


def _directory(meta: LazyTable, size: int) -> dict[str, tuple[int, int, bool]]:
    """name -> (start, end, in id order) of the tables the file's directory places (nothing if it is odd)."""
    if DIRECTORY[1] not in meta:
        return {}
    try:
        document = meta[DIRECTORY[1]]
    except CorruptDocumentError:
        return {}
    places = {}
    tables = document.get("tables")
    if not isinstance(tables, dict):
        return {}
    for name, place in tables.items():
        if (not isinstance(place, list) or len(place) != 3 or not all(isinstance(n, str) and n.isdigit()
                                                                        for n in place[:2])
                or not isinstance(place[2], bool)):
            return {}
        start, end = int(place[0]), int(place[1])
        if not 0 < start <= end <= size:
            return {}
        places[name] = (start, end, place[2])
    return places


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
    rewritten: dict[str, LazyTable] = field(default_factory=dict)        # small tables as written (meta)

    def write_to(self, fd: int) -> None:
        for piece in self.pieces:
            if isinstance(piece, bytes):
                _write_all(fd, piece)
            else:
                source, offset, length = piece
                source.copy_to(fd, offset, length)

    def tables_in(self, tables: Mapping[str, LazyTable], written: Source) -> Tables:
        """The tables as they are in the written file: big tables read from it, small ones as they were."""
        return {name: LazyTable(name, self.placed[name], written) if name in self.placed
                else self.rewritten.get(name, table) for name, table in tables.items()}


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
    """The whole file: small tables first, big ones last (in id order), unchanged documents copied from their
    file, and a directory in the meta table saying where every other table is (`DIRECTORY`)."""
    out = _Builder()
    placed: dict[str, dict[str, _Entry]] = {}
    tables = dict(tables)
    meta_name, directory_id = DIRECTORY
    meta = tables.get(meta_name)
    names = [n for n in tables if n not in file_backed] + [n for n in tables if n in file_backed]
    directory = meta is not None and any(tables[n] for n in names if n in file_backed)   # only with big tables
    rewritten: dict[str, LazyTable] = {}
    if directory:
        assert meta is not None
        placed_names = [n for n in names if n != meta_name and tables[n]]
        placeholder = _directory_entry({n: (0, 0, n in file_backed) for n in placed_names})
        meta = tables[meta_name] = meta.overlaid({directory_id: placeholder})
        names = [meta_name] + [n for n in names if n != meta_name]     # read first: it places the others
    elif meta is not None and directory_id in meta:       # an old directory would place nothing right
        rewritten[meta_name] = tables[meta_name] = meta.overlaid({directory_id: None})
    directory_at = -1
    places: dict[str, tuple[int, int, bool]] = {}
    out.add(b"{")
    for index, name in enumerate(names):
        out.add(b"\n,\n" if index else b"\n")
        table = tables[name]
        if not table:
            out.add(encode_key(name) + b":{}")
            continue
        out.add(encode_key(name) + b":{\n")
        start = out.size
        if name in file_backed:
            placed[name] = _plan_file_backed(out, table)
        elif name == meta_name and directory:
            for number, (doc_id, member) in enumerate(zip(table, table.members(), strict=True)):
                if number:
                    out.add(SEPARATOR)
                if doc_id == directory_id:
                    directory_at = out.size
                out.add(member)
        else:
            out.add(SEPARATOR.join(table.members()))
        if name != meta_name:
            places[name] = (start, out.size, name in file_backed)      # `in_order`: see _plan_file_backed
        out.add(b"\n}")
    out.add(b"\n}\n")
    pieces = out.finish()
    if directory:
        assert meta is not None
        entry = _directory_entry({name: places[name] for name in placed_names})
        assert entry.member is not None and isinstance(pieces[0], bytes) and directory_at >= 0
        head = pieces[0]
        pieces[0] = head[:directory_at] + entry.member + head[directory_at + len(entry.member):]
        rewritten[meta_name] = meta.overlaid({directory_id: entry})
    return FilePlan(pieces, out.size, placed, rewritten)


def _directory_entry(places: Mapping[str, tuple[int, int, bool]]) -> _Entry:
    digits = _OFFSET_DIGITS
    return member_entry(DIRECTORY[1], {"tables": {name: [f"{start:0{digits}d}", f"{end:0{digits}d}", in_order]
                                                  for name, (start, end, in_order) in places.items()}})


def _plan_file_backed(out: _Builder, table: LazyTable) -> dict[str, _Entry]:
    """Runs of documents that lie one after the other in the old file become one kernel copy each; every
    document's place in the new file is recorded (an entry whose place did not move is reused)."""
    source = table.source
    placed: dict[str, _Entry] = {}
    run_start = run_end = -1           # the run of the old file being gathered
    run_out = 0                        # where that run starts in the new file
    separator = len(SEPARATOR)
    first = True
    entries = table.entries
    for doc_id in sorted(entries):        # in id order: one document is then found by bisection
        entry = entries[doc_id]
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
