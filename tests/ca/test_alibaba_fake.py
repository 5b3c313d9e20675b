"""The loopback CAS fake (tests/ca/alibaba_fake.py) driven by the real Alibaba Cloud SDK.

Why these tests: certwizard's Alibaba back-end will be tested against this fake, so the fake must refuse what
the service refuses (signature, nonce, clock), answer with exactly the fields the SDK's models read, and walk
both API generations through DCV, review and issuance with a real CA.
"""

from __future__ import annotations

import hashlib
import json
import re
import typing
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from alibabacloud_cas20200407 import models
from alibabacloud_cas20200407.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from alibabacloud_tea_openapi.utils import Utils
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import PolicyBuilder, Store
from darabonba.model import DaraModel

from tests.ca.alibaba_fake import ACTIONS, FILE_PATH, FakeCas, FakeCasMisuse, start_fake_cas


@pytest.fixture
def fake(monkeypatch) -> Iterator[FakeCas]:
    # Without this the SDK's credential chain may probe the ECS metadata address.
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
    with start_fake_cas() as server:
        yield server


def client_for(fake: FakeCas, key_id: str | None = None, secret: str | None = None) -> Client:
    return Client(open_api_models.Config(access_key_id=key_id or fake.access_key_id,
                                         access_key_secret=secret or fake.access_key_secret,
                                         endpoint=fake.endpoint, protocol="http"))


@pytest.fixture
def client(fake) -> Client:
    return client_for(fake)


def csr_for(names: list[str]) -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
           .sign(key, hashes.SHA256()))
    return key, csr.public_bytes(serialization.Encoding.PEM).decode()


def verified_chain(fake: FakeCas, pem: str, name: str) -> list[x509.Certificate]:
    """Leaf and intermediate from `pem`, checked as a TLS client would against the fake's root."""
    certificates = x509.load_pem_x509_certificates(pem.encode())
    store = Store([x509.load_pem_x509_certificate(fake.root_pem.encode())])
    verifier = PolicyBuilder().store(store).build_server_verifier(x509.DNSName(name))
    verifier.verify(certificates[0], certificates[1:])
    return certificates


def same_key(certificate: x509.Certificate, key_pem_or_key: Any) -> bool:
    key = key_pem_or_key
    if isinstance(key_pem_or_key, str):
        key = serialization.load_pem_private_key(key_pem_or_key.encode(), None)
    raw = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return certificate.public_key().public_bytes(*raw) == key.public_key().public_bytes(*raw)


def refused(call: Callable[[], object], exception: type[Exception] = ClientException) -> Any:
    with pytest.raises(exception) as caught:
        call()
    return caught.value


def contact(client: Client) -> int:
    request = models.CreateContactRequest(name="Han Meimei", mobile="13800000000", email="han@example.com")
    return client.create_contact(request).body.contact_id


def company(client: Client) -> int:
    request = models.CreateCompanyRequest(company_name="Example Trading Co., Ltd.", company_type=1,
                                          company_code="91110000000000000X", company_phone="010-12345678",
                                          country_code="CN", province="Beijing", city="Beijing",
                                          company_address="1 Example Road", post_code="100000", lang="zh")
    return client.create_company(request).body.company_id


def detail(client: Client, instance_id: str) -> models.GetInstanceDetailResponseBody:
    return client.get_instance_detail(models.GetInstanceDetailRequest(instance_id=instance_id)).body


def state(client: Client, order_id: int) -> models.DescribeCertificateStateResponseBody:
    return client.describe_certificate_state(models.DescribeCertificateStateRequest(order_id=order_id)).body


def package(client: Client, code: str) -> models.DescribePackageStateResponseBody:
    return client.describe_package_state(models.DescribePackageStateRequest(product_code=code)).body


# --- signing and the gateway's checks -----------------------------------------------------------------------

def test_a_signed_call_is_answered_and_recorded(fake, client):
    instance_id = fake.add_instance()
    answer = client.list_instances(models.ListInstancesRequest())
    assert answer.status_code == 200
    assert [i.instance_id for i in answer.body.instance_list] == [instance_id]
    (call,) = fake.calls
    assert (call.action, call.status, call.request_id) == ("ListInstances", 200, answer.body.request_id)
    assert re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", call.request_id)


