"""A loopback fake of Alibaba Cloud's SSL Certificates Service (CAS), RPC API version 2020-04-07.

Why a fake of our own: this is the one hand-written side of the protocol. certwizard talks to it through the
official SDK (alibabacloud-cas20200407), so the fake checks what the service checks before it answers:
the ACS3-HMAC-SHA256 signature over method, "/", the sorted RFC 3986 query, the signed headers and the
hashed body; that the x-acs-* headers are there and signed; the API version; a date within 15 minutes; a
nonce never seen before; a body whose SHA-256 matches x-acs-content-sha256. A client with a wrong secret, a
stale clock or a replayed request is refused with the service's error JSON, as the SDK expects it.

It serves the two generations of the API a user may hold:
- V2 instances: ListInstances, GetInstanceDetail, UpdateInstance, ApplyCertificate, CancelPendingCertificate,
  plus the identity records OV/EV need (CreateCompany, CreateContact).
- V1 resource-plan orders: ListUserCertificateOrder, DescribePackageState, CreateCertificateForPackageRequest,
  DescribeCertificateState, CancelOrderRequest, GetUserCertificateDetail.
Answers use the wire names of the SDK's response models (tests/ca/test_alibaba_fake.py checks each one
against the model). Nothing decides on its own: the test seeds instances and orders, then moves an
application along with `dcv_passed`, `issue` or `fail`; `issue` signs with certwizard's sandbox CA in the
fake's own folder, so chains are real and verify against `fake.root_pem`.

Where the service's behaviour is not documented, the fake picks one and says so here:
- V2 has no "failed" status: a refused application goes back to `inactive` with the CA's reason in
  PendingResult (its details kept, so it can be corrected and applied for again).
- V2 DCV records: DNS is a TXT record whose ValidationKey is the host relative to RootDomain
  ("_dnsauth" or "_dnsauth.www"); HTTP has ValidationKey = the file's path on Domain
  ("/.well-known/pki-validation/fileauth.txt") and ValidationValue = its content. V1 uses the same host
  record (RecordDomain) and path (Uri) for its single record.
- An issued V2 instance reports Status normal, CertificateStatus issued and PendingResult "issued" (as
  Alibaba's own CLI skill observes); a wildcard-only product also covers the base name, as it observes too.
- Error codes for a missing instance/order ("NotFound", 404) and for a state that forbids the call
  ("OperationDenied.StatusNotSupport") come from Alibaba's Terraform provider and CLI skill; the quota one
  ("InsufficientQuota") from a CLI skill note. The gateway codes (signature, nonce, date, throttling,
  unknown action) are the public POP gateway's.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import itertools
import json
import re
import secrets
import tempfile
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from certwizard.ca.sandbox_pki import SandboxPKI

API_VERSION = "2020-04-07"
ALGORITHM = "ACS3-HMAC-SHA256"
HOST_ID = "cas.aliyuncs.com"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MAX_CLOCK_SKEW = timedelta(minutes=15)
TEST_ACCESS_KEY_ID = "LTAI5tFakeCasTestKey01"
TEST_ACCESS_KEY_SECRET = "fake-cas-test-secret-not-a-real-one"
REQUIRED_SIGNED_HEADERS = ("host", "x-acs-action", "x-acs-content-sha256", "x-acs-date",
                           "x-acs-signature-nonce", "x-acs-version")
V2_STATUSES = ("inactive", "pending", "normal", "willExpire", "expired", "refund", "closed")
V1_STATUSES = ("PAYED", "CHECKING", "CHECKED_FAIL", "ISSUED", "WILLEXPIRED", "EXPIRED", "NOTACTIVATED",
               "REVOKED")
# How long before its end the service calls an issued certificate willExpire (V2) / WILLEXPIRED (V1). The API
# reference does not give the threshold; the console warns about 60 days ahead, so the fake says it then.
WILL_EXPIRE_DAYS = 60
LEVELS = ("DV", "OV", "EV")
DOMAIN_TYPES = ("ONE", "MULTIPLE", "WILDCARD", "M_WILDCARD")
DNS_HOST_LABEL = "_dnsauth"
FILE_PATH = "/.well-known/pki-validation/fileauth.txt"
BRAND_CODES = {"DigiCert": "ss", "GeoTrust": "geo", "GlobalSign": "gs", "RapidSSL": "rap", "vTrus": "vt",
               "CFCA": "cfca", "WoSign": "ws"}
PRODUCT_BRANDS = {"digicert": "DigiCert", "symantec": "DigiCert", "geotrust": "GeoTrust",
                  "globalsign": "GlobalSign", "cfca": "CFCA", "vtrus": "vTrus", "wosign": "WoSign"}
KEY_ALGORITHMS = ("RSA_2048", "RSA_3072", "RSA_4096", "ECC_256", "SM2")
_NAME = re.compile(r"(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}", re.IGNORECASE)


# --- errors -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CasError(Exception):
    """An answer the service gives instead of a result: HTTP status, Code and Message."""

    status: int
    code: str
    message: str


def _missing(name: str) -> CasError:
    return CasError(400, f"Missing{name}", f"{name} is mandatory for this action.")


def _invalid(name: str, why: str) -> CasError:
    return CasError(400, "InvalidParameter", f"The specified parameter {name} is not valid: {why}")


def _not_found(what: str, ident: object) -> CasError:
    return CasError(404, "NotFound", f"The specified {what} {ident} does not exist.")


def _status_denied(what: str, status: str) -> CasError:
    return CasError(400, "OperationDenied.StatusNotSupport",
                    f"The current status of the {what} ({status}) does not support this operation.")


def _incomplete(why: str) -> CasError:
    return CasError(400, "IncompleteSignature",
                    f"The request signature does not conform to Aliyun standards: {why}")


UNKNOWN_ACTION = CasError(404, "InvalidAction.NotFound",
                          "Specified api is not found, please check your url and method.")

# What `fail_next` can force, keyed by kind.
FORCED_ERRORS = {
    "throttling": CasError(400, "Throttling.User", "Request was denied due to user flow control."),
    "quota": CasError(400, "InsufficientQuota",
                      "The certificate resource plan has no quota left for this product."),
    "signature": CasError(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."),
    "unavailable": CasError(503, "ServiceUnavailable",
                            "The request has failed due to a temporary failure of the server."),
}


class FakeCasMisuse(AssertionError):
    """A test asked the fake for something its state does not allow (e.g. issue before DCV)."""


# --- the signature, as the service checks it ----------------------------------------------------------------

def rfc3986(text: str) -> str:
    return urllib.parse.quote(text, safe="~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{rfc3986(k)}={rfc3986(v)}" for k, v in sorted(params.items()))


def string_to_sign(method: str, params: dict[str, str], headers: dict[str, str], signed: list[str],
                   body_sha256: str) -> str:
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    request = "\n".join([method, "/", canonical_query(params), canonical_headers, ";".join(signed),
                         body_sha256])
    return f"{ALGORITHM}\n{hashlib.sha256(request.encode()).hexdigest()}"


def signature(secret: str, to_sign: str) -> str:
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def _parse_authorization(value: str) -> tuple[str, list[str], str]:
    """(AccessKeyId, signed header names, signature) from an ACS3 Authorization header."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise CasError(400, "InvalidSignatureMethod", "Specified signature method is not valid.")
    parts = dict(part.strip().partition("=")[::2] for part in rest.split(",") if "=" in part)
    if not all(parts.get(name) for name in ("Credential", "SignedHeaders", "Signature")):
        raise _incomplete("Authorization needs Credential, SignedHeaders and Signature")
    return parts["Credential"], [h.strip().lower() for h in parts["SignedHeaders"].split(";")], parts["Signature"]


