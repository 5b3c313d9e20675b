"""What an authority asks of the names in a CSR: a fact of the domain, which each authority states
(`CertificateAuthority.csr_name_rule`) and the CSR check (`crypto.csr_lint`) applies."""

from __future__ import annotations

from enum import StrEnum


class CsrNameRule(StrEnum):
    """What an authority asks of the names in a CSR. Each authority states its rule (`csr_name_rule`), and the
    CSR check (`crypto.csr_lint.lint_csr`) holds a pasted CSR to it, in the wizard as at submission."""

    FROM_ORDER = "from-order"
    """The authority issues for the names of the order and takes only the public key from the CSR (the
    sandbox, Alibaba Cloud and the resellers modelled on it). Every name the CSR holds must be a bound domain;
    bound domains the CSR lacks are added by the authority (a note, not a refusal), so a CSR with only a
    common name, as the common openssl how-to makes it, is fine."""

    EXACT = "exact"
    """ACME (RFC 8555 7.4): the CSR's common name and subjectAltNames together are exactly the order's
    identifiers, none missing and none more. The strictest rule, so also what a check that knows no
    authority uses."""
