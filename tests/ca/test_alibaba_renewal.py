"""The Alibaba Cloud authority's side of renewal, against the loopback CAS fake driven through the real SDK.

Why: the service says itself when a certificate is about to expire (V2 Status/CertificateStatus willExpire,
V1 orders listed WILLEXPIRED), and that is the renewal hint; a V1 plan order is renewed on the service's own
call (RenewCertificateOrderForPackageRequest), which takes one more certificate of the same plan.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from certwizard.ca.alibaba import plans
from certwizard.ca.alibaba.accounts import AlibabaAccountRecord
from certwizard.ca.alibaba.authority import AlibabaAuthority
from certwizard.ca.base import AuthorityError, SubmissionRequest
from certwizard.crypto.csr import build_csr
from certwizard.crypto.keys import generate_private_key
from certwizard.domain.expiry import RenewalSource, renewal_due
from certwizard.domain.models import Applicant, Application, ManualCsr
from certwizard.domain.products import KeyAlgorithm, get_product
from certwizard.domain.status import OrderStatus
from certwizard.storage.repository import Repository
from certwizard.system.paths import DataLayout
from tests.ca.alibaba_fake import WILL_EXPIRE_DAYS, FakeCas, _ms, fake_cas_for_certwizard

APPLICANT = Applicant(name="Li Lei", phone="+8613800138000", email="lilei@example.com", id_number="X1234567")


@pytest.fixture
def fake(monkeypatch):
    with fake_cas_for_certwizard(monkeypatch) as server:
        yield server


@pytest.fixture
def authority(tmp_path: Path, fake: FakeCas) -> AlibabaAuthority:
    repository = Repository.open(DataLayout(tmp_path / "data"))
    return AlibabaAuthority(AlibabaAccountRecord(name="main"), repository)


def _request(ref: str, domains: list[str], order_id: str, replaces: str = "") -> SubmissionRequest:
    csr = build_csr(generate_private_key(KeyAlgorithm.EC_P256), domains).decode()
    application = Application(domains=domains, applicant=APPLICANT, csr=ManualCsr(csr_pem=csr))
    product = get_product("alibaba:main:digicert-dv-single")
    return SubmissionRequest(order_id, product, application, csr, attempt_id=f"att-{order_id}",
                             authority_ref=ref, replaces_certificate_pem=replaces)


def _issued_instance(fake: FakeCas, authority: AlibabaAuthority, validity_days: int) -> tuple[str, str]:
    instance_id = fake.add_instance()
    authority.submit(_request(instance_id, ["www.example.com"], "ord-1"))
    fake.dcv_passed(instance_id)
    fake.issue(instance_id, validity_days=validity_days)
    state = authority.status(instance_id)
    assert state.status is OrderStatus.ISSUED and state.certificate is not None
    return instance_id, state.certificate.certificate_pem


def _issued_plan_order(fake: FakeCas, authority: AlibabaAuthority, validity_days: int,
                       code: str = "symantec-dv-1-starter") -> tuple[str, str]:
    fake.add_resource_order(code)
    state = authority.submit(_request(plans.plan_ref(code, 1), ["shop.example.com"], "ord-1"))
    order_id = plans.order_id(state.authority_ref)
    assert order_id is not None
    fake.dcv_passed(order_id)
    fake.issue(order_id, validity_days=validity_days)
    state = authority.status(state.authority_ref)
    assert state.status is OrderStatus.ISSUED and state.certificate is not None
    return state.authority_ref, state.certificate.certificate_pem


# --- the hint ----------------------------------------------------------------------------------------------

def test_a_normal_instance_gives_no_hint_and_renewal_is_at_two_thirds(fake, authority):
    instance_id, pem = _issued_instance(fake, authority, validity_days=365)
    assert fake.instance(instance_id)["Status"] == "normal"
    assert authority.renewal_hint(instance_id, pem) is None


def test_will_expire_is_the_services_word_to_renew_now(fake, authority):
    instance_id, pem = _issued_instance(fake, authority, validity_days=WILL_EXPIRE_DAYS - 10)
    before = datetime.now(UTC)
    hint = authority.renewal_hint(instance_id, pem)
    assert fake.instance(instance_id)["Status"] == "willExpire"          # the service said so by its clock
    assert hint is not None and hint.source is RenewalSource.SERVICE
    assert before - timedelta(seconds=1) <= hint.after <= datetime.now(UTC)
    leaf = x509.load_pem_x509_certificate(pem.encode())
    assert hint.until == leaf.not_valid_after_utc and "willExpire" in hint.detail
    due = renewal_due(leaf.not_valid_before_utc, leaf.not_valid_after_utc, hint.after, hint.source)
    assert due.at == hint.after and due.source is RenewalSource.SERVICE


def test_an_expired_instance_is_due_too(fake, authority):
    instance_id, pem = _issued_instance(fake, authority, validity_days=365)
    fake.instances[instance_id]["CertificateNotAfter"] = _ms(datetime.now(UTC) - timedelta(days=1))
    hint = authority.renewal_hint(instance_id, pem)
    assert fake.instance(instance_id)["Status"] == "expired"
    assert hint is not None and "expired" in hint.detail


def test_a_plan_order_listed_as_will_expire_gives_the_hint(fake, authority):
    ref, pem = _issued_plan_order(fake, authority, validity_days=365)
    assert authority.renewal_hint(ref, pem) is None
    fake.orders[plans.order_id(ref)]["CertEndTime"] = _ms(datetime.now(UTC) + timedelta(days=20))
    hint = authority.renewal_hint(ref, pem)
    assert hint is not None and "WILLEXPIRED" in hint.detail
    [listed, *_] = fake.calls_to("ListUserCertificateOrder")[-1:]
    assert listed.params["Keyword"] == "shop.example.com"


def test_an_unused_plan_certificate_has_no_hint(authority):
    assert authority.renewal_hint(plans.plan_ref("symantec-dv-1-starter", 1), "") is None


def test_a_refused_detail_is_a_refusal(fake, authority):
    with pytest.raises(AuthorityError):
        authority.renewal_hint("cas-cn-nosuchinstance", "")


# --- renewal on the same plan ------------------------------------------------------------------------------

def test_a_plan_order_is_renewed_in_place_with_one_more_certificate_of_its_plan(fake, authority):
    ref, pem = _issued_plan_order(fake, authority, validity_days=30)
    assert authority.renews_in_place(ref) and not authority.renews_in_place("cas-cn-x")
    unit = fake.add_resource_order("symantec-dv-1-starter")             # bought for the renewal
    state = authority.submit(_request(ref, ["shop.example.com"], "ord-2", replaces=pem))
    assert state.authority_ref == f"v1:{unit}" and state.status is OrderStatus.DOMAIN_VERIFICATION
    [call] = fake.calls_to("RenewCertificateOrderForPackageRequest")
    assert call.params["OrderId"] == str(plans.order_id(ref)) and "BEGIN CERTIFICATE REQUEST" in call.params["Csr"]
    assert state.domain_validations and state.domain_validations[0].dns_value
    again = authority.submit(_request(ref, ["shop.example.com"], "ord-2", replaces=pem))
    assert again.authority_ref == state.authority_ref                   # the same attempt: not renewed twice
    assert len(fake.calls_to("RenewCertificateOrderForPackageRequest")) == 1
    fake.dcv_passed(unit)
    fake.issue(unit)
    done = authority.status(state.authority_ref)
    assert done.status is OrderStatus.ISSUED and done.certificate is not None
    assert done.certificate.certificate_pem != pem


def test_a_renewal_without_quota_left_is_the_services_refusal(fake, authority):
    ref, pem = _issued_plan_order(fake, authority, validity_days=30)
    with pytest.raises(AuthorityError, match="InsufficientQuota|no quota"):
        authority.submit(_request(ref, ["shop.example.com"], "ord-2", replaces=pem))
