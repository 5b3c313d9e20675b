"""Valid application data and real pictures that many tests start from."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certwizard.domain.models import ApplicationDraft

VALID_APPLICANT = dict(applicant_name="Li Lei", applicant_phone="+86 138 0013 8000",
                       applicant_email="lilei@example.com", applicant_id_number="11010519491231002X")
VALID_COMPANY = dict(company_name="Example Networks Ltd", company_type="private", company_phone="+86 571 8502 2088",
                     company_organization_id="91330100MA27XY1234", company_country="CN",
                     company_province="Zhejiang", company_city="Hangzhou",
                     company_address="969 West Wenyi Road, Yuhang District", company_zip_code="311121")


def valid_draft(domains: str = "www.example.com", professional: bool = False, **overrides) -> ApplicationDraft:
    values = {"domains": domains, **VALID_APPLICANT, "key_algorithm": "ec-p256"}
    if professional:
        values.update(VALID_COMPANY)
    values.update(overrides)
    return ApplicationDraft(**values)


def jpeg_bytes(size=(640, 480), quality=85) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def manual_csr(domains: list[str]) -> tuple[ec.EllipticCurvePrivateKey, str]:
    """A CSR made outside certwizard (as by openssl): the first name as CN, all of them as SANs; and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, domains[0])]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in domains]), critical=False)
           .sign(key, hashes.SHA256()))
    return key, csr.public_bytes(serialization.Encoding.PEM).decode()


def mode_of(path: Path) -> int:
    """The permission bits of `path` itself (a symlink is not followed)."""
    return stat.S_IMODE(os.lstat(path).st_mode)
