"""What the self-check dialog says about one check (ui/dialogs/self_check.py), and what the service hands it."""

from __future__ import annotations

from certwizard.services.domain_proof import ProofCheck
from certwizard.ui.dialogs.self_check import check_body


def test_a_failed_check_names_each_value_to_publish_on_its_own_line():
    check = ProofCheck("_acme-challenge.example.com", False, "no server has it yet",
                       ("ns1.example.com (192.0.2.53): has no TXT record yet",), wanted=("value-one", "value-two"))
    lines = check_body(check).plain.splitlines()
    assert lines[-3:] == ["to publish:", "  value-one", "  value-two"]
    passed = ProofCheck("_acme-challenge.example.com", True, "all servers have it", wanted=("value-one",))
    assert "to publish" not in check_body(passed).plain


def test_the_self_check_says_what_it_wanted(monkeypatch):
    from certwizard.dcv.publish import DnsProof
    from certwizard.services.domain_proof import self_check

    proofs = [DnsProof("example.com", "_acme-challenge.example.com", "abc"),
              DnsProof("*.example.com", "_acme-challenge.example.com", "def")]
    [check] = self_check(proofs, environ={"CERTWIZARD_DNS_SERVERS": "127.0.0.1:9"})   # nobody answers there
    assert not check.passed and check.wanted == ("abc", "def")
