"""`import`: certificates issued elsewhere (by a second, real sandbox PKI standing in for another CA) tracked as
issued orders: expiry at a pinned clock, the key checked and kept 0600, duplicates, products and renewal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certwizard.ca.base import AuthorityError
from certwizard.ca.sandbox_pki import SandboxPKI
from certwizard.crypto.keys import encrypt_pkcs8, load_private_key
from certwizard.domain.expiry import RenewalSource
from certwizard.domain.models import ApplicationDraft
from certwizard.domain.products import IMPORTED
from certwizard.domain.status import OrderStatus
from certwizard.services.importing import (
    ImportApplicationError,
    ImportRefusedError,
    ImportRequest,
    import_certificate,
)
from certwizard.services.issued import KeyState, check_stored_key
from certwizard.services.validation import validate_draft
from tests.factories import VALID_APPLICANT, manual_csr, mode_of

ISSUED_ON = datetime(2026, 1, 10, tzinfo=UTC)
PASSPHRASE = b"copper kettle 19"


def key_pem(key, passphrase: bytes | None = None) -> bytes:
    if passphrase is not None:
        return encrypt_pkcs8(key, passphrase)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class Elsewhere:
    """Another CA (a real sandbox PKI in its own folder) and the files it hands out."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pki = SandboxPKI(folder / "ca").ensure()

    def issue(self, domains: list[str], days: int = 90, not_before: datetime = ISSUED_ON, name: str = "site"):
        key, csr = manual_csr(domains)
        bundle = self.pki.issue(csr, domains, days, not_before=not_before)
        cert = self.folder / f"{name}.crt.pem"
        cert.write_text(bundle.certificate_pem)
        chain = self.folder / f"{name}.chain.pem"
        chain.write_text(bundle.chain_pem)
        key_file = self.folder / f"{name}.key.pem"
        key_file.write_bytes(key_pem(key))
        return cert, chain, key_file, key, bundle


@pytest.fixture
def elsewhere(tmp_path):
    return Elsewhere(tmp_path / "elsewhere")


def orders(services):
    return services.workflow.orders()


def test_a_certificate_with_chain_and_key_is_tracked_with_its_expiry_at_a_pinned_clock(services, elsewhere):
    cert, chain, key_file, key, bundle = elsewhere.issue(["www.example.com", "example.com"], days=90)
    result = import_certificate(services.workflow, ImportRequest(cert, key=key_file, chain=chain))
    order = services.workflow.order(result.order.id)

    assert order.status is OrderStatus.ISSUED and order.product_id == IMPORTED.id
    assert order.certificate.serial == bundle.serial_hex
    assert (order.certificate.not_before, order.certificate.not_after) == (bundle.not_before, bundle.not_after)
    assert order.certificate.chain_pem == bundle.chain_pem
    assert order.bound_domains == ["www.example.com", "example.com"]
    assert order.history[-1].event == f"imported from {cert.absolute()}"
    lifetime = bundle.not_after - bundle.not_before
    assert order.renewal == (bundle.not_before + lifetime * 2 / 3, RenewalSource.LIFETIME)
    assert order.status_at(ISSUED_ON + timedelta(days=59)) is OrderStatus.ISSUED
    assert order.status_at(ISSUED_ON + timedelta(days=61)) is OrderStatus.EXPIRING_SOON
    assert order.status_at(bundle.not_after + timedelta(seconds=1)) is OrderStatus.EXPIRED
    # The key: a new 0600 file in the 0700 keys folder that holds the certificate's key, never in TinyDB.
    stored = Path(order.key.path)
    assert stored.parent == services.layout.keys_dir and stored != key_file
    assert mode_of(stored) == 0o600 and mode_of(stored.parent) == 0o700
    assert load_private_key(stored).private_numbers() == key.private_numbers()
    assert check_stored_key(order).state is KeyState.MATCHES
    secret_line = key_pem(key).decode().splitlines()[1]
    assert secret_line not in services.layout.database.read_text()


