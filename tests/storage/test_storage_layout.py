"""The database file's one-document-per-line layout, lazy reading, and the order index (real files)."""

from __future__ import annotations

import json

import pytest
from tinydb import TinyDB

from certwizard.domain.models import Order
from certwizard.domain.status import OrderStatus
from certwizard.storage import CURRENT_SCHEMA_VERSION, Repository, UnreadableRecordError
from certwizard.storage.file_layout import Layout, encode_file, read_file
from certwizard.storage.json_storage import as_tables
from certwizard.storage.migrations import ORDER_INDEX, ORDERS
from certwizard.storage.order_index import INDEX_FIELDS, index_document, index_fields
from certwizard.system.paths import DataLayout


@pytest.fixture
def layout(tmp_path):
    return DataLayout(tmp_path / "data")


def lines_of(layout) -> list[bytes]:
    return layout.database.read_bytes().split(b"\n")


def order_line(layout, order_id: str) -> bytes:
    [line] = [line for line in lines_of(layout) if line.startswith(f'"{order_id}":'.encode())
              and b'"draft"' in line]
    return line


def to_draft(order: Order) -> Order:
    order.status = OrderStatus.DRAFT
    order.status_reason = "typed [bold]text[/bold]"
    return order


def test_the_file_is_plain_tinydb_json_with_one_document_per_line(layout):
    repo = Repository.open(layout)
    orders = repo.add_orders("dv-multi", 3)
    data = json.loads(layout.database.read_bytes())
    assert set(data[ORDERS]) == set(data[ORDER_INDEX]) == {o.id for o in orders}
    assert data["meta"]["schema"]["version"] == CURRENT_SCHEMA_VERSION
    for order in orders:
        assert json.loads(order_line(layout, order.id).split(b":", 1)[1]) == data[ORDERS][order.id]
    stock = TinyDB(layout.database)               # stock TinyDB reads it too
    assert len(stock.table(ORDERS)) == len(stock.table(ORDER_INDEX)) == 3
    stock.close()


def test_a_change_rewrites_only_the_changed_order_and_its_index_entry(layout):
    repo = Repository.open(layout)
    first, second, third = repo.add_orders("dv-single", 3)
    before = lines_of(layout)
    repo.update_order(second.id, to_draft)
    after = lines_of(layout)
    changed = [line for line in after if line not in before]
    generation = [line for line in changed if line.startswith(b'"generation":')]    # new at every whole write
    assert len(generation) == 1
    changed.remove(generation[0])
    directory = [line for line in changed if line.startswith(b'"layout":')]   # where the tables now start and end
    assert len(directory) == 1
    changed.remove(directory[0])
    assert len(changed) == 2 and all(line.startswith(f'"{second.id}":'.encode()) for line in changed)
    assert order_line(layout, first.id) in before and order_line(layout, third.id) in before


def test_lists_come_from_the_index_without_reading_any_order(layout):
    repo = Repository.open(layout)
    good, broken = repo.add_orders("dv-single", 2)
    repo.update_order(good.id, to_draft)
    # Damage one order's document but not its index entry: lists still work, the order itself is reported.
    content = layout.database.read_bytes().replace(order_line(layout, broken.id),
                                                    f'"{broken.id}":{{"id":"{broken.id}","status":'.encode()
                                                    + b"}")
    layout.database.write_bytes(content)

    fresh = Repository.open(layout)
    summaries = {s.id: s for s in fresh.order_summaries()}
    assert summaries[good.id].status is OrderStatus.DRAFT
    assert summaries[good.id].status_reason == "typed [bold]text[/bold]"
    assert summaries[broken.id].status is OrderStatus.PENDING_APPLICATION
    assert fresh.notices == []
    with pytest.raises(UnreadableRecordError, match="not valid JSON"):
        fresh.get_order(broken.id)
    assert [o.id for o in fresh.list_orders()] == [good.id]
    assert broken.id in fresh.notices[0]

    damaged = [line for line in lines_of(layout) if line.startswith(f'"{broken.id}":{{"id"'.encode())]
    fresh.update_order(good.id, to_draft)                 # a write keeps the damaged document as it was
    assert [line for line in lines_of(layout) if line.startswith(f'"{broken.id}":{{"id"'.encode())] == damaged


