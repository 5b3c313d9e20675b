"""What an ACME server says, as plain frozen dataclasses: safe to keep, compare, show and test.

Why not the `acme` library's objects: they are josepy structures tied to the library's version and carry
the account key's JWK around; certwizard keeps URLs and facts instead, and asks again by URL (POST-as-GET).
Nothing here holds a secret: a key authorization is public (the CA fetches it over plain HTTP).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from pathlib import Path

DNS_01 = "dns-01"
HTTP_01 = "http-01"
HTTP_01_PATH_PREFIX = "/.well-known/acme-challenge/"
DNS_01_LABEL = "_acme-challenge"


@dataclass(frozen=True)
class DirectoryMeta:
    """The directory's `meta`: what the CA asks of a new account, and the profiles it offers."""

    terms_of_service: str | None = None
    website: str | None = None
    external_account_required: bool = False
    caa_identities: tuple[str, ...] = ()
    profiles: dict[str, str] = field(default_factory=dict)   # name -> description (empty where none)


@dataclass(frozen=True)
class AcmeProblem:
    """An RFC 7807 problem from the CA: `code` is the short ACME type (`unauthorized`, `dns`...)."""

    type: str                      # the full URN, e.g. urn:ietf:params:acme:error:unauthorized
    detail: str
    identifier: str | None = None  # the name the problem is about, where the CA says
    subproblems: tuple[AcmeProblem, ...] = ()

    @property
    def code(self) -> str:
        prefix = "urn:ietf:params:acme:error:"
        return self.type[len(prefix):] if self.type.startswith(prefix) else self.type

    def lines(self) -> list[str]:
        """One line per identifier when the CA gave subproblems, else the detail."""
        own = f"{self.identifier}: {self.detail}" if self.identifier else self.detail
        if not self.subproblems:
            return [own]
        return [own] + [line for sub in self.subproblems for line in sub.lines()]


@dataclass(frozen=True)
class AcmeAccount:
    """A registered account: its URL at the CA and the key file that signs for it (never the key itself)."""

    url: str
    key_path: Path
    status: str
    contact: tuple[str, ...] = ()
    terms_of_service: str | None = None    # what the CA showed when the account was made


@dataclass(frozen=True)
class DnsRecord:
    """The TXT record dns-01 wants: `name` has no trailing dot (e.g. _acme-challenge.example.com)."""

    name: str
    value: str
    type: str = "TXT"


@dataclass(frozen=True)
class HttpFile:
    """The file http-01 fetches at http://DOMAIN{path}: its body is `content`, nothing else."""

    path: str          # /.well-known/acme-challenge/TOKEN
    content: str       # the key authorization, TOKEN.THUMBPRINT

    @property
    def file_name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class AcmeChallenge:
    """One way to prove control of a name: dns-01 (with `dns`) or http-01 (with `http`)."""

    type: str
    url: str
    status: str
    token: str
    dns: DnsRecord | None = None
    http: HttpFile | None = None
    problem: AcmeProblem | None = None
    validated: datetime | None = None


@dataclass(frozen=True)
class AcmeAuthorization:
    """The CA's proof-of-control record for one identifier of an order."""

    url: str
    identifier: str          # as ordered: "*.example.com" for a wildcard
    domain: str              # the name validated: "example.com" for that wildcard
    wildcard: bool
    status: str              # pending, valid, invalid, deactivated, expired, revoked
    expires: datetime | None
    challenges: tuple[AcmeChallenge, ...]

    def challenge(self, challenge_type: str) -> AcmeChallenge | None:
        return next((c for c in self.challenges if c.type == challenge_type), None)

    @property
    def problem(self) -> AcmeProblem | None:
        """Why the authorization failed: the failed challenge's problem."""
        return next((c.problem for c in self.challenges if c.problem is not None), None)


@dataclass(frozen=True)
class AcmeOrder:
    """An order: its URL is all certwizard must keep to find it again.

    `authorizations` is filled when it was asked for (creating an order and waiting for one fetch them)."""

    url: str
    status: str              # pending, ready, processing, valid, invalid
    identifiers: tuple[str, ...]
    authorization_urls: tuple[str, ...]
    finalize_url: str
    certificate_url: str | None = None
    expires: datetime | None = None
    problem: AcmeProblem | None = None
    profile: str | None = None
    authorizations: tuple[AcmeAuthorization, ...] = ()

    @property
    def failed_authorizations(self) -> tuple[AcmeAuthorization, ...]:
        return tuple(a for a in self.authorizations if a.status == "invalid")

    def failure_lines(self) -> list[str]:
        """Why an invalid order failed, one line per identifier where the CA said so."""
        lines = [f"{a.identifier}: {a.problem.detail} ({a.problem.code})" if a.problem
                 else f"{a.identifier}: the authorization is invalid (the CA gave no reason)"
                 for a in self.failed_authorizations]
        if self.problem is not None and not lines:
            lines = self.problem.lines()
        return lines


@dataclass(frozen=True)
class CertificateChain:
    """What the certificate URL gave: PEM certificates, leaf first, then the intermediates."""

    certificates: tuple[str, ...]

    @property
    def leaf_pem(self) -> str:
        return self.certificates[0]

    @property
    def intermediates_pem(self) -> tuple[str, ...]:
        return self.certificates[1:]

    @property
    def full_chain_pem(self) -> str:
        return "".join(self.certificates)


class RevocationReason(IntEnum):
    """RFC 5280 CRLReason codes ACME CAs accept (RFC 8555 7.6; Let's Encrypt takes only these)."""

    UNSPECIFIED = 0
    KEY_COMPROMISE = 1
    AFFILIATION_CHANGED = 3
    SUPERSEDED = 4
    CESSATION_OF_OPERATION = 5
