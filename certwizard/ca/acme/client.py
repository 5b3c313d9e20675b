"""A small, typed ACME client over the `acme` library (certbot's): what certwizard asks of an ACME CA.

Why a wrapper: the library is blocking, verbose, returns josepy objects and cannot resume an order from its
URL. certwizard keeps URLs (account, order, authorizations, challenges, certificate) and asks again by
POST-as-GET, so every call here takes and returns plain values (`models`), and every failure is one
`AuthorityError` (`problems`). Every request has a bounded timeout and every wait a bounded deadline.

Keys: the account key is made here and written with certwizard's key-file helpers (PKCS#8, 0600 in a 0700
folder, never over an existing file); only its path is returned. The EAB HMAC key is used for the one
newAccount request and not kept. The certificate's key and CSR are made elsewhere (on this server).
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import josepy as jose
import requests
from acme import challenges, messages
from acme import client as acme_client
from acme import errors as acme_errors
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from certwizard import __version__
from certwizard.ca.acme import problems, renewal_info
from certwizard.ca.acme.models import (
    DNS_01,
    AcmeAccount,
    AcmeAuthorization,
    AcmeChallenge,
    AcmeOrder,
    CertificateChain,
    DirectoryMeta,
    DnsRecord,
    HttpFile,
    RevocationReason,
)
from certwizard.ca.base import AuthorityError
from certwizard.crypto import keys
from certwizard.domain.products import KeyAlgorithm
from certwizard.errors import CertwizardError

DEFAULT_TIMEOUT = 30          # seconds for one HTTP request (the library's default is 45)
DEFAULT_WAIT = 60.0           # seconds a wait for validation or issuance may take before it returns
POLL_INTERVAL = 0.5           # seconds between polls when the CA sends no Retry-After
MAX_POLL_INTERVAL = 10.0
# The library retries a badNonce once; a CA refusing a fresh nonce 5 % of the time (Pebble's default, and
# allowed by RFC 8555 6.5) then fails 1 in 400 requests, so a whole issuance fails too often. A badNonce is
# refused before anything is done, so sending again is always safe.
BAD_NONCE_ATTEMPTS = 5
PEM_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n.+?\r?\n-----END CERTIFICATE-----", re.S)
PENDING_STATES = ("pending", "processing")

_T = TypeVar("_T")
_Polled = TypeVar("_Polled", AcmeOrder, AcmeAuthorization)


class _NewOrderReplacing(messages.NewOrder):
    """newOrder with RFC 9773's `replaces` (the certID of the certificate it renews); the library has none."""

    replaces: str | None = jose.field("replaces", omitempty=True)


class _ClientNetwork(acme_client.ClientNetwork):
    """The library's network, but a 409 with a problem document is that problem: the library makes every 409
    a bare ConflictError (an old account lookup), and Let's Encrypt answers alreadyReplaced (RFC 9773) so."""

    @classmethod
    def _check_response(cls, response: requests.Response,
                        content_type: str | None = None) -> requests.Response:
        if response.status_code == 409:
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict) and isinstance(body.get("type"), str):
                raise messages.Error.from_json(body)
        return super()._check_response(response, content_type=content_type)


class AcmeUsageError(CertwizardError, ValueError):
    """certwizard was asked something impossible before any request was sent (e.g. no account yet)."""


def _status(value: Any) -> str:
    return str(getattr(value, "name", value) or "unknown")


def _signing_algorithm(key: Any) -> jose.JWASignature:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        by_curve = {"secp256r1": jose.ES256, "secp384r1": jose.ES384, "secp521r1": jose.ES512}
        if key.curve.name in by_curve:
            return by_curve[key.curve.name]
    elif isinstance(key, rsa.RSAPrivateKey):
        return jose.RS256
    raise AcmeUsageError("an ACME account key must be ECDSA (P-256, P-384, P-521) or RSA")


def _retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _jwk(key: Any) -> jose.JWK:
    return jose.JWKEC(key=key) if isinstance(key, ec.EllipticCurvePrivateKey) else jose.JWKRSA(key=key)


