"""Why a certificate is revoked: the RFC 5280 reasons a publicly trusted CA accepts from a subscriber
(CA/Browser Forum Baseline Requirements 4.9.1.1; Let's Encrypt takes exactly these)."""

from __future__ import annotations

from enum import StrEnum


class RevocationReason(StrEnum):
    UNSPECIFIED = "unspecified"
    KEY_COMPROMISE = "keyCompromise"
    SUPERSEDED = "superseded"
    CESSATION_OF_OPERATION = "cessationOfOperation"

    @property
    def code(self) -> int:
        """The CRLReason code (RFC 5280 5.3.1)."""
        return {"unspecified": 0, "keyCompromise": 1, "superseded": 4, "cessationOfOperation": 5}[self.value]

    @property
    def words(self) -> str:
        return {"unspecified": "no reason given", "keyCompromise": "the private key was compromised",
                "superseded": "replaced by another certificate",
                "cessationOfOperation": "the site or service no longer exists"}[self.value]