def test_summaries_are_reused_until_their_order_changes(layout):
    repo = Repository.open(layout)
    first, second = repo.add_orders("dv-single", 2)
    before = {s.id: s for s in repo.order_summaries()}
    repo.update_order(second.id, to_draft)
    after = {s.id: s for s in repo.order_summaries()}
    assert after[first.id] is before[first.id]
    assert after[second.id] is not before[second.id] and after[second.id].status is OrderStatus.DRAFT


def test_the_index_follows_every_kind_of_write(layout):
    repo = Repository.open(layout)
    kept, dropped = repo.add_orders("dv-multi", 2)
    saved = repo.get_order(kept.id)
    saved.draft = saved.draft.model_copy(update={"domains": "a.example.com, b.example.com"})
    repo.save_order(saved)
    repo.delete_order(dropped.id)
    data = json.loads(layout.database.read_bytes())
    assert data[ORDER_INDEX] == {kept.id: index_document(data[ORDERS][kept.id])}
    [summary] = repo.order_summaries()
    assert summary.domains == ("a.example.com", "b.example.com") and summary.revision == 1


def test_a_file_in_another_layout_is_read_whole_and_gets_the_index_rebuilt(layout):
    repo = Repository.open(layout)
    order, other = repo.add_orders("dv-single", 2)
    repo.update_order(order.id, to_draft)
    data = json.loads(layout.database.read_bytes())
    del data[ORDER_INDEX][other.id]                   # e.g. edited by hand with a JSON tool
    data[ORDER_INDEX][order.id]["fields"][INDEX_FIELDS.index("status")] = "issued"
    layout.database.write_text(json.dumps(data, indent=2))

    reread = Repository.open(layout)
    statuses = {s.id: s.status for s in reread.order_summaries()}
    assert statuses == {order.id: OrderStatus.DRAFT, other.id: OrderStatus.PENDING_APPLICATION}
    assert read_file(layout.database)[1] is Layout.LINES


def _without_index(data: dict) -> None:              # schema 1: no order index
    del data[ORDER_INDEX]


def _index_by_name(data: dict) -> None:              # schema 2: index entries with named fields
    data[ORDER_INDEX] = {i: index_fields(entry) for i, entry in data[ORDER_INDEX].items()}


@pytest.mark.parametrize("version, written_as", [(1, _without_index), (2, _index_by_name)])
def test_an_older_file_is_upgraded_with_an_index_of_lists(layout, version, written_as):
    repo = Repository.open(layout)
    order = repo.update_order(repo.add_orders("dv-single")[0].id, to_draft)
    data = json.loads(layout.database.read_bytes())
    written_as(data)
    data["meta"]["schema"]["version"] = version
    layout.database.write_text(json.dumps(data))

    upgraded = Repository.open(layout)
    assert f"upgraded from schema {version} to {CURRENT_SCHEMA_VERSION}" in upgraded.notices[0]
    [summary] = upgraded.order_summaries()
    assert (summary.id, summary.status, summary.revision) == (order.id, OrderStatus.DRAFT, order.revision)
    stored = json.loads(layout.database.read_bytes())
    assert stored[ORDER_INDEX] == {order.id: index_document(stored[ORDERS][order.id])}
    assert list(stored[ORDER_INDEX][order.id]) == ["fields"]
    assert len(list(layout.root.glob(f"*.schema-{version}-*"))) == 1      # the file as it was, kept


def test_an_index_entry_in_another_form_is_reported_not_guessed(layout):
    repo = Repository.open(layout)
    kept, odd = repo.add_orders("dv-single", 2)
    repo._store.change({ORDER_INDEX: {odd.id: {"status": "issued"}}})     # e.g. written by a newer tool
    assert [s.id for s in repo.order_summaries()] == [kept.id]
    assert any(odd.id in notice and "index entry cannot be read" in notice for notice in repo.notices)