def test_a_wrong_secret_is_refused_with_the_signature_error(fake):
    error = refused(lambda: client_for(fake, secret="not-the-secret").list_instances(models.ListInstancesRequest()))
    assert (error.code, error.status_code) == ("SignatureDoesNotMatch", 400)
    assert "server string to sign is:ACS3-HMAC-SHA256\n" in error.message
    assert error.request_id == fake.calls[-1].request_id


def test_an_unknown_access_key_is_refused(fake):
    error = refused(lambda: client_for(fake, key_id="LTAI5tSomebodyElse").list_instances(models.ListInstancesRequest()))
    assert (error.code, error.status_code) == ("InvalidAccessKeyId.NotFound", 404)


def test_a_replayed_nonce_is_refused(fake, client, monkeypatch):
    monkeypatch.setattr(Utils, "get_nonce", staticmethod(lambda: "0123456789abcdef0123456789abcdef"))
    client.list_instances(models.ListInstancesRequest())
    error = refused(lambda: client.list_instances(models.ListInstancesRequest()))
    assert (error.code, error.status_code) == ("SignatureNonceUsed", 400)


@pytest.mark.parametrize(("skew", "accepted"), [(timedelta(minutes=14), True), (timedelta(minutes=16), False),
                                                (timedelta(minutes=-16), False)])
def test_the_date_must_be_within_15_minutes_of_the_service_clock(fake, client, skew, accepted):
    fake.clock_offset = skew
    call = lambda: client.list_instances(models.ListInstancesRequest())  # noqa: E731
    if accepted:
        assert call().status_code == 200
    else:
        assert refused(call).code == "InvalidTimeStamp.Expired"


def test_an_action_the_fake_does_not_serve_is_refused_as_unknown(client):
    error = refused(lambda: client.get_instance_summary(models.GetInstanceSummaryRequest()))
    assert (error.code, error.status_code) == ("InvalidAction.NotFound", 404)


