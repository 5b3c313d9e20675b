"""ACME errors as `AuthorityError`s that say what is wrong and what to do, per identifier where the CA says.

Why a module of its own: the `acme` library raises `messages.Error` (an RFC 7807 problem), its own
`errors.*` and `requests` exceptions; the user must see one kind of refusal, in plain words, whatever layer
failed. `outcome_unknown` is set only when a request that changes something at the CA may have reached it
(the connection dropped or timed out after it was sent), so that the caller asks again instead of redoing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import requests
from acme import errors as acme_errors
from acme import messages
from urllib3.exceptions import MaxRetryError, NewConnectionError

from certwizard.ca.acme.models import AcmeProblem
from certwizard.ca.base import AuthorityError

# What to do, by ACME error code (RFC 8555 6.7 and the codes CAs use). The CA's detail says what is wrong.
ADVICE: dict[str, str] = {
    "accountDoesNotExist": "the CA has no account for this key; register a new account "
                           "(certwizard acme add)",
    "agreementRequired": "agree to the CA's terms of service (--agree-tos) and try again",
    "userActionRequired": "open the CA's terms of service or the page it names, do what it asks, "
                          "and try again",
    "externalAccountRequired": "this CA binds every account to one you made on its website: give the key id "
                               "and the HMAC key from that account page (--eab-kid, --eab-hmac-key-file)",
    "unauthorized": "the CA did not accept the proof: check the credentials or the published record",
    "rateLimited": "the CA's rate limit was reached; wait as long as it says and try again",
    "rejectedIdentifier": "the CA will not issue for this name; remove it from the order",
    "unsupportedIdentifier": "the CA cannot issue for this kind of name; remove it from the order",
    "caa": "a CAA record of the domain does not allow this CA: add the CA to the domain's CAA records, "
           "or remove the CAA record",
    "dns": "the CA could not look the name up: check that the domain's DNS answers from the internet",
    "connection": "the CA could not reach the server for the name: check that the name points at this "
                  "server and that port 80 is open (http-01), or use DNS validation",
    "incorrectResponse": "the CA found a different value than the one expected: publish exactly the value "
                         "shown, then verify again",
    "tls": "the CA's TLS connection to the server for the name failed; check the server's TLS set-up",
    "badCSR": "the CSR must hold exactly the ordered names and an accepted key; make a new key and CSR",
    "badPublicKey": "the CA does not accept this key type or size; use RSA 2048/3072/4096 or ECDSA "
                    "P-256/P-384",
    "badSignatureAlgorithm": "the CA does not accept this signature algorithm; use SHA-256 with RSA or ECDSA",
    "orderNotReady": "not every name is validated yet: publish the records, verify, then try again",
    "alreadyRevoked": "nothing more to do: the certificate is revoked already",
    "badRevocationReason": "choose one of the reasons ACME CAs accept: unspecified, keyCompromise, "
                           "affiliationChanged, superseded, cessationOfOperation",
    "invalidContact": "give an e-mail address the CA accepts (a real domain, no IP address)",
    "unsupportedContact": "give the contact as an e-mail address",
    "serverInternal": "the CA had an internal error; try again later",
    "badNonce": "the CA refused the request's nonce several times in a row; try again",
    "alreadyReplaced": "the certificate named as replaced was renewed by another order already",
    "malformed": "the CA did not understand the request; if this keeps happening, report it with the "
                 "detail above",
}
DEFAULT_ADVICE = "check the detail above; if it is unclear, try again later or ask the CA's support"
ACME_ERROR_PREFIX = "urn:ietf:params:acme:error:"


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


def problem_from_acme(error: messages.Error) -> AcmeProblem:
    """The library's problem as a plain `AcmeProblem` (subproblems kept, per identifier)."""
    identifier = error.identifier.value if error.identifier is not None else None
    subproblems = tuple(problem_from_acme(sub) for sub in (error.subproblems or ()))
    detail = error.detail or error.title or error.description or "no detail given"
    return AcmeProblem(type=str(error.typ), detail=" ".join(str(detail).split()), identifier=identifier,
                       subproblems=subproblems)