# --- small helpers ------------------------------------------------------------------------------------------

def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None and not k.startswith("_")}


@functools.cache
def _suffix_list() -> Any:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def root_domain(name: str) -> str:
    bare = name[2:] if name.startswith("*.") else name
    return _suffix_list().privatesuffix(bare.lower()) or bare


def dns_host_record(name: str) -> str:
    """The TXT record's host relative to the root domain: `_dnsauth` or `_dnsauth.www`."""
    bare = name[2:] if name.startswith("*.") else name
    sub = bare[: -len(root_domain(name))].rstrip(".")
    return f"{DNS_HOST_LABEL}.{sub}" if sub else DNS_HOST_LABEL


def _split_domains(text: str) -> list[str]:
    return [d.strip() for d in text.split(",") if d.strip()]


def _check_names(names: list[str]) -> None:
    if not names:
        raise _missing("Domain")
    for name in names:
        if len(name) > 253 or not _NAME.fullmatch(name):
            raise _invalid("Domain", f"{name!r} is not a domain name")
    if len({n.lower() for n in names}) != len(names):
        raise _invalid("Domain", "a domain is listed twice")


def _csr(pem: str) -> x509.CertificateSigningRequest:
    try:
        csr = x509.load_pem_x509_csr(pem.encode())
    except ValueError:
        raise _invalid("Csr", "not a PEM certificate request") from None
    if not csr.is_signature_valid:
        raise _invalid("Csr", "its signature does not verify")
    return csr


