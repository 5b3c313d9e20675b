"""Repository in one process: real files in tmp_path, real TinyDB, real pydantic models."""

from __future__ import annotations

import json
import os
import stat

import pytest
from filelock import FileLock
from tinydb import TinyDB

from certwizard.domain.models import Order, Profile, ProfileKind
from certwizard.domain.products import UnknownProductError
from certwizard.domain.status import OrderStatus
from certwizard.storage import (
    CURRENT_SCHEMA_VERSION,
    ConflictError,
    DatabaseBusyError,
    OrderNotFoundError,
    ProfileNotFoundError,
    Repository,
    SchemaTooNewError,
    StorageError,
    UnreadableRecordError,
)
from certwizard.storage.json_storage import SnapshotStore, open_tinydb
from certwizard.storage.migrations import migrate
from certwizard.system.paths import DataLayout
from certwizard.system.securefs import TEMP_PREFIX, UnsafePathError


@pytest.fixture
def layout(tmp_path):
    return DataLayout(tmp_path / "data")


@pytest.fixture
def repo(layout):
    with Repository.open(layout) as repository:
        yield repository


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def stored(layout):
    return json.loads(layout.database.read_bytes())


def write_database(layout, content: bytes, file_mode: int = 0o600):
    layout.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    layout.database.write_bytes(content)
    os.chmod(layout.database, file_mode)


def to_draft(order: Order) -> Order:
    order.status = OrderStatus.DRAFT
    return order


# --- orders ------------------------------------------------------------------------------------------------

def test_added_orders_are_pending_and_readable_back(repo, layout):
    added = repo.add_orders("ov-wildcard", 3)
    assert len({o.id for o in added}) == 3
    assert all(o.status is OrderStatus.PENDING_APPLICATION and o.product_id == "ov-wildcard" for o in added)
    assert repo.get_order(added[1].id) == added[1]
    # keyed by our own string ids, not TinyDB's counters
    assert set(stored(layout)["orders"]) == {o.id for o in added}


def test_list_is_by_purchase_time_and_filters_by_status(repo):
    first = repo.add_orders("dv-single")[0]
    second, third = repo.add_orders("dv-multi", 2)
    repo.update_order(second.id, to_draft)
    assert [o.id for o in repo.list_orders()] == [first.id, second.id, third.id]
    assert [o.id for o in repo.list_orders([OrderStatus.DRAFT])] == [second.id]
    assert [o.id for o in repo.list_orders(["pending-application"])] == [first.id, third.id]
    assert repo.list_orders([]) == []


@pytest.mark.parametrize("count", [0, 1001, -1, True, 2.0])
def test_add_refuses_counts_outside_one_to_a_thousand(repo, layout, count):
    with pytest.raises(ValueError, match="from 1 to 1000"):
        repo.add_orders("dv-single", count)
    assert not layout.database.exists()


def test_add_refuses_an_unknown_product_and_names_the_valid_ones(repo):
    with pytest.raises(UnknownProductError, match="dv-single, dv-multi"):
        repo.add_orders("gold-plated")


def test_missing_order_says_how_to_find_ids(repo):
    repo.add_orders("dv-single")
    with pytest.raises(OrderNotFoundError, match="certwizard list"):
        repo.get_order("ord-00000000")


def test_save_bumps_revision_and_stale_save_raises_conflict_with_the_newer_order(layout, repo):
    order = repo.add_orders("dv-single")[0]
    other_session = Repository.open(layout)
    mine = repo.get_order(order.id)
    theirs = other_session.get_order(order.id)

    theirs.draft = theirs.draft.filled(domains="theirs.example.com")
    saved = other_session.save_order(theirs)
    assert saved.revision == 1 and saved.updated_at > order.updated_at

    mine.draft = mine.draft.filled(domains="mine.example.com")
    with pytest.raises(ConflictError, match="changed in another certwizard session") as caught:
        repo.save_order(mine)
    assert caught.value.current.revision == 1
    assert caught.value.current.draft.domains == "theirs.example.com"
    assert repo.get_order(order.id).draft.domains == "theirs.example.com"

    reloaded = caught.value.current
    reloaded.draft = reloaded.draft.filled(domains="mine.example.com")
    assert repo.save_order(reloaded).revision == 2


