"""Valid application data and real pictures that many tests start from."""

from __future__ import annotations

import io

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
