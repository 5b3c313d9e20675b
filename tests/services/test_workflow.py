"""The whole application path through the workflow services, on a real data folder and the sandbox CA."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certwizard.ca.base import AuthorityError
from certwizard.documents.images import inspect_document
from certwizard.domain.models import CsrMode, ProfileKind
from certwizard.domain.status import IllegalTransitionError, OrderStatus
from certwizard.services.workflow import ApplicationInvalidError, NotEditableError
from tests.factories import VALID_COMPANY, manual_csr, valid_draft


def _draft_order(services, product_id, draft):
    order = services.workflow.open_application(services.workflow.add_purchased(product_id)[0].id)
    return services.workflow.save_draft(order, draft)


def test_dv_automatic_application_is_verified_issued_and_matches_its_key(services):
    workflow = services.workflow
    order = _draft_order(services, "dv-multi", valid_draft("www.example.com, api.example.com"))
    assert order.status is OrderStatus.DRAFT
    steps = []
    order = workflow.submit(order.id, progress=steps.append)
    assert order.status is OrderStatus.DOMAIN_VERIFICATION
    assert "Generating an ECDSA P-256 private key on this server" in steps
    assert [v.domain for v in order.domain_validations] == ["www.example.com", "api.example.com"]
    assert order.domain_validations[0].dns_name == "_dnsauth.www.example.com"
    key_path = order.key.path
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(key_path)).st_mode) == 0o700

    order = workflow.confirm_domain_validation(order.id)
    assert order.status in (OrderStatus.UNDER_REVIEW, OrderStatus.ISSUED)
    confirmed = [v.confirmed_at for v in order.domain_validations]
    assert all(confirmed)
    changes = workflow.refresh()
    order = workflow.order(order.id)
    assert order.status is OrderStatus.ISSUED, changes
    assert [v.confirmed_at for v in order.domain_validations] == confirmed     # kept through later updates
    cert = x509.load_pem_x509_certificate(order.certificate.certificate_pem.encode())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["www.example.com", "api.example.com"]
    key = serialization.load_pem_private_key(open(key_path, "rb").read(), None)
    assert cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo) == \
        key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    raw = services.layout.database.read_text()
    assert "PRIVATE KEY" not in raw


def test_ov_needs_documents_and_domain_validation_then_review(services, stamped_letter):
    workflow = services.workflow
    order = _draft_order(services, "ov-single", valid_draft("shop.example.com", professional=True))
    with pytest.raises(ApplicationInvalidError) as info:
        workflow.submit(order.id)
    assert set(info.value.errors) == {"documents"}
    order = workflow.attach_document(workflow.order(order.id), inspect_document(stamped_letter), "letter.jpg")
    order = workflow.submit(order.id)
    assert order.status is OrderStatus.DOMAIN_VERIFICATION
    assert [v.domain for v in order.domain_validations] == ["shop.example.com"]
    order = workflow.confirm_domain_validation(order.id)
    assert order.status is OrderStatus.ISSUED or order.status is OrderStatus.UNDER_REVIEW
    workflow.refresh()
    order = workflow.order(order.id)
    assert order.status is OrderStatus.ISSUED
    cert = x509.load_pem_x509_certificate(order.certificate.certificate_pem.encode())
    assert cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == VALID_COMPANY[
        "company_name"]


def test_manual_csr_is_checked_then_issued_for_that_key(services):
    key, pem = manual_csr(["www.example.org"])
    workflow = services.workflow
    order = _draft_order(services, "dv-single", valid_draft("www.example.org", csr_mode=CsrMode.MANUAL.value,
                                                             csr_pem=pem))
    order = workflow.submit(order.id)
    assert order.key is None and order.csr_pem.startswith("-----BEGIN CERTIFICATE REQUEST")
    workflow.confirm_domain_validation(order.id)
    workflow.refresh()
    cert = x509.load_pem_x509_certificate(workflow.order(order.id).certificate.certificate_pem.encode())
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()


def _how_to_csr(tmp_path, common_name):
    """The standard how-to's CSR, by its own command: subject only, no subjectAltName."""
    subprocess.run(["openssl", "req", "-new", "-nodes", "-sha256", "-newkey", "rsa:2048", "-keyout",
                    str(tmp_path / "server.key"), "-out", str(tmp_path / "server.csr"), "-subj",
                    f"/C=CN/ST=Zhejiang/L=Hangzhou/O=Example Ltd/CN={common_name}"], check=True,
                   capture_output=True)
    return (tmp_path / "server.csr").read_text()


