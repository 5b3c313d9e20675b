"""SVG snapshots of every screen and the main dialogs, at 80x24 (the smallest supported terminal) and 120x36.

Each scene (data and the keys pressed before the picture) is defined in scenes.py. A failure writes
snapshot_report.html with the old and new pictures side by side; update the baselines only after looking at
it: `pytest tests/snapshots --snapshot-update`.
"""

from __future__ import annotations

import pytest

SIZES = {"80x24": (80, 24), "120x36": (120, 36)}


@pytest.fixture(params=list(SIZES.values()), ids=list(SIZES))
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    return request.param


class TestCertificates:
    def test_first_start_explains_the_flow(self, snap_scene, size):
        assert snap_scene("home-first-start", size)

    def test_orders_in_every_status(self, snap_scene, size):
        assert snap_scene("home-orders", size)

    def test_product_picker(self, snap_scene, size):
        assert snap_scene("product-picker", size)


class TestApplyEnterApplication:
    def test_dv_product_filled_in(self, snap_scene, size):
        assert snap_scene("apply-dv-filled", size)

    def test_ov_product_company_section(self, snap_scene, size):
        assert snap_scene("apply-ov-company", size)

    def test_ov_multi_domain_as_it_opens(self, snap_scene, size):
        """The dense form: a dozen fields of an OV multi-domain application in view at 80x24."""
        assert snap_scene("apply-ov-multi", size)

    def test_manual_csr_with_its_findings(self, snap_scene, size):
        assert snap_scene("apply-manual-csr", size)

    def test_field_errors_after_next(self, snap_scene, size):
        assert snap_scene("apply-errors-after-next", size)

    def test_acme_product_without_applicant_proven_by_dns(self, snap_scene, size):
        assert snap_scene("apply-acme-dns", size)


class TestApplyVerifyInformation:
    def test_ov_with_a_document_attached(self, snap_scene, size):
        assert snap_scene("verify-ov-document", size)

    def test_submit_confirmation(self, snap_scene, size):
        assert snap_scene("submit-confirmation", size)

    def test_submitted_dialog(self, snap_scene, size):
        assert snap_scene("submitted-dialog", size)


class TestUnissued:
    def test_dv_row_shows_the_dns_record_to_publish(self, snap_scene, size):
        assert snap_scene("unissued-dns-record", size)

    def test_review_failed_row_shows_the_reason(self, snap_scene, size):
        assert snap_scene("unissued-review-failed", size)


class TestIssued:
    def test_certificate_detail(self, snap_scene, size):
        assert snap_scene("issued-detail", size)

    def test_export_dialog(self, snap_scene, size):
        assert snap_scene("export-dialog", size)

    def test_one_expiring_one_expired_with_the_renewal_detail(self, snap_scene, size):
        assert snap_scene("issued-due", size)

    def test_install_dialog(self, snap_scene, size):
        assert snap_scene("install-dialog", size)


class TestHelp:
    def test_help(self, snap_scene, size):
        assert snap_scene("help", size)


class TestAcme:
    def test_acme_account_dialog(self, snap_scene, size):
        assert snap_scene("acme-account-dialog", size)

    def test_self_check_failed(self, snap_scene, size):
        assert snap_scene("self-check-failed", size)