def test_save_of_an_order_deleted_elsewhere_is_not_found(layout, repo):
    order = repo.add_orders("dv-single")[0]
    Repository.open(layout).delete_order(order.id)
    with pytest.raises(OrderNotFoundError, match="deleted in another session"):
        repo.save_order(order)


def test_update_applies_the_change_to_the_freshest_copy(layout, repo):
    order = repo.add_orders("dv-single")[0]
    stale = repo.get_order(order.id)
    other = Repository.open(layout)
    other.save_order(stale.model_copy(update={"draft": stale.draft.filled(domains="kept.example.com")}))

    seen = []

    def start(current: Order) -> Order:
        seen.append(current.revision)
        return to_draft(current)

    updated = repo.update_order(order.id, start)
    assert seen == [1]
    assert updated.revision == 2 and updated.status is OrderStatus.DRAFT
    assert updated.draft.domains == "kept.example.com"
    assert other.get_order(order.id) == updated


def test_a_failing_change_stores_nothing(repo, layout):
    order = repo.add_orders("dv-single")[0]
    before = layout.database.read_bytes()

    def fail(current: Order) -> Order:
        current.status = OrderStatus.ISSUED
        raise RuntimeError("authority unreachable")

    with pytest.raises(RuntimeError, match="unreachable"):
        repo.update_order(order.id, fail)
    assert layout.database.read_bytes() == before
    assert repo.get_order(order.id).status is OrderStatus.PENDING_APPLICATION


def test_a_change_must_return_the_same_order(repo):
    order, other = repo.add_orders("dv-single", 2)
    with pytest.raises(ValueError, match=order.id):
        repo.update_order(order.id, lambda current: other)


def test_writes_cannot_be_nested_inside_a_change(repo):
    order = repo.add_orders("dv-single")[0]

    def sneaky(current: Order) -> Order:
        repo.set_setting("inner", True)
        return current

    with pytest.raises(RuntimeError, match="cannot be nested"):
        repo.update_order(order.id, sneaky)
    assert repo.get_setting("inner") is None and repo.get_order(order.id).revision == 0


def test_delete_order(repo):
    keep, gone = repo.add_orders("dv-single", 2)
    repo.delete_order(gone.id)
    assert [o.id for o in repo.list_orders()] == [keep.id]
    with pytest.raises(OrderNotFoundError):
        repo.delete_order(gone.id)


# --- profiles and settings --------------------------------------------------------------------------------

def test_profiles_are_saved_listed_by_label_filtered_and_deleted(repo):
    company, applicant = ProfileKind.COMPANY, ProfileKind.APPLICANT
    zed = repo.save_profile(Profile(kind=company, label="Zed Corp", values={"company_name": "Zed"}))
    ops = repo.save_profile(Profile(kind=applicant, label="ops team", values={"applicant_name": "Li"}))
    acme = repo.save_profile(Profile(kind=company, label="ACME", values={"company_name": "ACME"}))
    assert [p.label for p in repo.list_profiles()] == ["ACME", "ops team", "Zed Corp"]
    assert repo.list_profiles(ProfileKind.COMPANY) == [acme, zed]
    assert repo.list_profiles("applicant") == [ops]

    renamed = repo.save_profile(ops.model_copy(update={"label": "Ops"}))
    assert [p.label for p in repo.list_profiles(ProfileKind.APPLICANT)] == ["Ops"]
    assert renamed.saved_at >= ops.saved_at

    repo.delete_profile(zed.id)
    assert [p.id for p in repo.list_profiles()] == [acme.id, ops.id]
    with pytest.raises(ProfileNotFoundError):
        repo.delete_profile(zed.id)


