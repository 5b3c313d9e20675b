"""Make the PUBLIC certificate fixtures of the snapshot tests (run once; the outputs are committed).

    .venv/bin/python tests/snapshots/make_fixtures.py

Certificates the sandbox issues at test time carry random serials, signatures and CA tags, so their
fingerprints would differ in every picture. The Issued Certificates and Export snapshots therefore show a
certificate made once by this script with the real sandbox CA code and committed under fixtures/:

    sandbox-root.pem          the sandbox root (the snapshot data folder keeps it where the sandbox CA would)
    sandbox-intermediate.pem  the intermediate that signed the leaf (the order's chain)
    www.example.com.pem       the leaf for www.example.com and example.com, from 24 Nov 2026 for 198 days
    www.example.com.csr       the manual CSR the order was submitted with (its key made the leaf's public key)
    expiring.example.com.pem  a 60-day leaf from 10 Oct 2026: renewal due (19 Nov), 13 days left at "now"
    expired.example.com.pem   a 47-day leaf from 20 Sep 2026: ended 6 Nov, before "now"
    (and the .csr of each)

The CA is dated 1 Sep 2026 and the first leaf 24 Nov 2026, so it is valid at the snapshots' frozen "now"
(25 Nov 2026, scenes.NOW); the other two show Issued Certificates with one expiring and one expired. Every
private key (root, intermediate, leaf) exists only in a temporary folder or in memory while this runs and is
thrown away: none is ever written under tests/. Running it again makes new certificates, so the Issued,
Export and manual-CSR baselines and the curated screenshots must then be updated (and looked at) too.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certwizard.ca import sandbox_pki
from certwizard.ca.sandbox_pki import SandboxPKI
from certwizard.domain.products import get_product

FIXTURES = Path(__file__).parent / "fixtures"
DOMAINS = ["www.example.com", "example.com"]
PRODUCT_ID = "dv-multi"
CA_CREATED = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)
LEAF_NOT_BEFORE = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
# name -> (first day, validity in days) of the leaves that are due for renewal, or ended, at scenes.NOW.
DATED_LEAVES = {"expiring.example.com": (datetime(2026, 10, 10, 10, 0, tzinfo=UTC), 60),
                "expired.example.com": (datetime(2026, 9, 20, 10, 0, tzinfo=UTC), 47)}


class _CaCreationTime(datetime):
    """`datetime` inside sandbox_pki while the CA is created: its "now" is CA_CREATED."""

    @classmethod
    def now(cls, tz=None):
        return CA_CREATED if tz is None else CA_CREATED.astimezone(tz)


def manual_csr(domains: list[str] = DOMAINS) -> str:
    """A CSR as a user would make it with openssl: ECDSA P-256, CN and SANs; its key is thrown away."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domains[0])]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in domains]),
                          critical=False)
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="certwizard-fixtures-"))
    try:
        with mock.patch.object(sandbox_pki, "datetime", _CaCreationTime):
            pki = SandboxPKI(workdir / "sandbox-ca").ensure()
        csr = manual_csr()
        bundle = pki.issue(csr, DOMAINS, get_product(PRODUCT_ID).validity_days, not_before=LEAF_NOT_BEFORE)
        FIXTURES.mkdir(exist_ok=True)
        outputs = {
            "sandbox-root.pem": bundle.root_pem,
            "sandbox-intermediate.pem": bundle.chain_pem,
            "www.example.com.pem": bundle.certificate_pem,
            "www.example.com.csr": csr,
        }
        for name, (first_day, days) in DATED_LEAVES.items():
            leaf_csr = manual_csr([name])
            outputs[f"{name}.pem"] = pki.issue(leaf_csr, [name], days, not_before=first_day).certificate_pem
            outputs[f"{name}.csr"] = leaf_csr
        for name, text in outputs.items():
            assert "PRIVATE KEY" not in text, name
            (FIXTURES / name).write_text(text, encoding="ascii")
            print(f"wrote {FIXTURES / name}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