def _csr_names(csr: x509.CertificateSigningRequest) -> list[str]:
    names = [a.value for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    try:
        sans = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names += [n for n in sans.get_values_for_type(x509.DNSName) if n not in names]
    except x509.ExtensionNotFound:
        pass
    return [str(n) for n in names]


def _key_algorithm(public_key: object) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA_{public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"ECC_{public_key.curve.key_size}"
    return "unknown"


def _generated_key_and_csr(algorithm: str, common_name: str, names: list[str]) -> tuple[str, str]:
    """What the service does for GenerateCsrMethod=online: a key of its own and a CSR for it."""
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if algorithm.startswith("RSA_"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(algorithm[4:]))
    elif algorithm == "ECC_256":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        raise _invalid("KeyAlgorithm", f"{algorithm} keys are not generated by this fake")
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
           .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    return key_pem, csr.public_bytes(serialization.Encoding.PEM).decode()


def _domain_counts(domain_type: str, count: int) -> tuple[int, int]:
    """(plain names, wildcard names) a product covers."""
    return {"ONE": (1, 0), "MULTIPLE": (count, 0), "WILDCARD": (0, 1), "M_WILDCARD": (0, count)}[domain_type]


def _check_fits_product(names: list[str], full: int, wildcard: int) -> None:
    wild = sum(n.startswith("*.") for n in names)
    if wild > wildcard or len(names) - wild > full:
        raise CasError(400, "DomainAndProductNotMatch",
                       f"The product covers {full} domain(s) and {wildcard} wildcard domain(s); "
                       f"{len(names) - wild} and {wild} were given.")


class Params:
    """The request's parameters (query and form body, flat as the SDK sends them)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def text(self, name: str, required: bool = False, choices: tuple[str, ...] = ()) -> str | None:
        value = self.values.get(name)
        if value in (None, ""):
            if required:
                raise _missing(name)
            return None
        if choices and value not in choices:
            raise _invalid(name, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def integer(self, name: str, required: bool = False, default: int | None = None) -> int | None:
        value = self.text(name, required)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise _invalid(name, f"{value!r} is not a number") from None

    def boolean(self, name: str) -> bool | None:
        value = self.text(name)
        return None if value is None else value.lower() == "true"

    def repeated(self, name: str) -> list[str]:
        """`Name.1`, `Name.2`, ... in order (the SDK flattens lists this way)."""
        found = []
        for index in itertools.count(1):
            if f"{name}.{index}" not in self.values:
                return found
            found.append(self.values[f"{name}.{index}"])
        return found


def _page(rows: list[dict[str, Any]], params: Params, default_size: int, max_size: int
          ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    current = params.integer("CurrentPage", default=1)
    size = params.integer("ShowSize", default=default_size)
    assert current is not None and size is not None
    if current < 1:
        raise _invalid("CurrentPage", "pages count from 1")
    if not 1 <= size <= max_size:
        raise _invalid("ShowSize", f"give 1 to {max_size}")
    start = (current - 1) * size
    return rows[start:start + size], {"CurrentPage": current, "ShowSize": size, "TotalCount": len(rows)}


@dataclass(frozen=True)
class Call:
    """One request the fake answered (after its signature checked out, or why it did not)."""

    action: str
    params: dict[str, str]
    request_id: str
    status: int
    code: str | None = None
    response: dict[str, Any] = field(default_factory=dict)


# --- the fake -----------------------------------------------------------------------------------------------

class FakeCas:
    """The service's state (plain dicts) and the helpers a test drives it with; see `start_fake_cas`."""

    def __init__(self, pki_dir: Path, access_key_id: str = TEST_ACCESS_KEY_ID,
                 access_key_secret: str = TEST_ACCESS_KEY_SECRET, validity_days: int = 365) -> None:
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.validity_days = validity_days
        self.clock_offset = timedelta(0)       # the service's clock minus the real one
        self.endpoint = ""                     # "127.0.0.1:PORT" once serving
        self.pki = SandboxPKI(pki_dir).ensure()
        self.instances: dict[str, dict[str, Any]] = {}
        self.orders: dict[int, dict[str, Any]] = {}
        self.certificates: dict[int, dict[str, Any]] = {}
        self.companies: dict[int, dict[str, Any]] = {}
        self.contacts: dict[int, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self._forced: dict[str, list[tuple[CasError, int | None]]] = {}
        self._nonces: set[str] = set()
        self._ids = itertools.count(1)
        self.lock = threading.RLock()

    @property
    def root_pem(self) -> str:
        return self.pki.root_certificate.public_bytes(serialization.Encoding.PEM).decode()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    def _next_id(self, base: int) -> int:
        return base + next(self._ids)

    # --- seeding ------------------------------------------------------------------------------------------

    def add_instance(self, brand: str = "DigiCert", level: str = "DV", domain_type: str = "ONE",
                     domain_count: int = 1, status: str = "inactive", instance_type: str = "BUY") -> str:
        """A V2 instance the user bought; returns its InstanceId."""
        if level not in LEVELS or domain_type not in DOMAIN_TYPES or status not in V2_STATUSES:
            raise FakeCasMisuse(f"level {level}, domain_type {domain_type}, status {status}?")
        full, wildcard = _domain_counts(domain_type, domain_count)
        now = self.now()
        instance_id = f"cas-cn-{secrets.token_hex(6)}"
        spec_kind = "w" if wildcard else ("m" if full > 1 else "1")
        with self.lock:
            self.instances[instance_id] = {
                "InstanceId": instance_id, "Brand": brand, "CertificateType": level, "Status": status,
                "InstanceType": instance_type, "Spec": f"{BRAND_CODES.get(brand, 'ss')}.{level.lower()}.{spec_kind}",
                "FullDomainCount": full, "WildcardDomainCount": wildcard,
                "InstanceStartTime": _ms(now), "InstanceEndTime": _ms(now + timedelta(days=365)),
                "OrderStartTime": _ms(now), "OrderEndTime": _ms(now + timedelta(days=365)),
                "AutoReissue": "disable", "AutoReissueFlag": 0, "AverageWaitingTime": "300",
                "DomainValidationList": [], "_stage": None, "_key": None,
            }
        return instance_id

    def add_resource_order(self, product_code: str = "symantec-dv-1-starter", status: str = "PAYED",
                           brand: str | None = None, cert_type: str | None = None,
                           domain_type: str | None = None, domain_count: int = 1,
                           source_type: str = "cpack") -> int:
        """One unit of a V1 resource plan (pending application); returns its OrderId."""
        parts = product_code.split("-")
        brand = brand or PRODUCT_BRANDS.get(parts[0], parts[0])
        level = cert_type or (parts[1].upper() if len(parts) > 1 and parts[1].upper() in LEVELS else "DV")
        wildcard = len(parts) > 2 and parts[2] == "w"
        domain_type = domain_type or ("WILDCARD" if wildcard else "ONE")
        if status not in V1_STATUSES or domain_type not in DOMAIN_TYPES:
            raise FakeCasMisuse(f"status {status}, domain_type {domain_type}?")
        full, wild = _domain_counts(domain_type, domain_count)
        with self.lock:
            order_id = self._next_id(20250000)
            self.orders[order_id] = {
                "OrderId": order_id, "InstanceId": f"cas-ivauto-{secrets.token_hex(4)}",
                "AliyunOrderId": self._next_id(230000000000), "ProductCode": product_code,
                "ProductName": f"{brand} {level} SSL ({domain_type.lower()})", "CertType": level,
                "RootBrand": brand, "DomainType": domain_type, "DomainCount": full, "WildDomainCount": wild,
                "BuyDate": _ms(self.now()), "Status": status, "SourceType": source_type,
                "TrusteeStatus": "unTrustee", "_type": "payed", "_key": None,
            }
        return order_id

    # --- moving an application along ----------------------------------------------------------------------

    def validation(self, ident: str | int) -> list[dict[str, Any]]:
        """What the CA asks to see published: V2 DomainValidationList, or V1 records in the same form."""
        with self.lock:
            if isinstance(ident, str):
                return [dict(v) for v in self._instance(ident)["DomainValidationList"]]
            return [dict(v) for v in self._order(ident).get("_validation", [])]

    def dcv_passed(self, ident: str | int) -> None:
        """The CA saw the records: the application goes to review."""
        with self.lock:
            if isinstance(ident, str):
                instance = self._instance(ident)
                self._expect(instance.get("_stage") == "dcv", f"{ident} is not waiting for DCV")
                instance["_stage"] = "review"
            else:
                order = self._order(ident)
                self._expect(order["_type"] == "domain_verify", f"order {ident} is not waiting for DCV")
                order["_type"] = "process"

    def issue(self, ident: str | int, validity_days: int | None = None) -> int:
        """The CA signs after review; returns the CertId. Refuses (FakeCasMisuse) before DCV passed."""
        with self.lock:
            if isinstance(ident, str):
                return self._issue_instance(self._instance(ident), validity_days or self.validity_days)
            return self._issue_order(self._order(ident), validity_days or self.validity_days)

    def fail(self, ident: str | int, reason: str) -> None:
        """The CA refuses the application with `reason` (V2: PendingResult; V1: verify_fail)."""
        with self.lock:
            if isinstance(ident, str):
                instance = self._instance(ident)
                self._expect(instance["Status"] == "pending", f"{ident} has no application under way")
                instance.update(Status="inactive", PendingResult=reason, DomainValidationList=[], _stage=None)
            else:
                order = self._order(ident)
                self._expect(order["_type"] in ("domain_verify", "process"), f"order {ident} is not under way")
                order.update(Status="CHECKED_FAIL", _type="verify_fail", _reason=reason)

    def fail_next(self, action: str, kind: str, retry_after: int | None = None) -> None:
        """The next call of `action` is answered with the error of `kind` (see FORCED_ERRORS).

        `retry_after` adds x-acs-retry-after, which the SDK turns into a ThrottlingException."""
        if kind not in FORCED_ERRORS or action not in ACTIONS:
            raise FakeCasMisuse(f"kind {kind!r} or action {action!r} is not known")
        with self.lock:
            self._forced.setdefault(action, []).append((FORCED_ERRORS[kind], retry_after))

    def calls_to(self, action: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.action == action]

    def instance(self, instance_id: str) -> dict[str, Any]:
        with self.lock:
            return dict(self._instance(instance_id))

    def order(self, order_id: int) -> dict[str, Any]:
        with self.lock:
            return dict(self._order(order_id))

    def _instance(self, instance_id: str) -> dict[str, Any]:
        if instance_id not in self.instances:
            raise _not_found("instance", instance_id)
        return self.instances[instance_id]

    def _order(self, order_id: int) -> dict[str, Any]:
        if order_id not in self.orders:
            raise _not_found("order", order_id)
        return self.orders[order_id]

    @staticmethod
    def _expect(condition: bool, why: str) -> None:
        if not condition:
            raise FakeCasMisuse(why)

    def _issue_instance(self, instance: dict[str, Any], validity_days: int) -> int:
        self._expect(instance.get("_stage") == "review", f"{instance['InstanceId']} has not passed DCV")
        names = _split_domains(instance["Domain"])
        if instance["FullDomainCount"] == 0 and len(names) == 1:
            names.append(names[0][2:])        # a wildcard-only product covers its base name too
        organization = self._organization(instance.get("CompanyId"))
        cert_id = self._sign(instance["Csr"], names, validity_days, instance["CertificateType"], organization,
                             key_pem=instance["_key"], instance_id=instance["InstanceId"],
                             name=instance.get("CertificateName"))
        certificate = self.certificates[cert_id]
        instance.update(Status="normal", CertificateStatus="issued", PendingResult="issued", CertificateId=cert_id,
                        CertIdentifier=f"{cert_id}-cn-hangzhou", _certificate_domain=",".join(names),
                        CertificateNotBefore=certificate["_not_before"], CertificateNotAfter=certificate["_not_after"],
                        DomainValidationList=[], _stage=None)
        return cert_id

    def _issue_order(self, order: dict[str, Any], validity_days: int) -> int:
        self._expect(order["_type"] == "process", f"order {order['OrderId']} has not passed DCV")
        cert_id = self._sign(order["_csr"], _split_domains(order["Domain"]), validity_days, order["CertType"],
                             order.get("_organization"), key_pem=order["_key"], order_id=order["OrderId"])
        certificate = self.certificates[cert_id]
        order.update(Status="ISSUED", _type="certificate", CertificateId=cert_id,
                     CertStartTime=certificate["_not_before"], CertEndTime=certificate["_not_after"])
        return cert_id

    def _age(self) -> None:
        """Issued certificates move to will-expire and expired by the service's clock, as the real one's do."""
        now = _ms(self.now())
        soon = _ms(self.now() + timedelta(days=WILL_EXPIRE_DAYS))
        for instance in self.instances.values():
            end = instance.get("CertificateNotAfter")
            if instance["Status"] in ("normal", "willExpire") and end is not None:
                status = "expired" if now >= end else ("willExpire" if soon >= end else instance["Status"])
                instance.update(Status=status, CertificateStatus="issued" if status == "normal" else status)
        for order in self.orders.values():
            end = order.get("CertEndTime")
            if order["Status"] in ("ISSUED", "WILLEXPIRED") and end is not None:
                order["Status"] = "EXPIRED" if now >= end else ("WILLEXPIRED" if soon >= end else order["Status"])

    def _organization(self, company_id: int | None) -> dict[str, str] | None:
        company = self.companies.get(company_id) if company_id is not None else None
        if company is None:
            return None
        return {"name": company["CompanyName"], "country": company.get("CountryCode") or "CN",
                "state": company.get("Province") or "", "locality": company.get("City") or ""}

    def _sign(self, csr_pem: str, names: list[str], validity_days: int, level: str,
              organization: dict[str, str] | None, key_pem: str | None, instance_id: str | None = None,
              order_id: int | None = None, name: str | None = None) -> int:
        bundle = self.pki.issue(csr_pem.encode(), names, validity_days,
                                organization=organization if level != "DV" else None, level=level)
        cert_id = self._next_id(14000000)
        self.certificates[cert_id] = {
            "Id": cert_id, "InstanceId": instance_id, "OrderId": order_id, "Name": name or f"cert-{cert_id}",
            "_leaf": bundle.certificate_pem, "_chain": bundle.chain_pem, "_key": key_pem, "_names": names,
            "_not_before": _ms(bundle.not_before), "_not_after": _ms(bundle.not_after),
        }
        return cert_id

    # --- one request ----------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes
               ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Check the request like the service, then answer it: (status, extra headers, JSON body)."""
        request_id = _request_id()
        action = headers.get("x-acs-action", "")
        params: dict[str, str] = {}
        extra: dict[str, str] = {"x-acs-request-id": request_id}
        try:
            params = self._params(path, headers, body)
            with self.lock:
                self._authenticate(method, params, headers, body)
                forced = self._forced.get(action, [])
                if forced:
                    error, retry_after = forced.pop(0)
                    if retry_after is not None:
                        extra["x-acs-retry-after"] = str(retry_after)
                    raise error
                self._age()
                answer = {"RequestId": request_id, **ACTIONS[action](self, Params(params))}
                self.calls.append(Call(action, params, request_id, 200, None, answer))
            return 200, extra, answer
        except Exception as exc:
            # A bug in the fake (or a sandbox CA refusal) still answers, so the SDK shows it instead of hanging.
            error = exc if isinstance(exc, CasError) else CasError(500, "InternalError", f"fake CAS: {exc!r}")
            answer = {"RequestId": request_id, "HostId": HOST_ID, "Code": error.code, "Message": error.message,
                      "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product=Cas"}
            with self.lock:
                self.calls.append(Call(action, params, request_id, error.status, error.code, answer))
            return error.status, extra, answer

    @staticmethod
    def _params(path: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
        url = urllib.parse.urlsplit(path)
        if url.path != "/":
            raise UNKNOWN_ACTION
        params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        if body and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
        return params

    def _authenticate(self, method: str, params: dict[str, str], headers: dict[str, str], body: bytes) -> None:
        if "authorization" not in headers:
            raise _incomplete("the Authorization header is missing")
        key_id, signed, claimed = _parse_authorization(headers["authorization"])
        if key_id != self.access_key_id:
            raise CasError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        for name in REQUIRED_SIGNED_HEADERS:
            if not headers.get(name):
                raise _incomplete(f"the {name} header is missing")
        unsigned = [n for n in headers if (n == "host" or n.startswith("x-acs-")) and n not in signed]
        if unsigned:
            raise _incomplete(f"{', '.join(sorted(set(unsigned)))} must be signed")
        body_sha256 = hashlib.sha256(body).hexdigest()
        if headers["x-acs-content-sha256"] != body_sha256:
            raise CasError(400, "SignatureDoesNotMatch", "x-acs-content-sha256 is not the SHA-256 of the body.")
        to_sign = string_to_sign(method, params, headers, signed, body_sha256)
        if not hmac.compare_digest(claimed, signature(self.access_key_secret, to_sign)):
            raise CasError(400, "SignatureDoesNotMatch",
                           f"Specified signature does not match our calculation. server string to sign is:{to_sign}")
        if headers["x-acs-version"] != API_VERSION:
            raise CasError(400, "InvalidVersion", "Specified parameter Version is not valid.")
        try:
            sent = datetime.strptime(headers["x-acs-date"], DATE_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise CasError(400, "InvalidTimeStamp.Format",
                           "Specified time stamp or date value is not well formatted.") from None
        if abs(self.now() - sent) > MAX_CLOCK_SKEW:
            raise CasError(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        nonce = headers["x-acs-signature-nonce"]
        if nonce in self._nonces:
            raise CasError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        self._nonces.add(nonce)
        if headers["x-acs-action"] not in ACTIONS:
            raise UNKNOWN_ACTION


# --- V2 instances -------------------------------------------------------------------------------------------

INSTANCE_LIST_FIELDS = ("InstanceId", "Brand", "CertificateType", "Status", "CertificateStatus", "InstanceType",
                        "Spec", "Domain", "CertificateDomain", "FullDomainCount", "WildcardDomainCount",
                        "KeyAlgorithm", "CertificateName", "CertificateId", "CertIdentifier",
                        "CertificateNotBefore", "CertificateNotAfter", "PendingResult", "AutoReissue",
                        "InstanceStartTime", "InstanceEndTime", "OrderStartTime", "OrderEndTime")


def list_instances(fake: FakeCas, params: Params) -> dict[str, Any]:
    status = params.text("Status", choices=V2_STATUSES)
    level = params.text("CertificateType")
    brand = params.text("Brand")
    keyword = params.text("Keyword")
    rows = [i for i in fake.instances.values()
            if (status is None or i["Status"] == status) and (level is None or i["CertificateType"] == level)
            and (brand is None or i["Brand"] == brand)
            and (keyword is None or keyword in i["InstanceId"] or keyword in (i.get("Domain") or ""))]
    page, paging = _page(rows, params, default_size=10, max_size=100)
    # Only the list names the issued certificate's domains (CertificateDomain); the detail has no such field.
    listed = [{**i, "CertificateDomain": i.get("_certificate_domain")} for i in page]
    return {**paging, "InstanceList": [_without_none({k: i.get(k) for k in INSTANCE_LIST_FIELDS}) for i in listed]}


def get_instance_detail(fake: FakeCas, params: Params) -> dict[str, Any]:
    instance = fake._instance(params.text("InstanceId", required=True) or "")
    return _without_none({**instance, "DomainValidationList": [dict(v) for v in instance["DomainValidationList"]]})


def update_instance(fake: FakeCas, params: Params) -> dict[str, Any]:
    instance = fake._instance(params.text("InstanceId", required=True) or "")
    if instance["Status"] != "inactive":
        raise _status_denied("instance", instance["Status"])
    method = params.text("GenerateCsrMethod", choices=("online", "upload"))
    validation = params.text("ValidationMethod", choices=("DNS", "HTTP"))
    algorithm = params.text("KeyAlgorithm", choices=KEY_ALGORITHMS)
    csr_pem = params.text("Csr")
    domain = params.text("Domain")
    if csr_pem is not None:
        csr = _csr(csr_pem)
        domain = domain or ",".join(_csr_names(csr))
        if algorithm is not None and _key_algorithm(csr.public_key()) != algorithm:
            raise _invalid("Csr", f"its key is {_key_algorithm(csr.public_key())}, not {algorithm}")
    if (method or instance.get("GenerateCsrMethod")) == "upload" and not (csr_pem or instance.get("Csr")):
        raise _missing("Csr")
    if domain is not None:
        names = _split_domains(domain)
        _check_names(names)
        _check_fits_product(names, instance["FullDomainCount"], instance["WildcardDomainCount"])
    company_id = params.integer("CompanyId")
    if company_id is not None and company_id not in fake.companies:
        raise _not_found("company", company_id)
    if not all(c.isdigit() for c in params.repeated("ContactIdList")):
        raise _invalid("ContactIdList", "contact ids are numbers")
    contacts = [int(c) for c in params.repeated("ContactIdList")]
    if unknown := [c for c in contacts if c not in fake.contacts]:
        raise _not_found("contact", unknown[0])
    changes = {"Domain": domain, "Csr": csr_pem, "GenerateCsrMethod": method, "ValidationMethod": validation,
               "KeyAlgorithm": algorithm, "CompanyId": company_id, "ContactIdList": contacts or None,
               "CountryCode": params.text("CountryCode"), "Province": params.text("Province"),
               "City": params.text("City"), "CertificateName": params.text("CertificateName"),
               "AutoReissue": params.text("AutoReissue", choices=("enable", "disable"))}
    instance.update(_without_none(changes))
    return {}


def apply_certificate(fake: FakeCas, params: Params) -> dict[str, Any]:
    instance = fake._instance(params.text("InstanceId", required=True) or "")
    if instance["Status"] != "inactive":
        raise _status_denied("instance", instance["Status"])
    for needed in ("Domain", "ContactIdList"):
        if not instance.get(needed):
            raise CasError(400, "MissingParameter", f"Set {needed} with UpdateInstance before applying.")
    if instance["CertificateType"] != "DV" and not instance.get("CompanyId"):
        raise CasError(400, "MissingParameter", "An OV or EV certificate needs CompanyId; set it with UpdateInstance.")
    names = _split_domains(instance["Domain"])
    validation = instance.get("ValidationMethod") or "DNS"
    if validation == "HTTP" and any(n.startswith("*.") for n in names):
        raise _invalid("ValidationMethod", "a wildcard domain can only be validated by DNS")
    method = instance.get("GenerateCsrMethod") or ("upload" if instance.get("Csr") else "online")
    if method == "online":
        key_pem, csr_pem = _generated_key_and_csr(instance.get("KeyAlgorithm") or "RSA_2048", names[0], names)
        instance.update(Csr=csr_pem, _key=key_pem, GenerateCsrMethod="online")
    instance.update(Status="pending", PendingResult=None, _stage="dcv", ValidationMethod=validation,
                    DomainValidationList=[_validation_record(n, validation) for n in names])
    return {}


def _validation_record(name: str, method: str) -> dict[str, str]:
    base = {"Domain": name, "RootDomain": root_domain(name), "ValidationValue": secrets.token_hex(20)}
    if method == "DNS":
        return {**base, "ValidationType": "TXT", "ValidationKey": dns_host_record(name)}
    return {**base, "ValidationType": "HTTP", "ValidationKey": FILE_PATH}


def cancel_pending_certificate(fake: FakeCas, params: Params) -> dict[str, Any]:
    instance = fake._instance(params.text("InstanceId", required=True) or "")
    if instance["Status"] != "pending":
        raise _status_denied("instance", instance["Status"])
    instance.update(Status="inactive", PendingResult=None, DomainValidationList=[], _stage=None)
    return {}


def create_company(fake: FakeCas, params: Params) -> dict[str, Any]:
    company_id = fake._next_id(3000)
    fake.companies[company_id] = _without_none({
        "CompanyId": company_id, "CompanyName": params.text("CompanyName", required=True),
        "CompanyType": params.integer("CompanyType"), "CompanyCode": params.text("CompanyCode"),
        "CompanyPhone": params.text("CompanyPhone"), "CountryCode": params.text("CountryCode"),
        "Province": params.text("Province"), "City": params.text("City"),
        "CompanyAddress": params.text("CompanyAddress"), "PostCode": params.text("PostCode")})
    return {"CompanyId": company_id}


def create_contact(fake: FakeCas, params: Params) -> dict[str, Any]:
    contact_id = fake._next_id(5000)
    fake.contacts[contact_id] = _without_none({
        "ContactId": contact_id, "Name": params.text("Name", required=True),
        "Mobile": params.text("Mobile", required=True), "Email": params.text("Email"),
        "Idcard": params.text("Idcard")})
    return {"ContactId": contact_id}


# --- V1 resource-plan orders --------------------------------------------------------------------------------

ORDER_FIELDS = ("OrderId", "InstanceId", "AliyunOrderId", "PartnerOrderId", "ProductCode", "ProductName",
                "CertType", "RootBrand", "DomainType", "DomainCount", "WildDomainCount", "Domain", "Algorithm",
                "BuyDate", "CertStartTime", "CertEndTime", "Status", "SourceType", "TrusteeStatus",
                "CertificateId")


def list_user_certificate_order(fake: FakeCas, params: Params) -> dict[str, Any]:
    kind = params.text("OrderType", choices=("CPACK", "BUY", "UPLOAD", "CERT")) or "CPACK"
    status = params.text("Status", choices=V1_STATUSES)
    keyword = params.text("Keyword")
    rows: list[dict[str, Any]]
    if kind == "CERT":
        rows = [_certificate_row(fake, c) for c in fake.certificates.values()]
    elif kind == "UPLOAD":
        rows = []
    else:
        rows = [_without_none({k: o.get(k) for k in ORDER_FIELDS}) for o in fake.orders.values()
                if o["SourceType"] == kind.lower()]
    rows = [r for r in rows if (status is None or r.get("Status") == status)
            and (keyword is None or keyword in f"{r.get('Domain', '')} {r.get('Sans', '')} {r.get('InstanceId')}")]
    page, paging = _page(rows, params, default_size=50, max_size=1000)
    return {**paging, "CertificateOrderList": page}


def _certificate_row(fake: FakeCas, certificate: dict[str, Any]) -> dict[str, Any]:
    detail = _certificate_detail(fake, certificate, with_pem=False)
    keys = ("CertificateId", "InstanceId", "OrderId", "Name", "CommonName", "Sans", "Issuer", "OrgName",
            "Fingerprint", "Sha2", "SerialNo", "StartDate", "EndDate", "Expired", "Algorithm", "Status")
    row = {**detail, "CertificateId": detail["Id"], "CommonName": detail.get("Common"), "Upload": False,
           "Status": "EXPIRED" if detail["Expired"] else "ISSUED"}
    return _without_none({k: row.get(k) for k in (*keys, "Upload")})


def describe_package_state(fake: FakeCas, params: Params) -> dict[str, Any]:
    code = params.text("ProductCode")
    orders = [o for o in fake.orders.values() if o["SourceType"] == "cpack" and code in (None, o["ProductCode"])]
    return _without_none({"ProductCode": code, "TotalCount": len(orders),
                          "UsedCount": sum(o["Status"] != "PAYED" for o in orders),
                          "IssuedCount": sum(o["Status"] == "ISSUED" for o in orders)})


def create_certificate_for_package_request(fake: FakeCas, params: Params) -> dict[str, Any]:
    code = params.text("ProductCode", required=True)
    order = next((o for o in fake.orders.values() if o["ProductCode"] == code and o["Status"] == "PAYED"), None)
    if order is None:
        raise FORCED_ERRORS["quota"]
    validate_type = params.text("ValidateType", choices=("DNS", "FILE")) or "DNS"
    csr_pem = params.text("Csr")
    domain = params.text("Domain")
    if csr_pem is None and domain is None:
        raise CasError(400, "MissingParameter", "Give Domain, Csr or both.")
    # With both, the service goes by the CSR.
    names = _csr_names(_csr(csr_pem)) if csr_pem is not None else _split_domains(domain or "")
    _check_names(names)
    if len(names) > 5 or len({n.startswith("*.") for n in names}) > 1:
        raise _invalid("Domain", "up to five names, all wildcard or all not")
    _check_fits_product(names, order["DomainCount"], order["WildDomainCount"])
    if validate_type == "FILE" and names[0].startswith("*."):
        raise _invalid("ValidateType", "a wildcard domain can only be validated by DNS")
    # Without CompanyName the service takes the company saved last (OV/EV only).
    organization = fake._organization(max(fake.companies, default=None))
    if company_name := params.text("CompanyName"):
        organization = {**(organization or {"country": "CN"}), "name": company_name}
    if order["CertType"] != "DV" and organization is None:
        raise CasError(400, "MissingParameter", "An OV or EV certificate needs CompanyName or a saved company.")
    key_pem = None
    if csr_pem is None:
        key_pem, csr_pem = _generated_key_and_csr("RSA_2048", names[0], names)
    record = _validation_record(names[0], "DNS" if validate_type == "DNS" else "HTTP")
    order.update(Status="CHECKING", _type="domain_verify", Domain=",".join(names), _csr=csr_pem, _key=key_pem,
                 Algorithm=_key_algorithm(_csr(csr_pem).public_key()).split("_")[0],
                 PartnerOrderId=f"CA{secrets.token_hex(5).upper()}", _validate_type=validate_type,
                 _validation=[record], _organization=organization)
    return {"OrderId": order["OrderId"]}


def renew_certificate_order_for_package_request(fake: FakeCas, params: Params) -> dict[str, Any]:
    """An issued plan order renewed: one more certificate of the same plan (ProductCode) is used for a new
    application of the same domains, validated the same way; the CSR (if given) must name those domains."""
    old = fake._order(params.integer("OrderId", required=True) or 0)
    if old["_type"] != "certificate":
        raise _status_denied("order", old["Status"])
    unit = next((o for o in fake.orders.values() if o["ProductCode"] == old["ProductCode"]
                 and o["Status"] == "PAYED" and o["SourceType"] == "cpack"), None)
    if unit is None:
        raise FORCED_ERRORS["quota"]
    names = _split_domains(old["Domain"])
    key_pem = None
    csr_pem = params.text("Csr")
    if csr_pem is None:
        key_pem, csr_pem = _generated_key_and_csr("RSA_2048", names[0], names)
    elif sorted(_csr_names(_csr(csr_pem))) != sorted(names):
        raise _invalid("Csr", f"it must name the domains of the order renewed ({old['Domain']})")
    validate_type = old.get("_validate_type") or "DNS"
    record = _validation_record(names[0], "DNS" if validate_type == "DNS" else "HTTP")
    unit.update(Status="CHECKING", _type="domain_verify", Domain=old["Domain"], _csr=csr_pem, _key=key_pem,
                Algorithm=_key_algorithm(_csr(csr_pem).public_key()).split("_")[0],
                PartnerOrderId=f"CA{secrets.token_hex(5).upper()}", _validate_type=validate_type,
                _validation=[record], _organization=old.get("_organization"), _renews=old["OrderId"])
    return {"OrderId": unit["OrderId"]}


def describe_certificate_state(fake: FakeCas, params: Params) -> dict[str, Any]:
    order = fake._order(params.integer("OrderId", required=True) or 0)
    state: dict[str, Any] = {"Type": order["_type"]}
    if order["_type"] == "domain_verify":
        record = order["_validation"][0]
        state["ValidateType"] = order["_validate_type"]
        if order["_validate_type"] == "DNS":
            state.update(RecordType="TXT", RecordDomain=record["ValidationKey"], RecordValue=record["ValidationValue"])
        else:
            state.update(Domain=record["Domain"], Uri=record["ValidationKey"], Content=record["ValidationValue"])
    elif order["_type"] == "certificate":
        certificate = fake.certificates[order["CertificateId"]]
        state.update(CertId=str(certificate["Id"]), Certificate=certificate["_leaf"] + certificate["_chain"],
                     PrivateKey=certificate["_key"])
    return _without_none(state)


def cancel_order_request(fake: FakeCas, params: Params) -> dict[str, Any]:
    order = fake._order(params.integer("OrderId", required=True) or 0)
    if order["_type"] not in ("domain_verify", "process"):
        raise _status_denied("order", order["Status"])
    for key in ("Domain", "Algorithm", "PartnerOrderId", "_csr", "_key", "_validation", "_validate_type",
                "_organization"):
        order.pop(key, None)
    order.update(Status="PAYED", _type="payed")
    return {}


def revoke_certificate(fake: FakeCas, params: Params) -> dict[str, Any]:
    """An issued instance's certificate revoked: the instance is closed, as the console shows it after."""
    instance = fake._instance(params.text("InstanceId", required=True) or "")
    if instance["Status"] not in ("normal", "willExpire"):
        raise _status_denied("instance", instance["Status"])
    certificate_id = params.integer("CertificateId")
    if certificate_id is not None and certificate_id != instance.get("CertificateId"):
        raise _not_found("certificate", certificate_id)
    instance.update(Status="closed", CertificateStatus="revoked", CertificateRevokeTime=_ms(fake.now()))
    return {}


def get_user_certificate_detail(fake: FakeCas, params: Params) -> dict[str, Any]:
    cert_id = params.integer("CertId", required=True) or 0
    if cert_id not in fake.certificates:
        raise _not_found("certificate", cert_id)
    return _certificate_detail(fake, fake.certificates[cert_id], with_pem=not params.boolean("CertFilter"))


def _certificate_detail(fake: FakeCas, certificate: dict[str, Any], with_pem: bool) -> dict[str, Any]:
    leaf = x509.load_pem_x509_certificate(certificate["_leaf"].encode())
    chain = [leaf, fake.pki.intermediate_certificate]
    now = fake.now()
    common = [str(a.value) for a in leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    organization = [str(a.value) for a in leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    issuer_cn = [str(a.value) for a in leaf.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)]
    detail = {
        "Id": certificate["Id"], "Name": certificate["Name"], "InstanceId": certificate["InstanceId"],
        "OrderId": certificate["OrderId"], "CertIdentifier": f"{certificate['Id']}-cn-hangzhou",
        "Common": common[0] if common else None, "Sans": ",".join(certificate["_names"]),
        "Issuer": issuer_cn[0] if issuer_cn else None, "OrgName": organization[0] if organization else None,
        "SerialNo": format(leaf.serial_number, "x"), "Algorithm": _key_algorithm(leaf.public_key()).split("_")[0],
        "Fingerprint": leaf.fingerprint(hashes.SHA1()).hex(), "Sha2": leaf.fingerprint(hashes.SHA256()).hex(),
        "CertSha2": leaf.fingerprint(hashes.SHA256()).hex(),
        "NotBefore": certificate["_not_before"], "NotAfter": certificate["_not_after"],
        "StartDate": leaf.not_valid_before_utc.strftime("%Y-%m-%d"),
        "EndDate": leaf.not_valid_after_utc.strftime("%Y-%m-%d"),
        "Expired": leaf.not_valid_after_utc < now, "BuyInAliyun": True,
    }
    if with_pem:
        detail.update(Cert=certificate["_leaf"] + certificate["_chain"], Key=certificate["_key"],
                      CertChain=[_chain_entry(c, now) for c in chain])
    return _without_none(detail)


def _chain_entry(certificate: x509.Certificate, now: datetime) -> dict[str, Any]:
    def cn(name: x509.Name) -> str:
        values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(values[0].value) if values else ""

    return {"CommonName": cn(certificate.subject), "IssuerCommonName": cn(certificate.issuer),
            "NotBefore": _ms(certificate.not_valid_before_utc), "NotAfter": _ms(certificate.not_valid_after_utc),
            "RemainDay": (certificate.not_valid_after_utc - now).days}


ACTIONS: dict[str, Callable[[FakeCas, Params], dict[str, Any]]] = {
    "ListInstances": list_instances,
    "GetInstanceDetail": get_instance_detail,
    "UpdateInstance": update_instance,
    "ApplyCertificate": apply_certificate,
    "CancelPendingCertificate": cancel_pending_certificate,
    "CreateCompany": create_company,
    "CreateContact": create_contact,
    "ListUserCertificateOrder": list_user_certificate_order,
    "DescribePackageState": describe_package_state,
    "CreateCertificateForPackageRequest": create_certificate_for_package_request,
    "DescribeCertificateState": describe_certificate_state,
    "RenewCertificateOrderForPackageRequest": renew_certificate_order_for_package_request,
    "CancelOrderRequest": cancel_order_request,
    "GetUserCertificateDetail": get_user_certificate_detail,
    "RevokeCertificate": revoke_certificate,
}


# --- HTTP ---------------------------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    fake: FakeCas       # set on the subclass made per server

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers: dict[str, str] = {}
        for name in {n.lower() for n in self.headers.keys()}:
            # Repeated headers are signed as their sorted values joined by commas, as the SDK does.
            headers[name] = ",".join(sorted(v.strip() for v in self.headers.get_all(name, [])))
        status, extra, answer = self.fake.handle(self.command, self.path, headers, body)
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass      # the calls are recorded on the fake instead


@contextmanager
def start_fake_cas(pki_dir: str | Path | None = None, **options: Any) -> Iterator[FakeCas]:
    """A FakeCas serving on 127.0.0.1 (a free port) until the block ends.

    `pki_dir` holds the sandbox CA that signs (a temporary folder when omitted); other options go to FakeCas
    (access_key_id, access_key_secret, validity_days)."""
    with tempfile.TemporaryDirectory(prefix="fake-cas-") as scratch:
        fake = FakeCas(Path(pki_dir) if pki_dir is not None else Path(scratch) / "pki", **options)
        handler = type("FakeCasHandler", (_Handler,), {"fake": fake})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        fake.endpoint = f"127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fake-cas", daemon=True)
        thread.start()
        try:
            yield fake
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


@contextmanager
def fake_cas_for_certwizard(monkeypatch) -> Iterator[FakeCas]:
    """A FakeCas that certwizard's Alibaba Cloud client reaches through the SDK's default credential chain, as
    on a real server: the AccessKey in the environment, the endpoint from CERTWIZARD_ALIBABA_ENDPOINT."""
    with start_fake_cas() as server:
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", server.access_key_id)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", server.access_key_secret)
        monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        monkeypatch.setenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
        monkeypatch.setenv("CERTWIZARD_ALIBABA_ENDPOINT", f"http://{server.endpoint}")
        from alibabacloud_credentials.utils import auth_util  # reads the environment once, when imported

        monkeypatch.setattr(auth_util, "environment_access_key_id", server.access_key_id)
        monkeypatch.setattr(auth_util, "environment_access_key_secret", server.access_key_secret)
        monkeypatch.setattr(auth_util, "environment_ecs_metadata_disabled", "true")
        yield server
