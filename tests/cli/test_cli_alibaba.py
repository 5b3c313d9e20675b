"""Alibaba Cloud accounts end to end on the command line: the real SDK against the loopback fake of CAS
2020-04-07 (tests/ca/alibaba_fake.py), which checks every request's signature as the service does."""

from __future__ import annotations

import json
import sys

import pytest
from cryptography import x509

from certwizard.crypto.certinfo import verify_chain
from tests.ca.alibaba_fake import fake_cas_for_certwizard
from tests.cli.cli_flow import APPLICANT_TOML, COMPANY_TOML

HOOK = """#!{python}
import json, os
with open(os.environ["HOOK_LOG"], "a") as out:
    out.write(json.dumps({{k: v for k, v in os.environ.items() if k.startswith("CERTWIZARD_")}}) + "\\n")
"""


@pytest.fixture
def fake(monkeypatch):
    with fake_cas_for_certwizard(monkeypatch) as server:
        yield server


def _orders(cli) -> dict[str, dict]:
    return {o["id"]: o for o in cli.ok("list", "--json").json["orders"]}


def _synced(cli, fake, **instance) -> tuple[str, str]:
    """(instance id, order id) of one new instance imported by sync."""
    instance_id = fake.add_instance(**instance)
    [report] = cli.ok("alibaba", "sync", "--json").json["reports"]
    [order_id] = report["added"]
    return instance_id, order_id


def _apply(cli, order_id: str, domains: list[str], extra: str = "", company: bool = False) -> None:
    path = cli.data_dir.parent / f"{order_id}.toml"
    path.write_text(f"domains = {json.dumps(domains)}\n{extra}{APPLICANT_TOML}{COMPANY_TOML if company else ''}"
                    '\n[csr]\nmode = "automatic"\n')
    cli.ok("apply", order_id, "--from", str(path))


def test_an_account_is_checked_added_and_its_certificates_imported_once(cli, fake):
    cli.ok("alibaba", "add", "main")
    assert [a["name"] for a in cli.ok("alibaba", "list", "--json").json["accounts"]] == ["main"]
    stored = (cli.data_dir / "certwizard.json").read_text()
    assert fake.access_key_secret not in stored and fake.access_key_id not in stored
    fake.add_instance(brand="DigiCert", level="DV", domain_type="ONE")
    multi = fake.add_instance(brand="GeoTrust", level="OV", domain_type="MULTIPLE", domain_count=3)
    fake.fail_next("ListInstances", "throttling")                # retried with backoff, not a failure
    dry = cli.ok("alibaba", "sync", "--dry-run", "--json").json["reports"][0]
    assert len(dry["added"]) == 2 and _orders(cli) == {}
    report = cli.ok("alibaba", "sync", "--json").json["reports"][0]
    orders = {o["product"]: o for o in _orders(cli).values()}
    assert set(orders) == {"alibaba:main:digicert-dv-single", "alibaba:main:geotrust-ov-multi-3"}
    assert all(o["status"] == "pending-application" for o in orders.values())
    shown = {o["id"]: o for o in cli.ok("list", "--json").json["orders"]}
    assert set(shown) == set(report["added"])
    again = cli.ok("alibaba", "sync", "--json").json["reports"][0]
    assert again["added"] == [] and again["unchanged"] == 2 and again["flagged"] == []
    del fake.instances[multi]                                      # refunded in the console, say
    gone = cli.ok("alibaba", "sync", "--json").json["reports"][0]
    assert len(gone["flagged"]) == 1 and len(_orders(cli)) == 2   # flagged, never deleted
    flagged = cli.ok("show", gone["flagged"][0], "--json").json["order"]
    assert "no longer in the Alibaba Cloud account" in flagged["reason"]


