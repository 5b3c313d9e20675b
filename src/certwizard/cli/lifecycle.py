"""apply, submit, verify, refresh, show, withdraw, export: the whole path without the TUI, for scripts and cron."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from certwizard.cli.output import EXIT_OK, EXIT_REJECTED, print_json, say, usage_error


def _services(args: argparse.Namespace):
    from certwizard.services import open_services

    services = open_services(args.data_dir)
    for notice in services.notices:
        say(f"certwizard: {notice}", err=True)
    return services


def _refused(args: argparse.Namespace, message: str, **extra: Any) -> int:
    if getattr(args, "json", False):
        print_json({"ok": False, "error": message, **extra})
    else:
        say(f"refused: {message}", err=True)
        for field_name, problem in extra.get("errors", {}).items():
            say(f"  {field_name}: {problem}", err=True)
    return EXIT_REJECTED


def _order_summary(order) -> dict[str, Any]:
    product = order.product
    summary: dict[str, Any] = {
        "id": order.id, "product": product.id, "type": product.certificate_type, "status": order.status.value,
        "status_label": order.status.label, "reason": order.status_reason, "authority": order.authority,
        "domains": order.bound_domains, "submitted_at": order.submitted_at,
        "expected_issuance_at": order.expected_issuance_at, "validity_days": product.validity_days,
        "key": order.key.model_dump(mode="json") if order.key else None,
        "domain_validations": [v.model_dump(mode="json") for v in order.domain_validations],
    }
    if order.certificate:
        summary["certificate"] = {"serial": order.certificate.serial, "not_before": order.certificate.not_before,
                                  "not_after": order.certificate.not_after}
    return summary


def _print_order(order) -> None:
    info = _order_summary(order)
    say(f"{order.id}  {info['type']}  {order.status.label}")
    if info["domains"]:
        say(f"  domains: {', '.join(info['domains'])}")
    if order.status_reason:
        say(f"  reason: {order.status_reason}")
    if order.expected_issuance_at and order.status.is_submitted:
        say(f"  expected issuance: {order.expected_issuance_at:%Y-%m-%d %H:%M} UTC")
    for v in order.domain_validations if order.status.value == "domain-verification" else []:
        say(f"  verify {v.domain}: publish a DNS {v.dns_type} record {v.dns_name} = {v.dns_value}")
        say(f"    or serve {v.file_url} containing {v.file_content}")
        say(f"    then run: certwizard verify {order.id}")
    if order.key:
        say(f"  key: {order.key.path} ({order.key.algorithm.label}, SPKI SHA-256 {order.key.spki_sha256[:16]}...)")
    if order.certificate:
        say(f"  certificate: serial {order.certificate.serial}, valid until {order.certificate.not_after:%Y-%m-%d}")
        say(f"  export with: certwizard export {order.id} --server nginx --out DIR")


def _run(args: argparse.Namespace, action) -> int:
    """Run `action(services)`; turn the domain's refusals into exit 1 with the reason."""
    from certwizard.ca.base import AuthorityError
    from certwizard.domain.status import IllegalTransitionError
    from certwizard.storage.repository import ConflictError, OrderNotFoundError
    from certwizard.workflow import ApplicationInvalidError, NotEditableError

    services = _services(args)
    try:
        return action(services)
    except ApplicationInvalidError as exc:
        return _refused(args, "the application has errors", errors=exc.errors)
    except (IllegalTransitionError, NotEditableError, AuthorityError, OrderNotFoundError, ConflictError) as exc:
        return _refused(args, str(exc))


def _read_passphrase(args: argparse.Namespace) -> bytes | None:
    if not getattr(args, "passphrase_file", None):
        return None
    from certwizard.securefs import read_regular_file

    return read_regular_file(args.passphrase_file, 4096).rstrip(b"\r\n")


# --- commands --------------------------------------------------------------------------------------------------

def cmd_apply(args: argparse.Namespace) -> int:
    from certwizard.application_file import ApplicationFileError, read_application_file
    from certwizard.documents import inspect_document

    try:
        content = read_application_file(Path(args.source))
    except ApplicationFileError as exc:
        return usage_error(str(exc))

    def action(services) -> int:
        workflow = services.workflow
        order = workflow.open_application(args.order)
        if not order.status.is_editable:
            return _refused(args, f"{order.id} is {order.status.label.lower()}; withdraw it first to modify it")
        order = workflow.save_draft(order, content.apply_to(order.draft))
        for path in content.documents:
            check = inspect_document(path)
            if not check.ok:
                problems = "; ".join(p.message for p in check.problems)
                return _refused(args, f"document {path}: {problems}")
            order = workflow.attach_document(order, check, path.name)
        validation = workflow.validate(order)
        if not validation.ok:
            return _refused(args, "the application has errors", errors=validation.errors)
        if args.json:
            print_json({"ok": True, "order": _order_summary(order), "domains": validation.application.domains,
                        "notes": validation.notes})
        else:
            say(f"{order.id}: application saved and valid; submit it with: certwizard submit {order.id}")
            for note in validation.notes:
                say(f"  note: {note}")
        return EXIT_OK
    return _run(args, action)


