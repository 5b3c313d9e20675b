"""ACME Renewal Information (RFC 9773): the CA's own window for renewing a certificate.

A CA whose directory names `renewalInfo` answers, per certificate, a suggested window (start, end), maybe an
explanation URL (an incident, a mass revocation ahead), and a Retry-After saying when to ask again. The
certificate is named by its certID: base64url of its Authority Key Identifier's keyIdentifier, a dot, and
base64url of the content bytes of its serial's DER INTEGER (a leading zero byte kept when the top bit is set).

The moment chosen within the window is random for the CA's sake (renewals of many clients spread out), but
derived from the certID, so one certificate keeps its moment from one check to the next, and "renew after"
does not wander while the window stays the same. Everything here is plain values; the request is made by
`client.AcmeClient.renewal_window`.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cryptography import x509

from certwizard.ca.base import AuthorityError

if TYPE_CHECKING:
    from certwizard.domain.models import RenewalHint

DEFAULT_ASK_AGAIN = timedelta(hours=6)   # no (or an unreadable) Retry-After
MIN_ASK_AGAIN = timedelta(minutes=1)     # RFC 9773 4.3 suggests about these limits to a CA's Retry-After
MAX_ASK_AGAIN = timedelta(days=1)
MAX_ANSWER_BYTES = 64 * 1024


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def serial_der_content(serial: int) -> bytes:
    """The content octets of the serial's DER INTEGER: two's complement, shortest form (so a leading zero
    byte when the top bit of a positive serial is set)."""
    length = serial.bit_length() // 8 + 1
    return serial.to_bytes(length, "big", signed=True)


def cert_id(certificate: x509.Certificate) -> str | None:
    """The RFC 9773 certID; None for a certificate without an Authority Key Identifier keyIdentifier."""
    try:
        aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except x509.ExtensionNotFound:
        return None
    if not aki.key_identifier:
        return None
    return f"{_b64url(aki.key_identifier)}.{_b64url(serial_der_content(certificate.serial_number))}"


def load_certificate(certificate_pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(certificate_pem.encode())
    except ValueError:
        raise AuthorityError("the stored certificate is not a readable PEM certificate, so the CA cannot be "
                             "asked when to renew it") from None


def ask_again_at(retry_after: str | None, now: datetime) -> datetime:
    """When to ask again: the CA's Retry-After (seconds or an HTTP date) kept within one minute and one day;
    six hours when it sent none or something unreadable."""
    wait = DEFAULT_ASK_AGAIN
    value = (retry_after or "").strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    elif value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            wait = (when if when.tzinfo else when.replace(tzinfo=UTC)) - now
    return now + min(max(wait, MIN_ASK_AGAIN), MAX_ASK_AGAIN)


@dataclass(frozen=True)
class RenewalWindow:
    """The CA's answer for one certificate."""

    cert_id: str
    start: datetime
    end: datetime
    explanation_url: str
    ask_again_at: datetime

    def moment(self) -> datetime:
        """A moment within the window, uniform over it and the same for the same certID and window."""
        digest = hashlib.sha256(self.cert_id.encode()).digest()
        fraction = int.from_bytes(digest[:8], "big") / 2**64
        return self.start + (self.end - self.start) * fraction

    def hint(self, now: datetime) -> RenewalHint:
        """The hint to store: renew after the chosen moment (already past when the window is), until its end."""
        from certwizard.domain.expiry import RenewalSource
        from certwizard.domain.models import RenewalHint

        return RenewalHint(after=self.moment(), source=RenewalSource.ARI, until=self.end,
                           detail=self.explanation_url, checked_at=now, ask_again_at=self.ask_again_at)


def _moment(value: Any, name: str, malformed: Any) -> datetime:
    if not isinstance(value, str):
        raise malformed(f"suggestedWindow.{name} is {'missing' if value is None else 'not a string'}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise malformed(f"suggestedWindow.{name} {value[:40]!r} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise malformed(f"suggestedWindow.{name} {value[:40]!r} has no time zone")
    return moment.astimezone(UTC)


def parse_window(body: bytes, retry_after: str | None, identifier: str, now: datetime, host: str
                 ) -> RenewalWindow:
    """The renewalInfo answer as a window; AuthorityError saying what is wrong when it is not one."""
    def malformed(what: str) -> AuthorityError:
        return AuthorityError(f"{host} gave a renewal window (ARI) certwizard cannot use: {what}.\n"
                              "Renewal falls back to 2/3 of the lifetime; if this keeps happening, report it "
                              "to the CA with this message.")

    if len(body) > MAX_ANSWER_BYTES:
        raise malformed(f"the answer is larger than {MAX_ANSWER_BYTES // 1024} KiB")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise malformed("the answer is not JSON") from None
    if not isinstance(data, dict):
        raise malformed("the answer is not a JSON object")
    window = data.get("suggestedWindow")
    if not isinstance(window, dict):
        raise malformed("it has no suggestedWindow object")
    start = _moment(window.get("start"), "start", malformed)
    end = _moment(window.get("end"), "end", malformed)
    if end <= start:
        raise malformed(f"the window ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    explanation = data.get("explanationURL", "")
    if not isinstance(explanation, str):
        raise malformed("explanationURL is not a string")
    return RenewalWindow(cert_id=identifier, start=start, end=end, explanation_url=explanation.strip()[:500],
                         ask_again_at=ask_again_at(retry_after, now))
