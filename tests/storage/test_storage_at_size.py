"""Behaviour at size: one order is read without scanning the file, and big files open (lowered limits)."""

from __future__ import annotations

import json

import pytest

from certwizard.domain.models import Order
from certwizard.domain.status import OrderStatus
from certwizard.storage import OrderNotFoundError, Repository, StorageError, json_storage
from certwizard.storage.file_layout import DIRECTORY, read_file
from certwizard.storage.json_storage import SnapshotStore
from certwizard.storage.migrations import ORDERS
from certwizard.storage.source import Source
from certwizard.system.paths import DataLayout


@pytest.fixture
def layout(tmp_path):
    return DataLayout(tmp_path / "data")


def many(layout, count: int) -> list[Order]:
    orders = [Order(product_id="dv-single", status_reason=f"n{number}") for number in range(count)]
    Repository.open(layout).insert_orders(orders)
    return orders


class ReadCounter:
    """Bytes read from the database file (Source.read), to show what one lookup costs."""

    def __init__(self, monkeypatch) -> None:
        self.bytes = 0
        original = Source.read

        def counting(source, offset, length):
            self.bytes += length
            return original(source, offset, length)
        monkeypatch.setattr(Source, "read", counting)


def test_one_order_of_many_is_read_without_scanning_the_file(tmp_path, monkeypatch):
    def bytes_read(count: int) -> tuple[int, int]:
        layout = DataLayout(tmp_path / f"data-{count}")
        orders = many(layout, count)
        counter = ReadCounter(monkeypatch)
        repo = Repository.open(layout)
        for order in orders[::count // 10]:
            assert repo.get_order(order.id).status_reason == order.status_reason
        for absent in ("ord-00000000", "ord-ffffffff"):
            with pytest.raises(OrderNotFoundError):
                repo.get_order(absent)
        monkeypatch.undo()
        return counter.bytes, layout.database.stat().st_size

    few, few_size = bytes_read(300)
    lots, lots_size = bytes_read(3000)
    # Ten times the orders: the file is ten times bigger, opening it and 12 lookups read about as much.
    assert lots_size > 9 * few_size
    assert lots < 2 * few and lots < lots_size / 4, (few, lots, lots_size)


def test_the_same_orders_are_found_at_many_orders_as_at_few_through_the_journal(layout, monkeypatch):
    orders = many(layout, 600)
    monkeypatch.setattr(SnapshotStore, "JOURNAL_FROM", 0)       # changes now go to the journal
    repo = Repository.open(layout)
    changed = orders[::50]
    for order in changed:
        repo.update_order(order.id, lambda o: o.model_copy(update={"status": OrderStatus.DRAFT}))
    [added] = repo.add_orders("dv-multi")
    repo.delete_order(orders[1].id)
    fresh = Repository.open(layout)
    assert fresh.get_order(added.id).product_id == "dv-multi"
    with pytest.raises(OrderNotFoundError):
        fresh.get_order(orders[1].id)
    for order in orders[::7]:
        if order.id == orders[1].id:
            continue
        expected = OrderStatus.DRAFT if order in changed else OrderStatus.PENDING_APPLICATION
        assert fresh.get_order(order.id).status is expected
    listed = {o.id: o.status for o in fresh.list_orders()}
    assert len(listed) == 600 and listed[added.id] is OrderStatus.PENDING_APPLICATION
    assert {s.id for s in fresh.order_summaries()} == set(listed)


def test_orders_are_stored_in_id_order_and_the_directory_places_every_table(layout):
    orders = many(layout, 50)
    tables, _ = read_file(layout.database, frozenset({ORDERS}))
    raw = layout.database.read_bytes()
    directory = json.loads(raw.split(b'"layout":', 1)[1].split(b"\n", 1)[0])
    for name, (start, end, in_order) in directory["tables"].items():
        body = raw[int(start):int(end)]
        assert raw[:int(start)].endswith(json.dumps(name).encode() + b":{\n") and raw[int(end):].startswith(b"\n}")
        ids = [line.split(b'":', 1)[0][1:].decode() for line in body.split(b"\n,\n")]
        assert ids == (sorted(ids) if in_order else ids) and set(ids) == {o.id for o in orders}
    assert DIRECTORY == ("meta", "layout") and directory["tables"][ORDERS][2] is True
    # Lists keep the order of insertion (the index does), e.g. for orders bought at the same moment.
    assert [o.id for o in Repository.open(layout).list_orders()] == [o.id for o in orders]


def test_a_file_edited_so_the_directory_is_wrong_is_still_read_right(layout):
    orders = many(layout, 30)
    raw = layout.database.read_bytes()
    at = raw.rindex(b'"n3"')                      # in the orders table, the last one: its end moves by 2
    layout.database.write_bytes(raw[:at] + b'"n3 x"' + raw[at + 4:])
    reopened = Repository.open(layout)
    assert reopened.get_order(orders[3].id).status_reason == "n3 x"
    assert [reopened.get_order(o.id).status_reason for o in orders] == ["n3 x" if n == 3 else f"n{n}"
                                                                       for n in range(30)]
    assert not reopened.notices


def test_a_database_bigger_than_the_read_limit_opens_and_works(layout, monkeypatch):
    monkeypatch.setattr(json_storage, "MAX_DATABASE_BYTES", 64 * 1024)     # the limit, lowered for the test
    orders = many(layout, 200)
    assert layout.database.stat().st_size > 3 * 64 * 1024
    repo = Repository.open(layout)
    assert repo.get_order(orders[-1].id).status_reason == "n199"
    [added] = repo.add_orders("dv-single")
    again = Repository.open(layout)
    assert len(again.order_summaries()) == 201 and again.get_order(added.id).id == added.id
    assert len(again.list_orders()) == 201 and not again.notices


def test_only_a_file_that_must_be_parsed_whole_has_a_size_limit(layout, monkeypatch):
    monkeypatch.setattr(json_storage, "MAX_DATABASE_BYTES", 16 * 1024)
    many(layout, 40)
    data = json.loads(layout.database.read_bytes())
    layout.database.write_text(json.dumps(data, indent=4))        # another tool's layout: parsed whole
    with pytest.raises(StorageError, match="not in certwizard's own layout"):
        Repository.open(layout)