class AcmeClient:
    """One ACME directory, and (after `register` or `use_account`) one account at it.

    Blocking: call it from a worker thread in the TUI. Not thread-safe (one nonce pool per client).
    """

    def __init__(self, directory_url: str, directory: messages.Directory, net: acme_client.ClientNetwork,
                 timeout: int) -> None:
        self.directory_url = directory_url
        self._directory = directory
        self._net = net
        self._timeout = timeout
        self._host = problems.host_of(directory_url)
        self._jwk: jose.JWK | None = None
        self._account: AcmeAccount | None = None
        self._retry_after: float | None = None      # the last answer's Retry-After, in seconds

    # --- opening ------------------------------------------------------------------------------------------

    @classmethod
    def open(cls, directory_url: str, *, ca_bundle: str | Path | None = None,
             timeout: int = DEFAULT_TIMEOUT) -> AcmeClient:
        """Read the CA's directory. `ca_bundle`: PEM file to trust for the API's TLS (private CAs, tests)."""
        if not directory_url.startswith("https://"):
            raise AcmeUsageError(f"the ACME directory URL must start with https:// (got {directory_url!r})")
        if ca_bundle is not None and not Path(ca_bundle).is_file():
            raise AcmeUsageError(f"the CA bundle {ca_bundle} is not a file; give the PEM file of the CA "
                                 "that signed the ACME server's TLS certificate")
        verify: bool | str = str(ca_bundle) if ca_bundle is not None else True
        net = _ClientNetwork(
            key=None, verify_ssl=verify,  # type: ignore[arg-type]  # requests takes a CA bundle path too
            user_agent=f"certwizard/{__version__} acme-python", timeout=timeout)
        action = "open the ACME directory"
        try:
            directory = acme_client.ClientV2.get_directory(directory_url, net)
            for needed in ("newNonce", "newAccount", "newOrder"):
                directory[needed]
        except requests.RequestException as exc:
            raise problems.network_error(exc, action, directory_url, changes_state=False,
                                         timeout=timeout) from None
        except messages.Error as exc:
            raise problems.authority_error(exc, action, problems.host_of(directory_url),
                                           changes_state=False) from None
        except (acme_errors.Error, jose.DeserializationError, KeyError, ValueError) as exc:
            raise problems.unexpected_answer(exc, action, problems.host_of(directory_url),
                                             changes_state=False, directory=True) from None
        return cls(directory_url, directory, net, timeout)

    def close(self) -> None:
        self._net.session.close()

    def __enter__(self) -> AcmeClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    @property
    def meta(self) -> DirectoryMeta:
        meta = self._directory.meta
        return DirectoryMeta(
            terms_of_service=meta.terms_of_service, website=meta.website,
            external_account_required=bool(meta.external_account_required),
            caa_identities=tuple(meta.caa_identities or ()), profiles=dict(meta.profiles or {}))

    @property
    def account(self) -> AcmeAccount | None:
        return self._account

    @property
    def renewal_info_url(self) -> str | None:
        """The directory's renewalInfo (RFC 9773), or None when the CA offers no renewal windows."""
        try:
            value = self._directory["renewalInfo"]
        except KeyError:
            return None
        return value.rstrip("/") if isinstance(value, str) and value.startswith("https://") else None

    def renewal_window(self, certificate: x509.Certificate, now: datetime) -> renewal_info.RenewalWindow | None:
        """The CA's suggested renewal window for an issued certificate (an unsigned GET, RFC 9773 4.1).

        None when the directory has no renewalInfo or the certificate has no Authority Key Identifier."""
        base = self.renewal_info_url
        identifier = renewal_info.cert_id(certificate)
        if base is None or identifier is None:
            return None
        action = "give the certificate's renewal window"
        url = f"{base}/{identifier}"
        try:
            response = self._net.session.get(
                url, timeout=self._timeout, verify=self._net.verify_ssl, allow_redirects=False,
                headers={"User-Agent": self._net.user_agent, "Accept": "application/json"})
        except requests.RequestException as exc:
            raise problems.network_error(exc, action, url, changes_state=False, timeout=self._timeout) from None
        if response.status_code != 200:
            raise self._renewal_info_refusal(response, action)
        return renewal_info.parse_window(response.content, response.headers.get("Retry-After"), identifier,
                                         now, self._host)

    def _renewal_info_refusal(self, response: requests.Response, action: str) -> AuthorityError:
        try:
            return problems.authority_error(messages.Error.from_json(response.json()), action, self._host,
                                            changes_state=False)
        except (ValueError, TypeError, KeyError, jose.DeserializationError):
            return AuthorityError(f"could not {action}: {self._host} answered HTTP {response.status_code} "
                                  "without an ACME problem document.\nRenewal falls back to 2/3 of the "
                                  "lifetime; try again later.")

    # --- requests -----------------------------------------------------------------------------------------

    def _send(self, url: str, obj: jose.JSONDeSerializable | None, action: str, *, changes_state: bool,
              advice: Mapping[str, str] | None = None, **kwargs: Any) -> requests.Response:
        """One signed POST (obj None: POST-as-GET), badNonce sent again, every failure an AuthorityError."""
        for attempt in range(1, BAD_NONCE_ATTEMPTS + 1):
            try:
                response = self._net.post(url, obj, new_nonce_url=self._directory["newNonce"], **kwargs)
                self._retry_after = _retry_after_seconds(response)
                return response
            except messages.Error as exc:
                if exc.code == "badNonce" and attempt < BAD_NONCE_ATTEMPTS:
                    continue
                raise problems.authority_error(exc, action, self._host, changes_state=changes_state,
                                               advice=advice) from None
            except requests.RequestException as exc:
                raise problems.network_error(exc, action, url, changes_state=changes_state,
                                             timeout=self._timeout) from None
            except acme_errors.Error as exc:
                raise problems.unexpected_answer(exc, action, self._host,
                                                 changes_state=changes_state) from None
        raise AssertionError("unreachable")       # the loop returns or raises

    def _parse(self, action: str, parse: Callable[[], _T]) -> _T:
        try:
            return parse()
        except (jose.DeserializationError, ValueError, KeyError, TypeError) as exc:
            raise problems.unexpected_answer(exc, action, self._host, changes_state=False) from None

    def _require_account(self) -> jose.JWK:
        if self._jwk is None or self._account is None:
            raise AcmeUsageError("no ACME account is in use yet; register one or use an existing one first")
        return self._jwk

    def _use_key(self, key: Any) -> jose.JWK:
        self._net.alg = _signing_algorithm(key)
        self._net.key = self._jwk = _jwk(key)
        self._net.account = None           # newAccount is signed with the key itself (no kid)
        return self._jwk

    def _bind(self, response: requests.Response, key_path: Path, action: str) -> AcmeAccount:
        location = response.headers.get("Location")
        if not location:
            raise problems.unexpected_answer(ValueError("no Location header for the account"), action,
                                             self._host, changes_state=True)
        body = self._parse(action, lambda: messages.Registration.from_json(response.json()))
        terms = response.links.get("terms-of-service", {}).get("url") or self._directory.meta.terms_of_service
        self._net.account = messages.RegistrationResource(body=body, uri=location)
        self._account = AcmeAccount(url=location, key_path=key_path, status=_status(body.status),
                                    contact=tuple(body.contact or ()), terms_of_service=terms)
        return self._account

    # --- accounts -----------------------------------------------------------------------------------------

    def register(self, key_path: str | Path, *, email: str | None = None, agree_tos: bool = False,
                 eab_kid: str | None = None, eab_hmac_key: str | None = None) -> AcmeAccount:
        """Make a new account key at `key_path` (a new file: never overwritten) and register it (newAccount).

        `eab_kid`/`eab_hmac_key` (base64url, as CAs hand it out): External Account Binding, used for this
        one request and not kept. A refusal removes the new key file again, unless the request may have
        reached the CA (then the key is kept, so `use_account` can find the account)."""
        if (eab_kid is None) != (eab_hmac_key is None):
            raise AcmeUsageError("External Account Binding needs both the key id and the HMAC key")
        path = Path(key_path)
        key = keys.generate_private_key(KeyAlgorithm.EC_P256)
        keys.write_private_key(key, path)
        sent = False
        try:
            jwk = self._use_key(key)
            binding = None
            if eab_kid is not None and eab_hmac_key is not None:
                binding = self._eab(jwk, eab_kid, eab_hmac_key)
            registration = messages.NewRegistration.from_data(
                email=email, external_account_binding=binding,
                terms_of_service_agreed=True if agree_tos else None)      # None: left out of the request
            sent = True
            response = self._send(self._directory["newAccount"], registration, "register the account",
                                  changes_state=True, advice=self._registration_advice())
            return self._bind(response, path, "register the account")
        except BaseException as exc:
            # The key goes with a refusal; it stays when the CA may have made the account (or we can't tell).
            if not sent or (isinstance(exc, AuthorityError) and not exc.outcome_unknown):
                path.unlink(missing_ok=True)
            self._forget_account()
            raise

    def _eab(self, jwk: jose.JWK, kid: str, hmac_key: str) -> dict[str, Any]:
        try:
            jose.b64.b64decode(hmac_key.strip())
        except (ValueError, TypeError):
            raise AcmeUsageError("the EAB HMAC key is not base64url text; copy it exactly as the CA shows "
                                 "it") from None
        return messages.ExternalAccountBinding.from_data(jwk.public_key(), kid.strip(), hmac_key.strip(),
                                                         self._directory)

    def _registration_advice(self) -> dict[str, str]:
        terms = self._directory.meta.terms_of_service
        read = f"read the terms of service at {terms}, then " if terms else ""
        return {
            "agreementRequired": f"{read}agree to them (--agree-tos) and try again",
            "userActionRequired": f"{read}agree to them (--agree-tos) and try again",
            "malformed": "check the e-mail address and the EAB key id; if they are right, report the detail",
            "unauthorized": "check the EAB key id and HMAC key: copy both again from the CA's account page "
                            "(an HMAC key can be used for one account only at some CAs)",
        }

    def use_account(self, key_path: str | Path) -> AcmeAccount:
        """Use the account an existing key file belongs to (newAccount with onlyReturnExisting)."""
        path = Path(key_path)
        key = keys.load_private_key(path)
        self._use_key(key)
        action = "find the account of this key"
        advice = {"accountDoesNotExist": f"the CA has no account for {path}; register a new account "
                                         "(certwizard acme add)"}
        try:
            response = self._send(self._directory["newAccount"],
                                  messages.NewRegistration(only_return_existing=True), action,
                                  changes_state=False, advice=advice)
            return self._bind(response, path, action)
        except BaseException:
            self._forget_account()
            raise

    def _forget_account(self) -> None:
        self._net.key = None
        self._net.account = None
        self._jwk = None
        self._account = None

    # --- orders -------------------------------------------------------------------------------------------

    def create_order(self, identifiers: Iterable[str], *, profile: str | None = None,
                     replaces: str | None = None) -> AcmeOrder:
        """newOrder for DNS names (wildcards as "*.example.com"), with its authorizations fetched.

        `replaces`: the certID of the certificate this order renews (RFC 9773 5), for a CA with renewalInfo."""
        self._require_account()
        names = list(dict.fromkeys(name.strip().lower().rstrip(".") for name in identifiers))
        if not names or any(not name for name in names):
            raise AcmeUsageError("an order needs at least one domain name, e.g. www.example.com")
        request = _NewOrderReplacing(
            identifiers=[messages.Identifier(typ=messages.IDENTIFIER_FQDN, value=n) for n in names],
            **({"profile": profile} if profile else {}), **({"replaces": replaces} if replaces else {}))
        action = "create the order for " + ", ".join(names)
        advice = {"malformed": "check the names: each must be a DNS name such as www.example.com, a wildcard "
                               "only as the whole first label (*.example.com)"}
        response = self._send(self._directory["newOrder"], request, action, changes_state=True, advice=advice)
        location = response.headers.get("Location")
        if not location:
            raise problems.unexpected_answer(ValueError("no Location header for the order"), action,
                                             self._host, changes_state=True)
        body = self._parse(action, lambda: messages.Order.from_json(response.json()))
        return self._order_from(location, body, with_authorizations=True)

    def order(self, order_url: str, *, with_authorizations: bool = False) -> AcmeOrder:
        """The order's current state (POST-as-GET)."""
        self._require_account()
        response = self._send(order_url, None, "show the order", changes_state=False)
        body = self._parse("show the order", lambda: messages.Order.from_json(response.json()))
        return self._order_from(order_url, body, with_authorizations=with_authorizations)

    def _order_from(self, url: str, body: messages.Order, *, with_authorizations: bool) -> AcmeOrder:
        authorization_urls = tuple(body.authorizations or ())
        authorizations = (tuple(self.authorization(u) for u in authorization_urls)
                          if with_authorizations else ())
        return AcmeOrder(
            url=url, status=_status(body.status),
            identifiers=tuple(i.value for i in (body.identifiers or ())),
            authorization_urls=authorization_urls, finalize_url=body.finalize,
            certificate_url=body.certificate, expires=body.expires,
            problem=problems.problem_from_acme(body.error) if body.error is not None else None,
            profile=body.profile or None, authorizations=authorizations)

    def authorization(self, authorization_url: str) -> AcmeAuthorization:
        """One authorization with its dns-01 and http-01 facts (record and file to publish)."""
        jwk = self._require_account()
        response = self._send(authorization_url, None, "show the authorization", changes_state=False)
        return self._authorization_from(authorization_url, response, jwk)

    def _authorization_from(self, url: str, response: requests.Response, jwk: jose.JWK) -> AcmeAuthorization:
        body = self._parse("show the authorization",
                           lambda: messages.Authorization.from_json(response.json()))
        domain = body.identifier.value
        wildcard = bool(body.wildcard)
        found: list[AcmeChallenge] = []
        for challenge in body.challenges or ():
            chall = challenge.chall
            facts: dict[str, Any] = {}
            if isinstance(chall, challenges.DNS01):
                facts["dns"] = DnsRecord(name=chall.validation_domain_name(domain),
                                         value=chall.validation(jwk))
            elif isinstance(chall, challenges.HTTP01):
                facts["http"] = HttpFile(path=chall.path, content=chall.validation(jwk))
            else:
                continue                        # tls-alpn-01 and others: certwizard does not answer them
            found.append(AcmeChallenge(
                type=chall.typ, url=challenge.uri, status=_status(challenge.status),
                token=chall.encode("token"), validated=challenge.validated,
                problem=problems.problem_from_acme(challenge.error) if challenge.error is not None else None,
                **facts))
        return AcmeAuthorization(
            url=url, identifier=f"*.{domain}" if wildcard else domain, domain=domain, wildcard=wildcard,
            status=_status(body.status), expires=body.expires, challenges=tuple(found))

    def answer_challenge(self, authorization_url: str, challenge_type: str = DNS_01) -> AcmeAuthorization:
        """Tell the CA the record or file of `challenge_type` is published (POST {} to that challenge).

        Returns the authorization afterwards. Safe to call again (after a restart, say): an authorization or
        challenge no longer pending is not answered twice but returned as it is (Pebble 2.4 stops answering
        once another challenge of an already valid authorization is answered)."""
        jwk = self._require_account()
        authorization = self.authorization(authorization_url)
        challenge = authorization.challenge(challenge_type)
        if challenge is None:
            offered = ", ".join(c.type for c in authorization.challenges) or "none certwizard can answer"
            raise AuthorityError(f"{self._host} offers no {challenge_type} challenge for "
                                 f"{authorization.identifier} (it offers {offered}); choose another method"
                                 + (": a wildcard can only be validated by DNS" if authorization.wildcard
                                    else ""))
        if authorization.status != "pending" or challenge.status != "pending":
            return authorization
        # DNS01Response() serializes to "{}", the body RFC 8555 7.5.1 asks for whatever the type.
        self._send(challenge.url, challenges.DNS01Response(), f"check the {challenge_type} challenge",
                   changes_state=True)
        response = self._send(authorization_url, None, "show the authorization", changes_state=False)
        return self._authorization_from(authorization_url, response, jwk)

    def _wait(self, fetch: Callable[[], _Polled], timeout: float) -> _Polled:
        """Fetch until the status is no longer pending/processing or the deadline passes (Retry-After kept
        to, within POLL_INTERVAL..MAX_POLL_INTERVAL)."""
        deadline = time.monotonic() + timeout
        while True:
            value = fetch()
            left = deadline - time.monotonic()
            if value.status not in PENDING_STATES or left <= 0:
                return value
            asked = self._retry_after if self._retry_after is not None else POLL_INTERVAL
            time.sleep(min(max(asked, POLL_INTERVAL), MAX_POLL_INTERVAL, left))

    def wait_for_authorization(self, authorization_url: str, *, timeout: float = DEFAULT_WAIT
                               ) -> AcmeAuthorization:
        """Poll until the authorization is no longer pending (valid or invalid), or `timeout` passes."""
        return self._wait(lambda: self.authorization(authorization_url), timeout)

    def wait_for_order(self, order_url: str, *, timeout: float = DEFAULT_WAIT) -> AcmeOrder:
        """Poll until the order is ready, valid or invalid, or `timeout` passes; authorizations included.

        A pending order whose challenges nobody answered stays pending: this then returns at the deadline."""
        self._wait(lambda: self.order(order_url), timeout)
        return self.order(order_url, with_authorizations=True)

    def finalize(self, order_url: str, csr_pem: str | bytes, *, timeout: float = DEFAULT_WAIT) -> AcmeOrder:
        """Send the CSR of a ready order and wait (up to `timeout`) for the certificate URL.

        Refused with the reasons, per identifier, when the order is invalid, and with what is missing when
        it is still pending. An order already valid is returned as it is (finalizing twice is harmless)."""
        self._require_account()
        current = self.order(order_url, with_authorizations=True)
        if current.status == "invalid":
            raise self.failure(current)
        if current.status not in ("pending", "ready", "processing", "valid"):
            raise AuthorityError(f"the order at {self._host} is {current.status} (withdrawn or expired), so "
                                 "it cannot be issued.\nSubmit again to make a new order.")
        if current.status == "pending":
            waiting = [a.identifier for a in current.authorizations if a.status == "pending"]
            raise AuthorityError(f"the order at {self._host} is not ready: {', '.join(waiting)} "
                                 f"{'is' if len(waiting) == 1 else 'are'} not validated yet.\n"
                                 "Publish the records, answer the challenges, then finalize again.")
        if current.status == "ready":
            data = csr_pem.encode() if isinstance(csr_pem, str) else csr_pem
            try:
                csr = x509.load_pem_x509_csr(data)
            except ValueError:
                raise AcmeUsageError("the CSR is not a PEM certificate request") from None
            self._send(current.finalize_url, messages.CertificateRequest(csr=csr), "issue the certificate",
                       changes_state=True)

        final = self._wait(lambda: self.order(order_url), timeout)
        if final.status == "invalid":
            raise self.failure(self.order(order_url, with_authorizations=True))
        return final

    def failure(self, order: AcmeOrder) -> AuthorityError:
        """The AuthorityError for an invalid order: the CA's reason per identifier, and what to do."""
        lines = order.failure_lines() or ["the CA gave no reason"]
        codes = [a.problem.code for a in order.failed_authorizations if a.problem is not None]
        if order.problem is not None:
            codes.append(order.problem.code)
        todo = next((problems.ADVICE[c] for c in codes if c in problems.ADVICE), problems.DEFAULT_ADVICE)
        listed = "\n".join(f"  - {line}" for line in lines)
        return AuthorityError(f"{self._host} refused the order:\n{listed}\n{todo[0].upper()}{todo[1:]}. "
                              "A failed order cannot be reused: submit again to make a new one.")

    def download_certificate(self, certificate_url: str) -> CertificateChain:
        """The issued certificate and its chain (POST-as-GET), leaf first, each certificate checked."""
        self._require_account()
        action = "send the certificate"
        response = self._send(certificate_url, None, action, changes_state=False,
                              headers={"Accept": "application/pem-certificate-chain",
                                       "Content-Type": self._net.JOSE_CONTENT_TYPE})
        blocks = PEM_CERTIFICATE.findall(response.content)
        if not blocks:
            raise problems.unexpected_answer(ValueError("no PEM certificate in the answer"), action,
                                             self._host, changes_state=False)
        try:
            certificates = [x509.load_pem_x509_certificate(block) for block in blocks]
        except ValueError as exc:
            raise problems.unexpected_answer(exc, action, self._host, changes_state=False) from None
        return CertificateChain(certificates=tuple(
            c.public_bytes(serialization.Encoding.PEM).decode() for c in certificates))

    # --- withdraw and revoke ------------------------------------------------------------------------------

    def deactivate_authorization(self, authorization_url: str) -> AcmeAuthorization:
        """Give up one authorization (RFC 8555 7.5.2); its order can no longer be issued."""
        jwk = self._require_account()
        response = self._send(authorization_url, messages.UpdateAuthorization(status="deactivated"),
                              "withdraw the authorization", changes_state=True)
        return self._authorization_from(authorization_url, response, jwk)

    def deactivate_pending_authorizations(self, order_url: str) -> tuple[AcmeAuthorization, ...]:
        """certwizard's Withdraw: deactivate every pending authorization of the order (ACME has no cancel).
        Returns every authorization of the order afterwards."""
        current = self.order(order_url, with_authorizations=True)
        return tuple(self.deactivate_authorization(a.url) if a.status == "pending" else a
                     for a in current.authorizations)

    def revoke(self, certificate_pem: str | bytes, reason: RevocationReason = RevocationReason.UNSPECIFIED
               ) -> None:
        """Revoke an issued certificate (revokeCert, signed by the account), with an RFC 5280 reason."""
        self._require_account()
        data = certificate_pem.encode() if isinstance(certificate_pem, str) else certificate_pem
        try:
            certificate = x509.load_pem_x509_certificate(data)
        except ValueError:
            raise AcmeUsageError("the certificate to revoke is not a PEM certificate") from None
        self._send(self._directory["revokeCert"],
                   messages.Revocation(certificate=certificate, reason=int(RevocationReason(reason))),
                   "revoke the certificate", changes_state=True)