def test_settings_round_trip_and_callers_cannot_change_the_stored_value(repo, layout):
    assert repo.get_setting("phone_region", "CN") == "CN"
    repo.set_setting("phone_region", "DE")
    repo.set_setting("recent", {"products": ["dv-single"]})
    value = repo.get_setting("recent")
    value["products"].append("tampered")
    assert repo.get_setting("recent") == {"products": ["dv-single"]}
    assert Repository.open(layout).get_setting("phone_region") == "DE"


def test_update_setting_is_a_read_modify_write(repo):
    assert repo.update_setting("counter", lambda n: n + 1, default=0) == 1
    assert repo.update_setting("counter", lambda n: n + 1, default=0) == 2
    assert repo.get_setting("counter") == 2


@pytest.mark.parametrize("value", [object(), float("nan"), {1: {2, 3}}])
def test_a_value_that_is_not_json_is_refused_before_anything_is_written(repo, layout, value):
    repo.set_setting("before", 1)
    before = layout.database.read_bytes()
    with pytest.raises(ValueError, match="must be JSON data"):
        repo.set_setting("bad", value)
    assert layout.database.read_bytes() == before


# --- files: modes, temp files, symlinks -------------------------------------------------------------------

@pytest.fixture(params=[0o000, 0o022, 0o077])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_folder_database_and_lock_are_private_under_any_umask(layout, umask):
    repo = Repository.open(layout)
    repo.add_orders("dv-single")
    assert mode(layout.root) == 0o700 and mode(layout.keys_dir) == 0o700
    assert mode(layout.database) == 0o600
    assert mode(repo.lock_path) == 0o600


def test_the_database_file_is_created_only_by_the_first_write(layout):
    repo = Repository.open(layout)
    assert repo.list_orders() == [] and not layout.database.exists()
    repo.set_setting("x", 1)
    meta = stored(layout)["meta"]
    assert meta == {"schema": {"version": CURRENT_SCHEMA_VERSION}, "generation": {"id": meta["generation"]["id"]}}


def test_a_loose_lock_file_is_tightened(layout):
    layout.root.mkdir(mode=0o700)
    lock = layout.root / "certwizard.json.lock"
    lock.touch()
    os.chmod(lock, 0o666)
    Repository.open(layout)
    assert mode(lock) == 0o600


def test_open_removes_the_databases_temp_files_but_not_young_ones_of_other_files(layout):
    layout.root.mkdir(mode=0o700)
    ours = layout.root / ".tmp-0123456789ab-certwizard.json"
    ours.write_bytes(b'{"half":')
    someone_elses = layout.root / ".tmp-0123456789ab-key.pem"
    someone_elses.write_bytes(b"being written right now")
    Repository.open(layout)
    assert not ours.exists()
    assert someone_elses.exists()


def test_a_symlink_in_place_of_the_database_is_refused(layout, tmp_path):
    target = tmp_path / "elsewhere.json"
    target.write_text('{"meta": {"schema": {"version": 1}}}')
    layout.root.mkdir(mode=0o700)
    layout.database.symlink_to(target)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        Repository.open(layout)
    assert target.read_text() == '{"meta": {"schema": {"version": 1}}}'


def test_a_held_lock_gives_a_busy_error_instead_of_waiting_forever(layout):
    repo = Repository.open(layout, lock_timeout=0)
    holder = FileLock(repo.lock_path)
    with holder:
        with pytest.raises(DatabaseBusyError, match="try again"):
            repo.set_setting("x", 1)
    repo.set_setting("x", 1)
    assert repo.get_setting("x") == 1


def test_opening_a_healthy_database_takes_no_lock(layout):
    Repository.open(layout).set_setting("x", 1)
    with FileLock(layout.database.with_name(layout.database.name + ".lock")):   # another session writes
        reopened = Repository.open(layout, lock_timeout=0)      # reading needs no lock, opening neither
        assert reopened.get_setting("x") == 1
        with pytest.raises(DatabaseBusyError):
            reopened.set_setting("x", 2)


