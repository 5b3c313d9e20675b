"""apply, submit, verify, refresh, show, withdraw, export: the whole path without the TUI (scripts, cron).

Exit codes: 0 the command did what was asked (show and refresh report any status, a failed review too);
1 refused, with the reason on stderr (or {"ok": false, "error": ...} with --json), including submit/verify
when the certificate authority fails the application; 2 the command line or the application file is wrong.
"""

from __future__ import annotations

import argparse
import os
import stat
from pathlib import Path

from certwizard.cli.order_view import order_summary, print_order
from certwizard.cli.output import EXIT_OK, EXIT_REJECTED, print_json, say, usage_error
from certwizard.cli.runner import UsageProblem, read_secret, refused, run_with_services
from certwizard.domain.names import shown_domains
from certwizard.domain.text import printable

# --- apply --------------------------------------------------------------------------------------------------

def cmd_apply(args: argparse.Namespace) -> int:
    from certwizard.services.application_file import ApplicationFileError, read_application_file

    try:
        content = read_application_file(Path(args.source).expanduser())
    except ApplicationFileError as exc:
        return usage_error(str(exc))

    def action(services) -> int:
        workflow = services.workflow
        checks = _checked_documents(content.documents)
        if isinstance(checks, str):
            return refused(args, checks)
        order = workflow.open_application(args.order)
        if not order.status.is_editable:
            return refused(args, _not_editable(order))
        order = workflow.save_draft(order, content.apply_to(order.draft))
        if checks is not None:
            order = _sync_documents(workflow, order, checks)
        validation = workflow.validate(order)
        if not validation.ok:
            errors = {content.key_for(name): problem for name, problem in validation.errors.items()}
            return refused(args, "the application was saved but has errors; fix them in the file and run "
                                  "apply again", errors=errors, order=order_summary(order))
        notes = list(validation.notes)
        if order.product.is_professional and not order.draft.documents:
            notes.append("a professional certificate needs at least one qualification document before it "
                         'can be submitted: add documents = ["stamped-letter.jpg"] (PNG or JPEG, at most '
                         "500 KB) to the file and apply again")
        domains = validation.application.domains if validation.application else None
        if args.json:
            print_json({"ok": True, "order": order_summary(order, domains), "notes": notes})
        else:
            say(f"{order.id}: application saved and valid ({shown_domains(domains or [])}); "
                f"submit it with: certwizard submit {order.id}")
            for note in notes:
                say(f"  note: {note}")
        return EXIT_OK
    return run_with_services(args, action)


def _not_editable(order) -> str:
    why = f"{order.id} has the status {order.status.label!r}, so its application cannot be changed"
    if order.status.is_unissued:
        return f"{why}; withdraw it first (certwizard withdraw {order.id}), then apply and submit again"
    return (f"{why}: its certificate was issued. For other domains or details, register another purchased "
            "certificate (certwizard add) and apply with that order")


def _checked_documents(paths: list[Path] | None):
    """(path, DocumentCheck) for each listed document, or the refusal text; None if the file lists none."""
    if paths is None:
        return None
    from certwizard.domain.application import MAX_DOCUMENTS
    from certwizard.services.document_intake import in_place, take_in

    if len(paths) > MAX_DOCUMENTS:
        return f"the file lists {len(paths)} documents; at most {MAX_DOCUMENTS} can be attached"
    checks = []
    for path in paths:
        intake = take_in(path, run=in_place, offer_smaller=False)   # a script is told why; no copy to accept
        if not intake.ok:
            return f"document {printable(str(path))} was not accepted: {'; '.join(intake.reasons)}"
        checks.append((path, intake.check))
    return checks


def _sync_documents(workflow, order, checks):
    """Make the attached documents exactly those the file lists (by content), keeping ones already there."""
    wanted = {check.sha256 for _, check in checks}
    for document in list(order.draft.documents):
        if document.sha256 not in wanted:
            order = workflow.remove_document(order, document.id)
    attached = {document.sha256 for document in order.draft.documents}
    for path, check in checks:
        if check.sha256 not in attached:
            order = workflow.attach_document(order, check, path.name)
            attached.add(check.sha256)
    return order


# --- submit, verify, withdraw, show, refresh ----------------------------------------------------------------

def cmd_submit(args: argparse.Namespace) -> int:
    def action(services) -> int:
        from certwizard.domain.secret_entry import KEY_PASSPHRASE

        passphrase = read_secret(args.passphrase_file, "--passphrase-file", KEY_PASSPHRASE)   # makes a new key
        progress = (lambda step: None) if args.json else (lambda step: say(f"... {step}", err=True))
        order = services.workflow.submit(args.order, passphrase, progress)
        return _report(args, services, order, acting=True)
    return run_with_services(args, action)


