"""A table whose documents are parsed when first read, and written back byte for byte when unchanged.

certwizard writes its database one document per line (see `file_layout`), so a table never has to parse the
documents nobody reads. A document is held in one of three ways:
- as its encoded line (`member`), for the small tables, read whole when the file is opened;
- as a place in the open database file (`span`), for the big orders table, read from the file when used:
  10,000 orders cost a few hundred KB of memory, not the 25 MB they take on disk;
- as a parsed document only, when it was just inserted or replaced (encoded when written).
Documents handed out are shared and must be treated as read-only; a change replaces the whole document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, cast

from certwizard.storage.errors import CorruptDatabaseError, CorruptDocumentError
from certwizard.storage.source import Source

Document = dict[str, Any]
SEPARATOR = b"\n,\n"          # between two documents of a table, in certwizard's layout

# ensure_ascii: any Python str round-trips (lone surrogates included) and no document ever holds a raw newline.
_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), check_circular=False, allow_nan=False)


def encode_key(key: str) -> bytes:
    return _ENCODER.encode(key).encode("ascii")


def encode_member(doc_id: str, document: Mapping[str, Any]) -> bytes:
    """One `"id":{...}` member of a table object, on one line."""
    return encode_key(doc_id) + b":" + _ENCODER.encode(document).encode("ascii")


def json_type(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def plain_string(quoted: bytes) -> str | None:
    """The text of `"..."` when it needs no unescaping (certwizard's ids and table names never do)."""
    if len(quoted) < 2 or quoted[0] != 0x22 or quoted[-1] != 0x22:
        return None
    inner = quoted[1:-1]
    if b'"' in inner or b"\\" in inner:
        return None
    try:
        return inner.decode("ascii")
    except UnicodeDecodeError:
        return None


_KEY_DECODER = json.JSONDecoder()
# Every separator, with the next member's id when that id needs no unescaping (certwizard's never do).
_NEXT_MEMBER = re.compile(rb'\n,\n(?:"([^"\\\n]{1,200})":\{)?')
_OVERLAP = 256
# Where a member of a table in id order starts: `"id":{`, an id with no escapes.
_MEMBER_HEAD = re.compile(rb'"([^"\\\n]{1,200})":\{')
_BISECT_WINDOW = 1 << 13      # below this many bytes, bisection reads the members' heads in one read
_PROBE = 4096


class _NotBisectable(Exception):
    """The members are not what bisection expects (an id with escapes): scan the table instead."""


def member_key(line: bytes) -> tuple[str, int] | None:
    """`"id":{...}` -> (id, where the document starts); the document itself is checked when parsed."""
    key_end = line.find(b'"', 1)
    if key_end < 1 or not line.endswith(b"}"):
        return None
    doc_id = plain_string(line[:key_end + 1])
    if doc_id is None:             # an id with escapes (never written by certwizard, but valid JSON)
        try:
            doc_id, end = _KEY_DECODER.raw_decode(line.decode("utf-8"))
        except ValueError:
            return None
        if not isinstance(doc_id, str):
            return None
        key_end = len(line.decode("utf-8")[:end].encode("utf-8")) - 1
    if line[key_end + 1:key_end + 3] != b":{":
        return None
    return doc_id, key_end + 2


class _Entry:
    __slots__ = ("member", "offset", "document", "span")

    def __init__(self, member: bytes | None = None, offset: int = 0, document: Document | None = None,
                 span: tuple[int, int] | None = None) -> None:
        self.member = member          # b'"id":{...}', when held in memory
        self.offset = offset          # where the document starts within the member
        self.document = document      # the parsed document, once read
        self.span = span              # (file offset, length) of the member in the table's source file


class LazyTable(Mapping[str, Document]):
    """{document id: document}, parsing each document on first access.

    A table read from a file it did not scan yet (`deferred`) finds its documents on first use: opening the
    database does not even look at the orders until one is needed."""

    __slots__ = ("name", "source", "_entries", "_deferred", "_base", "_changes", "_by_id", "_keep", "_found")

    def __init__(self, name: str, entries: dict[str, _Entry] | None, source: Source | None = None,
                 deferred: tuple[int, int] | None = None, *, by_id: bool = False, keep: bool = False) -> None:
        self.name = name
        self.source = source
        self._entries = entries
        self._deferred = deferred     # (start, end) of the members in `source`, until scanned
        self._base: LazyTable | None = None               # see `overlaid`
        self._changes: Mapping[str, _Entry | None] = {}
        self._by_id = by_id           # the deferred members are in id order: one is found by bisection
        self._keep = keep             # a scan keeps each member's bytes (small tables; written back as they are)
        self._found: dict[str, _Entry | None] = {}        # what bisection found (None: not there)

    @classmethod
    def of(cls, name: str, documents: Mapping[str, Mapping[str, Any]]) -> LazyTable:
        """A table of already parsed documents (kept as given: they must not be changed afterwards)."""
        if isinstance(documents, LazyTable):
            return documents if documents.name == name else cls(name, documents.entries, documents.source)
        # Kept, not copied: documents are never changed in place (KeyedTable refuses it).
        return cls(name, {str(doc_id): _Entry(document=cast(Document, document))
                          for doc_id, document in documents.items()})

    @classmethod
    def in_file(cls, name: str, source: Source, start: int, end: int, *, by_id: bool = False,
                keep: bool = False) -> LazyTable:
        """The members stored in `source` between `start` and `end`, found when first needed.

        `by_id`: they are in id order (certwizard writes its big tables so), so reading one document looks at
        ~17 places of a 100,000-document table instead of scanning it. `keep`: a scan keeps the members' bytes."""
        return cls(name, None, source, deferred=(start, end), by_id=by_id, keep=keep)

    def overlaid(self, changes: Mapping[str, _Entry | None]) -> LazyTable:
        """A new table: this one with `changes` applied (an entry inserts or replaces, None removes).

        A table not scanned yet stays unscanned: the changes are applied when a document is first needed,
        and the scan is done once, by this table, however many overlaid tables are made from it."""
        if self._entries is not None:
            return LazyTable(self.name, _applied(self._entries, changes), self.source)
        table = LazyTable(self.name, None, self.source)
        table._base, table._changes = self, changes
        return table

    @property
    def entries(self) -> dict[str, _Entry]:
        if self._entries is None:
            if self._base is not None:
                self._entries = _applied(self._base.entries, self._changes)
                self._base, self._changes = None, {}
            else:
                self._entries = self._scan()
        return self._entries

    # --- Mapping ----------------------------------------------------------------------------------------

    def __getitem__(self, doc_id: str) -> Document:
        entry = self._entry(doc_id)
        if entry is None:
            raise KeyError(doc_id)
        document = entry.document
        return document if document is not None else self._parse(doc_id, entry)

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self._entry(doc_id) is not None

    def _entry(self, doc_id: str) -> _Entry | None:
        """One document's entry, without scanning a table kept in id order (see `in_file`)."""
        if self._entries is not None:
            return self._entries.get(doc_id)
        if self._base is not None:
            if doc_id in self._changes:
                return self._changes[doc_id]
            return self._base._entry(doc_id)
        if self._by_id and self._deferred is not None and isinstance(doc_id, str):
            if doc_id not in self._found:
                try:
                    self._found[doc_id] = self._bisect(doc_id)
                except _NotBisectable:
                    self._by_id = False
                    return self.entries.get(doc_id)
            return self._found[doc_id]
        return self.entries.get(doc_id)

    # --- bisection (tables in id order) -----------------------------------------------------------------

    def _bisect(self, doc_id: str) -> _Entry | None:
        """Find `doc_id` among members in id order; a member's start is the file start or follows SEPARATOR."""
        assert self.source is not None and self._deferred is not None
        start, end = self._deferred
        low, high = start, end           # the member sought, if there, starts in [low, high)
        while high - low > _BISECT_WINDOW:
            middle = (low + high) // 2
            found = self._member_from(middle, end, with_length=False)
            if found is None or found[0] >= high:
                high = middle
                continue
            at, key, _length = found
            if key == doc_id:
                return self._found_entry(at, end)
            if key < doc_id:
                low = at + 1
            else:
                high = at
        # The few members starting in [low, high): read their heads in one go.
        table_start = self._deferred[0]
        before = len(SEPARATOR) if low > table_start else 0
        data = self.source.read(low - before, min(high - low + before + 256, end - low + before))
        starts = [0] if not before else []
        starts += [hit + len(SEPARATOR) for hit in _all(data, SEPARATOR)]
        for place in starts:
            at = low - before + place
            if at >= high:
                break
            match = _MEMBER_HEAD.match(data, place)
            if match is None:
                found = self._member_from(at, end, with_length=False)
                if found is None:
                    return None
                key = found[1]
            else:
                key = match.group(1).decode("ascii")
            if key == doc_id:
                return self._found_entry(at, end)
            if key > doc_id:
                return None
        return None

    def _member_from(self, position: int, end: int, with_length: bool = True) -> tuple[int, str, int] | None:
        """(start, id, length) of the first member starting at or after `position`, or None (length 0 unless
        `with_length`)."""
        assert self.source is not None and self._deferred is not None
        table_start = self._deferred[0]
        if position <= table_start:
            at = table_start
        else:
            at = -1
            look = position - len(SEPARATOR)
            while look < end:
                chunk = self.source.read(look, min(_PROBE, end - look))     # members are ~1-4 KB
                hit = chunk.find(SEPARATOR)
                if hit >= 0:
                    at = look + hit + len(SEPARATOR)
                    break
                look += max(1, len(chunk) - len(SEPARATOR) + 1)
            if at < 0 or at >= end:
                return None
        head = self.source.read(at, min(_PROBE if with_length else 256, end - at))
        match = _MEMBER_HEAD.match(head)
        if match is None:
            raise _NotBisectable
        if not with_length:
            return at, match.group(1).decode("ascii"), 0
        line_end = head.find(b"\n")
        while line_end < 0 and at + len(head) < end:
            more = self.source.read(at + len(head), min(1 << 16, end - at - len(head)))
            found = more.find(b"\n")
            line_end = -1 if found < 0 else len(head) + found
            head += more
        length = (end - at) if line_end < 0 else line_end
        return at, match.group(1).decode("ascii"), length

    def _found_entry(self, at: int, end: int) -> _Entry:
        found = self._member_from(at, end)
        assert found is not None
        _, key, length = found
        return _Entry(offset=len(key) + 3, span=(at, length))

    def __repr__(self) -> str:
        return f"LazyTable({self.name!r}, {len(self)} documents)"

    # --- parsing ----------------------------------------------------------------------------------------

    def _member(self, entry: _Entry) -> bytes:
        if entry.member is not None:
            return entry.member
        assert entry.span is not None and self.source is not None
        return self.source.read(*entry.span)     # not kept: the file is the copy

    def _parse(self, doc_id: str, entry: _Entry) -> Document:
        member = self._member(entry)
        offset = entry.offset
        try:
            value = json.loads(member[offset:])
        except (ValueError, RecursionError) as exc:
            raise CorruptDocumentError(self.name, doc_id, f"it is not valid JSON ({exc})") from None
        if not isinstance(value, dict):
            raise CorruptDocumentError(self.name, doc_id, f"it is a JSON {json_type(value)}, not an object")
        if entry.member is not None:     # small tables keep what they parsed; file-backed ones read again
            entry.document = value
        return value

    def parse_all(self) -> None:
        """Parse every in-memory document not read yet, in one json.loads call (far cheaper than one call each).

        A document that does not parse stays unread, so reading it raises CorruptDocumentError as usual."""
        pending = [(doc_id, entry) for doc_id, entry in self.entries.items()
                   if entry.document is None and entry.member is not None]
        if not pending:
            return
        try:
            decoded = json.loads(b"{" + b",".join(entry.member for _, entry in pending) + b"}")  # type: ignore[misc]
        except (ValueError, RecursionError):
            decoded = {}
        for doc_id, entry in pending:
            value = decoded.get(doc_id)
            if isinstance(value, dict):
                entry.document = value
                continue
            try:
                self._parse(doc_id, entry)
            except CorruptDocumentError:
                continue

    def raw_members(self) -> Iterator[tuple[str, bytes]]:
        """(id, encoded member) of every document, without parsing or keeping anything parsed."""
        for doc_id, entry in self.entries.items():
            if entry.member is None and entry.span is None:
                assert entry.document is not None
                entry.member = encode_member(doc_id, entry.document)
                entry.offset = len(encode_key(doc_id)) + 1
            yield doc_id, entry.member if entry.member is not None else self._member(entry)

    @staticmethod
    def decode_members(members: list[tuple[str, bytes]]) -> dict[str, Document]:
        """Parse many encoded members in one json.loads call; a member that does not parse is left out."""
        if not members:
            return {}
        try:
            decoded = json.loads(b"{" + b",".join(member for _, member in members) + b"}")
        except (ValueError, RecursionError):
            decoded = {}
            for _doc_id, member in members:
                try:
                    decoded.update(json.loads(b"{" + member + b"}"))
                except (ValueError, RecursionError):
                    continue
        return {doc_id: value for doc_id, value in decoded.items() if isinstance(value, dict)}

    def _scan(self) -> dict[str, _Entry]:
        """Find the members of a deferred table (`member SEPARATOR member ...`), reading 1 MiB at a time.

        The fast path finds each `SEPARATOR"id":{` with a regular expression and copies no member; where it
        meets something it cannot account for (an id with escapes, a damaged line), the exact path reads every
        member instead. A line break inside a member (the file was damaged) shows when that member is read."""
        assert self.source is not None and self._deferred is not None
        start, end = self._deferred
        entries = self._scan_fast(start, end)
        if entries is None:
            entries = self._scan_exact(start, end)
        if self._keep:          # one read of the whole range, not one per member
            data = self.source.read(start, end - start)
            for entry in entries.values():
                assert entry.span is not None
                offset, length = entry.span
                entry.member, entry.span = data[offset - start:offset - start + length], None
        self._deferred = None
        self._found = {}
        return entries

    def _scan_fast(self, start: int, end: int) -> dict[str, _Entry] | None:
        assert self.source is not None
        head = member_key(self.source.read(start, min(end - start, 256)).split(b"\n", 1)[0] + b"}")
        if head is None:
            return None
        entries: dict[str, _Entry] = {}
        current, current_at, current_doc = head[0], start, head[1]
        accepted = start          # matches starting before this were taken from the previous buffer
        buffer, read_at = b"", start
        while read_at < end:
            chunk = self.source.read(read_at, min(end - read_at, 1 << 20))
            read_at += len(chunk)
            # 2 bytes more than the overlap: a separator at its very start still shows the "}" before it.
            buffer = buffer[-(_OVERLAP + 2):] + chunk
            buffer_at = read_at - len(buffer)
            # A match near the end may be cut short: the next buffer (which repeats that end) takes it.
            limit = len(buffer) - _OVERLAP if read_at < end else len(buffer)
            for match in _NEXT_MEMBER.finditer(buffer):
                at = buffer_at + match.start()
                if at < accepted:
                    continue
                if match.start() >= limit:
                    break
                before = buffer[max(match.start() - 2, 0):match.start()]
                if (match.group(1) is None or len(before) < 2 or before[1] != 0x7D or before[0] == 0x0A
                        or current in entries):      # an id with escapes, or a separator not after "}"
                    return None
                entries[current] = _Entry(offset=current_doc, span=(current_at, at - current_at))
                current, current_at = match.group(1).decode("ascii"), at + len(SEPARATOR)
                current_doc = match.end() - 1 - match.start() - len(SEPARATOR)
                accepted = at + 1
        if current in entries:
            return None
        entries[current] = _Entry(offset=current_doc, span=(current_at, end - current_at))
        return entries

    def _scan_exact(self, start: int, end: int) -> dict[str, _Entry]:
        assert self.source is not None
        entries: dict[str, _Entry] = {}
        pending, pending_at = b"", start        # the member being read, and its file offset
        position = start
        while position < end:
            chunk = self.source.read(position, min(end - position, 1 << 20))
            position += len(chunk)
            data = pending + chunk
            cut = 0
            while (stop := data.find(SEPARATOR, cut)) >= 0:
                self._add_scanned(entries, data[cut:stop], pending_at + cut)
                cut = stop + len(SEPARATOR)
            pending, pending_at = data[cut:], pending_at + cut
        if start < end:
            self._add_scanned(entries, pending, pending_at)
        return entries

    def _add_scanned(self, entries: dict[str, _Entry], line: bytes, offset: int) -> None:
        key = member_key(line) if b"\n" not in line else None
        if key is None or key[0] in entries:
            assert self.source is not None
            raise CorruptDatabaseError(self.source.path, f"table {self.name!r} has a damaged line at byte {offset}")
        entries[key[0]] = _Entry(offset=key[1], span=(offset, len(line)))

    # --- changing and writing ---------------------------------------------------------------------------

    def members(self) -> Iterator[bytes]:
        """Each document's encoded member (read from the source for documents kept in the file)."""
        for doc_id, entry in self.entries.items():
            if entry.member is None and entry.span is None:
                assert entry.document is not None
                entry.member = encode_member(doc_id, entry.document)
                entry.offset = len(encode_key(doc_id)) + 1
            yield entry.member if entry.member is not None else self._member(entry)


def _all(data: bytes, needle: bytes) -> Iterator[int]:
    at = data.find(needle)
    while at >= 0:
        yield at
        at = data.find(needle, at + 1)


def _applied(entries: Mapping[str, _Entry], changes: Mapping[str, _Entry | None]) -> dict[str, _Entry]:
    result = dict(entries)
    for doc_id, entry in changes.items():
        if entry is None:
            result.pop(doc_id, None)
        else:
            result[doc_id] = entry
    return result


def member_entry(doc_id: str, document: Mapping[str, Any]) -> _Entry:
    """A document encoded now, kept with its encoding (written as is) and its parsed form."""
    return _Entry(encode_member(doc_id, document), len(encode_key(doc_id)) + 1, dict(document))
