"""The sandbox CA's review lifecycle: re-checks on receipt, domain validation, timed review, withdraw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certwizard.ca.base import AuthorityError, SubmissionRequest
from certwizard.ca.sandbox import ReviewSpeed, SandboxAuthority
from certwizard.domain.models import Applicant, Application, Company, Document, Location, ManualCsr
from certwizard.domain.products import get_product
from certwizard.domain.status import OrderStatus


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def _csr(domains):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, domains[0])]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in domains]), critical=False)
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM).decode()


APPLICANT = Applicant(name="Li Lei", phone="+8613800138000", email="lilei@example.com", id_number="X1234567")
COMPANY = Company(name="Example Ltd", company_type="private", phone="+8657185022088", organization_id="9133ABC",
                  location=Location(country="CN", province="CN-ZJ", city="Hangzhou"), address="969 West Wenyi Rd",
                  zip_code="311121")
DOCUMENT = Document(display_name="letter.jpg", stored_name="x.jpg", kind="JPEG", size=1000, width=800, height=600,
                    sha256="0" * 64)


def _request(product_id, domains, company=None, documents=()):
    csr = _csr(domains)
    application = Application(domains=domains, applicant=APPLICANT, company=company,
                              csr=ManualCsr(csr_pem=csr), documents=list(documents))
    return SubmissionRequest("ord-1", get_product(product_id), application, csr)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def authority(tmp_path, clock):
    return SandboxAuthority(tmp_path / "ca", speed=ReviewSpeed.FAST, now=clock)


def test_dv_asks_for_domain_validation_then_issues_after_the_review_time(authority, clock):
    state = authority.submit(_request("dv-wildcard", ["*.example.com"]))
    assert state.status is OrderStatus.DOMAIN_VERIFICATION
    assert [v.domain for v in state.domain_validations] == ["example.com"]
    validation = state.domain_validations[0]
    assert validation.dns_name == "_dnsauth.example.com" and validation.dns_type == "TXT"
    # Baseline Requirements 3.2.2.4.18/.19: a file on a web server cannot prove control of a wildcard.
    assert (validation.file_url, validation.file_path, validation.file_content) == ("", "", "")
    assert state.expected_issuance_at == clock.now + timedelta(seconds=5)

    assert authority.status(state.authority_ref).status is OrderStatus.DOMAIN_VERIFICATION
    state = authority.confirm_domain_validation(state.authority_ref)
    assert state.status is OrderStatus.UNDER_REVIEW
    clock.advance(seconds=4)
    assert authority.status(state.authority_ref).status is OrderStatus.UNDER_REVIEW
    clock.advance(seconds=2)
    issued = authority.status(state.authority_ref)
    assert issued.status is OrderStatus.ISSUED
    cert = x509.load_pem_x509_certificate(issued.certificate.certificate_pem.encode())
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName) == ["*.example.com"]
    assert (issued.certificate.not_after - issued.certificate.not_before).days < 200


def test_a_plain_name_may_be_proven_by_dns_or_by_a_file(authority):
    state = authority.submit(_request("dv-single", ["www.example.com"]))
    (validation,) = state.domain_validations
    assert validation.file_url == "http://www.example.com/.well-known/pki-validation/fileauth.txt"
    assert validation.file_content == validation.dns_value


def test_wildcards_are_proven_by_dns_only_and_plain_names_beside_them_by_either(authority):
    state = authority.submit(_request("ov-multi-wildcard", ["*.example.com", "www.example.org", "example.net",
                                                            "*.example.net"], COMPANY, [DOCUMENT]))
    by_domain = {v.domain: v for v in state.domain_validations}
    assert list(by_domain) == ["example.com", "www.example.org", "example.net"]
    assert by_domain["example.com"].file_url == "" and by_domain["example.com"].dns_value
    # example.net is bound itself, but its proof also covers *.example.net, so it must be the DNS record.
    assert by_domain["example.net"].file_url == "" and by_domain["example.net"].dns_value
    assert by_domain["www.example.org"].file_url.startswith("http://www.example.org/")


@pytest.mark.parametrize("product_id", ["ov-single", "ev-single"])
def test_ov_and_ev_prove_the_domain_like_dv_then_review_longer(authority, clock, product_id):
    state = authority.submit(_request(product_id, ["shop.example.com"], COMPANY, [DOCUMENT]))
    assert state.status is OrderStatus.DOMAIN_VERIFICATION
    assert [v.domain for v in state.domain_validations] == ["shop.example.com"]
    clock.advance(hours=1)      # no review clock runs before the domain is proven
    assert authority.status(state.authority_ref).status is OrderStatus.DOMAIN_VERIFICATION
    state = authority.confirm_domain_validation(state.authority_ref)
    review = {"ov-single": 20, "ev-single": 30}[product_id]
    assert state.status is OrderStatus.UNDER_REVIEW
    assert state.expected_issuance_at == clock.now + timedelta(seconds=review)
    clock.advance(seconds=review + 1)
    issued = authority.status(state.authority_ref)
    cert = x509.load_pem_x509_certificate(issued.certificate.certificate_pem.encode())
    assert cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == "Example Ltd"


def test_the_ov_subject_names_the_province_not_its_iso_code(authority, clock):
    state = authority.submit(_request("ov-single", ["shop.example.com"], COMPANY, [DOCUMENT]))
    authority.confirm_domain_validation(state.authority_ref)
    clock.advance(minutes=1)
    cert = x509.load_pem_x509_certificate(
        authority.status(state.authority_ref).certificate.certificate_pem.encode())
    subject = {a.oid: a.value for a in cert.subject}
    assert subject[x509.NameOID.STATE_OR_PROVINCE_NAME] == "Zhejiang Sheng"    # ISO 3166-2 name of CN-ZJ
    assert subject[x509.NameOID.COUNTRY_NAME] == "CN" and subject[x509.NameOID.LOCALITY_NAME] == "Hangzhou"


def test_an_application_recorded_with_the_iso_code_is_issued_with_the_name(tmp_path, clock):
    """Ledgers written before the fix hold ST as 'CN-ZJ'; the certificate still gets the province's name."""
    import json

    authority = SandboxAuthority(tmp_path / "ca", speed=ReviewSpeed.FAST, now=clock)
    state = authority.submit(_request("ov-single", ["shop.example.com"], COMPANY, [DOCUMENT]))
    ledger_path = tmp_path / "ca" / "ledger" / "ledger.json"
    ledger = json.loads(ledger_path.read_text())
    ledger[state.authority_ref]["organization"]["state"] = "CN-ZJ"
    ledger_path.write_text(json.dumps(ledger))
    authority.confirm_domain_validation(state.authority_ref)
    clock.advance(minutes=1)
    cert = x509.load_pem_x509_certificate(
        authority.status(state.authority_ref).certificate.certificate_pem.encode())
    (state,) = cert.subject.get_attributes_for_oid(x509.NameOID.STATE_OR_PROVINCE_NAME)
    assert state.value == "Zhejiang Sheng"


