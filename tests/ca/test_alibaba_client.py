"""The SDK wrapper (certwizard/ca/alibaba/client.py): the endpoint setting, the missing extra, the status table."""

from __future__ import annotations

import sys

import pytest

from certwizard.ca.alibaba.client import INSTALL_HINT, CasApi, endpoint_from_environment
from certwizard.ca.alibaba.statuses import V2_STATUS, instance_status
from certwizard.ca.base import AuthorityError
from certwizard.domain.status import OrderStatus


def test_the_endpoint_is_the_service_unless_the_variable_names_another():
    assert endpoint_from_environment({}) == ("cas.aliyuncs.com", "https")
    assert endpoint_from_environment({"CERTWIZARD_ALIBABA_ENDPOINT": "http://127.0.0.1:8080"}) == \
        ("127.0.0.1:8080", "http")
    with pytest.raises(AuthorityError, match="is not an endpoint"):
        endpoint_from_environment({"CERTWIZARD_ALIBABA_ENDPOINT": "ftp://x"})


def test_without_the_extra_the_message_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "alibabacloud_cas20200407", None)     # as if not installed
    with pytest.raises(AuthorityError) as refused:
        CasApi("cn-hangzhou").call("ListInstances")
    assert INSTALL_HINT in str(refused.value)


def test_every_v2_status_has_its_order_status():
    assert set(V2_STATUS) == {"inactive", "pending", "normal", "willExpire", "expired", "refund", "closed"}
    assert instance_status({"Status": "inactive"}, submitted=False) is OrderStatus.PENDING_APPLICATION
    assert instance_status({"Status": "inactive", "PendingResult": "Bad name"}) is OrderStatus.REVIEW_FAILED
    assert instance_status({"Status": "inactive"}) is OrderStatus.DRAFT                # withdrawn elsewhere
    pending = {"Status": "pending", "DomainValidationList": [{"Domain": "a.example.com"}]}
    assert instance_status(pending) is OrderStatus.DOMAIN_VERIFICATION
    assert instance_status(pending, confirmed=True) is OrderStatus.UNDER_REVIEW
    assert instance_status({"Status": "willExpire"}) is OrderStatus.ISSUED
    with pytest.raises(ValueError, match="does not know"):
        instance_status({"Status": "mystery"})


def test_a_revoked_certificate_is_revoked_whatever_the_instance_status_says():
    assert instance_status({"Status": "normal", "CertificateStatus": "revoked"}) is OrderStatus.REVOKED
    assert instance_status({"Status": "normal", "CertificateStatus": "issued"}) is OrderStatus.ISSUED