def test_dv_applied_with_a_key_made_here_followed_to_issued_and_exported(cli, fake, tmp_path, monkeypatch):
    cli.ok("alibaba", "add", "main")
    instance_id, order_id = _synced(cli, fake, brand="DigiCert", level="DV", domain_type="ONE")
    hook = tmp_path / "hook"
    hook.write_text(HOOK.format(python=sys.executable))
    hook.chmod(0o700)
    monkeypatch.setenv("HOOK_LOG", str(tmp_path / "hook.log"))
    _apply(cli, order_id, ["www.example.com"], f'[validation]\nmethod = "dns"\nhook = "{hook}"\n')
    submitted = cli.ok("submit", order_id, "--json").json["order"]
    assert submitted["status"] == "domain-verification"
    [record] = submitted["domain_validations"]
    [wanted] = fake.validation(instance_id)
    assert record["dns_name"] == f"{wanted['ValidationKey']}.{wanted['RootDomain']}"
    assert record["dns_value"] == wanted["ValidationValue"] and record["file_url"] == ""
    sent = fake.instance(instance_id)
    assert sent["GenerateCsrMethod"] == "upload" and sent["_key"] is None     # the key never left
    assert "PRIVATE KEY" not in sent["Csr"]

    verified = cli.ok("verify", order_id, "--skip-self-check", "--json").json
    assert verified["order"]["status"] == "under-review"
    def actions() -> list[str]:
        return [json.loads(line)["CERTWIZARD_ACTION"] for line in (tmp_path / "hook.log").read_text().splitlines()]
    assert actions() == ["publish"]          # kept: the service checks on its own time
    assert "stays until the CA has checked it" in " ".join(verified["notes"])
    first = json.loads((tmp_path / "hook.log").read_text().splitlines()[0])
    assert first["CERTWIZARD_RECORD_VALUE"] == wanted["ValidationValue"]
    assert cli.ok("refresh", "--json").json["changes"] == []        # the CA is still checking: no news
    fake.dcv_passed(instance_id)
    fake.issue(instance_id)
    changes = cli.ok("refresh", "--json").json["changes"]
    assert [(c["order"], c["to"]) for c in changes] == [(order_id, "issued")]
    assert actions() == ["publish", "cleanup"]       # removed once the CA was done with it
    history = cli.ok("show", order_id, "--json").json["order"]
    assert history["status"] == "issued"

    out = tmp_path / "nginx"
    cli.ok("export", order_id, "--server", "nginx", "--out", str(out))
    [chain_file] = out.glob("*.fullchain.pem")
    pem = chain_file.read_bytes()
    split = pem.index(b"-----END CERTIFICATE-----") + len(b"-----END CERTIFICATE-----\n")
    assert verify_chain(pem[:split], pem[split:], fake.root_pem.encode(), ["www.example.com"]) == []
    leaf = x509.load_pem_x509_certificate(pem[:split])
    assert leaf.public_key().public_numbers() == x509.load_pem_x509_csr(sent["Csr"].encode()).public_key() \
        .public_numbers()


def test_ov_makes_its_contact_and_company_once_and_a_failed_review_shows_the_reason(cli, fake, stamped_letter):
    cli.ok("alibaba", "add", "main")
    instance_id, order_id = _synced(cli, fake, brand="GeoTrust", level="OV", domain_type="MULTIPLE", domain_count=2)
    documents = f'documents = ["{stamped_letter}"]\n'
    _apply(cli, order_id, ["www.example.com", "example.com"], documents, company=True)
    submitted = cli.ok("submit", order_id)
    assert "e-mails the applicant for them after submission" in submitted.out     # the letter goes by e-mail
    assert len(fake.calls_to("CreateContact")) == 1 and len(fake.calls_to("CreateCompany")) == 1
    assert fake.instance(instance_id)["CompanyId"] in fake.companies
    fake.fail(instance_id, "The company name does not match its registration")
    cli.ok("refresh")
    failed = cli.ok("show", order_id, "--json").json["order"]
    assert failed["status"] == "review-failed" and "does not match its registration" in failed["reason"]

    cli.ok("withdraw", order_id)
    cli.ok("submit", order_id)                      # the same details: the contact and company are reused
    assert len(fake.calls_to("CreateContact")) == 1 and len(fake.calls_to("CreateCompany")) == 1


