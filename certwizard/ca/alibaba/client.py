"""The official Alibaba Cloud SDK as certwizard's client of CAS 2020-04-07: one `call`, errors in words.

Why a wrapper: the SDK signs and sends (certwizard never does either itself); what it does not do is say what a
failure means for the user, retry what is safe to retry, and keep the RequestId a support ticket needs. Every
answer comes back as the API's own field names (`body.to_map()`), with its RequestId.

Credentials come only from Alibaba's default chain (environment, the aliyun CLI's profile, the credentials
file, the ECS RAM role); certwizard never reads, stores or shows an AccessKey.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from certwizard.ca.base import AuthorityError

ENDPOINT_VARIABLE = "CERTWIZARD_ALIBABA_ENDPOINT"     # e.g. http://127.0.0.1:PORT (tests)
DEFAULT_ENDPOINT = "cas.aliyuncs.com"
INSTALL_HINT = "pip install 'certwizard[alibaba]'"
ATTEMPTS = 4                    # a throttled or failed call is sent this many times in all
BACKOFF = (0.5, 1.0, 2.0)       # seconds before the 2nd, 3rd and 4th try (or the service's Retry-After)
MAX_RETRY_AFTER = 10.0
TIMEOUT_MS = 15_000

# Calls that change nothing may always be sent again; the others only when the service refused them before
# acting (throttling, a 503), never after a timeout, whose outcome is unknown.
READ_ONLY = re.compile(r"(List|Get|Describe)[A-Z]")

_ADVICE = {
    "InvalidAccessKeyId.NotFound": "Alibaba Cloud does not know this AccessKey ID: check "
                                   "ALIBABA_CLOUD_ACCESS_KEY_ID, or the CLI profile (aliyun configure list)",
    "InvalidAccessKeyId.Inactive": "this AccessKey is disabled: enable it or create another for a RAM user",
    "SignatureDoesNotMatch": "the AccessKey secret does not belong to its ID (the signature did not match): "
                             "check ALIBABA_CLOUD_ACCESS_KEY_SECRET or the CLI profile",
    "IncompleteSignature": "the request's signature was refused: check the AccessKey, and the system clock",
    "InvalidTimeStamp.Expired": "this machine's clock is off by more than 15 minutes: fix it (timedatectl, "
                                "chrony) and try again",
    "SignatureNonceUsed": "the service saw this request already; try again",
    "Forbidden.RAM": "the RAM user or role may not do this: grant it AliyunYundunCertFullAccess (or a policy "
                     "for the certificate service's actions)",
    "NoPermission": "the RAM user or role may not do this: grant it AliyunYundunCertFullAccess",
    "InsufficientQuota": "the resource plan has no certificate left: buy more in the console, or use an instance",
    "OperationDenied.StatusNotSupport": "the certificate is not in a state that allows this (it may have been "
                                        "issued, withdrawn or refunded meanwhile): refresh, then try again",
    "DomainAndProductNotMatch": "the domains do not fit the product bought (count, wildcards): change them "
                                "in Domains to Bind",
}


@dataclass(frozen=True)
class CasAnswer:
    body: dict[str, Any]
    request_id: str


def _sdk() -> tuple[Any, Any, Any]:
    try:
        from alibabacloud_cas20200407 import models
        from alibabacloud_cas20200407.client import Client
        from alibabacloud_tea_openapi import models as open_api_models
    except ImportError:
        raise AuthorityError(f"the Alibaba Cloud SDK is not installed: {INSTALL_HINT}") from None
    return Client, models, open_api_models


def endpoint_from_environment(environ: dict[str, str] | None = None) -> tuple[str, str]:
    """(endpoint, protocol): CERTWIZARD_ALIBABA_ENDPOINT when set (http://HOST:PORT for a local test
    server), else the service's public HTTPS endpoint."""
    text = (os.environ if environ is None else environ).get(ENDPOINT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_ENDPOINT, "https"
    match = re.fullmatch(r"(https?)://([A-Za-z0-9.\-\[\]:]+?)/?", text)
    if not match:
        raise AuthorityError(f"{ENDPOINT_VARIABLE}={text!r} is not an endpoint: give http(s)://HOST[:PORT], "
                             "or unset it for Alibaba Cloud's own")
    return match[2], match[1]


class CasApi:
    """One account's client: built on first use, calls sent with retries and answered as plain dicts."""

    def __init__(self, region: str, profile: str | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.region = region
        self.profile = profile
        self._sleep = sleep
        self._client: Any = None

    def _connect(self) -> Any:
        if self._client is None:
            Client, _, open_api_models = _sdk()
            from alibabacloud_credentials.client import Client as Credentials

            if self.profile:
                from alibabacloud_credentials.provider import CLIProfileCredentialsProvider

                credential = Credentials(provider=CLIProfileCredentialsProvider(profile_name=self.profile))
            else:
                credential = Credentials()
            endpoint, protocol = endpoint_from_environment()
            self._client = Client(open_api_models.Config(
                credential=credential, endpoint=endpoint, protocol=protocol, region_id=self.region,
                read_timeout=TIMEOUT_MS, connect_timeout=TIMEOUT_MS))
        return self._client

    def call(self, action: str, **params: Any) -> CasAnswer:
        """Send `action` (e.g. "GetInstanceDetail") with its parameters by their API names."""
        client = self._connect()
        _, models, _ = _sdk()
        method = getattr(client, re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower())
        request = getattr(models, f"{action}Request")().from_map({k: v for k, v in params.items()
                                                                  if v is not None})
        read_only = bool(READ_ONLY.match(action))
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = method(request)
            except Exception as exc:                     # noqa: BLE001 - the SDK's errors have no one base
                wait = self._retry_wait(exc, attempt, read_only)
                if wait is None:
                    raise self._refusal(action, exc, read_only) from None
                self._sleep(wait)
                continue
            body = response.body.to_map() if response.body is not None else {}
            return CasAnswer(body, str(body.get("RequestId") or ""))
        raise AssertionError("unreachable")              # the loop returns or raises

    def _retry_wait(self, exc: Exception, attempt: int, read_only: bool) -> float | None:
        """How long to wait before sending again, or None when the call must not be sent again."""
        if attempt >= ATTEMPTS:
            return None
        code, status = _code(exc), getattr(exc, "status_code", None)
        refused_before_acting = code.startswith("Throttling") or code == "ServiceUnavailable" or status == 503
        if not (refused_before_acting or (read_only and (_is_network(exc) or (status or 0) >= 500))):
            return None
        asked = getattr(exc, "retry_after", None)
        if isinstance(asked, (int, float)) and asked > 0:
            return min(float(asked) / (1000.0 if asked > 100 else 1.0), MAX_RETRY_AFTER)
        return BACKOFF[attempt - 1]

    def _refusal(self, action: str, exc: Exception, read_only: bool) -> AuthorityError:
        code = _code(exc)
        request_id = getattr(exc, "request_id", "") or ""
        ticket = f" (RequestId {request_id})" if request_id and request_id != "None" else ""
        if type(exc).__name__ == "CredentialException":
            return AuthorityError("no Alibaba Cloud credentials were found: set ALIBABA_CLOUD_ACCESS_KEY_ID and "
                                  "ALIBABA_CLOUD_ACCESS_KEY_SECRET, or configure the aliyun CLI (aliyun "
                                  "configure), or run on an ECS instance with a RAM role; use a RAM user "
                                  "limited to the certificate service")
        if code.startswith("Throttling"):
            return AuthorityError(f"Alibaba Cloud is throttling {action} requests ({code}) even after "
                                  f"{ATTEMPTS} tries; wait a minute and try again{ticket}")
        if code == "ServiceUnavailable" or getattr(exc, "status_code", None) == 503:
            return AuthorityError(f"the certificate service is unavailable (HTTP 503) after {ATTEMPTS} tries; "
                                  f"try again later{ticket}")
        if _is_network(exc):
            unknown = not read_only and not _never_sent(exc)
            then = ("it may have been done: refresh before trying again" if unknown else "nothing was changed")
            return AuthorityError(f"could not reach Alibaba Cloud for {action} ({_short(exc)}); {then}",
                                  outcome_unknown=unknown)
        advice = _ADVICE.get(code)
        message = _service_message(exc)
        if advice:
            return AuthorityError(f"Alibaba Cloud refused {action}: {advice} ({code}){ticket}")
        status = getattr(exc, "status_code", None)
        if status is not None and status >= 500:
            return AuthorityError(f"Alibaba Cloud failed {action} (HTTP {status}, {code}): {message}; try again "
                                  f"later{ticket}", outcome_unknown=not read_only)
        if code:
            return AuthorityError(f"Alibaba Cloud refused {action}: {message} ({code}){ticket}")
        return AuthorityError(f"Alibaba Cloud's SDK failed {action}: {_short(exc)}")


def _code(exc: Exception) -> str:
    code = getattr(exc, "code", None)
    return "" if code in (None, "None") else str(code)


def _service_message(exc: Exception) -> str:
    """The service's own message, without the SDK's 'code: 400, ... request id: ...' wrapping."""
    text = str(getattr(exc, "message", "") or exc)
    text = re.sub(r"^code: \d+, ", "", text)
    return re.sub(r" request id: \S+$", "", text).strip() or "no reason given"


def _is_network(exc: Exception) -> bool:
    """A connection that failed or timed out. The SDK (darabonba) wraps requests' errors in an
    UnretryableException around a RetryError, so its text is all there is to go by."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & _NETWORK_ERRORS or isinstance(exc, OSError):
        return True
    return "UnretryableException" in names and bool(_NETWORK_TEXT.search(repr(getattr(exc, "inner_exception", exc))))


def _never_sent(exc: Exception) -> bool:
    """The connection was never made, so the service cannot have acted."""
    return bool(_NOT_CONNECTED.search(repr(getattr(exc, "inner_exception", exc))))


_NETWORK_TEXT = re.compile(r"Max retries exceeded|Failed to establish|Connection (refused|reset|aborted)|"
                           r"timed out|Name or service not known|Temporary failure in name resolution")
_NOT_CONNECTED = re.compile(r"Failed to establish a new connection|Connection refused|Name or service not known|"
                            r"Temporary failure in name resolution")


# requests', aiohttp's and the standard library's names for a connection that failed or timed out
_NETWORK_ERRORS = {"ConnectionError", "Timeout", "ReadTimeout", "ConnectTimeout", "TimeoutError",
                   "ClientConnectorError", "ServerTimeoutError", "ClientOSError"}


def _short(exc: BaseException) -> str:
    text = repr(getattr(exc, "inner_exception", None) or exc)
    found = re.search(r"(Failed to establish a new connection: [^\"')]+|Read timed out[^\"')]*|"
                      r"Connection (refused|reset by peer|aborted)|Name or service not known|"
                      r"Temporary failure in name resolution)", text)
    if found:
        return found.group(0).strip()
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
