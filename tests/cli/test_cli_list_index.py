"""`certwizard list --json` is built from the order index: the same rows as from the orders themselves."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from certwizard.cli.orders import _index_row, _order_summary
from certwizard.domain.expiry import RenewalSource
from certwizard.domain.ids import utcnow
from certwizard.domain.models import IssuedCertificate, Order, RenewalHint
from certwizard.domain.status import OrderStatus
from certwizard.services import open_services
from tests.cli.cli_flow import make_cli, toml_file


def _issued(not_before, not_after, hint=None) -> Order:
    certificate = IssuedCertificate(certificate_pem="-", chain_pem="-", serial="01", not_before=not_before,
                                    not_after=not_after)
    return Order(product_id="dv-single", status=OrderStatus.ISSUED, certificate=certificate, renewal_hint=hint)


def test_list_json_from_the_index_matches_the_orders_on_a_mixed_folder(tmp_path, monkeypatch, capsys):
    cli = make_cli(tmp_path, monkeypatch, capsys)
    pending = cli.add("ov-multi")
    draft = cli.add("dv-multi")
    cli.ok("apply", draft, "--from", str(toml_file(tmp_path / "d.toml", ["a.example.com", "b.example.com"])))
    issued = cli.add("dv-single")
    cli.ok("apply", issued, "--from", str(toml_file(tmp_path / "i.toml", ["www.example.com"])))
    cli.ok("submit", issued)
    cli.ok("verify", issued, "--skip-self-check")
    withdrawn = cli.add("dv-single")
    cli.ok("apply", withdrawn, "--from", str(toml_file(tmp_path / "w.toml", ["w.example.com"])))
    monkeypatch.setenv("CERTWIZARD_SANDBOX_SPEED", "realistic")
    cli.ok("submit", withdrawn)
    cli.ok("withdraw", withdrawn)
    now = utcnow()
    services = open_services(cli.data_dir)
    services.repository.insert_orders([
        _issued(now - timedelta(days=80), now + timedelta(days=10)),                  # expiring soon
        _issued(now - timedelta(days=90), now - timedelta(days=1)),                   # expired
        _issued(now - timedelta(days=1), now + timedelta(days=89),
                RenewalHint(after=now + timedelta(days=30), source=RenewalSource.ARI)),
    ])
    summaries = services.workflow.summaries()
    orders = {o.id: o for o in services.workflow.orders()}
    statuses = {o.status_at(now) for o in orders.values()}
    assert {OrderStatus.EXPIRING_SOON, OrderStatus.EXPIRED, OrderStatus.ISSUED, OrderStatus.DRAFT,
            OrderStatus.PENDING_APPLICATION} <= statuses
    assert orders[withdrawn].application is not None and orders[draft].application is None
    assert [s.id for s in summaries] == [o.id for o in services.workflow.orders()]
    for summary in summaries:
        assert _index_row(summary, now) == _order_summary(orders[summary.id], now), summary.id
    listed = cli.ok("list", "--json").json["orders"]
    assert [row["id"] for row in listed] == [s.id for s in summaries]
    assert {row["id"] for row in listed} >= {pending, draft, issued, withdrawn}
    expiring = cli.ok("list", "--json", "--status", "expiring-soon").json["orders"]
    assert [row["status"] for row in expiring] == ["expiring-soon"]


def test_list_reads_no_whole_order_and_loads_no_models(tmp_path):
    open_services(tmp_path / "data").workflow.add_purchased("dv-single", 3)
    probe = ("import sys; from certwizard.cli import main; code = main(['--data-dir', sys.argv[1], 'list', "
             "'--json']); print(code, file=sys.stderr); print(sorted({m.split('.')[0] for m in sys.modules "
             "if m.split('.')[0] in ('pydantic', 'cryptography')}), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "data")], capture_output=True, text=True,
                            check=True)
    assert result.stderr.strip().splitlines()[-2:] == ["0", "[]"]
