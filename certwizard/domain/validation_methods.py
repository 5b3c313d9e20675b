"""How an applicant proves control of a domain, and which way an application has chosen (pure rules).

Both ways exist at every authority: a DNS TXT record (ACME dns-01, Alibaba's DNS check, Baseline Requirements
3.2.2.4.7) and a file served over plain HTTP (ACME http-01, Alibaba's file check, 3.2.2.4.18). A wildcard can be
proven only by DNS: a file on one host says nothing about every name below it.
"""

from __future__ import annotations

from enum import StrEnum


class ValidationMethod(StrEnum):
    DNS = "dns"
    HTTP = "http"

    @property
    def label(self) -> str:
        return "DNS TXT record" if self is ValidationMethod.DNS else "file over HTTP"


DEFAULT_METHOD = ValidationMethod.DNS      # the one way that works for every name, wildcards included
WILDCARD_NEEDS_DNS = ("a wildcard name can be proven only by a DNS record (a file on one host says nothing "
                      "about every name below it): choose dns")


def method_problem(method: str, domains: list[str] | None) -> str | None:
    """Why `method` cannot prove `domains` (None: it can); `domains` None when they are not known yet."""
    if method not in {m.value for m in ValidationMethod}:
        return f"the validation method must be dns or http, not {method!r}"
    if method == ValidationMethod.HTTP and domains and any(name.startswith("*.") for name in domains):
        return WILDCARD_NEEDS_DNS
    return None


def publisher_words(method: ValidationMethod, hook: str = "", webroot: str = "") -> str:
    """Who puts the proof in place, as the lists and the command line say it ('' when the user does): the
    hook when there is one (it wins over a webroot), else for a file the webroot certwizard writes under."""
    if hook:
        return f"published by the hook {hook}"
    if method is ValidationMethod.HTTP and webroot:
        return f"written under the webroot {webroot}"
    return ""