def raw_call(fake: FakeCas, query: dict[str, str], tamper: Callable[[dict, dict], Any] | None = None,
             action: str = "ListInstances") -> tuple[int, dict[str, Any]]:
    """A request signed by the SDK's own signer, then optionally changed by `tamper(query, headers)`."""
    body = b""
    headers = {"host": fake.endpoint, "x-acs-action": action, "x-acs-version": "2020-04-07",
               "x-acs-date": Utils.get_timestamp(), "x-acs-signature-nonce": Utils.get_nonce(),
               "x-acs-content-sha256": hashlib.sha256(body).hexdigest(), "accept": "application/json"}
    request = SimpleNamespace(pathname="/", method="POST", query=dict(query), headers=dict(headers))
    headers["Authorization"] = Utils.get_authorization(request, "ACS3-HMAC-SHA256", headers["x-acs-content-sha256"],
                                                       fake.access_key_id, fake.access_key_secret)
    if tamper is not None:
        changed = tamper(query, headers)
        body = changed if isinstance(changed, bytes) else b""
    url = f"http://{fake.endpoint}/?{urllib.parse.urlencode(query)}"
    sent = urllib.request.Request(url, data=body, method="POST",
                                  headers={**headers, "content-type": "application/octet-stream"})
    try:
        with urllib.request.urlopen(sent, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_canonical_query_is_rfc3986_like_the_sdk_signs_it(fake):
    fake.add_instance()
    status, answer = raw_call(fake, {"Keyword": "a b*c~d+e/f\nü", "ShowSize": "5"})
    assert status == 200 and answer["ShowSize"] == 5 and answer["TotalCount"] == 0


@pytest.mark.parametrize(("tamper", "code"), [
    (lambda query, headers: query.update(ShowSize="6"), "SignatureDoesNotMatch"),
    (lambda query, headers: headers.update({"x-acs-action": "GetInstanceDetail"}), "SignatureDoesNotMatch"),
    (lambda query, headers: b"CurrentPage=2", "SignatureDoesNotMatch"),
    (lambda query, headers: headers.update({"x-acs-extra": "not signed"}), "IncompleteSignature"),
    (lambda query, headers: headers.pop("x-acs-signature-nonce"), "IncompleteSignature"),
    (lambda query, headers: headers.update(Authorization=headers["Authorization"].replace(
        "ACS3-HMAC-SHA256", "ACS3-HMAC-SM3")), "InvalidSignatureMethod"),
], ids=["query", "action", "body", "unsigned-header", "no-nonce", "algorithm"])
def test_a_request_changed_after_signing_is_refused(fake, tamper, code):
    status, answer = raw_call(fake, {"ShowSize": "5"}, tamper)
    assert (status, answer["Code"]) == (400, code)
    assert answer["RequestId"] and answer["Message"]


def test_another_api_version_is_refused(fake):
    def version(query: dict, headers: dict) -> None:
        headers["x-acs-version"] = "2018-07-13"
        request = SimpleNamespace(pathname="/", method="POST", query=dict(query),
                                  headers={k: v for k, v in headers.items() if k != "Authorization"})
        headers["Authorization"] = Utils.get_authorization(request, "ACS3-HMAC-SHA256",
                                                           headers["x-acs-content-sha256"], fake.access_key_id,
                                                           fake.access_key_secret)

    status, answer = raw_call(fake, {}, version)
    assert (status, answer["Code"]) == (400, "InvalidVersion")


# --- error answers on demand --------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "exception", "status", "code"), [
    ("throttling", ClientException, 400, "Throttling.User"),
    ("quota", ClientException, 400, "InsufficientQuota"),
    ("signature", ClientException, 400, "SignatureDoesNotMatch"),
    ("unavailable", ServerException, 503, "ServiceUnavailable"),
])
def test_each_forced_error_surfaces_as_the_sdk_exception_with_code_and_request_id(fake, client, kind, exception,
                                                                                  status, code):
    fake.fail_next("ListInstances", kind)
    error = refused(lambda: client.list_instances(models.ListInstancesRequest()), exception)
    assert (error.code, error.status_code) == (code, status)
    assert error.request_id == fake.calls[-1].request_id and fake.calls[-1].code == code
    assert client.list_instances(models.ListInstancesRequest()).status_code == 200     # only the next call


def test_throttling_with_a_retry_after_is_the_sdk_throttling_exception(fake, client):
    fake.fail_next("DescribePackageState", "throttling", retry_after=2)
    error = refused(lambda: package(client, "symantec-dv-1-starter"), ThrottlingException)
    assert (error.code, error.retry_after, error.request_id) == ("Throttling.User", 2, fake.calls[-1].request_id)


def test_a_fault_in_the_fake_is_answered_as_an_internal_error_not_a_hang(fake, client, monkeypatch):
    def broken(fake: FakeCas, params: Any) -> dict[str, Any]:
        raise RuntimeError("a bug in the fake")

    monkeypatch.setitem(ACTIONS, "ListInstances", broken)
    error = refused(lambda: client.list_instances(models.ListInstancesRequest()), ServerException)
    assert (error.code, error.status_code) == ("InternalError", 500) and "a bug in the fake" in error.message


def test_forcing_an_unknown_kind_or_action_is_a_test_mistake(fake):
    with pytest.raises(FakeCasMisuse):
        fake.fail_next("ListInstances", "gremlins")
    with pytest.raises(FakeCasMisuse):
        fake.fail_next("GetInstanceSummary", "throttling")


# --- paging -------------------------------------------------------------------------------------------------

def test_instances_page_through_three_pages_and_filter_by_status(fake, client):
    wanted = [fake.add_instance() for _ in range(7)]
    fake.add_instance(status="normal")
    pages = [client.list_instances(models.ListInstancesRequest(status="inactive", current_page=page, show_size=3)).body
             for page in (1, 2, 3)]
    assert [len(p.instance_list) for p in pages] == [3, 3, 1]
    assert [(p.current_page, p.show_size, p.total_count) for p in pages] == [(1, 3, 7), (2, 3, 7), (3, 3, 7)]
    assert [i.instance_id for p in pages for i in p.instance_list] == wanted
    assert client.list_instances(models.ListInstancesRequest()).body.total_count == 8