def cmd_submit(args: argparse.Namespace) -> int:
    def action(services) -> int:
        progress = (lambda step: None) if args.json else (lambda step: say(f"... {step}", err=True))
        order = services.workflow.submit(args.order, _read_passphrase(args), progress)
        return _report(args, order)
    return _run(args, action)


def _report(args: argparse.Namespace, order) -> int:
    if args.json:
        print_json({"ok": True, "order": _order_summary(order)})
    else:
        _print_order(order)
    return EXIT_OK if order.status.value != "review-failed" else EXIT_REJECTED


def cmd_verify(args: argparse.Namespace) -> int:
    return _run(args, lambda services: _report(args, services.workflow.confirm_domain_validation(args.order)))


def cmd_withdraw(args: argparse.Namespace) -> int:
    return _run(args, lambda services: _report(args, services.workflow.withdraw(args.order)))


def cmd_show(args: argparse.Namespace) -> int:
    return _run(args, lambda services: _report(args, services.workflow.order(args.order)))


def cmd_refresh(args: argparse.Namespace) -> int:
    def action(services) -> int:
        changes = services.workflow.refresh()
        if args.json:
            print_json({"ok": True, "changes": [{"order": c.order_id, "from": c.before.value, "to": c.after.value,
                                                 "reason": c.reason} for c in changes]})
        elif not changes:
            say("no status changes")
        for change in changes if not args.json else []:
            say(f"{change.order_id}: {change.before.label} -> {change.after.label}"
                + (f" ({change.reason})" if change.reason else ""))
        return EXIT_OK
    return _run(args, action)


def cmd_export(args: argparse.Namespace) -> int:
    from certwizard.export import ExportError, export_order

    def action(services) -> int:
        order = services.workflow.order(args.order)
        pkcs12_password = None
        if args.pkcs12_password_file:
            from certwizard.securefs import read_regular_file

            pkcs12_password = read_regular_file(args.pkcs12_password_file, 4096).rstrip(b"\r\n")
        try:
            result = export_order(order, args.server, Path(args.out).expanduser(),
                                  key_passphrase=_read_passphrase(args), pkcs12_password=pkcs12_password,
                                  pkcs12_profile=args.pkcs12_profile)
        except (ExportError, FileExistsError, ValueError) as exc:
            return _refused(args, str(exc))
        if args.json:
            print_json({"ok": True, "files": [str(p) for p in result.files], "note": result.note})
        else:
            for path in result.files:
                say(f"wrote {path} ({oct(os.stat(path).st_mode & 0o777)})")
            say("")
            say(result.note)
        return EXIT_OK
    return _run(args, action)


def register(subparsers: argparse._SubParsersAction) -> None:
    def command(name: str, handler, help_text: str, takes_order: bool = True) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, help=help_text, description=help_text)
        if takes_order:
            parser.add_argument("order", metavar="ORDER", help="order id, as shown by `certwizard list`")
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        parser.set_defaults(handler=handler)
        return parser

    apply = command("apply", cmd_apply, "fill an order's application from a TOML or JSON file and validate it")
    apply.add_argument("--from", dest="source", required=True, metavar="FILE",
                       help="application file (.toml or .json); see README for the fields")
    submit = command("submit", cmd_submit, "submit an order's application to its certificate authority")
    submit.add_argument("--passphrase-file", metavar="FILE",
                        help="file holding the passphrase for an encrypted key (encrypt_key = true)")
    command("verify", cmd_verify, "confirm the domain verification record or file is published")
    command("refresh", cmd_refresh, "ask the certificate authorities for status changes", takes_order=False)
    command("show", cmd_show, "status, expected issuance, what to publish, failure reason")
    command("withdraw", cmd_withdraw, "withdraw a submitted application back to draft (not after issuance)")
    export = command("export", cmd_export, "write the issued certificate, chain and key for a server type")
    export.add_argument("--server", required=True, choices=["nginx", "apache", "tomcat", "iis", "pem"])
    export.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created if missing)")
    export.add_argument("--pkcs12-password-file", metavar="FILE", help="password for the .pfx (tomcat, iis)")
    export.add_argument("--pkcs12-profile", choices=["modern", "legacy"], default="modern",
                        help="legacy = 3DES/SHA-1 for old Windows Server and appliances")
    export.add_argument("--passphrase-file", metavar="FILE", help="passphrase of an encrypted private key")