def test_withdraw_before_issuance_and_never_after(cli, fake):
    cli.ok("alibaba", "add", "main")
    instance_id, order_id = _synced(cli, fake, brand="DigiCert", level="DV", domain_type="ONE")
    _apply(cli, order_id, ["shop.example.com"])
    cli.ok("submit", order_id)
    assert cli.ok("withdraw", order_id, "--json").json["order"]["status"] == "draft"
    assert fake.instance(instance_id)["Status"] == "inactive"
    cli.ok("submit", order_id)
    fake.dcv_passed(instance_id)
    fake.issue(instance_id)
    refused = cli("withdraw", order_id)
    assert refused.code == 1 and fake.instance(instance_id)["Status"] == "normal"
    cli.ok("refresh")
    revoked = cli.ok("revoke", order_id, "--reason", "cessationOfOperation", "--json").json["order"]
    assert revoked["status"] == "revoked" and fake.instance(instance_id)["CertificateStatus"] == "revoked"
    assert [c.params.get("CertificateId") for c in fake.calls_to("RevokeCertificate")] == \
        [str(fake.instance(instance_id)["CertificateId"])]


def test_service_errors_say_what_to_do_and_change_nothing_here(cli, fake, monkeypatch):
    from alibabacloud_credentials.utils import auth_util

    monkeypatch.setattr(auth_util, "environment_access_key_secret", "not-the-secret")
    wrong = cli("alibaba", "add", "main")
    assert wrong.code == 1 and "secret does not belong to its ID" in wrong.err and "RequestId" in wrong.err
    assert cli.ok("alibaba", "list", "--json").json["accounts"] == []
    monkeypatch.setattr(auth_util, "environment_access_key_secret", fake.access_key_secret)
    monkeypatch.setattr(auth_util, "environment_access_key_id", "LTAI-not-a-key-it-knows")
    unknown = cli("alibaba", "add", "main")
    assert unknown.code == 1 and "does not know this AccessKey ID" in unknown.err
    monkeypatch.setattr(auth_util, "environment_access_key_id", fake.access_key_id)
    cli.ok("alibaba", "add", "main")
    for _ in range(4):
        fake.fail_next("ListInstances", "unavailable")
    down = cli("alibaba", "sync")
    assert down.code == 1 and "unavailable (HTTP 503)" in down.err and _orders(cli) == {}
    monkeypatch.setenv("CERTWIZARD_ALIBABA_ENDPOINT", "http://127.0.0.1:1")
    unreachable = cli("alibaba", "sync")
    assert unreachable.code == 1 and "could not reach Alibaba Cloud" in unreachable.err


def test_a_v1_resource_plan_is_imported_per_unused_certificate_and_applied_for_in_one_call(cli, fake):
    cli.ok("alibaba", "add", "main")
    first, second = (fake.add_resource_order("geotrust-dv-1-starter") for _ in range(2))
    report = cli.ok("alibaba", "sync", "--json").json["reports"][0]
    assert len(report["added"]) == 2
    assert report["plans"]["geotrust-dv-1-starter"] == {"total": 2, "used": 0, "unused": 2}
    orders = _orders(cli)
    assert {o["product"] for o in orders.values()} == {"alibaba:main:geotrust-dv-single"}
    one, other = sorted(orders)
    _apply(cli, one, ["plan.example.com"])
    submitted = cli.ok("submit", one, "--json").json["order"]
    assert submitted["status"] == "domain-verification" and submitted["authority_ref"].startswith("v1:")
    [record] = submitted["domain_validations"]
    assert record["dns_name"].endswith(".example.com") and record["dns_value"]
    [call] = fake.calls_to("CreateCertificateForPackageRequest")
    assert call.params["ProductCode"] == "geotrust-dv-1-starter" and "PRIVATE" not in call.params["Csr"]
    assert cli.ok("alibaba", "sync", "--json").json["reports"][0]["added"] == []     # no twin of the one used

    cli.ok("verify", one, "--skip-self-check")
    applied = int(submitted["authority_ref"].removeprefix("v1:"))
    fake.dcv_passed(applied)
    fake.issue(applied)
    cli.ok("refresh")
    assert cli.ok("show", one, "--json").json["order"]["status"] == "issued"

    _apply(cli, other, ["other.example.com"])
    cli.ok("submit", other)
    assert cli.ok("withdraw", other, "--json").json["order"]["status"] == "draft"    # back in the plan
    again = cli.ok("alibaba", "sync", "--json").json["reports"][0]
    assert again["added"] == [] and again["flagged"] == [] and len(_orders(cli)) == 2
    assert {first, second} >= {applied}


