"""How the lifecycle commands show one order: human text, or a JSON-ready dict with the same facts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from certwizard.cli.output import say
from certwizard.domain.expiry import days_left, days_left_words
from certwizard.domain.ids import utcnow
from certwizard.domain.names import shown_domain, shown_domains
from certwizard.domain.next_step import NEXT_STEPS, PUBLISHED_FOR_YOU, TRACKED_ONLY
from certwizard.domain.products import IMPORTED_AUTHORITY
from certwizard.domain.status import OrderStatus
from certwizard.domain.validation_methods import ValidationMethod, publisher_words

if TYPE_CHECKING:      # pydantic (~0.2 s) is imported by the commands that read an order, not by --help
    from certwizard.domain.models import Order


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "not known yet"


def next_step(order: Order, now: datetime | None = None) -> str:
    """What the user does next with this order, as a command they can type (domain/next_step.py)."""
    servers = ""
    status = order.status_at(now or utcnow())
    if status is OrderStatus.ISSUED:      # the server records are imported only when they are named
        from certwizard.export.servers import SERVERS

        servers = "|".join(SERVERS)
    step = (PUBLISHED_FOR_YOU[order.publisher] if status is OrderStatus.DOMAIN_VERIFICATION and order.publisher
            else TRACKED_ONLY if status in (OrderStatus.EXPIRING_SOON, OrderStatus.EXPIRED)
            and order.authority == IMPORTED_AUTHORITY else NEXT_STEPS[status])
    return step.command.format(id=order.id, expected=_when(order.expected_issuance_at), servers=servers)


def renewal_facts(order: Order, now: datetime) -> dict[str, Any] | None:
    """When renewal is due and why, the key policy, and the last attempt (None before issuance)."""
    due = order.renewal
    if due is None or order.certificate is None:
        return None
    last = order.last_renewal
    return {"due_at": due.at, "source": due.source.value, "why": due.source.words,
            "not_after": order.certificate.not_after, "days_left": days_left(order.certificate.not_after, now),
            "key": "reuse" if order.reuse_key else "new",
            "last_attempt": None if last is None else last.model_dump(mode="json")}


def installation_facts(order: Order) -> list[dict[str, Any]]:
    return [installation.model_dump(mode="json") for installation in order.installations]


def _certificate_facts(order: Order) -> dict[str, Any] | None:
    if order.certificate is None:
        return None
    facts: dict[str, Any] = {"serial": order.certificate.serial, "not_before": order.certificate.not_before,
                             "not_after": order.certificate.not_after}
    try:
        from certwizard.crypto.certinfo import CertificateError, describe_certificate

        described = describe_certificate(order.certificate.certificate_pem)
    except CertificateError:
        return facts   # a damaged stored certificate still shows its recorded serial and dates
    facts.update(subject=described.subject, issuer=described.issuer, dns_names=list(described.dns_names),
                 sha256_fingerprint=described.sha256_fingerprint, days_left=described.days_left)
    return facts


def order_summary(order: Order, domains: list[str] | None = None) -> dict[str, Any]:
    """Every fact a script needs: status, reason, expected issuance, what to publish, key and certificate.

    `domains` overrides the bound domains (a valid draft shows the names it will bind once submitted).
    Datetimes stay datetimes: `print_json` writes them as ISO 8601.
    """
    product = order.product
    key = order.key
    now = utcnow()
    status = order.status_at(now)
    return {
        "id": order.id, "product": product.id, "type": product.certificate_type,
        "status": status.value, "status_label": status.label, "reason": order.status_reason,
        "authority": order.authority, "authority_ref": order.authority_ref, "domains": domains if domains is not None else order.bound_domains,
        "csr_mode": order.application.csr.mode.value if order.application else order.draft.csr_mode,
        "documents": [d.display_name for d in order.draft.documents],
        "validation": (None if order.application is None
                       else order.application.validation.model_dump(mode="json")),
        "submitted_at": order.submitted_at, "expected_issuance_at": order.expected_issuance_at,
        "validity_days": product.validity_days,
        "key": None if key is None else {"path": key.path, "algorithm": key.algorithm.value,
                                         "spki_sha256": key.spki_sha256, "encrypted": key.encrypted},
        "domain_validations": [{
            "domain": v.domain, "dns_type": v.dns_type, "dns_name": v.dns_name, "dns_value": v.dns_value,
            "file_url": v.file_url, "file_path": v.file_path, "file_content": v.file_content,
            "confirmed_at": v.confirmed_at} for v in order.domain_validations],
        "certificate": _certificate_facts(order),
        "renewal": renewal_facts(order, now),
        "renewal_of": order.renewal_of or None, "renewed_by": order.renewed_by or None,
        "installations": installation_facts(order),
        "next_step": next_step(order, now),
    }


def _print_proofs(order: Order) -> None:
    """What to publish: only the way the application chose (and who publishes it); both ways for an order
    without an application (stored before applications recorded a method)."""
    if order.application is None:
        for v in order.domain_validations:
            say(f"  verify {shown_domain(v.domain)}: publish a DNS {v.dns_type} record")
            say(f"      {v.dns_name}  {v.dns_type}  \"{v.dns_value}\"")
            if v.file_url:      # none for a wildcard: DNS only
                say(f"    or serve {v.file_url}")
                say(f"      with the content: {v.file_content}")
        return
    plan = order.application.validation
    by = publisher_words(plan.method, plan.hook, plan.webroot)
    say(f"  validation: {plan.method.label}, "
        + (f"{by} when you run certwizard verify" if by else "published by you before certwizard verify"))
    for v in order.domain_validations:
        if plan.method is ValidationMethod.DNS:
            say(f"  verify {shown_domain(v.domain)}: DNS {v.dns_type} record")
            say(f"      {v.dns_name}  {v.dns_type}  \"{v.dns_value}\"")
        elif v.file_url:
            say(f"  verify {shown_domain(v.domain)}: serve {v.file_url}")
            say(f"      with the content: {v.file_content}")
        else:                   # a wildcard: no file can prove it
            say(f"  verify {shown_domain(v.domain)}: no file is possible for a wildcard; withdraw, choose dns, submit again")


def print_order(order: Order, trust_note: str = "") -> None:
    """`trust_note`: what the order's authority says about trusting the certificates it issues."""
    now = utcnow()
    say(f"{order.id}  {order.product.certificate_type}  {order.status_at(now).label}")
    if order.bound_domains:
        say(f"  domains: {shown_domains(order.bound_domains)}")
    elif order.listed_domains:          # a draft: the names typed so far, not yet checked or sent
        say(f"  domains (draft): {shown_domains(order.listed_domains)}")
    if order.status_reason:
        say(f"  reason: {order.status_reason}")
    if order.status.is_submitted:
        later = " (the review starts once the domains are verified)" \
            if order.status is OrderStatus.DOMAIN_VERIFICATION else ""
        say(f"  expected issuance: {_when(order.expected_issuance_at)}{later}")
    if order.status is OrderStatus.DOMAIN_VERIFICATION:
        _print_proofs(order)
    if order.key:
        encrypted = ", encrypted" if order.key.encrypted else ""
        say(f"  key: {order.key.path} ({order.key.algorithm.label}{encrypted}; "
            f"SPKI SHA-256 {order.key.spki_sha256[:16]}...)")
    elif order.application is not None and order.application.csr.mode.value == "manual":
        say("  key: your own (manual CSR); certwizard does not have it")
    if order.certificate:
        say(f"  certificate: serial {order.certificate.serial}, "
            f"valid {order.certificate.not_before:%Y-%m-%d} to {order.certificate.not_after:%Y-%m-%d}")
        if trust_note:          # the issuing authority's, e.g. how to trust a CA that is not public
            say(f"  {trust_note}")
        _print_renewal(order, now)
    if order.renewal_of:
        say(f"  renews: {order.renewal_of}")
    if order.renewed_by:
        say(f"  renewed by: {order.renewed_by}")
    say(f"  next: {next_step(order, now)}")


def _print_renewal(order: Order, now: datetime) -> None:
    due = order.renewal
    if due is None or order.certificate is None or order.status is not OrderStatus.ISSUED:
        return
    say(f"  expires: {_when(order.certificate.not_after)} ({days_left_words(order.certificate.not_after, now)})")
    key = "the same key (--reuse-key)" if order.reuse_key else "a new key"
    say(f"  renewal: due {_when(due.at)}, {due.source.words}; renewed with {key}")
    if order.last_renewal is not None:
        outcome = "done" if order.last_renewal.ok else "failed"
        say(f"  last renewal attempt: {_when(order.last_renewal.at)}, {outcome}: {order.last_renewal.message}")
    for installation in order.installations:
        state = installation.problem or (f"serial {installation.serial[:16]}, {_when(installation.installed_at)}"
                                         if installation.serial else "not written yet")
        say(f"  installed: {installation.server} in {installation.directory} ({state})")
