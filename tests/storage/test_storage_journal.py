"""The journal: a big database's latest changes kept in a small file beside it (storage/journal.py).

The journal normally starts at 1 MiB of database (about 300 orders); these tests turn it on from the first
byte (`SnapshotStore.JOURNAL_FROM = 0`) so that small, readable databases show the same behaviour. Real files
in tmp_path; a fresh Repository or SnapshotStore stands for another certwizard session.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess

import pytest
from tinydb import TinyDB

from certwizard.domain.models import Profile, ProfileKind
from certwizard.domain.status import OrderStatus
from certwizard.storage import Repository
from certwizard.storage.journal import decode_journal, journal_path
from certwizard.storage.json_storage import SnapshotStore
from certwizard.storage.migrations import ORDER_INDEX, ORDERS
from certwizard.storage.order_index import index_fields
from certwizard.storage.source import Source
from certwizard.system.paths import DataLayout
from certwizard.system.securefs import atomic_replace


@pytest.fixture
def layout(tmp_path):
    return DataLayout(tmp_path / "data")


@pytest.fixture
def journal_on(monkeypatch):
    monkeypatch.setattr(SnapshotStore, "JOURNAL_FROM", 0)


def written_whole(layout, monkeypatch, count: int = 1):
    """`count` orders in the database file itself; changes after this go to the journal."""
    with monkeypatch.context() as patch:
        patch.setattr(SnapshotStore, "JOURNAL_FROM", 1 << 40)
        orders = Repository.open(layout).add_orders("dv-single", count)
    monkeypatch.setattr(SnapshotStore, "JOURNAL_FROM", 0)
    return Repository.open(layout), orders


def journal_of(layout) -> os.PathLike:
    return journal_path(layout.database)


def as_read(path) -> dict:
    """What a fresh reader finds: the file with its journal applied."""
    tables = SnapshotStore(path).tables()
    assert tables is not None
    return {name: {doc_id: dict(document) for doc_id, document in table.items()} for name, table in tables.items()}


def to_draft(order):
    order.status = OrderStatus.DRAFT
    return order


def test_a_change_goes_to_the_journal_and_leaves_the_file_as_it_was(layout, journal_on):
    repo = Repository.open(layout)
    first, second = repo.add_orders("dv-single", 2)
    file_before = layout.database.read_bytes()

    repo.update_order(second.id, to_draft)

    assert layout.database.read_bytes() == file_before
    journal = journal_of(layout)
    assert stat.S_IMODE(os.lstat(journal).st_mode) == 0o600
    lines = journal.read_bytes().splitlines()
    generation = json.loads(file_before)["meta"]["generation"]["id"]
    assert lines[0] == b"certwizard-journal 2 " + generation.encode()      # names the file's content
    assert sorted(line.split(b":", 1)[0] for line in lines[1:]) == sorted(   # the newest change of each
        f'"{table}" "{order.id}"'.encode() for table in (ORDERS, ORDER_INDEX) for order in (first, second))
    other = Repository.open(layout)                         # another session
    assert other.get_order(second.id).status is OrderStatus.DRAFT
    assert [(s.id, s.status) for s in other.order_summaries()] == [(first.id, OrderStatus.PENDING_APPLICATION),
                                                                    (second.id, OrderStatus.DRAFT)]
    assert [o.id for o in other.list_orders()] == [first.id, second.id]      # the order of the file is kept


def test_another_sessions_change_reads_only_the_journal_and_only_once(layout, journal_on):
    repo = Repository.open(layout)
    order = repo.add_orders("dv-single")[0]
    reader = Repository.open(layout)
    reader.get_order(order.id)
    store = reader._store
    file_reads, journal_reads = store.reads, store.journal_reads

    repo.update_order(order.id, to_draft)
    for _ in range(3):
        assert reader.get_order(order.id).status is OrderStatus.DRAFT
    assert (store.reads, store.journal_reads) == (file_reads, journal_reads + 1)

    reader.update_setting("seen", lambda n: n + 1, default=0)        # its own write reads nothing again
    reader.get_order(order.id)
    assert (store.reads, store.journal_reads) == (file_reads, journal_reads + 1)


def test_every_kind_of_change_gives_the_same_database_with_or_without_the_journal(tmp_path, monkeypatch):
    def session(root):
        repo = Repository.open(DataLayout(root))
        orders = repo.add_orders("ov-single", 4)
        repo.update_order(orders[1].id, to_draft)
        repo.delete_order(orders[2].id)
        repo.update_order(orders[1].id, to_draft)
        profile = repo.save_profile(Profile(kind=ProfileKind.APPLICANT, label="Ops", values={"name": "Ana"}))
        repo.save_profile(Profile(kind=ProfileKind.COMPANY, label="Acme", values={"company": "Acme Ltd"}))
        repo.delete_profile(profile.id)
        repo.set_setting("theme", {"dark": True, "text": "ünïcode \u2028 \"quoted\""})
        repo.update_setting("count", lambda n: n + 1, default=0)
        return {"ids": [o.id for o in orders]}

    plain = session(tmp_path / "plain")
    monkeypatch.setattr(SnapshotStore, "JOURNAL_FROM", 0)
    journaled = session(tmp_path / "journaled")
    assert journal_path(tmp_path / "journaled" / "certwizard.json").exists()
    assert not journal_path(tmp_path / "plain" / "certwizard.json").exists()

    rename = dict(zip(journaled["ids"], plain["ids"], strict=True))     # ids are random: compare by position
    plain_view = as_read(tmp_path / "plain" / "certwizard.json")
    journaled_view = as_read(tmp_path / "journaled" / "certwizard.json")
    for view in (plain_view, journaled_view):
        # a random id, which journal was folded in, and where the tables lie (ids are random, so sizes differ)
        for kept_apart in ("generation", "journal", "layout"):
            view["meta"].pop(kept_apart, None)
        for table in ("profiles", "settings"):
            for document in view[table].values():
                document.pop("saved_at", None)
                document.pop("id", None)
        view["profiles"] = sorted(view["profiles"].values(), key=str)
    for view in (plain_view, journaled_view):       # index entries by field name, to leave the times out
        view[ORDER_INDEX] = {i: index_fields(entry) for i, entry in view[ORDER_INDEX].items()}
    # The index keeps insertion order; the orders table is in id order, and ids are random: same set.
    assert [rename[i] for i in journaled_view[ORDER_INDEX]] == list(plain_view[ORDER_INDEX])
    assert {rename[i] for i in journaled_view[ORDERS]} == set(plain_view[ORDERS])
    for table in (ORDERS, ORDER_INDEX):
        journaled_view[table] = {rename[i]: {k: v for k, v in d.items() if k not in ("id", "updated_at",
                                                                                     "purchased_at")}
                                 for i, d in journaled_view[table].items()}
        plain_view[table] = {i: {k: v for k, v in d.items() if k not in ("id", "updated_at", "purchased_at")}
                             for i, d in plain_view[table].items()}
    assert journaled_view == plain_view


def test_past_its_limit_the_journal_is_folded_into_the_file(layout, journal_on, monkeypatch):
    monkeypatch.setattr(SnapshotStore, "JOURNAL_LIMIT", 1500)      # ~1 KB a change here
    repo = Repository.open(layout)
    orders = repo.add_orders("dv-single", 3)
    sizes, generations = [], []
    for order in orders:
        generations.append(json.loads(layout.database.read_bytes())["meta"]["generation"]["id"])
        repo.update_order(order.id, to_draft)
        sizes.append(journal_of(layout).stat().st_size if journal_of(layout).exists() else 0)

    assert sizes[0] > 0 and 0 in sizes[1:]                 # it grew, then was folded in and removed
    data = json.loads(layout.database.read_bytes())
    folded = [o.id for o in orders[:sizes.index(0) + 1]]
    assert all(data[ORDERS][i]["status"] == "draft" for i in folded)
    assert data["meta"]["journal"]["folded"] == generations[sizes.index(0)]      # which journal it folded in
    assert data["meta"]["generation"]["id"] not in generations[:sizes.index(0) + 1]    # a content of its own
    stock = TinyDB(layout.database)                         # stock TinyDB reads a folded file
    assert len(stock.table(ORDERS)) == 3
    stock.close()
    assert all(o.status is OrderStatus.DRAFT for o in Repository.open(layout).list_orders())


def test_a_journal_for_a_file_replaced_by_another_program_is_kept_aside(layout, monkeypatch):
    older = Repository.open(layout)
    [order] = older.add_orders("dv-single")
    backup = layout.database.read_bytes()                   # an older content of the file
    older.set_setting("whole", "write")                     # small database: written whole, a new generation
    monkeypatch.setattr(SnapshotStore, "JOURNAL_FROM", 0)
    repo = Repository.open(layout)
    repo.update_order(order.id, to_draft)
    assert journal_of(layout).exists()
    atomic_replace(layout.database, backup)                  # the older backup restored over the file

    reopened = Repository.open(layout)

    assert reopened.get_order(order.id).status is OrderStatus.PENDING_APPLICATION   # the file as it is, journal not applied
    [kept] = list(layout.root.glob("certwizard.json.journal.not-applied-*"))
    assert str(kept) in reopened.notices[0] and "not applied" in reopened.notices[0]
    assert not journal_of(layout).exists()
    reopened.update_order(order.id, to_draft)               # and work goes on
    assert Repository.open(layout).get_order(order.id).status is OrderStatus.DRAFT


def test_a_damaged_journal_is_moved_aside_and_the_file_opens(layout, monkeypatch):
    repo, [order] = written_whole(layout, monkeypatch)
    repo.update_order(order.id, to_draft)
    journal = journal_of(layout)
    journal.write_bytes(journal.read_bytes()[:-40] + b"\n")          # a line cut short

    reopened = Repository.open(layout)

    [moved] = list(layout.root.glob("certwizard.json.journal.corrupt-*"))
    assert "could not be read" in reopened.notices[0] and str(moved) in reopened.notices[0]
    assert reopened.get_order(order.id).status is OrderStatus.PENDING_APPLICATION     # the change it held is not applied
    assert not journal.exists()


def test_a_reader_that_meets_a_compaction_midway_reads_again(layout, journal_on):
    writer = Repository.open(layout)
    order = writer.add_orders("dv-single")[0]
    writer.update_order(order.id, to_draft)                  # in the journal
    reader = SnapshotStore(layout.database)
    reader.tables()
    read_journal = reader._read_journal

    def compaction_in_between():
        # Between the reader's look at the file and at the journal, the writer folds the journal in.
        writer._store.journal_limit = 0
        writer.set_setting("late", "change")
        assert not journal_of(layout).exists()
        reader._read_journal = read_journal
        return read_journal()

    writer.set_setting("first", "change")                   # the journal changes: the reader looks again
    reader._read_journal = compaction_in_between
    tables = reader.tables()
    assert tables["orders"][order.id]["status"] == "draft"
    assert tables["settings"]["late"] == {"value": "change"}


def test_removals_and_replacements_read_back_from_the_journal_file(layout, journal_on):
    repo = Repository.open(layout)
    orders = repo.add_orders("dv-single", 3)
    repo.delete_order(orders[0].id)
    repo.update_order(orders[2].id, to_draft)
    fd = os.open(journal_of(layout), os.O_RDONLY)
    journal = decode_journal(Source(fd, os.fstat(fd).st_size, journal_of(layout)))
    assert journal.changes[(ORDERS, orders[0].id)] is None
    assert journal.changes[(ORDER_INDEX, orders[0].id)] is None
    assert json.loads(journal.changes[(ORDERS, orders[2].id)].member[len(orders[2].id) + 3:])["status"] == "draft"
    assert list(as_read(layout.database)[ORDERS]) == [orders[1].id, orders[2].id]


def test_a_schema_upgrade_keeps_the_file_and_its_journal_as_one_backup(layout, journal_on):
    repo = Repository.open(layout)
    order = repo.update_order(repo.add_orders("dv-single")[0].id, to_draft)
    # The journal holds an older schema's change (as a future certwizard's upgrade would find it).
    repo._store.change({"meta": {"schema": {"version": 1}}})

    upgraded = Repository.open(layout)

    assert "upgraded from schema 1" in upgraded.notices[0]
    [backup] = list(layout.root.glob("certwizard.json.schema-1-*"))
    data = json.loads(backup.read_bytes())
    assert data["meta"]["schema"]["version"] == 1 and data[ORDERS][order.id]["status"] == "draft"
    assert upgraded.get_order(order.id).status is OrderStatus.DRAFT
    assert not journal_of(layout).exists()                   # the upgrade wrote the whole file


COPIES = {
    "cp -a": lambda src, dst: ["cp", "-a", str(src), str(dst)],
    "cp -r": lambda src, dst: ["cp", "-r", str(src), str(dst)],         # new times as well as new inodes
    "tar": lambda src, dst: ["sh", "-c", 'mkdir "$2" && tar -C "$1" -cf - . | tar -C "$2" -xf -', "sh",
                             str(src), str(dst)],
    "rsync -a": lambda src, dst: ["rsync", "-a", f"{src}/", str(dst)],
}


@pytest.mark.parametrize("tool", COPIES)
def test_a_journaled_folder_copied_by_an_ordinary_tool_keeps_every_order(layout, journal_on, tmp_path, tool):
    command = COPIES[tool](layout.root, tmp_path / "restored")
    if shutil.which(command[0]) is None:
        pytest.skip(f"SKIPPED LOUDLY: {command[0]} is not installed here, so the {tool} copy is not tried")
    repo = Repository.open(layout)
    orders = repo.add_orders("dv-single", 30)
    for order in orders[::3]:
        repo.update_order(order.id, to_draft)
    assert journal_of(layout).exists()
    expected = {o.id: o.status for o in Repository.open(layout).list_orders()}

    subprocess.run(command, check=True, timeout=60)
    restored = Repository.open(DataLayout(tmp_path / "restored"))

    assert {o.id: o.status for o in restored.list_orders()} == expected
    assert sum(status is OrderStatus.DRAFT for status in expected.values()) == 10
    assert restored.notices == []
    assert journal_path(tmp_path / "restored" / "certwizard.json").exists()      # applied, not set aside
    restored.update_order(orders[1].id, to_draft)                                # and the copy goes on alone
    assert Repository.open(DataLayout(tmp_path / "restored")).get_order(orders[1].id).status is OrderStatus.DRAFT
    assert Repository.open(layout).get_order(orders[1].id).status is OrderStatus.PENDING_APPLICATION


def test_a_version_1_journal_still_applies_to_its_file(layout, journal_on):
    repo = Repository.open(layout)
    order = repo.add_orders("dv-single")[0]
    repo.update_order(order.id, to_draft)
    journal = journal_of(layout)
    st = os.stat(layout.database)
    _, changes = journal.read_bytes().split(b"\n", 1)
    header = f"certwizard-journal 1 {st.st_dev} {st.st_ino} {st.st_size} {st.st_mtime_ns}\n".encode()
    journal.write_bytes(header + changes)           # as certwizard wrote it before generations

    reopened = Repository.open(layout)

    assert reopened.get_order(order.id).status is OrderStatus.DRAFT and reopened.notices == []
    reopened.set_setting("next", "change")          # the file had no v1-only state: the journal goes on as v2
    assert journal.read_bytes().startswith(b"certwizard-journal 2 ")
    assert Repository.open(layout).get_order(order.id).status is OrderStatus.DRAFT


def test_a_big_database_copied_with_cp_a_keeps_the_orders_its_journal_holds(layout, tmp_path):
    # At the real threshold (JOURNAL_FROM untouched): the case where a copy lost a third of the orders.
    repo = Repository.open(layout)
    while not layout.database.exists() or layout.database.stat().st_size < SnapshotStore.JOURNAL_FROM:
        repo.add_orders("dv-single", 500)
    added = repo.add_orders("dv-single", 100)                 # these live only in the journal
    assert journal_of(layout).exists()
    expected = {o.id for o in Repository.open(layout).list_orders()}

    subprocess.run(["cp", "-a", str(layout.root), str(tmp_path / "copy")], check=True, timeout=60)
    copy = Repository.open(DataLayout(tmp_path / "copy"))

    assert {o.id for o in copy.list_orders()} == expected and {o.id for o in added} <= expected
    assert copy.notices == []