def test_professional_application_without_documents_fails_at_once_with_the_reason(authority):
    state = authority.submit(_request("ov-single", ["shop.example.com"], COMPANY))
    assert state.status is OrderStatus.REVIEW_FAILED
    assert "qualification document" in state.reason


def test_csr_not_matching_the_domains_fails_review_with_the_linter_reason(authority):
    request = _request("dv-single", ["www.example.com"])
    wrong = SubmissionRequest(request.order_id, request.product,
                              request.application.model_copy(update={"domains": ["api.example.com"]}),
                              request.csr_pem)
    state = authority.submit(wrong)
    assert state.status is OrderStatus.REVIEW_FAILED and "CSR:" in state.reason


def test_review_fail_trigger(authority, clock):
    state = authority.submit(_request("ov-single", ["review-fail.example.com"], COMPANY, [DOCUMENT]))
    authority.confirm_domain_validation(state.authority_ref)
    clock.advance(minutes=1)
    failed = authority.status(state.authority_ref)
    assert failed.status is OrderStatus.REVIEW_FAILED and "phone" in failed.reason


def test_withdraw_before_issuance_only(authority, clock):
    state = authority.submit(_request("ov-single", ["shop.example.com"], COMPANY, [DOCUMENT]))
    assert authority.withdraw(state.authority_ref).status is OrderStatus.DRAFT
    state = authority.submit(_request("ov-single", ["shop.example.com"], COMPANY, [DOCUMENT]))
    authority.confirm_domain_validation(state.authority_ref)
    clock.advance(minutes=1)
    with pytest.raises(AuthorityError, match="already been issued"):
        authority.withdraw(state.authority_ref)


def test_realistic_speed_uses_the_products_review_time():
    assert ReviewSpeed.REALISTIC.review_time(get_product("ov-single")) == timedelta(hours=168)
    assert ReviewSpeed.REALISTIC.review_time(get_product("dv-single")) == timedelta(minutes=15)
    assert ReviewSpeed.INSTANT.review_time(get_product("ev-single")) == timedelta(0)


def test_ledger_survives_a_new_authority_object(tmp_path, clock):
    first = SandboxAuthority(tmp_path / "ca", speed=ReviewSpeed.FAST, now=clock)
    state = first.submit(_request("dv-single", ["www.example.com"]))
    second = SandboxAuthority(tmp_path / "ca", speed=ReviewSpeed.FAST, now=clock)
    assert second.status(state.authority_ref).status is OrderStatus.DOMAIN_VERIFICATION
    with pytest.raises(AuthorityError, match="no application"):
        second.status("sbx-missing")


@pytest.mark.parametrize("product_id, oid", [("dv-single", "2.23.140.1.2.1"), ("ov-single", "2.23.140.1.2.2"),
                                             ("ev-single", "2.23.140.1.1")])
def test_certificates_carry_the_policy_oid_of_their_product(authority, clock, product_id, oid):
    company, documents = (COMPANY, [DOCUMENT]) if product_id != "dv-single" else (None, [])
    state = authority.submit(_request(product_id, ["shop.example.com"], company, documents))
    authority.confirm_domain_validation(state.authority_ref)
    clock.advance(minutes=1)
    cert = x509.load_pem_x509_certificate(
        authority.status(state.authority_ref).certificate.certificate_pem.encode())
    policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert [p.policy_identifier.dotted_string for p in policies] == [oid]
    assert cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    assert authority.pki.crl_path.is_file()      # published in the sandbox's data folder
