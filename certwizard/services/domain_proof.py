"""Proving the domains of a submitted order: publish (hook or webroot), check as the CA will, then confirm.

The same for every authority: what to publish comes from the order's domain validations, the way from the
application's validation plan (method, webroot, hook). The self-check asks every authoritative name server
for a DNS record, or fetches the file over HTTP, and the CA is asked to look only when every check passed
(or the user said `--skip-self-check`). An authority that fetches nothing itself (the sandbox) is not
checked either: the outcome says so instead of pretending. What certwizard published it removes afterwards.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from certwizard.domain.status import OrderStatus
from certwizard.domain.validation_methods import ValidationMethod
from certwizard.errors import CertwizardError

if TYPE_CHECKING:
    from certwizard.dcv.publish import Proof
    from certwizard.domain.models import DomainValidation, Order
    from certwizard.services.workflow import Workflow

HTTP_ADDRESS_VARIABLE = "CERTWIZARD_HTTP_ADDRESS"   # connect there for every name (split horizon, tests)
PROPAGATION_WAIT = 120.0     # seconds a record we published ourselves may take to reach every server
RECHECK_INTERVAL = 5.0

Progress = Callable[[str], None]


class ProofNotReadyError(CertwizardError):
    """The self-check failed: the CA was not asked. `checks` says what each server or fetch found."""

    def __init__(self, checks: list[ProofCheck]) -> None:
        self.checks = checks
        failed = [check for check in checks if not check.passed]
        super().__init__("the CA was not asked to look, because certwizard's own check failed:\n"
                         + "\n".join(f"  - {check.subject}: {check.message}" for check in failed)
                         + "\nPublish what is missing and verify again (or add --skip-self-check if you are "
                           "sure the CA sees what this server does not).")


@dataclass(frozen=True)
class ProofCheck:
    """One self-check: a DNS record name (all its values) or one file, and what was found."""

    subject: str                       # the record name or the URL
    passed: bool
    message: str
    servers: tuple[str, ...] = ()      # one line per authoritative server: its answer and TTL
    wanted: tuple[str, ...] = ()       # what must be found there: the TXT value(s), or the file's content


@dataclass
class ProofOutcome:
    order: Order
    checks: list[ProofCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # skipped checks, manual steps, cleanup warnings


def proofs_of(order: Order) -> list[Proof]:
    """What the order's method asks to publish, one proof per domain validation."""
    from certwizard.dcv.publish import DnsProof, FileProof

    method = _method(order)
    proofs: list[Proof] = []
    for validation in order.domain_validations:
        if method is ValidationMethod.HTTP:
            if not validation.file_path:
                raise CertwizardError(f"{validation.domain} can be proven only by a DNS record (no file is "
                                      "possible for a wildcard): withdraw, choose dns, and submit again")
            proofs.append(FileProof(domain=_host(validation), url_path=validation.file_path,
                                    content=validation.file_content))
        else:
            proofs.append(DnsProof(domain=validation.domain, record_name=validation.dns_name,
                                   record_value=validation.dns_value, record_type=validation.dns_type))
    return proofs


def _method(order: Order) -> ValidationMethod:
    application = order.application
    return application.validation.method if application is not None else ValidationMethod.DNS


def _host(validation: DomainValidation) -> str:
    return validation.domain.removeprefix("*.")


def self_check(proofs: list[Proof], environ: dict[str, str] | None = None) -> list[ProofCheck]:
    """Check every proof as the CA will: DNS records grouped by name (a wildcard and its base name share
    one name with two values), files one by one."""
    from certwizard.dcv.dns_check import check_dns_record
    from certwizard.dcv.http_check import check_http_file
    from certwizard.dcv.publish import DnsProof, FileProof

    env = dict(os.environ if environ is None else environ)
    checks: list[ProofCheck] = []
    by_name: dict[tuple[str, str], list[str]] = {}
    for proof in proofs:
        if isinstance(proof, DnsProof):
            by_name.setdefault((proof.record_name, proof.record_type), []).append(proof.record_value)
    for (name, record_type), values in by_name.items():
        result = check_dns_record(name, values, record_type, environ=env)  # type: ignore[arg-type]
        checks.append(ProofCheck(name, result.passed, result.message, tuple(
            f"{answer.label}: " + (f"{', '.join(answer.values) or 'no value'} (TTL {answer.ttl})"
                                   if answer.ok else answer.problem) for answer in result.servers),
            wanted=tuple(values)))
    address = env.get(HTTP_ADDRESS_VARIABLE, "").strip()
    for proof in proofs:
        if isinstance(proof, FileProof):
            connect_to = {proof.domain: address} if address else None
            found = check_http_file(proof.domain, proof.url_path, proof.content, connect_to=connect_to,
                                    environ=env)
            checks.append(ProofCheck(found.url, found.passed, found.message, wanted=(proof.content,)))
    return checks