def test_orders_page_through_three_pages_and_filter_by_type_and_status(fake, client):
    wanted = [fake.add_resource_order() for _ in range(5)]
    fake.add_resource_order(status="ISSUED")
    fake.add_resource_order(source_type="buy")
    pages = [client.list_user_certificate_order(models.ListUserCertificateOrderRequest(
        order_type="CPACK", status="PAYED", current_page=page, show_size=2)).body for page in (1, 2, 3)]
    assert [o.order_id for p in pages for o in p.certificate_order_list] == wanted
    assert [p.total_count for p in pages] == [5, 5, 5]
    bought = client.list_user_certificate_order(models.ListUserCertificateOrderRequest(order_type="BUY")).body
    assert bought.total_count == 1 and bought.show_size == 50


def test_a_page_size_beyond_the_limit_is_refused(client):
    error = refused(lambda: client.list_instances(models.ListInstancesRequest(show_size=101)))
    assert (error.code, error.status_code) == ("InvalidParameter", 400)


# --- V2 instances -------------------------------------------------------------------------------------------

def apply_v2(fake: FakeCas, client: Client, names: list[str], **update: Any) -> str:
    instance_id = fake.add_instance(level=update.pop("level", "DV"), domain_type=update.pop("domain_type", "ONE"),
                                    domain_count=update.pop("domain_count", 1))
    client.update_instance(models.UpdateInstanceRequest(instance_id=instance_id, domain=",".join(names),
                                                        contact_id_list=[contact(client)], **update))
    client.apply_certificate(models.ApplyCertificateRequest(instance_id=instance_id))
    return instance_id


def test_the_whole_v2_flow_for_an_uploaded_csr_ends_in_a_real_chain_and_no_key(fake, client):
    names = ["www.example.com", "shop.example.com.cn"]
    key, csr = csr_for(names)
    instance_id = fake.add_instance(level="OV", domain_type="MULTIPLE", domain_count=2)
    client.update_instance(models.UpdateInstanceRequest(
        instance_id=instance_id, domain=",".join(names), csr=csr, generate_csr_method="upload",
        key_algorithm="ECC_256", validation_method="DNS", company_id=company(client),
        contact_id_list=[contact(client)], certificate_name="shop"))
    assert detail(client, instance_id).status == "inactive"
    client.apply_certificate(models.ApplyCertificateRequest(instance_id=instance_id))

    pending = detail(client, instance_id)
    assert pending.status == "pending" and pending.certificate_id is None
    records = [(r.domain, r.root_domain, r.validation_type, r.validation_key) for r in pending.domain_validation_list]
    assert records == [("www.example.com", "example.com", "TXT", "_dnsauth.www"),
                       ("shop.example.com.cn", "example.com.cn", "TXT", "_dnsauth.shop")]
    assert [r.validation_value for r in pending.domain_validation_list] == \
        [r["ValidationValue"] for r in fake.validation(instance_id)]
    with pytest.raises(FakeCasMisuse):
        fake.issue(instance_id)                 # the CA has not seen the records yet
    fake.dcv_passed(instance_id)
    assert detail(client, instance_id).status == "pending"
    cert_id = fake.issue(instance_id)

    issued = detail(client, instance_id)
    assert (issued.status, issued.certificate_status, issued.certificate_id) == ("normal", "issued", cert_id)
    assert issued.domain_validation_list == []
    answer = client.get_user_certificate_detail(models.GetUserCertificateDetailRequest(cert_id=cert_id)).body
    leaf, intermediate = verified_chain(fake, answer.cert, "shop.example.com.cn")
    assert same_key(leaf, key) and answer.key is None
    assert leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Example Trading Co., Ltd."
    assert answer.sans == ",".join(names) and answer.instance_id == instance_id
    chain = [(c.common_name, c.issuer_common_name) for c in answer.cert_chain]
    cn = lambda c: c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value  # noqa: E731
    assert chain == [("www.example.com", cn(intermediate)), (cn(intermediate), fake.pki.root_certificate.subject
                                                             .get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)]