def test_the_chain_and_even_the_key_may_follow_the_certificate_in_one_file(services, elsewhere):
    cert, chain, key_file, _, bundle = elsewhere.issue(["one.example.com"])
    bundle_file = elsewhere.folder / "all-in-one.pem"
    bundle_file.write_bytes(chain.read_bytes() + cert.read_bytes() + key_file.read_bytes())   # leaf found anyway
    order = import_certificate(services.workflow, ImportRequest(bundle_file)).order
    assert order.certificate.serial == bundle.serial_hex and order.certificate.chain_pem == bundle.chain_pem
    assert check_stored_key(order).state is KeyState.MATCHES


def test_a_der_certificate_is_accepted(services, elsewhere):
    cert, *_ = elsewhere.issue(["der.example.com"])
    der = elsewhere.folder / "site.der"
    der.write_bytes(x509.load_pem_x509_certificate(cert.read_bytes()).public_bytes(serialization.Encoding.DER))
    order = import_certificate(services.workflow, ImportRequest(der)).order
    assert order.bound_domains == ["der.example.com"] and order.key is None


def test_a_key_that_is_not_the_certificates_is_refused_and_nothing_is_kept(services, elsewhere):
    cert, _, _, _, _ = elsewhere.issue(["www.example.com"])
    other = elsewhere.folder / "other.key.pem"
    other.write_bytes(key_pem(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(ImportRefusedError, match="is not the certificate's key") as refused:
        import_certificate(services.workflow, ImportRequest(cert, key=other))
    assert "SPKI SHA-256" in str(refused.value) and "leave --key out" in str(refused.value)
    assert orders(services) == [] and list(services.layout.keys_dir.iterdir()) == []


def test_an_encrypted_key_needs_its_passphrase_and_stays_encrypted(services, elsewhere):
    cert, _, key_file, key, _ = elsewhere.issue(["secure.example.com"])
    key_file.write_bytes(key_pem(key, PASSPHRASE))
    with pytest.raises(ImportRefusedError, match="is encrypted: .*--passphrase-file FILE"):
        import_certificate(services.workflow, ImportRequest(cert, key=key_file))
    with pytest.raises(ImportRefusedError, match="passphrase .* is wrong"):
        import_certificate(services.workflow, ImportRequest(cert, key=key_file, passphrase=b"wrong"))
    assert orders(services) == []

    order = import_certificate(services.workflow, ImportRequest(cert, key=key_file, passphrase=PASSPHRASE)).order
    stored = Path(order.key.path)
    assert order.key.encrypted and b"ENCRYPTED PRIVATE KEY" in stored.read_bytes()
    assert load_private_key(stored, PASSPHRASE).private_numbers() == key.private_numbers()
    assert check_stored_key(order, passphrase=PASSPHRASE).state is KeyState.MATCHES


def test_a_passphrase_for_a_plain_key_is_refused(services, elsewhere):
    cert, _, key_file, _, _ = elsewhere.issue(["plain.example.com"])
    with pytest.raises(ImportRefusedError, match="not encrypted: leave --passphrase-file out"):
        import_certificate(services.workflow, ImportRequest(cert, key=key_file, passphrase=PASSPHRASE))


def test_the_same_certificate_twice_is_refused_naming_the_order(services, elsewhere):
    cert, chain, key_file, _, _ = elsewhere.issue(["www.example.com"])
    first = import_certificate(services.workflow, ImportRequest(cert)).order
    with pytest.raises(ImportRefusedError, match=f"already tracked as {first.id}.*certwizard show {first.id}"):
        import_certificate(services.workflow, ImportRequest(cert, key=key_file, chain=chain))
    assert [o.id for o in orders(services)] == [first.id]
    assert list(services.layout.keys_dir.iterdir()) == []      # the refused import's key copy is not left


@pytest.mark.parametrize("content, expected", [
    (b"", "holds nothing"),
    (b"\x00\x01garbage that is no certificate", "holds no certificate"),
    (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "damaged certificate"),
])
def test_what_is_not_a_certificate_is_refused_with_what_is_accepted(services, tmp_path, content, expected):
    path = tmp_path / "input.pem"
    path.write_bytes(content)
    with pytest.raises(ImportRefusedError, match=expected) as refused:
        import_certificate(services.workflow, ImportRequest(path))
    assert "-----BEGIN CERTIFICATE-----" in str(refused.value)


def test_a_csr_or_a_key_alone_is_refused_for_what_it_is(services, tmp_path):
    key, csr = manual_csr(["www.example.com"])
    (tmp_path / "request.csr").write_text(csr)
    (tmp_path / "only.key").write_bytes(key_pem(key))
    with pytest.raises(ImportRefusedError, match="certificate request"):
        import_certificate(services.workflow, ImportRequest(tmp_path / "request.csr"))
    with pytest.raises(ImportRefusedError, match="private key only .*--key"):
        import_certificate(services.workflow, ImportRequest(tmp_path / "only.key"))


def test_a_ca_certificate_is_refused(services, elsewhere):
    with pytest.raises(ImportRefusedError, match="only CA certificates .*server's certificate"):
        import_certificate(services.workflow, ImportRequest(elsewhere.pki.root_pem_path))
    cert, *_ = elsewhere.issue(["www.example.com"])
    another, *_ = elsewhere.issue(["api.example.com"], name="another")
    with pytest.raises(ImportRefusedError, match="chain file .* not a CA"):
        import_certificate(services.workflow, ImportRequest(cert, chain=another))


def test_a_file_too_big_is_refused_without_reading_it_all(services, tmp_path):
    path = tmp_path / "huge.pem"
    path.write_bytes(b"A" * (300 * 1024))
    with pytest.raises(ImportRefusedError, match="larger than 256 KB"):
        import_certificate(services.workflow, ImportRequest(path))


# --- products and renewal -------------------------------------------------------------------------------------

def test_without_a_product_it_is_tracked_but_says_plainly_it_cannot_be_renewed(services, elsewhere):
    cert, *_ = elsewhere.issue(["www.example.com"])
    result = import_certificate(services.workflow, ImportRequest(cert))
    assert not result.renewable
    assert "not renewable here" in result.order.status_reason and "--product" in result.order.status_reason
    with pytest.raises(AuthorityError, match="imported without a product.*import it again with --product"):
        services.workflow.authority_of(result.order)
    assert services.authorities.find(result.order.authority) is None


def test_with_a_sandbox_product_the_order_has_a_valid_application_for_its_authority(services, elsewhere):
    cert, chain, key_file, _, _ = elsewhere.issue(["www.example.com", "api.example.com"])
    applicant = ApplicationDraft(**VALID_APPLICANT)
    result = import_certificate(services.workflow, ImportRequest(cert, key=key_file, chain=chain,
                                                                 product_id="dv-multi", draft=applicant))
    order = services.workflow.order(result.order.id)
    assert result.renewable and order.product_id == "dv-multi" and order.status_reason == ""
    assert services.workflow.authority_of(order).products    # the product's own authority serves it
    application = order.application
    assert application.domains == ["www.example.com", "api.example.com"]
    assert application.csr.mode == "automatic" and application.csr.key_algorithm == "ec-p256"
    assert application.applicant.name == "Li Lei" and application.validation.method == "dns"
    # What the renewal submits validates as it stands, and gives the same application.
    validation = services.workflow.validate(order, for_submission=True)
    assert validation.ok, validation.errors
    assert validation.application == application
    assert validate_draft(order.product, order.draft).application == application


def test_the_validation_plan_is_taken_and_checked(services, elsewhere, tmp_path):
    cert, *_ = elsewhere.issue(["www.example.com"])
    webroot = tmp_path / "www"
    webroot.mkdir()
    draft = ApplicationDraft(**VALID_APPLICANT)
    with pytest.raises(ImportApplicationError) as refused:
        import_certificate(services.workflow, ImportRequest(cert, product_id="dv-single", draft=draft,
                                                            method="http", webroot="relative/www"))
    assert "validation_webroot" in refused.value.errors
    order = import_certificate(services.workflow, ImportRequest(cert, product_id="dv-single", draft=draft,
                                                                method="http", webroot=str(webroot))).order
    assert (order.application.validation.method, order.application.validation.webroot) == ("http", str(webroot))


def test_names_that_do_not_fit_the_product_are_refused_saying_what_does_not(services, elsewhere):
    cert, *_ = elsewhere.issue(["www.example.com", "api.example.com"])
    with pytest.raises(ImportRefusedError, match="do not fit Basic DV \\(dv-single\\): .*exactly one name"):
        import_certificate(services.workflow, ImportRequest(cert, product_id="dv-single",
                                                            draft=ApplicationDraft(**VALID_APPLICANT)))
    assert orders(services) == []


def test_a_product_that_asks_for_the_applicant_says_so_field_by_field(services, elsewhere):
    cert, *_ = elsewhere.issue(["www.example.com"])
    with pytest.raises(ImportApplicationError, match="--from FILE") as refused:
        import_certificate(services.workflow, ImportRequest(cert, product_id="dv-single"))
    assert {"applicant_name", "applicant_email"} <= set(refused.value.errors)


def test_a_product_no_authority_here_offers_is_refused(services, elsewhere):
    cert, *_ = elsewhere.issue(["www.example.com"])
    with pytest.raises(ImportRefusedError, match="acme:gone, which is not configured"):
        import_certificate(services.workflow, ImportRequest(cert, product_id="acme:gone:dv-single"))
    with pytest.raises(ImportRefusedError, match="unknown product"):
        import_certificate(services.workflow, ImportRequest(cert, product_id="no-such-product"))


def test_importing_again_with_a_product_makes_the_tracked_order_renewable(services, elsewhere):
    cert, chain, key_file, _, _ = elsewhere.issue(["www.example.com"])
    tracked = import_certificate(services.workflow, ImportRequest(cert)).order
    result = import_certificate(services.workflow, ImportRequest(cert, key=key_file, chain=chain,
                                                                 product_id="dv-single",
                                                                 draft=ApplicationDraft(**VALID_APPLICANT)))
    assert result.adopted and result.order.id == tracked.id
    order = services.workflow.order(tracked.id)
    assert (order.product_id, order.authority, order.status_reason) == ("dv-single", "sandbox", "")
    assert check_stored_key(order).state is KeyState.MATCHES and order.certificate.chain_pem
    assert [o.id for o in orders(services)] == [tracked.id]
    with pytest.raises(ImportRefusedError, match=f"already tracked as {tracked.id}"):
        import_certificate(services.workflow, ImportRequest(cert, product_id="dv-single",
                                                            draft=ApplicationDraft(**VALID_APPLICANT)))


def test_an_expired_certificate_is_tracked_as_expired(services, elsewhere):
    cert, *_ = elsewhere.issue(["old.example.com"], days=30, not_before=datetime(2020, 1, 1, tzinfo=UTC))
    result = import_certificate(services.workflow, ImportRequest(cert))
    assert any("expired on 2020-01-30" in note for note in result.notes)
    assert result.order.status_at(datetime.now(UTC)) is OrderStatus.EXPIRED
    (summary,) = services.workflow.summaries()     # the order index, which the lists read
    assert (summary.product_id, summary.domains, summary.renew_source) == (IMPORTED.id, ("old.example.com",),
                                                                          "lifetime")
    assert summary.expires.startswith("2020-01-30")
