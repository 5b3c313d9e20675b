"""`certwizard products | add | list` through the real entry point, on real data folders in tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from certwizard.cli import main
from certwizard.cli.orders import MAX_COUNT
from certwizard.domain.models import Applicant, Application, AutomaticCsr
from certwizard.domain.products import CATALOG, KeyAlgorithm
from certwizard.domain.status import OrderStatus
from certwizard.storage import MAX_ORDERS_PER_ADD, Repository
from certwizard.system.paths import DATA_DIR_ENV, DataLayout


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def run(data_dir, capsys):
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(data_dir), *argv])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def repository(data_dir) -> Repository:
    return Repository.open(DataLayout(data_dir))


def bind(order, *domains: str):
    order.application = Application(
        domains=list(domains),
        applicant=Applicant(name="Li Lei", phone="+8613800138000", email="lilei@example.com", id_number="X1"),
        csr=AutomaticCsr(key_algorithm=KeyAlgorithm.EC_P256))
    order.status = OrderStatus.UNDER_REVIEW
    return order


# --- products ---------------------------------------------------------------------------------------------

def test_products_table_has_every_product_in_aligned_columns(run):
    code, out, err = run("products")
    assert code == 0 and err == ""
    header, *rows = out.splitlines()
    assert [row.split()[0] for row in rows] == list(CATALOG)
    column = header.index("DOMAIN TYPE")
    for row, product in zip(rows, CATALOG.values(), strict=True):
        assert row[column:].split()[0] == product.domain_type.value
        assert f" {product.level.value} " in row and product.level.edition in row
        assert f"{product.validity_days} days" in row and "ec-p256" in row
    assert "multi-wildcard" in out and "professional" in out and "standard" in out


def test_products_json_describes_what_add_accepts(run):
    code, out, _ = run("products", "--json")
    products = json.loads(out)["products"]
    assert code == 0 and [p["id"] for p in products] == list(CATALOG)
    ev = next(p for p in products if p["id"] == "ev-multi")
    assert ev["level"] == "EV" and ev["edition"] == "professional" and ev["domain_type"] == "multi"
    assert ev["max_domains"] == 5 and ev["validity_days"] == CATALOG["ev-multi"].validity_days
    assert ev["key_algorithms"] == ["rsa-2048", "rsa-3072", "rsa-4096", "ec-p256", "ec-p384"]


# --- add --------------------------------------------------------------------------------------------------

def test_add_registers_pending_orders_and_prints_their_ids(run, data_dir):
    code, out, err = run("add", "--product", "ov-multi", "--count", "3")
    assert code == 0 and err == ""
    stored = repository(data_dir).list_orders()
    assert len(stored) == 3
    assert all(o.product_id == "ov-multi" and o.status is OrderStatus.PENDING_APPLICATION for o in stored)
    assert all(f"  {o.id}\n" in out for o in stored)
    assert "Registered 3 purchased certificates" in out


def test_add_json_lists_the_new_orders(run, data_dir):
    code, out, _ = run("add", "--product", "dv-wildcard", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["product"] == "dv-wildcard"
    (order,) = payload["orders"]
    assert order["status"] == "pending-application" and order["type"] == "DV wildcard"
    assert repository(data_dir).get_order(order["id"]).product_id == "dv-wildcard"


def test_add_with_an_unknown_product_is_a_usage_error_listing_the_valid_ids(run, data_dir):
    code, out, err = run("add", "--product", "platinum")
    assert code == 2 and out == ""
    assert "unknown product 'platinum'" in err and all(pid in err for pid in CATALOG)
    assert not data_dir.exists()


@pytest.mark.parametrize("count", ["0", "1001", "-3", "two", "1.5"])
def test_add_count_must_be_one_to_a_thousand(run, data_dir, count):
    code, _, err = run("add", "--product", "dv-single", "--count", count)
    assert code == 2 and "whole number from 1 to 1000" in err
    assert not data_dir.exists()


def test_cli_and_storage_agree_on_the_count_limit():
    assert MAX_COUNT == MAX_ORDERS_PER_ADD


# --- list -------------------------------------------------------------------------------------------------

def test_list_shows_id_product_type_status_domains_and_purchase_time(run, data_dir):
    repo = repository(data_dir)
    pending, reviewed = repo.add_orders("ov-multi", 2)
    repo.update_order(reviewed.id, lambda o: bind(o, "www.example.com", "example.com"))

    code, out, err = run("list")
    assert code == 0 and err == ""
    header, first, second, footer = out.splitlines()
    assert header.split() == ["ID", "PRODUCT", "TYPE", "STATUS", "DOMAINS", "PURCHASED", "(UTC)"]
    assert first.startswith(pending.id) and "OV multi-domain" in first and "pending-application" in first
    assert second.startswith(reviewed.id) and "under-review" in second
    assert "www.example.com, example.com" in second
    assert f"{pending.purchased_at:%Y-%m-%d %H:%M}" in first
    assert footer == "2 orders"


def test_list_and_show_give_a_drafts_domains_as_typed_so_far(run, data_dir):
    from certwizard.domain.models import ApplicationDraft

    repo = repository(data_dir)
    [draft] = repo.add_orders("dv-multi")

    def typed(order):
        order.status = OrderStatus.DRAFT
        order.draft = ApplicationDraft(domains="www.example.com\napi.example.com\nbücher.example.com")
        return order
    repo.update_order(draft.id, typed)

    code, out, _ = run("list")
    assert code == 0
    [row] = [line for line in out.splitlines() if line.startswith(draft.id)]
    idn = "bücher.example.com (xn--bcher-kva.example.com)"        # as every screen shows an IDN
    assert f"www.example.com, api.example.com, {idn}" in row and " - " not in row
    code, out, _ = run("show", draft.id)
    assert f"domains (draft): www.example.com, api.example.com, {idn}" in out


def test_list_filters_by_repeated_status(run, data_dir):
    repo = repository(data_dir)
    a, b, c = repo.add_orders("dv-single", 3)
    repo.update_order(b.id, lambda o: bind(o, "b.example.com"))

    _, out, _ = run("list", "--status", "under-review", "--json")
    assert [o["id"] for o in json.loads(out)["orders"]] == [b.id]
    _, out, _ = run("list", "--status", "under-review", "--status", "pending-application", "--json")
    assert [o["id"] for o in json.loads(out)["orders"]] == [a.id, b.id, c.id]
    code, out, _ = run("list", "--status", "issued")
    assert code == 0 and out == "No orders with status issued.\n"


def test_list_with_an_invalid_status_is_a_usage_error_listing_the_valid_ones(run):
    code, out, err = run("list", "--status", "done")
    assert code == 2 and out == ""
    assert "unknown status 'done'" in err and all(s.value in err for s in OrderStatus)


def test_empty_list_says_how_to_add(run):
    code, out, _ = run("list")
    assert code == 0 and "certwizard add --product" in out


def test_list_reports_a_moved_aside_database_on_stderr(run, data_dir):
    data_dir.mkdir(mode=0o700)
    (data_dir / "certwizard.json").write_text('{"orders": {"ord-1": ')
    code, out, err = run("list", "--json")
    assert code == 0 and json.loads(out) == {"orders": []}
    moved = list(data_dir.glob("certwizard.json.corrupt-*"))
    assert len(moved) == 1 and str(moved[0]) in err and "not valid JSON" in err


def test_a_database_from_a_newer_certwizard_is_refused_with_exit_1(run, data_dir):
    data_dir.mkdir(mode=0o700)
    (data_dir / "certwizard.json").write_text('{"meta": {"schema": {"version": 99}}}')
    code, out, err = run("list")
    assert code == 1 and out == ""
    assert "newer certwizard" in err and "Upgrade certwizard" in err


def test_stored_text_is_shown_with_control_characters_escaped(run, data_dir):
    repo = repository(data_dir)
    order = repo.add_orders("dv-single")[0]
    db = data_dir / "certwizard.json"
    data = json.loads(db.read_text())
    data["orders"][order.id]["product_id"] = "dv\x1b[2J-single"      # e.g. edited by hand or another tool
    db.write_text(json.dumps(data))

    code, out, _ = run("list")
    assert code == 0 and "\x1b" not in out
    assert "dv\\x1b[2J-single" in out and "unknown product" in out


def test_console_script_uses_the_data_dir_from_the_environment(data_dir):
    script = Path(sys.executable).with_name("certwizard")
    env = {**os.environ, DATA_DIR_ENV: str(data_dir)}
    result = subprocess.run([str(script), "add", "--product", "ev-single", "--json"], capture_output=True,
                            text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    (order,) = json.loads(result.stdout)["orders"]
    assert repository(data_dir).get_order(order["id"]).product_id == "ev-single"