def test_a_cn_only_csr_is_accepted_and_the_certificate_names_every_bound_domain(services, tmp_path):
    workflow = services.workflow
    domains = "www.example.com, example.com, mail.example.com"
    order = _draft_order(services, "dv-multi", valid_draft(domains, csr_mode=CsrMode.MANUAL.value,
                                                           csr_pem=_how_to_csr(tmp_path, "www.example.com")))
    validation = workflow.validate(order)          # what F8 and Submit decide with: the sandbox's rule
    assert validation.ok, validation.errors
    assert [n.code for n in validation.csr_report.notes] == ["cn-only", "names-added"]
    order = workflow.submit(order.id)
    assert order.status is OrderStatus.DOMAIN_VERIFICATION    # the sandbox's own re-check accepts it too
    workflow.confirm_domain_validation(order.id)
    workflow.refresh()
    cert = x509.load_pem_x509_certificate(workflow.order(order.id).certificate.certificate_pem.encode())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["www.example.com", "example.com", "mail.example.com"]


def test_the_name_rule_is_the_authoritys(services, tmp_path, monkeypatch):
    """An authority that wants exactly the bound names (ACME) refuses the same CSR at the field."""
    from certwizard.ca.sandbox import SandboxAuthority
    from certwizard.domain.csr_names import CsrNameRule

    workflow = services.workflow
    order = _draft_order(services, "dv-multi", valid_draft("www.example.com, example.com", csr_mode="manual",
                                                           csr_pem=_how_to_csr(tmp_path, "www.example.com")))
    assert workflow.csr_name_rule(order) is CsrNameRule.FROM_ORDER and workflow.validate(order).ok
    monkeypatch.setattr(SandboxAuthority, "csr_name_rule", CsrNameRule.EXACT)
    errors = workflow.validate(order).errors
    assert set(errors) == {"csr_pem"} and "does not contain example.com" in errors["csr_pem"]


def test_manual_csr_for_other_domains_is_refused_at_the_field(services):
    _, pem = manual_csr(["other.example.org"])
    order = _draft_order(services, "dv-single", valid_draft("www.example.org", csr_mode="manual", csr_pem=pem))
    with pytest.raises(ApplicationInvalidError) as info:
        services.workflow.submit(order.id)
    assert "csr_pem" in info.value.errors and "other.example.org" in info.value.errors["csr_pem"]


def test_withdraw_keeps_everything_and_allows_modify_and_resubmit(services):
    workflow = services.workflow
    order = workflow.submit(_draft_order(services, "dv-single", valid_draft("www.example.net")).id)
    order = workflow.withdraw(order.id)
    assert order.status is OrderStatus.DRAFT
    assert order.draft.domains == "www.example.net" and order.draft.applicant_name == "Li Lei"
    order = workflow.save_draft(order, order.draft.filled(domains="mail.example.net"))
    order = workflow.submit(order.id)
    assert order.status is OrderStatus.DOMAIN_VERIFICATION and order.bound_domains == ["mail.example.net"]
    assert [h.event for h in order.history].count("submitted") == 2


def test_withdraw_after_issuance_is_refused_and_the_certificate_kept(services):
    workflow = services.workflow
    order = workflow.submit(_draft_order(services, "dv-single", valid_draft("www.example.net")).id)
    workflow.confirm_domain_validation(order.id)
    workflow.refresh()
    with pytest.raises(IllegalTransitionError, match="already issued"):
        workflow.withdraw(order.id)
    assert workflow.order(order.id).certificate is not None


def test_submitted_application_cannot_be_edited(services):
    workflow = services.workflow
    order = workflow.submit(_draft_order(services, "dv-single", valid_draft()).id)
    with pytest.raises(NotEditableError, match="withdraw"):
        workflow.save_draft(order, order.draft.filled(domains="x.example.com"))


