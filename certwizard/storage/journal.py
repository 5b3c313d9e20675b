"""The journal: the latest changes to a big database, kept in a small file beside it.

Writing one change into a 34 MB database file (10,000 orders) costs ~70 ms, most of it the kernel copying
and flushing bytes that did not change. So while the database file is big, a change rewrites only the
journal, `certwizard.json.journal`, which holds every change made since the database file was last written.
It is replaced like the database file (temp file, fsync, rename, fsync of the folder, mode 0600) under the
same cross-process lock. Past its size limit, the next change writes the whole database file with the
journal folded in, then removes the journal (compaction).

    certwizard-journal 2 <generation>          the database file it applies to
    "orders" "ord-3f9a1c2b":{...}              a document inserted or replaced
    "profiles" "prof-0a1b2c3d":null            a document removed

A journal applies only to the database file its first line names. Every whole write of the database file
gives it a new random generation (meta document "generation"), and the file is never changed otherwise, so
a generation names one content: a copy of the folder made by `cp -a`, `tar` or `rsync` (new inodes, maybe
new times) keeps file and journal together. A journal left behind (certwizard was killed between writing the
database file and removing the journal) names a generation that is gone and is not applied. A compaction
records in the file which journal it folded in (meta document "journal"), so the next writer removes such a
left-over; a journal naming another content (say, an older backup restored over the file) is kept aside
instead, with a notice (`Repository`).

Version 1 journals named the file by (device, inode, size, mtime), which a copy changes; they are still read,
and a database file without a generation takes its next change whole, which gives it one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from certwizard.storage.errors import CorruptDatabaseError, CorruptDocumentError
from certwizard.storage.lazy_table import (
    LazyTable,
    _Entry,
    encode_key,
    member_entry,
    member_key,
    plain_string,
)
from certwizard.storage.source import Source

Signature = tuple[int, int, int, int]          # (device, inode, size, mtime_ns) of a file
Base = str                                     # the generation a journal applies to ("v1 ..." for old ones)
Key = tuple[str, str]                          # (table, document id)
Changes = dict[Key, _Entry | None]             # the newest change of each document; None: removed
Tables = dict[str, LazyTable]

JOURNAL_SUFFIX = ".journal"
FOLDED: Key = ("meta", "journal")              # in the file: which journal the last compaction folded in
GENERATION: Key = ("meta", "generation")       # in the file: a random id, new at every whole write
MAX_JOURNAL_BYTES = 64 * 1024 * 1024           # compaction keeps it near 1 MiB; more means damage
_MAGIC = b"certwizard-journal 2 "
_MAGIC_V1 = b"certwizard-journal 1 "
_LEGACY = "v1 "
_REMOVED = b":null"


def journal_path(database: Path) -> Path:
    return database.with_name(database.name + JOURNAL_SUFFIX)


@dataclass(frozen=True)
class Journal:
    base: Base                       # the database file these changes apply to
    changes: Changes
    source: Source | None = field(default=None, compare=False)   # the journal file, held open (see source.py)

    def applied_to(self, tables: Tables) -> Tables:
        """`tables` (the database file's) with these changes; unscanned tables stay unscanned."""
        by_table: dict[str, dict[str, _Entry | None]] = {}
        for (name, doc_id), entry in self.changes.items():
            by_table.setdefault(name, {})[doc_id] = entry
        merged = dict(tables)
        for name, changes in by_table.items():
            table = tables.get(name)          # not `or`: the truth of a table is its length, a scan
            merged[name] = (LazyTable(name, {}) if table is None else table).overlaid(changes)
        return merged

    def encode(self) -> bytes:
        assert not self.base.startswith(_LEGACY), "journals are written for a file with a generation"
        lines = [_MAGIC + self.base.encode("ascii")]
        for (name, doc_id), entry in self.changes.items():
            if entry is None:
                lines.append(encode_key(name) + b" " + encode_key(doc_id) + _REMOVED)
            else:
                assert entry.member is not None
                lines.append(encode_key(name) + b" " + entry.member)
        return b"\n".join(lines) + b"\n"


def decode_journal(source: Source) -> Journal:
    """The journal read from `source` (raises CorruptDatabaseError naming the journal file)."""
    path = source.path
    if source.size > MAX_JOURNAL_BYTES:
        raise CorruptDatabaseError(path, f"it is larger than {MAX_JOURNAL_BYTES // (1024 * 1024)} MiB, far "
                                         "more than certwizard ever writes there")
    data = source.read(0, source.size)
    if not data.endswith(b"\n"):
        raise CorruptDatabaseError(path, "it does not end with a line break (it was cut short)")
    head, *lines = data[:-1].split(b"\n")
    base = _header(head)
    if base is None:
        raise CorruptDatabaseError(path, "its first line is not a certwizard journal header")
    changes: Changes = {}
    for number, line in enumerate(lines, start=2):
        change = _change(line)
        if change is None:
            raise CorruptDatabaseError(path, f"line {number} is damaged")
        key, entry = change
        changes[key] = entry
    return Journal(base, changes, source)


def _header(line: bytes) -> Base | None:
    if line.startswith(_MAGIC):
        generation = line[len(_MAGIC):]
        return generation.decode("ascii") if _is_generation(generation) else None
    if line.startswith(_MAGIC_V1):
        numbers = line[len(_MAGIC_V1):].split(b" ")
        if len(numbers) != 4 or not all(n.isdigit() for n in numbers):
            return None
        return legacy_base(int(n) for n in numbers)
    return None


def _is_generation(text: bytes) -> bool:
    return len(text) == 32 and all(c in b"0123456789abcdef" for c in text)


def legacy_base(signature: Iterable[object]) -> Base:
    """How a version 1 journal named the file with this (device, inode, size, mtime_ns)."""
    return _LEGACY + " ".join(str(n) for n in signature)


def generation_record() -> tuple[Key, _Entry]:
    """The change that gives a database file being written whole its new generation."""
    return GENERATION, member_entry(GENERATION[1], {"id": secrets.token_hex(16)})


def generation_of(tables: Mapping[str, LazyTable]) -> Base | None:
    """The generation of a database file's tables; None for a file written by an older certwizard."""
    meta = tables.get(GENERATION[0])
    if meta is None or GENERATION[1] not in meta:
        return None
    try:
        generation = meta[GENERATION[1]].get("id")
    except CorruptDocumentError:
        return None
    return generation if isinstance(generation, str) and _is_generation(generation.encode()) else None


def applies_to(journal: Journal, tables: Mapping[str, LazyTable], signature: Signature) -> bool:
    """Whether `journal` holds changes to the database file with these tables and (device, inode...)."""
    if journal.base.startswith(_LEGACY):
        return journal.base == legacy_base(signature)
    return journal.base == generation_of(tables)


def _change(line: bytes) -> tuple[Key, _Entry | None] | None:
    split = line.find(b'" "')
    if split < 0:
        return None
    name = plain_string(line[:split + 1])
    member = line[split + 2:]
    if name is None:
        return None
    if member.endswith(_REMOVED):
        doc_id = plain_string(member[:-len(_REMOVED)])
        return None if doc_id is None else ((name, doc_id), None)
    key = member_key(member)
    if key is None:
        return None
    doc_id, offset = key
    return (name, doc_id), _Entry(member, offset)


def folding_record(journal: Journal) -> tuple[Key, _Entry]:
    """The change that records, in the file a compaction writes, which journal it folded in."""
    return FOLDED, member_entry(FOLDED[1], {"folded": journal.base})


def was_folded(journal: Journal, tables: Mapping[str, LazyTable]) -> bool:
    """Whether `tables` (a database file's) come from folding in `journal` (so they hold its changes)."""
    meta = tables.get(FOLDED[0])
    if meta is None or FOLDED[1] not in meta:
        return False
    try:
        folded = meta[FOLDED[1]].get("folded")
    except CorruptDocumentError:
        return False
    if journal.base.startswith(_LEGACY) and isinstance(folded, list):       # as version 1 recorded it
        return legacy_base(folded) == journal.base
    return bool(folded == journal.base)