def prove_domains(workflow: Workflow, order_id: str, *, skip_self_check: bool = False,
                  progress: Progress | None = None, propagation_wait: float | None = None) -> ProofOutcome:
    """`certwizard verify` and `v` in Unissued: publish, self-check, ask the CA to confirm, clean up."""
    from certwizard.dcv.publish import Publisher, cleanup, publish
    from certwizard.domain.status import Action, next_status

    say = progress or (lambda _step: None)
    order = workflow.order(order_id)
    if order.status is not OrderStatus.DOMAIN_VERIFICATION:
        next_status(order.status, Action.DOMAIN_VERIFIED)          # refuses with the reason
    authority = workflow.authority_of(order)
    plan = order.application.validation if order.application is not None else None
    publisher = Publisher(hook=_path(plan.hook if plan else ""), webroot=_path(plan.webroot if plan else ""))
    proofs = proofs_of(order)
    outcome = ProofOutcome(order)
    published = publish(publisher, proofs, progress=say) if publisher.hook or publisher.webroot else None
    asked = False
    try:
        by_us = published is not None and len(published.manual) < len(proofs)
        if not getattr(authority, "checks_proofs_on_network", True):
            outcome.notes.append(f"{authority.title} looks at nothing on the network, so certwizard checked "
                                 "nothing either: the confirmation is taken as it is")
        elif skip_self_check:
            outcome.notes.append("warning: the self-check was skipped: the CA looks now, "
                                 "and a record or file it cannot see fails the order")
        else:
            wait = PROPAGATION_WAIT if propagation_wait is None else propagation_wait
            outcome.checks = _check_until_seen(proofs, say, wait if by_us else 0.0)
            if not all(check.passed for check in outcome.checks):
                raise ProofNotReadyError(outcome.checks)
        say("Asking the CA to check the domains")
        asked = True
        outcome.order = workflow.confirm_domain_validation(order_id)
    except BaseException:
        if published is not None and asked:
            # The CA may be looking now (its answer is what failed): removing the proof would fail the order.
            remember_cleanup(workflow.repository, order_id, publisher, published)
        elif published is not None:
            cleanup(publisher, published)        # nothing half-done: what was published for this try goes
        raise
    if published is not None and published.in_place:
        if outcome.order.status in STILL_LOOKING:
            # The CA checks on its own time (Alibaba Cloud), or has not finished: removing the record now
            # would fail the order. It is removed when a refresh sees the order issued or failed.
            remember_cleanup(workflow.repository, order_id, publisher, published)
            outcome.notes.append("what was published stays until the CA has checked it; certwizard removes "
                                 "it when the order is issued or fails")
        else:
            outcome.notes.extend(cleanup(publisher, published))
    return outcome


STILL_LOOKING = {OrderStatus.DOMAIN_VERIFICATION, OrderStatus.UNDER_REVIEW}
CLEANUPS_SETTING = "published_proofs"     # order id -> what to remove once the CA has looked (no secret)


def remember_cleanup(repository, order_id: str, publisher, published) -> None:
    record = {"hook": str(publisher.hook or ""), "webroot": str(publisher.webroot or ""),
              "hooked": [_proof_dict(p) for p in published.hooked],
              "written": [{"proof": _proof_dict(w.proof), "webroot": str(w.webroot), "new_folders": w.new_folders}
                          for w in published.written]}
    repository.update_setting(CLEANUPS_SETTING, lambda stored: {**(stored or {}), order_id: record}, {})


def finish_cleanups(workflow: Workflow) -> list[str]:
    """Remove what was kept published for orders the CA has finished with; returns the warnings."""
    from certwizard.dcv.publish import Published, Publisher, WrittenFile, cleanup
    from certwizard.storage.repository import OrderNotFoundError

    stored = workflow.repository.get_setting(CLEANUPS_SETTING, None) or {}
    if not stored:
        return []
    warnings: list[str] = []
    done: list[str] = []
    for order_id, record in stored.items():
        try:
            if workflow.order(order_id).status in STILL_LOOKING:
                continue
        except OrderNotFoundError:
            pass
        publisher = Publisher(hook=_path(record.get("hook", "")), webroot=_path(record.get("webroot", "")))
        published = Published(
            hooked=tuple(_proof(p) for p in record.get("hooked", [])),
            written=tuple(WrittenFile(proof=_proof(w["proof"]), webroot=Path(w["webroot"]),
                                      new_folders=int(w.get("new_folders", 0))) for w in record.get("written", [])))
        warnings.extend(cleanup(publisher, published))
        done.append(order_id)
    if done:
        workflow.repository.update_setting(
            CLEANUPS_SETTING, lambda kept: {k: v for k, v in (kept or {}).items() if k not in done}, {})
    return warnings


def _proof_dict(proof) -> dict[str, str]:
    from dataclasses import asdict

    from certwizard.dcv.publish import DnsProof

    return {"kind": "dns" if isinstance(proof, DnsProof) else "file", **asdict(proof)}


def _proof(data: dict[str, str]):
    from certwizard.dcv.publish import DnsProof, FileProof

    fields = {k: v for k, v in data.items() if k != "kind"}
    return DnsProof(**fields) if data.get("kind") == "dns" else FileProof(**fields)


def _check_until_seen(proofs: list[Proof], say: Progress, wait: float) -> list[ProofCheck]:
    """Self-check; when certwizard published the proofs itself, again until every server has them (bounded)."""
    deadline = time.monotonic() + wait
    while True:
        say("Checking what the CA will see (every authoritative name server, or the file over HTTP)")
        checks = self_check(proofs)
        if all(check.passed for check in checks) or time.monotonic() + RECHECK_INTERVAL > deadline:
            return checks
        say(f"Not everywhere yet; checking again in {RECHECK_INTERVAL:g} s")
        time.sleep(RECHECK_INTERVAL)


def _path(text: str) -> Path | None:
    return Path(text) if text else None