def test_an_online_csr_with_http_validation_gives_the_key_the_service_made(fake, client):
    instance_id = apply_v2(fake, client, ["example.org"], validation_method="HTTP", generate_csr_method="online",
                           key_algorithm="ECC_256")
    (record,) = detail(client, instance_id).domain_validation_list
    assert (record.validation_type, record.validation_key, record.domain) == ("HTTP", FILE_PATH, "example.org")
    fake.dcv_passed(instance_id)
    cert_id = fake.issue(instance_id)
    answer = client.get_user_certificate_detail(models.GetUserCertificateDetailRequest(cert_id=cert_id)).body
    leaf, _ = verified_chain(fake, answer.cert, "example.org")
    assert answer.key and same_key(leaf, answer.key)
    filtered = client.get_user_certificate_detail(models.GetUserCertificateDetailRequest(cert_id=cert_id,
                                                                                         cert_filter=True)).body
    assert filtered.cert is None and filtered.key is None and filtered.id == cert_id


def test_a_wildcard_only_product_covers_its_base_name(fake, client):
    instance_id = apply_v2(fake, client, ["*.example.net"], domain_type="WILDCARD", key_algorithm="ECC_256")
    assert detail(client, instance_id).domain_validation_list[0].validation_key == "_dnsauth"
    fake.dcv_passed(instance_id)
    answer = client.get_user_certificate_detail(models.GetUserCertificateDetailRequest(
        cert_id=fake.issue(instance_id))).body
    verified_chain(fake, answer.cert, "example.net")
    assert answer.sans == "*.example.net,example.net"


