"""The authority interface's capabilities are what the rest of certwizard uses: products, trust anchor, trust
note, help, validation methods. A second authority (a fake, registered at the edge) is served by the same code
paths as the sandbox: the real registry, repository, workflow and issued-certificate checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certwizard.ca.base import AuthorityError, ValidationMethod
from certwizard.ca.registry import KNOWN, authority_class, modules_to_warm
from certwizard.ca.sandbox import FAIL_TRIGGER_LABEL, SPEED_ENV, SandboxAuthority
from certwizard.domain.csr_names import CsrNameRule
from certwizard.domain.products import (
    CATALOG,
    DEFAULT_AUTHORITY,
    DomainType,
    Product,
    ValidationLevel,
    get_product,
    products_of,
)
from certwizard.domain.status import OrderStatus
from certwizard.services.issued import summarize_issued_orders
from tests.factories import valid_draft

FAKE = "fake-ca"
FAKE_PRODUCT = Product(id="fake-dv", name="Fake DV", brand="Fake", level=ValidationLevel.DV,
                       domain_type=DomainType.SINGLE, max_domains=1, validity_days=90, authority=FAKE)


def self_signed_root_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Fake Root")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


class FakeAuthority:
    """The capabilities, and calls that refuse: the tests below never send it an application."""

    name = FAKE
    title = "the fake CA"
    csr_name_rule = CsrNameRule.EXACT
    products = (FAKE_PRODUCT,)
    validation_methods = frozenset({ValidationMethod.DNS})
    trust_note = "issued by the fake CA"
    help_section = "# The fake CA\n\nIt only pretends."

    def __init__(self, root_pem: str | None) -> None:
        self.root_pem = root_pem
        self.anchor_asked = 0

    def trust_anchor_pem(self) -> str | None:
        self.anchor_asked += 1
        return self.root_pem

    def _closed(self, *_):
        raise AuthorityError("the fake CA takes no applications")

    submit = status = confirm_domain_validation = statuses = withdraw = _closed


def issued_order(services, domains="www.example.com"):
    """Buy, apply, submit, verify and refresh with the real sandbox; returns the issued order."""
    workflow = services.workflow
    order = workflow.open_application(workflow.add_purchased("dv-single")[0].id)
    order = workflow.save_draft(order, valid_draft(domains))
    order = workflow.submit(order.id)
    workflow.confirm_domain_validation(order.id)
    workflow.refresh()
    order = workflow.order(order.id)
    assert order.status is OrderStatus.ISSUED
    return order


# --- the sandbox states its capabilities ----------------------------------------------------------------------

SANDBOX_PRODUCTS = ["dv-single", "dv-multi", "dv-wildcard", "ov-single", "ov-multi", "ov-wildcard",
                    "ov-multi-wildcard", "ev-single", "ev-multi"]


def test_the_catalog_is_the_sandboxs_offer_and_every_product_names_a_known_authority():
    assert SandboxAuthority.products == products_of(DEFAULT_AUTHORITY)
    assert [product.id for product in SandboxAuthority.products] == SANDBOX_PRODUCTS
    assert DEFAULT_AUTHORITY == SandboxAuthority.name and DEFAULT_AUTHORITY in KNOWN
    assert all(product.authority in KNOWN for product in CATALOG.values())
    assert get_product("dv-single").authority == DEFAULT_AUTHORITY


def test_the_sandbox_offers_both_validation_methods_and_its_validations_use_only_those(services, stamped_letter):
    from certwizard.documents.images import inspect_document

    assert SandboxAuthority.validation_methods == {ValidationMethod.DNS, ValidationMethod.HTTP}
    workflow = services.workflow
    order = workflow.open_application(workflow.add_purchased("ov-multi-wildcard")[0].id)
    order = workflow.save_draft(order, valid_draft("www.example.com, *.example.org", professional=True))
    order = workflow.attach_document(order, inspect_document(stamped_letter), "letter.jpg")
    order = workflow.submit(order.id)
    by_domain = {v.domain: v for v in order.domain_validations}
    assert set(by_domain) == {"www.example.com", "example.org"}
    assert all(v.dns_type == "TXT" and v.dns_name and v.dns_value for v in by_domain.values())
    assert by_domain["www.example.com"].file_url and not by_domain["example.org"].file_url   # a wildcard: DNS


def test_the_sandboxs_trust_anchor_is_its_root_once_the_ca_exists(tmp_path):
    sandbox = SandboxAuthority(tmp_path / "ca")
    assert sandbox.trust_anchor_pem() is None                  # never created: nothing it issued exists
    pki = sandbox.pki.ensure()
    assert sandbox.trust_anchor_pem() == pki.root_pem_path.read_text() != ""
    assert "sandbox-root" in sandbox.trust_note


def test_the_sandboxs_help_section_says_how_to_set_its_speed_and_try_a_failure(services):
    section = SandboxAuthority.help_section
    assert section.startswith("# The sandbox CA\n") and SPEED_ENV in section
    assert f"`{FAIL_TRIGGER_LABEL}.example.com`" in section and "$" not in section.replace(f"${SPEED_ENV}", "")
    assert section in services.authorities.help_sections()


def test_the_registry_names_the_modules_to_warm_and_refuses_an_unknown_authority():
    warmed = modules_to_warm()
    assert warmed.index("certwizard.ca.sandbox") < warmed.index("certwizard.ca.sandbox_pki")
    assert authority_class("sandbox") is SandboxAuthority
    with pytest.raises(AuthorityError, match="no certificate authority named 'nobody'.*known: .*sandbox"):
        authority_class("nobody")


# --- a second authority goes through the same paths ---------------------------------------------------------

def test_a_registered_authoritys_products_are_listed_after_the_sandboxs(services):
    services.authorities.register(FAKE, lambda: FakeAuthority(None))
    assert services.authorities.names() == [*KNOWN, FAKE]
    assert services.authorities.products() == [*(p for name in KNOWN for p in products_of(name)), FAKE_PRODUCT]
    assert services.authorities.help_sections()[-1] == FakeAuthority.help_section
    assert services.authorities.find("nobody") is None


def test_an_order_for_a_product_goes_to_the_authority_that_offers_it(services, monkeypatch):
    monkeypatch.setitem(CATALOG, FAKE_PRODUCT.id, FAKE_PRODUCT)
    services.authorities.register(FAKE, lambda: FakeAuthority(None))
    order = services.workflow.add_purchased(FAKE_PRODUCT.id)[0]
    assert order.authority == FAKE and services.workflow.order(order.id).authority == FAKE
    assert [s.authority for s in services.workflow.summaries()] == [FAKE]
    assert services.workflow.csr_name_rule(order) is CsrNameRule.EXACT        # the fake's, not the sandbox's
    assert services.workflow.add_purchased("dv-single")[0].authority == "sandbox"


def test_issued_chains_are_checked_against_the_trust_anchor_of_the_authority_that_issued_them(services):
    sandboxs = issued_order(services)
    other_root = FakeAuthority(self_signed_root_pem())
    publicly_trusted = FakeAuthority(None)
    services.authorities.register(FAKE, lambda: other_root)
    services.authorities.register("public-ca", lambda: publicly_trusted)
    fakes = [sandboxs.model_copy(update={"id": f"ord-fake{i}", "authority": FAKE}) for i in range(2)]
    public = sandboxs.model_copy(update={"id": "ord-public", "authority": "public-ca"})
    gone = sandboxs.model_copy(update={"id": "ord-gone", "authority": "no-longer-configured"})
    now = x509.load_pem_x509_certificate(sandboxs.certificate.certificate_pem.encode()).not_valid_before_utc
    summaries = summarize_issued_orders([sandboxs, *fakes, public, gone], now + timedelta(days=1),
                                        services.authorities)

    assert summaries[sandboxs.id].chain_problems == ()             # verified against the sandbox's root
    assert all(summaries[order.id].chain_problems for order in fakes)   # not issued under the fake's root
    assert other_root.anchor_asked == 1                             # once per authority, not per order
    assert summaries["ord-public"].chain_problems is None and publicly_trusted.anchor_asked == 1
    assert summaries["ord-gone"].chain_problems is None             # no anchor known: no chain check