def _report(args: argparse.Namespace, services, order, acting: bool = False) -> int:
    """Show the order; after submit/verify a failed review is a refusal (exit 1) with the CA's reason."""
    from certwizard.domain.status import OrderStatus

    authority = services.authorities.find(order.authority)
    trust_note = authority.trust_note if authority is not None else ""

    failed = acting and order.status is OrderStatus.REVIEW_FAILED
    if failed:
        reason = f"the certificate authority failed the application: {order.status_reason}"
        if args.json:
            print_json({"ok": False, "error": reason, "order": order_summary(order)})
        else:
            print_order(order, trust_note)
            say(f"refused: {reason}", err=True)
        return EXIT_REJECTED
    documents_note = authority.documents_note if authority is not None and order.product.is_professional \
        and order.status.is_submitted else ""
    if args.json:
        print_json({"ok": True, "order": order_summary(order),
                    **({"documents_note": documents_note} if documents_note else {})})
    else:
        print_order(order, trust_note)
        if documents_note:
            say(f"note: {documents_note}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from certwizard.domain.status import OrderStatus
    from certwizard.services.domain_proof import ProofNotReadyError, prove_domains

    def action(services) -> int:
        progress = (lambda step: None) if args.json else (lambda step: say(f"... {step}", err=True))
        try:
            outcome = prove_domains(services.workflow, args.order, skip_self_check=args.skip_self_check,
                                    progress=progress)
        except ProofNotReadyError as exc:
            if args.json:
                print_json({"ok": False, "error": str(exc), "checks": [_check_json(c) for c in exc.checks]})
                return EXIT_REJECTED
            _print_checks(exc.checks)
            raise
        if not args.json:
            _print_checks(outcome.checks)
            for note in outcome.notes:
                say(f"certwizard: {note}", err=True)
            return _report(args, services, outcome.order, acting=True)
        failed = outcome.order.status is OrderStatus.REVIEW_FAILED
        print_json({"ok": not failed, "order": order_summary(outcome.order), "notes": outcome.notes,
                    "checks": [_check_json(c) for c in outcome.checks],
                    **({"error": "the certificate authority failed the application: "
                                 + outcome.order.status_reason} if failed else {})})
        return EXIT_REJECTED if failed else EXIT_OK
    return run_with_services(args, action)


def _check_json(check) -> dict:
    return {"subject": check.subject, "passed": check.passed, "message": check.message,
            "servers": list(check.servers)}


def _print_checks(checks) -> None:
    for check in checks:
        say(f"{'ok  ' if check.passed else 'FAIL'} {check.subject}: {check.message}")
        for line in check.servers:
            say(f"       {line}")


def cmd_revoke(args: argparse.Namespace) -> int:
    from certwizard.domain.revocation import RevocationReason

    return run_with_services(args, lambda services: _report(
        args, services, services.workflow.revoke(args.order, RevocationReason(args.reason))))


def cmd_withdraw(args: argparse.Namespace) -> int:
    return run_with_services(args, lambda services: _report(args, services, services.workflow.withdraw(args.order)))


def cmd_show(args: argparse.Namespace) -> int:
    return run_with_services(args, lambda services: _report(args, services, services.workflow.order(args.order)))


def cmd_refresh(args: argparse.Namespace) -> int:
    def action(services) -> int:
        changes = services.workflow.refresh()
        problems = [text for text in (changes.unknown_message() if changes.unknown else "",
                                      changes.failure_message()) if text]
        outcome = EXIT_REJECTED if problems else EXIT_OK
        if args.json:
            print_json({"ok": not problems, "changes": [
                {"order": c.order_id, "from": c.before.value, "to": c.after.value, "reason": c.reason}
                for c in changes], "unknown": changes.unknown, "failures": changes.failures,
                **({"error": "; ".join(problems)} if problems else {})})
            return outcome
        if not changes:
            say("no status changes")
        for change in changes:
            say(f"{change.order_id}: {change.before.label} -> {change.after.label}"
                + (f" ({change.reason})" if change.reason else ""))
        for problem in problems:
            say(f"refused: {problem}", err=True)
        return outcome
    return run_with_services(args, action)


# --- export -------------------------------------------------------------------------------------------------

def order_key_passphrase(args: argparse.Namespace, order) -> bytes | None:
    """The passphrase of `order`'s key from --passphrase-file (export, install); refused (exit 1) when the key is
    encrypted and none was given."""
    from certwizard.services.installations import KeyPassphraseNeededError

    passphrase = read_secret(args.passphrase_file, "--passphrase-file")
    if order.key is not None and order.key.encrypted and passphrase is None:
        raise KeyPassphraseNeededError(order.id, "give its passphrase with --passphrase-file FILE (the same "
                                                 "file used at submit)")
    return passphrase


def cmd_export(args: argparse.Namespace) -> int:
    from certwizard.export.bundle import export_order
    from certwizard.export.errors import ExportError
    from certwizard.export.servers import SERVERS

    def action(services) -> int:
        server = SERVERS[args.server]
        from certwizard.domain.secret_entry import PFX_PASSWORD

        pkcs12_password = read_secret(args.pkcs12_password_file, "--pkcs12-password-file", PFX_PASSWORD)
        if server.needs_private_key and pkcs12_password is None:
            raise UsageProblem(f"--server {server.name} writes a password-protected .pfx; give its password "
                               "with --pkcs12-password-file FILE (the server asks for it when importing)")
        order = services.workflow.order(args.order)
        key_passphrase = order_key_passphrase(args, order)
        try:
            result = export_order(order, server, Path(args.out).expanduser(), key_passphrase=key_passphrase,
                                  pkcs12_password=pkcs12_password, pkcs12_profile=args.pkcs12_profile)
        except (ExportError, FileExistsError, ValueError) as exc:
            return refused(args, str(exc))
        key_file = next((p for p in result.files if p.suffix in (".key", ".pfx")), None)
        no_key = None if order.key is not None else (
            "no private key was exported: this order used your own CSR, so certwizard never had its key; "
            "use the key you generated together with that CSR")
        for warning in result.warnings:
            say(f"certwizard: warning: {warning}", err=True)
        if args.json:
            print_json({"ok": True, "order": order.id, "server": server.name,
                        "files": [{"path": str(p), "mode": f"{stat.S_IMODE(os.stat(p).st_mode):04o}"}
                                  for p in result.files],
                        "private_key_file": str(key_file) if order.key is not None else None,
                        "private_key_note": no_key, "note": result.note, "warnings": result.warnings})
            return EXIT_OK
        for path in result.files:
            say(f"wrote {path} (mode {stat.S_IMODE(os.stat(path).st_mode):04o})")
        if no_key:
            say(no_key)
        say("")
        say(result.note)
        return EXIT_OK
    return run_with_services(args, action)


def register(subparsers: argparse._SubParsersAction) -> None:
    def command(name: str, handler, help_text: str, takes_order: bool = True) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, help=help_text, description=help_text + ". Exit 0 on success, "
                                       "1 when refused (the reason is printed), 2 on a usage error.")
        if takes_order:
            parser.add_argument("order", metavar="ORDER", help="order id, as shown by `certwizard list`")
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        parser.set_defaults(handler=handler)
        return parser

    apply = command("apply", cmd_apply,
                    "fill an order's application from a TOML or JSON file and validate it")
    apply.add_argument("--from", dest="source", required=True, metavar="FILE",
                       help="application file (.toml or .json); see README for the fields")
    submit = command("submit", cmd_submit, "submit an order's application to its certificate authority")
    submit.add_argument("--passphrase-file", metavar="FILE",
                        help="file holding the passphrase for an encrypted key (encrypt_key = true)")
    verify = command("verify", cmd_verify, "publish the domain validation records or files (with the "
                     "application's hook or webroot), check them as the CA will, then ask the CA to confirm")
    verify.add_argument("--skip-self-check", action="store_true",
                        help="ask the CA without checking every name server (or the file) first; a record "
                             "the CA cannot see then fails the order")
    command("refresh", cmd_refresh, "ask the certificate authorities for status changes", takes_order=False)
    command("show", cmd_show, "status, expected issuance, what to publish, failure reason")
    command("withdraw", cmd_withdraw, "withdraw a submitted application back to draft (not after issuance)")
    revoke = command("revoke", cmd_revoke, "revoke an issued certificate at its certificate authority (it is "
                     "then never renewed)")
    from certwizard.domain.revocation import RevocationReason

    revoke.add_argument("--reason", required=True, choices=[r.value for r in RevocationReason],
                        help="why: keyCompromise (the key leaked), superseded (replaced), cessationOfOperation "
                             "(the site is gone) or unspecified")
    export = command("export", cmd_export, "write the issued certificate, chain and key for a server type")
    from certwizard.export.pkcs12 import PKCS12_PROFILES
    from certwizard.export.servers import SERVERS, spoken_list

    pfx_servers = spoken_list((name for name, layout in SERVERS.items() if layout.pkcs12), last="and")
    export.add_argument("--server", required=True, choices=tuple(SERVERS))
    export.add_argument("--out", required=True, metavar="DIR",
                        help="folder to write into (created 0700 if missing; existing files are never "
                             "overwritten)")
    export.add_argument("--pkcs12-password-file", metavar="FILE",
                        help=f"file holding the password for the .pfx (required for {pfx_servers})")
    export.add_argument("--pkcs12-profile", choices=PKCS12_PROFILES, default="modern",
                        help="legacy = 3DES/SHA-1 for old Windows Server and appliances")
    export.add_argument("--passphrase-file", metavar="FILE", help="passphrase of an encrypted private key")