@pytest.mark.parametrize(("update", "code"), [
    ({"domain": "a.example.com,b.example.com"}, "DomainAndProductNotMatch"),
    ({"domain": "*.example.com"}, "DomainAndProductNotMatch"),
    ({"domain": "not a domain"}, "InvalidParameter"),
    ({"validation_method": "EMAIL"}, "InvalidParameter"),
    ({"generate_csr_method": "upload"}, "MissingCsr"),
    ({"csr": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"}, "InvalidParameter"),
    ({"company_id": 999}, "NotFound"),
])
def test_an_application_the_service_would_not_take_is_refused_at_update(fake, client, update, code):
    instance_id = fake.add_instance()
    error = refused(lambda: client.update_instance(models.UpdateInstanceRequest(instance_id=instance_id, **update)))
    assert error.code == code and error.request_id


def test_applying_needs_contacts_and_for_ov_a_company(fake, client):
    dv = fake.add_instance()
    client.update_instance(models.UpdateInstanceRequest(instance_id=dv, domain="example.com"))
    assert refused(lambda: client.apply_certificate(models.ApplyCertificateRequest(instance_id=dv))).code == \
        "MissingParameter"
    ov = fake.add_instance(level="OV")
    client.update_instance(models.UpdateInstanceRequest(instance_id=ov, domain="example.com",
                                                        contact_id_list=[contact(client)]))
    assert "CompanyId" in refused(lambda: client.apply_certificate(models.ApplyCertificateRequest(
        instance_id=ov))).message
    assert refused(lambda: detail(client, "cas-cn-nosuchthing")).code == "NotFound"


def test_withdrawing_a_v2_application_before_issuance_returns_the_instance_to_inactive(fake, client):
    instance_id = apply_v2(fake, client, ["example.com"], key_algorithm="ECC_256")
    fake.dcv_passed(instance_id)
    client.cancel_pending_certificate(models.CancelPendingCertificateRequest(instance_id=instance_id))
    withdrawn = detail(client, instance_id)
    assert (withdrawn.status, withdrawn.domain_validation_list, withdrawn.domain) == ("inactive", [], "example.com")
    client.apply_certificate(models.ApplyCertificateRequest(instance_id=instance_id))
    assert detail(client, instance_id).status == "pending"


def test_withdrawing_after_issuance_is_refused(fake, client):
    instance_id = apply_v2(fake, client, ["example.com"], key_algorithm="ECC_256")
    fake.dcv_passed(instance_id)
    fake.issue(instance_id)
    error = refused(lambda: client.cancel_pending_certificate(models.CancelPendingCertificateRequest(
        instance_id=instance_id)))
    assert (error.code, error.status_code) == ("OperationDenied.StatusNotSupport", 400)
    assert detail(client, instance_id).status == "normal"


def test_a_refused_v2_application_returns_to_inactive_with_the_cas_reason(fake, client):
    instance_id = apply_v2(fake, client, ["example.com"], key_algorithm="ECC_256")
    fake.fail(instance_id, "The domain owner did not confirm the application.")
    failed = detail(client, instance_id)
    assert (failed.status, failed.pending_result) == ("inactive", "The domain owner did not confirm the application.")


# --- V1 resource-plan orders --------------------------------------------------------------------------------

def test_the_whole_v1_flow_for_an_uploaded_csr(fake, client):
    code = "geotrust-dv-1-starter"
    order_id, _spare = fake.add_resource_order(code), fake.add_resource_order(code)
    assert (package(client, code).total_count, package(client, code).used_count) == (2, 0)
    key, csr = csr_for(["api.example.com"])
    created = client.create_certificate_for_package_request(models.CreateCertificateForPackageRequestRequest(
        product_code=code, csr=csr, validate_type="DNS", username="Han Meimei", phone="13800000000",
        email="han@example.com")).body
    assert created.order_id == order_id and package(client, code).used_count == 1

    waiting = state(client, order_id)
    assert (waiting.type, waiting.validate_type, waiting.record_type, waiting.record_domain) == \
        ("domain_verify", "DNS", "TXT", "_dnsauth.api")
    assert waiting.record_value == fake.validation(order_id)[0]["ValidationValue"]
    fake.dcv_passed(order_id)
    assert state(client, order_id).type == "process"
    cert_id = fake.issue(order_id)

    done = state(client, order_id)
    assert (done.type, done.cert_id, done.private_key) == ("certificate", str(cert_id), None)
    leaf, _ = verified_chain(fake, done.certificate, "api.example.com")
    assert same_key(leaf, key)
    answer = client.get_user_certificate_detail(models.GetUserCertificateDetailRequest(cert_id=cert_id)).body
    assert answer.cert == done.certificate and answer.key is None and answer.order_id == order_id
    issued = client.list_user_certificate_order(models.ListUserCertificateOrderRequest(status="ISSUED")).body
    assert [(o.order_id, o.certificate_id, o.domain) for o in issued.certificate_order_list] == \
        [(order_id, cert_id, "api.example.com")]
    certificates = client.list_user_certificate_order(models.ListUserCertificateOrderRequest(order_type="CERT")).body
    assert [(c.certificate_id, c.common_name) for c in certificates.certificate_order_list] == \
        [(cert_id, "api.example.com")]
    assert package(client, code).issued_count == 1


def test_a_v1_order_without_csr_uses_file_validation_and_gives_the_key(fake, client):
    order_id = fake.add_resource_order("symantec-dv-1-starter")
    client.create_certificate_for_package_request(models.CreateCertificateForPackageRequestRequest(
        product_code="symantec-dv-1-starter", domain="www.example.org", validate_type="FILE"))
    waiting = state(client, order_id)
    assert (waiting.validate_type, waiting.domain, waiting.uri) == ("FILE", "www.example.org", FILE_PATH)
    assert waiting.content == fake.validation(order_id)[0]["ValidationValue"]
    fake.dcv_passed(order_id)
    fake.issue(order_id)
    done = state(client, order_id)
    leaf, _ = verified_chain(fake, done.certificate, "www.example.org")
    assert done.private_key and same_key(leaf, done.private_key)


def test_an_exhausted_plan_is_refused_with_the_quota_error(fake, client):
    fake.add_resource_order("globalsign-dv-1-personal", status="ISSUED")
    error = refused(lambda: client.create_certificate_for_package_request(
        models.CreateCertificateForPackageRequestRequest(product_code="globalsign-dv-1-personal",
                                                         domain="example.com")))
    assert (error.code, error.status_code) == ("InsufficientQuota", 400)
    assert (package(client, "globalsign-dv-1-personal").total_count,
            package(client, "globalsign-dv-1-personal").used_count) == (1, 1)


def test_a_v1_ov_order_takes_the_company_saved_last(fake, client):
    order_id = fake.add_resource_order("geotrust-ov-1-personal")
    company(client)
    _, csr = csr_for(["portal.example.com"])
    client.create_certificate_for_package_request(models.CreateCertificateForPackageRequestRequest(
        product_code="geotrust-ov-1-personal", csr=csr))
    fake.dcv_passed(order_id)
    fake.issue(order_id)
    leaf, _ = verified_chain(fake, state(client, order_id).certificate, "portal.example.com")
    assert leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Example Trading Co., Ltd."


def test_withdrawing_a_v1_order_before_issuance_returns_it_to_payed_and_restores_the_quota(fake, client):
    order_id = fake.add_resource_order()
    client.create_certificate_for_package_request(models.CreateCertificateForPackageRequestRequest(
        product_code="symantec-dv-1-starter", domain="example.com"))
    client.cancel_order_request(models.CancelOrderRequestRequest(order_id=order_id))
    assert state(client, order_id).type == "payed" and fake.order(order_id)["Status"] == "PAYED"
    assert package(client, "symantec-dv-1-starter").used_count == 0
    error = refused(lambda: client.cancel_order_request(models.CancelOrderRequestRequest(order_id=order_id)))
    assert error.code == "OperationDenied.StatusNotSupport"


def test_withdrawing_an_issued_v1_order_is_refused(fake, client):
    order_id = fake.add_resource_order()
    client.create_certificate_for_package_request(models.CreateCertificateForPackageRequestRequest(
        product_code="symantec-dv-1-starter", domain="example.com"))
    fake.dcv_passed(order_id)
    fake.issue(order_id)
    error = refused(lambda: client.cancel_order_request(models.CancelOrderRequestRequest(order_id=order_id)))
    assert (error.code, error.status_code) == ("OperationDenied.StatusNotSupport", 400)
    assert state(client, order_id).type == "certificate"


def test_a_refused_v1_order_is_verify_fail(fake, client):
    order_id = fake.add_resource_order()
    client.create_certificate_for_package_request(models.CreateCertificateForPackageRequestRequest(
        product_code="symantec-dv-1-starter", domain="example.com"))
    fake.fail(order_id, "DNS record not found")
    assert state(client, order_id).type == "verify_fail" and fake.order(order_id)["Status"] == "CHECKED_FAIL"


# --- drift: the fake answers in the SDK's own terms ---------------------------------------------------------

def snake(action: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


def model_hints(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls.__init__, vars(__import__(cls.__module__, fromlist=["_"])))
    hints.pop("return", None)
    return hints


def unknown_keys(answer: Any, known: Any, path: str) -> list[str]:
    """Keys of `answer` the model dropped when read and written back (nested dicts and lists too)."""
    if isinstance(answer, dict):
        return [problem for key, value in answer.items() for problem in
                ([f"{path}{key}"] if key not in known else unknown_keys(value, known[key], f"{path}{key}."))]
    if isinstance(answer, list):
        return [p for index, item in enumerate(answer) for p in unknown_keys(item, known[index], f"{path}{index}.")]
    return []


def wrong_types(value: Any, hint: Any, path: str) -> list[str]:
    if value is None:
        return []
    if typing.get_origin(hint) in (list, typing.List):      # noqa: UP006 (the SDK spells it List)
        (item,) = typing.get_args(hint) or (Any,)
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__}, not a list"]
        return [p for index, element in enumerate(value) for p in wrong_types(element, item, f"{path}.{index}")]
    if isinstance(hint, type) and issubclass(hint, DaraModel):
        return [p for name, inner in model_hints(hint).items() for p in wrong_types(getattr(value, name), inner,
                                                                                      f"{path}.{name}")]
    expected = {int: (int,), str: (str,), bool: (bool,), float: (int, float)}.get(hint)
    if expected is None:
        return []
    if not isinstance(value, expected) or (hint is int and isinstance(value, bool)):
        return [f"{path}: {type(value).__name__}, the model says {hint.__name__}"]
    return []


def every_action_once(fake: FakeCas, client: Client) -> None:
    """Drive each action through the SDK method named after it, in states that fill their answers."""
    def call(action: str, **fields: Any) -> Any:
        return getattr(client, snake(action))(getattr(models, f"{action}Request")(**fields)).body

    contact_id = call("CreateContact", name="Han Meimei", mobile="13800000000").contact_id
    company_id = call("CreateCompany", company_name="Example Trading Co., Ltd.", country_code="CN").company_id
    instance_id = fake.add_instance(level="OV")
    call("UpdateInstance", instance_id=instance_id, domain="example.com", company_id=company_id,
         contact_id_list=[contact_id], key_algorithm="ECC_256", tags=[models.UpdateInstanceRequestTags(
             tag_key="team", tag_value="web")])
    call("ApplyCertificate", instance_id=instance_id)
    call("GetInstanceDetail", instance_id=instance_id)
    call("CancelPendingCertificate", instance_id=instance_id)
    call("ApplyCertificate", instance_id=instance_id)
    fake.dcv_passed(instance_id)
    cert_id = fake.issue(instance_id)
    call("GetInstanceDetail", instance_id=instance_id)
    call("ListInstances")
    call("GetUserCertificateDetail", cert_id=cert_id)
    call("RevokeCertificate", instance_id=instance_id, certificate_id=cert_id)
    for validate_type in ("DNS", "FILE"):
        order_id = fake.add_resource_order()
        call("CreateCertificateForPackageRequest", product_code="symantec-dv-1-starter", domain="example.com",
             validate_type=validate_type)
        call("DescribeCertificateState", order_id=order_id)
    call("CancelOrderRequest", order_id=order_id)
    call("CreateCertificateForPackageRequest", product_code="symantec-dv-1-starter", domain="example.com")
    fake.dcv_passed(order_id)
    fake.issue(order_id)
    call("DescribeCertificateState", order_id=order_id)
    renewal_unit = fake.add_resource_order()
    renewed = call("RenewCertificateOrderForPackageRequest", order_id=order_id, csr=csr_for(["example.com"])[1])
    assert renewed.order_id == renewal_unit
    call("DescribePackageState", product_code="symantec-dv-1-starter")
    for order_type in ("CPACK", "CERT"):
        call("ListUserCertificateOrder", order_type=order_type)


def test_every_answer_parses_with_the_sdk_model_and_uses_only_its_fields(fake, client):
    every_action_once(fake, client)
    assert {c.action for c in fake.calls if c.status == 200} == set(ACTIONS)
    problems = []
    for call in fake.calls:
        body_model = getattr(models, f"{call.action}ResponseBody")
        parsed = body_model().from_map(call.response)
        problems += [f"{call.action}: unknown {key}" for key in unknown_keys(call.response, parsed.to_map(), "")]
        problems += [f"{call.action}: {p}" for p in wrong_types(parsed, body_model, call.action)]
        assert call.response["RequestId"] == call.request_id
    assert problems == []


def test_the_drift_checks_see_an_unknown_field_and_a_wrong_type():
    answer = {"RequestId": "R", "CertificateId": "14000001",
              "DomainValidationList": [{"Domain": "example.com", "RecordDomain": "_dnsauth"}]}
    parsed = models.GetInstanceDetailResponseBody().from_map(answer)
    assert unknown_keys(answer, parsed.to_map(), "") == ["DomainValidationList.0.RecordDomain"]
    assert wrong_types(parsed, models.GetInstanceDetailResponseBody, "X") == \
        ["X.certificate_id: str, the model says int"]


def test_every_action_the_fake_serves_is_an_sdk_client_method_with_its_models():
    for action in ACTIONS:
        assert callable(getattr(Client, snake(action), None)), action
        assert callable(getattr(Client, f"{snake(action)}_with_options", None)), action
        assert issubclass(getattr(models, f"{action}Request"), DaraModel)
        assert issubclass(getattr(models, f"{action}ResponseBody"), DaraModel)
    assert len(ACTIONS) == 15