@pytest.mark.parametrize("tables, expected_layout", [
    ({}, Layout.LINES),
    ({"meta": {"schema": {"version": 2}}}, Layout.LINES),
    ({"empty": {}, "orders": {"ord-1": {"id": "ord-1", "note": "line\nbreak \u2028 \"quoted\" {}"}}}, Layout.LINES),
    ({"orders": {f"ord-{i}": {"n": i} for i in range(300)}}, Layout.LINES),
    ({"ids": {"with \"quote\"": {"a": 1}, "ünï": {"b": [1, {"c": None}]}}}, Layout.LINES),
    ({"x": {"a": {"b": 1}}, "y": {"c": {"d": 2}}}, Layout.LINES),
])
@pytest.mark.parametrize("file_backed", [frozenset(), frozenset({"orders", "ids"})])
def test_encode_then_decode_round_trips(tmp_path, tables, expected_layout, file_backed):
    encoded = encode_file(as_tables(tables), file_backed)
    assert json.loads(encoded) == tables
    (tmp_path / "db.json").write_bytes(encoded)
    decoded, layout = read_file(tmp_path / "db.json", file_backed)
    assert {name: dict(table) for name, table in decoded.items()} == tables
    assert layout is expected_layout


def test_many_large_documents_are_found_across_read_boundaries(layout):
    """The orders are found by scanning the file 1 MiB at a time: ids cut by a boundary must not be lost."""
    repo = Repository.open(layout)
    orders = repo.add_orders("dv-multi", 400)
    padding = "x" * 30000                  # 57 orders of ~31 KB: several 1 MiB reads, members cut
    for order in orders[::7]:
        repo.update_order(order.id, lambda o: o.model_copy(update={"status_reason": padding}))
    reread = Repository.open(layout)
    assert {o.id for o in reread.list_orders()} == {o.id for o in orders}
    assert reread.get_order(orders[7].id).status_reason == padding


def test_a_damaged_line_in_the_orders_is_found_when_they_are_read_and_the_file_moved_aside(layout):
    repo = Repository.open(layout)
    first, second = repo.add_orders("dv-single", 2)
    content = layout.database.read_bytes()
    damaged = content.replace(order_line(layout, second.id), b'"\\u0078":{"half":')   # valid JSON? no
    layout.database.write_bytes(damaged)
    reread = Repository.open(layout)                 # opening reads the small tables only
    assert reread.list_orders() == []
    assert "moved, unchanged, to" in reread.notices[0]
    [moved] = layout.root.glob("certwizard.json.corrupt-*")
    assert moved.read_bytes() == damaged


def test_insert_orders_stores_complete_orders_in_one_write_and_refuses_taken_ids(layout):
    repo = Repository.open(layout)
    [existing] = repo.add_orders("dv-single")
    imported = [Order(product_id="dv-multi", status=OrderStatus.DRAFT, status_reason=f"n{i}") for i in range(3)]
    assert repo.insert_orders(imported) == 3
    assert {o.id: o.status_reason for o in repo.list_orders([OrderStatus.DRAFT])} == {
        o.id: o.status_reason for o in imported}
    before = layout.database.read_bytes()
    with pytest.raises(ValueError, match="already exist.*nothing was stored"):
        repo.insert_orders([Order(id=existing.id, product_id="dv-single"), Order(product_id="dv-single")])
    assert layout.database.read_bytes() == before


def test_insert_orders_refuses_a_batch_that_uses_an_id_twice(layout):
    repo = Repository.open(layout)
    twins = [Order(id="ord-0000abcd", product_id="dv-single"), Order(id="ord-0000abcd", product_id="dv-multi")]
    before = layout.database.read_bytes() if layout.database.exists() else None
    with pytest.raises(ValueError, match="ord-0000abcd appears twice.*nothing was stored"):
        repo.insert_orders(twins)
    assert (layout.database.read_bytes() if layout.database.exists() else None) == before
    assert repo.list_orders() == []


def test_ids_that_need_unescaping_are_read_exactly_in_the_line_layout(tmp_path):
    path = tmp_path / "db.json"
    path.write_bytes(b'{\n"meta":{\n"a\\"b":{"x":1}\n,\n"ord-\\u00e9":{"y":2}\n,\n"plain":{"z":3}\n}\n}\n')
    tables, layout = read_file(path)
    assert layout is Layout.LINES
    assert dict(tables["meta"]) == {'a"b': {"x": 1}, "ord-é": {"y": 2}, "plain": {"z": 3}}
