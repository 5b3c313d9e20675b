"""Orders for the UI tests: valid drafts, submitted applications built directly, a seeded set of five
statuses and lists of any size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from certwizard.domain.models import (
    Applicant,
    Application,
    ApplicationDraft,
    AutomaticCsr,
    Company,
    CompanyType,
    DomainValidation,
    Location,
    Order,
)
from certwizard.domain.products import KeyAlgorithm
from certwizard.domain.status import OrderStatus
from certwizard.services import Services
from certwizard.ui.screens.unissued import UnissuedScreen


def valid_dv_draft(domains: str = "www.example.com") -> ApplicationDraft:
    return ApplicationDraft(
        domains=domains, applicant_name="Li Lei", applicant_phone="+86 138 0013 8000",
        applicant_email="lilei@example.com", applicant_id_number="11010519491231002X",
        csr_mode="automatic", key_algorithm="ec-p256")


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _validation(domain: str, token: str) -> DomainValidation:
    return DomainValidation(
        domain=domain, dns_name=f"_dnsauth.{domain}", dns_type="TXT", dns_value=token,
        file_url=f"http://{domain}/.well-known/pki-validation/fileauth.txt",
        file_path="/.well-known/pki-validation/fileauth.txt", file_content=token)


def submitted_application(*domains: str, company: bool = False) -> Application:
    """What submission freezes on an order, built directly so seeded data needs no validation round trip."""
    return Application(
        domains=list(domains),
        applicant=Applicant(name="Li Lei", phone="+8613800138000", email="lilei@example.com",
                            id_number="11010519491231002X"),
        company=Company(name="Example Trading Co., Ltd.", company_type=CompanyType.PRIVATE, phone="+861065529988",
                        organization_id="91110105MA01ABCD1X",
                        location=Location(country="CN", province="CN-BJ", city="Beijing"),
                        address="1 Chaoyang Road", zip_code="100020") if company else None,
        csr=AutomaticCsr(key_algorithm=KeyAlgorithm.EC_P256))


# What each seeded order is for, in purchase order (the home table lists them in this order).
SEEDED_KINDS = ("pending", "draft", "verification", "review", "failed")


def seeded_orders() -> dict[str, dict[str, object]]:
    """Fields of five orders with fixed times, one per interesting status. The submitted ones have no CA ledger
    entry behind them, so build the app with background refresh off (`make_app` does by default)."""
    failed_reason = ("The CA could not find the domain verification record. Check that the TXT record or file is "
                     "published exactly as shown, then withdraw and resubmit.")
    return {
        "pending": dict(product_id="ov-multi", purchased_at=_at(20, 9)),
        "draft": dict(product_id="dv-multi", purchased_at=_at(20, 9, 5), status=OrderStatus.DRAFT,
                      draft=valid_dv_draft("shop.example.com, api.example.com, cdn.example.com")),
        "verification": dict(
            product_id="dv-single", purchased_at=_at(20, 9, 10), status=OrderStatus.DOMAIN_VERIFICATION,
            draft=valid_dv_draft("www.example.com"), application=submitted_application("www.example.com"),
            authority_ref="sbx-seed00000003", submitted_at=_at(22, 8), expected_issuance_at=_at(22, 8, 15),
            domain_validations=[_validation("www.example.com", "Qm9vdHN0cmFwVG9rZW4tMDAwMw")]),
        "review": dict(
            product_id="ov-single", purchased_at=_at(20, 9, 15), status=OrderStatus.UNDER_REVIEW,
            draft=valid_dv_draft("portal.example.org"), application=submitted_application("portal.example.org", company=True),
            authority_ref="sbx-seed00000004", submitted_at=_at(23, 14), expected_issuance_at=_at(26, 14)),
        "failed": dict(
            product_id="dv-wildcard", purchased_at=_at(20, 9, 20), status=OrderStatus.REVIEW_FAILED,
            draft=valid_dv_draft("*.example.net"), application=submitted_application("*.example.net"),
            status_reason=failed_reason, authority_ref="sbx-seed00000005", submitted_at=_at(21, 16)),
    }


def seed(services: Services, orders: dict[str, dict[str, object]], last: str | None = None) -> dict[str, str]:
    """Store each order through the repository; returns kind -> order id. `last` is saved last, so it is the
    most recently updated order (where the home screen's cursor starts)."""
    ids = {}
    for kind, fields in sorted(orders.items(), key=lambda item: item[0] == last):
        [purchased] = services.repository.add_orders(str(fields["product_id"]))
        ids[kind] = services.repository.save_order(purchased.model_copy(update=fields)).id
    return ids


VALID_COMPANY_DRAFT = dict(
    company_name="Example Trading Co., Ltd.", company_type="private", company_phone="+86 10 6552 9988",
    company_organization_id="91110105MA01ABCD1X", company_country="CN", company_province="CN-BJ",
    company_city="Beijing", company_address="1 Chaoyang Road", company_zip_code="100020")


def valid_ov_draft(domains: str = "portal.example.org") -> ApplicationDraft:
    return valid_dv_draft(domains).model_copy(update=VALID_COMPANY_DRAFT)


START = datetime(2026, 11, 1, tzinfo=UTC)


def many_orders(count: int) -> list[Order]:
    """Every 4th order a draft for shop<i>.example.com, every 4th under review (expected at a distinct time),
    the rest pending; purchase times increase with i."""
    orders = []
    for i in range(count):
        kind = i % 4
        # Numbered ids: 10,000 random 32-bit ids would clash about once in 90 runs.
        fields: dict[str, object] = dict(id=f"ord-{i:08x}", product_id="dv-multi",
                                         purchased_at=START + timedelta(minutes=i))
        if kind == 1:
            fields.update(status=OrderStatus.DRAFT, draft=valid_dv_draft(f"shop{i}.example.com, api.example.com"))
        elif kind == 2:
            application: Application = submitted_application(f"review{i}.example.org")
            fields.update(status=OrderStatus.UNDER_REVIEW, application=application, authority_ref=f"sbx-{i}",
                          submitted_at=START + timedelta(days=1, minutes=i),
                          expected_issuance_at=START + timedelta(days=3, minutes=-i))
        orders.append(Order(**fields))
    return orders


async def open_unissued(pilot) -> UnissuedScreen:
    """Press u on the home screen; the Unissued Certificates screen it opens."""
    await pilot.press("u")
    screen = pilot.app.screen
    assert isinstance(screen, UnissuedScreen)
    return screen