def test_opening_repairs_under_the_lock_when_a_writer_left_a_temp_file(layout):
    Repository.open(layout).set_setting("x", 1)
    temp = layout.database.with_name(f"{TEMP_PREFIX}0123456789ab-{layout.database.name}")
    temp.write_bytes(b'{"half a write')
    with FileLock(layout.database.with_name(layout.database.name + ".lock")):
        with pytest.raises(DatabaseBusyError):                  # the writer may still be at work: wait for it
            Repository.open(layout, lock_timeout=0)
        assert temp.exists()
    reopened = Repository.open(layout, lock_timeout=0)
    assert not temp.exists() and reopened.get_setting("x") == 1


# --- damaged files, schema versions -----------------------------------------------------------------------

@pytest.mark.parametrize("content, problem", [
    (b'{"orders": {"ord-1": {"id": "ord-1", ', "not valid JSON"),
    (b"\xff\xfe\x00garbage", "not valid JSON"),
    (b"[1, 2, 3]", "top level is a JSON array"),
    (b'{"orders": [{"id": "ord-1"}]}', "table 'orders' is a JSON array"),
    (b'{"orders": {"1": "ord-1"}}', "document '1' in table 'orders' is a JSON string"),
    (b'{"meta": {"schema": {"version": "two"}}}', "schema version 'two'"),
])
def test_a_damaged_file_is_moved_aside_unchanged_and_a_new_database_started(layout, content, problem):
    write_database(layout, content, file_mode=0o640)
    repo = Repository.open(layout)

    moved = sorted(layout.root.glob("certwizard.json.corrupt-*"))
    assert len(moved) == 1
    assert moved[0].read_bytes() == content and mode(moved[0]) == 0o640
    assert len(repo.notices) == 1
    assert problem in repo.notices[0] and str(moved[0]) in repo.notices[0]
    assert stored(layout)["meta"]["schema"]["version"] == CURRENT_SCHEMA_VERSION
    assert mode(layout.database) == 0o600
    assert repo.list_orders() == []
    repo.add_orders("dv-single")
    assert len(Repository.open(layout).list_orders()) == 1


def test_damage_found_by_a_later_read_is_handled_the_same_way(layout):
    repo = Repository.open(layout)
    repo.add_orders("dv-single")
    layout.database.write_bytes(b"\x00" * 64)          # e.g. a disk error, or another tool
    assert repo.list_orders() == []
    assert "moved, unchanged, to" in repo.notices[0]
    assert len(list(layout.root.glob("certwizard.json.corrupt-*"))) == 1


def test_an_empty_file_is_an_empty_database(layout):
    write_database(layout, b"")
    repo = Repository.open(layout)
    assert repo.list_orders() == [] and repo.notices == []


def test_a_file_from_a_newer_certwizard_is_refused_and_left_alone(layout):
    content = json.dumps({"meta": {"schema": {"version": CURRENT_SCHEMA_VERSION + 1}}, "orders": {}}).encode()
    write_database(layout, content)
    with pytest.raises(SchemaTooNewError, match="newer certwizard.*Upgrade certwizard"):
        Repository.open(layout)
    repo = Repository(layout)
    with pytest.raises(SchemaTooNewError):
        repo.add_orders("dv-single")
    assert layout.database.read_bytes() == content
    assert list(layout.root.glob("certwizard.json.*-*")) == []


def legacy_tinydb_file(layout, orders, profiles):
    """What plain TinyDB writes: numeric document ids and no meta table (schema 0)."""
    layout.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    db = TinyDB(layout.database)
    db.table("orders").insert_multiple(o.model_dump(mode="json") for o in orders)
    db.table("profiles").insert_multiple(p.model_dump(mode="json") for p in profiles)
    db.close()