def test_an_exhausted_plan_says_to_buy_more_and_the_order_stays_a_draft(cli, fake):
    cli.ok("alibaba", "add", "main")
    fake.add_resource_order("geotrust-dv-1-starter")
    [order_id] = cli.ok("alibaba", "sync", "--json").json["reports"][0]["added"]
    _apply(cli, order_id, ["quota.example.com"])
    fake.fail_next("CreateCertificateForPackageRequest", "quota")
    refused = cli("submit", order_id)
    assert refused.code == 1 and "no certificate left: buy more" in refused.err and "RequestId" in refused.err
    assert cli.ok("show", order_id, "--json").json["order"]["status"] == "draft"


def test_a_certificate_applied_for_elsewhere_is_imported_issued_with_its_chain_and_marked_keyless(
        cli, fake, monkeypatch):
    from certwizard.ca.alibaba.client import CasApi

    instance_id = fake.add_instance(brand="DigiCert", level="DV", domain_type="ONE")
    console = CasApi("cn-hangzhou")                 # someone applied in the console, Alibaba making the key
    contact = console.call("CreateContact", Name="Li Lei", Mobile="+8613800138000", Email="lilei@example.com")
    console.call("UpdateInstance", InstanceId=instance_id, Domain="console.example.com", GenerateCsrMethod="online",
                 ContactIdList=[contact.body["ContactId"]])
    console.call("ApplyCertificate", InstanceId=instance_id)
    fake.dcv_passed(instance_id)
    fake.issue(instance_id)
    cli.ok("alibaba", "add", "main")
    [order_id] = cli.ok("alibaba", "sync", "--json").json["reports"][0]["added"]
    order = cli.ok("show", order_id, "--json").json["order"]
    assert order["status"] == "issued" and "private key is not on this server" in order["reason"]
    assert order["certificate"]["dns_names"] == ["console.example.com"] and order["key"] is None


def test_the_request_ids_of_the_calls_are_kept_in_the_orders_history(cli, fake):
    cli.ok("alibaba", "add", "main")
    _, order_id = _synced(cli, fake, brand="DigiCert", level="DV", domain_type="ONE")
    _apply(cli, order_id, ["ids.example.com"])
    cli.ok("submit", order_id)
    [applied] = fake.calls_to("ApplyCertificate")
    stored = "".join(path.read_text(errors="replace") for path in cli.data_dir.rglob("*.json*") if path.is_file())
    assert applied.request_id in stored