def test_review_fail_trigger_gives_a_reason_and_withdraw_returns_to_draft(services, stamped_letter):
    workflow = services.workflow
    order = _draft_order(services, "ov-single", valid_draft("review-fail.example.com", professional=True))
    order = workflow.attach_document(order, inspect_document(stamped_letter), "letter.jpg")
    workflow.submit(order.id)
    workflow.confirm_domain_validation(order.id)
    workflow.refresh()
    order = workflow.order(order.id)
    assert order.status is OrderStatus.REVIEW_FAILED and "company phone" in order.status_reason
    assert workflow.withdraw(order.id).status is OrderStatus.DRAFT


def test_encrypted_key_needs_a_passphrase_and_opens_with_openssl(services):
    workflow = services.workflow
    order = _draft_order(services, "dv-single", valid_draft(encrypt_key=True))
    with pytest.raises(ApplicationInvalidError) as info:
        workflow.submit(order.id)
    assert "passphrase" in info.value.errors
    order = workflow.submit(order.id, passphrase=b"correct horse battery")
    assert order.key.encrypted
    out = subprocess.run(["openssl", "pkey", "-in", order.key.path, "-passin", "pass:correct horse battery",
                          "-noout"], capture_output=True)
    assert out.returncode == 0, out.stderr


def test_profiles_are_saved_and_fill_a_new_draft(services):
    workflow = services.workflow
    draft = valid_draft(professional=True)
    saved = workflow.save_profiles(draft, "Example Networks", include_company=True)
    assert {p.kind for p in saved} == {ProfileKind.APPLICANT, ProfileKind.COMPANY}
    company = workflow.profiles(ProfileKind.COMPANY)[0]
    filled = workflow.apply_profile(valid_draft(domains="a.example.com").filled(applicant_name="Keep Me"), company)
    assert filled.company_name == "Example Networks Ltd" and filled.applicant_name == "Keep Me"
    with pytest.raises(ValueError, match="name"):
        workflow.save_profiles(draft, "  ", include_company=False)


def test_removing_a_document_deletes_its_stored_copy(services, stamped_letter):
    workflow = services.workflow
    order = _draft_order(services, "ov-single", valid_draft(professional=True))
    order = workflow.attach_document(order, inspect_document(stamped_letter), "letter.jpg")
    stored = services.layout.documents_dir / order.draft.documents[0].stored_name
    assert stored.exists()
    order = workflow.remove_document(order, order.draft.documents[0].id)
    assert order.draft.documents == [] and not stored.exists()


def test_unknown_authority_is_a_clear_error(services):
    with pytest.raises(AuthorityError, match="known: sandbox"):
        services.authorities.get("acme")


def test_a_ca_that_cannot_be_reached_is_reported_and_the_other_authorities_still_refresh(services):
    from certwizard.ca.acme.accounts import SETTING

    workflow = services.workflow
    services.repository.set_setting(SETTING, {"gone": {
        "name": "gone", "directory_url": "https://127.0.0.1:1/dir", "account_url": "https://127.0.0.1:1/acct/1",
        "key_file": "gone.key"}})
    [acme] = workflow.add_purchased("acme:gone:dv-single")

    def under_review(order):
        order.status, order.authority_ref = OrderStatus.UNDER_REVIEW, "https://127.0.0.1:1/order/1"
        return order
    services.repository.update_order(acme.id, under_review)
    sandbox = _draft_order(services, "dv-single", valid_draft("www.example.com"))
    workflow.confirm_domain_validation(workflow.submit(sandbox.id).id)

    report = workflow.refresh()
    assert workflow.order(sandbox.id).status is OrderStatus.ISSUED       # the sandbox's news still came
    assert list(report.failures) == ["acme:gone"] and "could not be reached" in report.failures["acme:gone"]
    assert "acme:gone could not be asked" in report.failure_message()
    assert workflow.order(acme.id).status is OrderStatus.UNDER_REVIEW    # nothing guessed