def test_a_schema_0_file_is_migrated_and_the_old_file_kept(layout):
    orders = [Order(product_id="dv-single"), Order(product_id="ov-multi", status=OrderStatus.DRAFT)]
    profile = Profile(kind=ProfileKind.APPLICANT, label="ops", values={"applicant_name": "Li"})
    legacy_tinydb_file(layout, orders, [profile])
    original = layout.database.read_bytes()
    assert set(json.loads(original)["orders"]) == {"1", "2"}

    repo = Repository.open(layout)

    data = stored(layout)
    assert data["meta"]["schema"]["version"] == CURRENT_SCHEMA_VERSION
    assert set(data["orders"]) == {o.id for o in orders}
    assert repo.list_orders() == orders
    assert repo.get_order(orders[1].id).status is OrderStatus.DRAFT
    assert repo.list_profiles() == [profile]
    backups = list(layout.root.glob("certwizard.json.schema-0-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == original and mode(backups[0]) == 0o600
    assert "upgraded from schema 0" in repo.notices[0]
    assert Repository.open(layout).notices == []          # done once


def test_migrations_run_in_order_one_version_at_a_time(tmp_path):
    steps = {
        1: lambda t: {**t, "log": {"steps": {"seen": ["1->2"]}}},
        2: lambda t: {**t, "log": {"steps": {"seen": [*t["log"]["steps"]["seen"], "2->3"]}}},
    }
    tables = {"meta": {"schema": {"version": 1}}, "orders": {}}
    migrated = migrate(tables, tmp_path / "db.json", steps, target=3)
    assert migrated["log"]["steps"]["seen"] == ["1->2", "2->3"]
    assert migrated["meta"]["schema"]["version"] == 3
    with pytest.raises(StorageError, match="no upgrade from it"):
        migrate(tables, tmp_path / "db.json", {1: steps[1]}, target=3)


def test_an_unreadable_order_is_skipped_with_a_notice_and_left_in_the_file(repo, layout):
    good, bad = repo.add_orders("dv-single", 2)
    data = stored(layout)
    data["orders"][bad.id]["status"] = "lost-in-space"
    layout.database.write_text(json.dumps(data))

    assert repo.list_orders() == [good]
    assert "cannot be read (status:" in repo.notices[0] and bad.id in repo.notices[0]
    with pytest.raises(UnreadableRecordError, match="left unchanged"):
        repo.get_order(bad.id)
    repo.update_order(good.id, to_draft)
    assert stored(layout)["orders"][bad.id]["status"] == "lost-in-space"


# --- the read cache ---------------------------------------------------------------------------------------

def test_an_unchanged_file_is_parsed_once_and_a_changed_one_again(layout):
    repo = Repository.open(layout)
    order = repo.add_orders("dv-single")[0]
    parses = repo.parses
    for _ in range(3):
        repo.list_orders()
        repo.get_order(order.id)
    repo.update_order(order.id, to_draft)                   # our own write refreshes the snapshot
    repo.list_orders()
    assert repo.parses == parses

    Repository.open(layout).set_setting("other", "session")
    assert repo.get_setting("other") == "session"
    assert repo.parses == parses + 1


def test_same_size_changes_by_another_writer_are_all_seen(layout):
    reader = Repository.open(layout)
    writer = Repository.open(layout)
    for value in range(10, 30):               # two digits each time: the file size never changes
        writer.set_setting("counter", value)
        assert reader.get_setting("counter") == value


def test_tinydb_in_place_updates_are_refused_so_the_cache_cannot_go_stale(layout, repo):
    repo.add_orders("dv-single")
    table = open_tinydb(SnapshotStore(layout.database)).table("orders")
    with pytest.raises(TypeError, match="KeyedTable.replace"):
        table.update({"status": "issued"})
    with pytest.raises(TypeError, match="their own ids"):
        table.insert({"status": "issued"})


def test_an_order_for_an_acme_accounts_product_is_stored_listed_and_reopened_without_any_authority(layout):
    with Repository.open(layout) as repository:
        [order] = repository.add_orders("acme:pebble:dv-multi-wildcard")
        assert order.authority == "acme:pebble"
    with Repository.open(layout) as reopened:      # the index entry is decoded before any authority exists
        [summary] = reopened.order_summaries()
        assert summary.product_id == "acme:pebble:dv-multi-wildcard" and summary.authority == "acme:pebble"
        assert reopened.get_order(order.id).product.max_domains == 100