@pytest.fixture
def silent_service():
    """A server that accepts the connection and never answers: a timeout, as when the service hangs."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(5)
    for connection in held:
        connection.close()
    listener.close()


def test_a_service_that_does_not_answer_is_a_timeout_and_a_submission_is_never_sent_twice(
        cli, fake, monkeypatch, silent_service):
    from certwizard.ca.alibaba import client

    cli.ok("alibaba", "add", "main")
    _, order_id = _synced(cli, fake, brand="DigiCert", level="DV", domain_type="ONE")
    _apply(cli, order_id, ["slow.example.com"])
    monkeypatch.setattr(client, "TIMEOUT_MS", 300)
    monkeypatch.setattr(client, "BACKOFF", (0.0, 0.0, 0.0))
    monkeypatch.setenv("CERTWIZARD_ALIBABA_ENDPOINT", f"http://127.0.0.1:{silent_service}")
    reading = cli("alibaba", "sync")                 # a read is tried again, then refused
    assert reading.code == 1 and "could not reach Alibaba Cloud for ListInstances" in reading.err
    assert "nothing was changed" in reading.err
    submitting = cli("submit", order_id)             # GetInstanceDetail times out first: nothing was sent
    assert submitting.code == 1 and "could not reach Alibaba Cloud" in submitting.err
    assert cli.ok("show", order_id, "--json").json["order"]["status"] == "draft"


class _LosingProxy:
    """Passes requests to the fake, but for one action passes the request on and loses the answer: the
    service acted, and certwizard never heard (a connection that dropped while the answer was on its way)."""

    def __init__(self, target_port: int, action: str) -> None:
        import socket
        import threading

        self.action, self.target_port, self.losing = action.lower(), target_port, True
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self._held: list = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import threading

        while True:
            try:
                connection = self.listener.accept()[0]
            except OSError:
                return
            threading.Thread(target=self._one, args=(connection,), daemon=True).start()

    def _one(self, connection) -> None:
        import socket

        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            body += connection.recv(65536)
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        upstream.sendall(head + b"\r\n\r\n" + body)
        answer = b""
        while chunk := upstream.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer:
                top, _, rest = answer.partition(b"\r\n\r\n")
                size = next((int(line.split(b":", 1)[1]) for line in top.split(b"\r\n")
                             if line.lower().startswith(b"content-length:")), None)
                if size is not None and len(rest) >= size:
                    break
        upstream.close()
        if self.losing and f"x-acs-action: {self.action}".encode() in head.lower():
            self._held.append(connection)       # the service acted; its answer never comes back
            return
        connection.sendall(answer)
        connection.close()


def test_an_application_whose_answer_was_lost_is_recognised_and_never_applied_twice(cli, fake, monkeypatch):
    from certwizard.ca.alibaba import client

    cli.ok("alibaba", "add", "main")
    instance_id, order_id = _synced(cli, fake, brand="DigiCert", level="DV", domain_type="ONE")
    _apply(cli, order_id, ["lost.example.com"])
    proxy = _LosingProxy(int(fake.endpoint.rsplit(":", 1)[1]), "ApplyCertificate")
    monkeypatch.setattr(client, "TIMEOUT_MS", 5000)       # the lost answer waits this long; the rest must not
    monkeypatch.setenv("CERTWIZARD_ALIBABA_ENDPOINT", f"http://127.0.0.1:{proxy.port}")
    lost = cli("submit", order_id)
    assert lost.code == 1 and "it may have been done" in lost.err
    assert fake.instance(instance_id)["Status"] == "pending"            # the service did apply
    proxy.losing = False
    cli.ok("refresh")                                                   # finishes the interrupted submission
    assert cli.ok("show", order_id, "--json").json["order"]["status"] == "domain-verification"
    assert len(fake.calls_to("ApplyCertificate")) == 1                   # and never applied twice


def test_sync_follows_every_page_of_a_large_account(cli, fake):
    cli.ok("alibaba", "add", "main")
    for _ in range(123):                     # three pages of 50
        fake.add_instance(brand="DigiCert", level="DV", domain_type="ONE")
    report = cli.ok("alibaba", "sync", "--json").json["reports"][0]
    assert len(report["added"]) == 123 and len(_orders(cli)) == 123
    assert [call.params.get("CurrentPage") for call in fake.calls_to("ListInstances")][-3:] == ["1", "2", "3"]


def test_one_instance_the_service_refuses_does_not_hide_the_others_news(cli, fake):
    cli.ok("alibaba", "add", "main")
    gone_id, gone_order = _synced(cli, fake, brand="DigiCert", level="DV", domain_type="ONE")
    kept_id, kept_order = _synced(cli, fake, brand="DigiCert", level="DV", domain_type="ONE")
    for order_id, name in ((gone_order, "gone.example.com"), (kept_order, "kept.example.com")):
        _apply(cli, order_id, [name])
        cli.ok("submit", order_id)
    del fake.instances[gone_id]                          # the service no longer knows this one
    fake.dcv_passed(kept_id)
    fake.issue(kept_id)
    refreshed = cli("refresh", "--json")
    assert refreshed.code == 1
    report = refreshed.json
    assert [(c["order"], c["to"]) for c in report["changes"]] == [(kept_order, "issued")]
    assert "1 application(s) could not be checked" in report["failures"]["alibaba:main"]
    assert report["unknown"] == []