def problem_message(problem: AcmeProblem, action: str, host: str,
                    advice: Mapping[str, str] | None = None) -> str:
    """"HOST refused to ACTION: DETAIL (code). WHAT TO DO." with one line per identifier."""
    lines = problem.lines()
    head = f"{host} refused to {action}: {lines[0]} ({problem.code})"
    if len(lines) > 1:
        head += "\n" + "\n".join(f"  - {line}" for line in lines[1:])
    todo = (advice or {}).get(problem.code) or ADVICE.get(problem.code) or DEFAULT_ADVICE
    return f"{head}\n{todo[0].upper()}{todo[1:]}."


class AcmeRefusal(AuthorityError):
    """The CA answered with a problem document; `code` is its short ACME type, for callers that act on it."""

    def __init__(self, message: str, code: str, *, outcome_unknown: bool = False) -> None:
        super().__init__(message, outcome_unknown=outcome_unknown)
        self.code = code


def authority_error(error: messages.Error, action: str, host: str, *, changes_state: bool,
                    advice: Mapping[str, str] | None = None) -> AcmeRefusal:
    problem = problem_from_acme(error)
    # A 5xx may come after the CA did part of the work: only a state change needs that said.
    unknown = changes_state and problem.code == "serverInternal"
    return AcmeRefusal(problem_message(problem, action, host, advice), problem.code, outcome_unknown=unknown)


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached the server (no connection was ever made)."""
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError,
                        requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and exc.args:
        cause = exc.args[0]
        return isinstance(cause, MaxRetryError) and isinstance(cause.reason, NewConnectionError)
    return False


def network_error(exc: requests.RequestException, action: str, url: str, *, changes_state: bool,
                  timeout: float) -> AuthorityError:
    host = host_of(url)
    if isinstance(exc, requests.exceptions.SSLError):
        return AuthorityError(
            f"could not {action}: the TLS certificate of {host} is not trusted ({_short(exc)}).\n"
            "For a private CA (step-ca, Vault, Pebble) give its CA bundle (--ca-bundle FILE); "
            "for a public CA check the URL and the system's trust store.")
    if _never_sent(exc):
        return AuthorityError(
            f"could not {action}: {host} could not be reached ({_short(exc)}).\n"
            "Check the directory URL, the network and any proxy, then try again.")
    landed = changes_state
    if isinstance(exc, requests.exceptions.ReadTimeout):
        what = f"{host} did not answer within {timeout:g} s"
    else:
        what = f"the connection to {host} broke before its answer came ({_short(exc)})"
    then = ("The CA may have done it: certwizard will ask the CA before trying again."
            if landed else "Nothing was changed; try again.")
    return AuthorityError(f"could not {action}: {what}.\n{then}", outcome_unknown=landed)


def unexpected_answer(exc: Exception, action: str, host: str, *, changes_state: bool,
                      directory: bool = False) -> AuthorityError:
    """The server answered, but not as an ACME server does (HTML error page, wrong JSON, missing header)."""
    if isinstance(exc, acme_errors.ClientError) and exc.args and isinstance(exc.args[0], requests.Response):
        response = exc.args[0]
        what = f"HTTP {response.status_code} without an ACME problem document"
    else:
        what = _short(exc)
    todo = ("Check that the URL is the CA's ACME directory URL (it often ends in /directory or /dir)."
            if directory else "Try again later; if it keeps happening, report it with this message.")
    return AuthorityError(f"could not {action}: {host} gave an answer that is not ACME ({what}).\n{todo}",
                          outcome_unknown=changes_state)


_SHORT_FORMS = (
    re.compile(r"certificate verify failed: [^(')\"]+"),
    re.compile(r"(?<=Failed to establish a new connection: )[^'\")]+"),
    re.compile(r"Remote end closed connection without response|Connection reset by peer|Read timed out"),
)


def _short(exc: BaseException) -> str:
    """The useful part of a requests/urllib3 error (they nest, and repeat the URL and the pool)."""
    text = str(exc) or type(exc).__name__
    for form in _SHORT_FORMS:
        found = form.search(text)
        if found:
            return found.group(0).strip()
    return text if len(text) <= 160 else text[:157] + "..."
