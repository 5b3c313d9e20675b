"""Issued orders made through the real workflow, and a reload command that records its calls: shared by the
tests of issued certificates, installations and the command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certwizard.domain.status import OrderStatus
from tests.factories import valid_draft

PASSPHRASE = b"tulip lantern 42"


def issue(services, domains="www.example.com", product_id="dv-single", passphrase=None, draft=None,
          **draft_fields):
    """Buy, apply (`draft`, or a valid one), submit, verify and refresh through the real workflow; returns
    the issued order."""
    workflow = services.workflow
    order = workflow.open_application(workflow.add_purchased(product_id)[0].id)
    filled = (valid_draft(domains, **draft_fields) if draft is None
              else draft.model_copy(update={"domains": domains, **draft_fields}))
    order = workflow.save_draft(order, filled)
    order = workflow.submit(order.id, passphrase=passphrase)
    workflow.confirm_domain_validation(order.id)
    workflow.refresh()
    order = workflow.order(order.id)
    assert order.status is OrderStatus.ISSUED
    return order


def replace_key_file(path: Path) -> None:
    """Put another (valid, 0600) key where the order's key was."""
    other = ec.generate_private_key(ec.SECP256R1())
    os.unlink(path)
    path.write_bytes(other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
    os.chmod(path, 0o600)


def certificate_of(order) -> x509.Certificate:
    return x509.load_pem_x509_certificate(order.certificate.certificate_pem.encode())


def recording_script(tmp_path: Path, name: str = "reload", exit_status: int = 0, sleep: float = 0.0) -> Path:
    """A reload command that appends its argv and cwd to calls.jsonl beside it, prints a line, and exits."""
    script = tmp_path / name
    log = tmp_path / "calls.jsonl"
    script.write_text(f"""#!{sys.executable}
import json, os, sys, time
with open({str(log)!r}, "a") as f:
    f.write(json.dumps({{"argv": sys.argv, "cwd": os.getcwd(), "order": os.environ.get("CERTWIZARD_ORDER"),
                        "dirs": os.environ.get("CERTWIZARD_DIRECTORIES")}}) + "\\n")
print("reloading", sys.argv[1:], flush=True)
time.sleep({sleep})
sys.exit({exit_status})
""")
    script.chmod(0o755)
    return script


def calls(tmp_path: Path) -> list[dict]:
    log = tmp_path / "calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
