"""The journal: the latest changes to a big database, kept in a small file beside it.

Writing one change into a 34 MB database file (10,000 orders) costs ~70 ms, most of it the kernel copying
and flushing bytes that did not change. So while the database file is big, a change rewrites only the
journal, `certwizard.json.journal`, which holds every change made since the database file was last written.
It is replaced like the database file (temp file, fsync, rename, fsync of the folder, mode 0600) under the
same cross-process lock. Past its size limit, the next change writes the whole database file with the
journal folded in, then removes the journal (compaction).

    certwizard-journal 1 <device> <inode> <size> <mtime_ns>    the database file it applies to
    "orders" "ord-3f9a1c2b":{...}                              a document inserted or replaced
    "profiles" "prof-0a1b2c3d":null                            a document removed

A journal applies only to the very file its first line names. The database file is only ever replaced by a
new file renamed over it, so a journal left behind (certwizard was killed between writing the database file
and removing the journal) names a file that is gone and is not applied. A compaction records in the file which
journal it folded in (meta document "journal"), so the next writer removes such a left-over; a journal naming
a file that another program replaced is kept aside instead, with a notice (`Repository`).
"""

from __future__ import annotations

from collections.abc import Mapping
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
Key = tuple[str, str]                          # (table, document id)
Changes = dict[Key, _Entry | None]             # the newest change of each document; None: removed
Tables = dict[str, LazyTable]

JOURNAL_SUFFIX = ".journal"
FOLDED: Key = ("meta", "journal")              # in the file: which journal the last compaction folded in
MAX_JOURNAL_BYTES = 64 * 1024 * 1024           # compaction keeps it near 1 MiB; more means damage
_MAGIC = b"certwizard-journal 1 "
_REMOVED = b":null"


def journal_path(database: Path) -> Path:
    return database.with_name(database.name + JOURNAL_SUFFIX)


@dataclass(frozen=True)
class Journal:
    base: Signature                  # the database file these changes apply to
    changes: Changes
    source: Source | None = field(default=None, compare=False)   # the journal file, held open (see source.py)

    def applied_to(self, tables: Tables) -> Tables:
        """`tables` (the database file's) with these changes; unscanned tables stay unscanned."""
        by_table: dict[str, dict[str, _Entry | None]] = {}
        for (name, doc_id), entry in self.changes.items():
            by_table.setdefault(name, {})[doc_id] = entry
        merged = dict(tables)
        for name, changes in by_table.items():
            merged[name] = (tables.get(name) or LazyTable(name, {})).overlaid(changes)
        return merged

    def encode(self) -> bytes:
        lines = [_MAGIC + b" ".join(str(n).encode("ascii") for n in self.base)]
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


def _header(line: bytes) -> Signature | None:
    if not line.startswith(_MAGIC):
        return None
    numbers = line[len(_MAGIC):].split(b" ")
    if len(numbers) != 4 or not all(n.isdigit() for n in numbers):
        return None
    device, inode, size, mtime = (int(n) for n in numbers)
    return device, inode, size, mtime


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
    return FOLDED, member_entry(FOLDED[1], {"folded": list(journal.base)})


def was_folded(journal: Journal, tables: Mapping[str, LazyTable]) -> bool:
    """Whether `tables` (a database file's) come from folding in `journal` (so they hold its changes)."""
    meta = tables.get(FOLDED[0])
    if meta is None or FOLDED[1] not in meta:
        return False
    try:
        return meta[FOLDED[1]].get("folded") == list(journal.base)
    except CorruptDocumentError:
        return False
