"""`certwizard renew` of Alibaba Cloud certificates, through the real SDK against the loopback fake of CAS.

A V2 instance renews with another certificate bought in the console (synced), and the renewal is proven with
the recorded hook, self-checked at a real DNS server on loopback that the hook publishes into."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver

from tests.ca.alibaba_fake import fake_cas_for_certwizard
from tests.cli.cli_flow import APPLICANT_TOML
from tests.dcv.dns_servers import LoopbackDns

HOOK = """#!{python}
import json, os
records = os.environ["RECORDS"]
with open(records) as stored:
    zone = json.load(stored)
name, value = os.environ["CERTWIZARD_RECORD_NAME"], os.environ["CERTWIZARD_RECORD_VALUE"]
values = zone.setdefault(name, [])
if os.environ["CERTWIZARD_ACTION"] == "publish":
    values.append(value)
elif value in values:
    values.remove(value)
with open(records + ".tmp", "w") as out:
    json.dump(zone, out)
os.replace(records + ".tmp", records)
"""


class PublishedRecords(BaseResolver):
    """An authoritative server answering the TXT records the hook wrote (a DNS provider's API, in small)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def resolve(self, request, handler):
        reply = request.reply(ra=0, aa=1)
        name = str(request.q.qname).rstrip(".")
        for value in json.loads(self.path.read_text()).get(name, []):
            if request.q.qtype == QTYPE.TXT:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=60))
        if not reply.rr:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


@pytest.fixture
def fake(monkeypatch):
    with fake_cas_for_certwizard(monkeypatch) as server:
        yield server


@pytest.fixture
def dns(tmp_path, monkeypatch):
    records = tmp_path / "records.json"
    records.write_text("{}")
    servers = LoopbackDns()
    port = servers.serve({"127.0.0.1": PublishedRecords(records)})
    monkeypatch.setenv("RECORDS", str(records))
    monkeypatch.setenv("CERTWIZARD_DNS_SERVERS", f"127.0.0.1:{port}")
    yield records
    servers.stop()


def _sync_one(cli) -> str:
    [report] = cli.ok("alibaba", "sync", "--json").json["reports"]
    [order_id] = report["added"]
    return order_id


def _ref(cli, order_id: str) -> str:
    return cli.ok("show", order_id, "--json").json["order"]["authority_ref"]


def _issued(cli, fake, tmp_path: Path, validity_days: int | None = None) -> str:
    """A DV instance bought, synced, applied for with the hook, self-checked, issued and refreshed."""
    cli.ok("alibaba", "add", "main")
    fake.add_instance(brand="DigiCert", level="DV", domain_type="ONE")
    order_id = _sync_one(cli)
    hook = tmp_path / "hook"
    hook.write_text(HOOK.format(python=sys.executable))
    hook.chmod(0o700)
    application = tmp_path / "app.toml"
    application.write_text(f'domains = ["www.example.com"]\n[validation]\nmethod = "dns"\nhook = "{hook}"\n'
                           f'{APPLICANT_TOML}\n[csr]\nmode = "automatic"\n')
    cli.ok("apply", order_id, "--from", str(application))
    cli.ok("submit", order_id)
    assert cli.ok("verify", order_id, "--json").json["order"]["status"] == "under-review"   # self-checked
    fake.dcv_passed(_ref(cli, order_id))
    fake.issue(_ref(cli, order_id), validity_days=validity_days)
    cli.ok("refresh")
    assert cli.status(order_id) == "issued"
    return order_id


@pytest.mark.timeout(120)
def test_a_v2_certificate_renews_with_a_synced_purchase_proven_by_the_hook_and_finished_by_a_later_run(
        cli, fake, dns, tmp_path):
    old_id = _issued(cli, fake, tmp_path)

    # Nothing bought to renew with: the person is told what to buy, and nothing changes.
    blocked = cli("renew", "--force", old_id, "--json")
    assert blocked.code == 1
    [needs] = blocked.json["renewals"]
    assert needs["result"] == "needs-you" and "alibaba sync" in needs["message"]
    assert cli.status(old_id) == "issued"

    fake.add_instance(brand="DigiCert", level="DV", domain_type="ONE")
    bought = _sync_one(cli)
    waiting = cli.ok("renew", "--force", old_id, "--wait", "0", "--json").json["renewals"]
    assert [(w["result"], w["follow_up"]) for w in waiting] == [("waiting", bought)]
    renewal = cli.ok("show", bought, "--json").json["order"]
    assert renewal["renewal_of"] == old_id and renewal["status"] == "under-review"
    new_ref = renewal["authority_ref"]
    assert new_ref != _ref(cli, old_id)
    assert json.loads(dns.read_text())                      # the hook's record stays while the CA checks

    fake.dcv_passed(new_ref)
    fake.issue(new_ref)
    done = cli.ok("renew", "--json").json["renewals"]      # the timer's next run, no --force
    assert [d["result"] for d in done] == ["renewed"]
    assert cli.status(old_id) == "renewed" and cli.status(bought) == "issued"


@pytest.mark.timeout(120)
def test_the_services_will_expire_flag_makes_a_certificate_due_before_two_thirds(cli, fake, dns, tmp_path):
    order_id = _issued(cli, fake, tmp_path, validity_days=50)   # within the 60 days the service says willExpire
    plan = cli.ok("renew", "--dry-run", "--json").json["certificates"]
    assert [(c["order"], c["due"], c["source"]) for c in plan] == [(order_id, True, "service")]
    assert cli.ok("show", order_id, "--json").json["order"]["status"] == "expiring-soon"
