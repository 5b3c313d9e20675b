"""The validation plan of an application (method, webroot, hook), and an ACME application without a person."""

from __future__ import annotations

import os
from pathlib import Path

from certwizard.domain.models import ApplicationDraft
from certwizard.domain.products import get_product
from certwizard.domain.validation_methods import ValidationMethod
from certwizard.services.application_file import parse_application
from certwizard.services.validation import validate_draft
from tests.factories import valid_draft

ACME_MULTI = get_product("acme:pebble:dv-multi-wildcard")


def _executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_an_acme_application_needs_only_domains_key_and_method(tmp_path):
    draft = ApplicationDraft(domains="example.com, *.example.com", validation_method="dns",
                             validation_hook=str(_executable(tmp_path / "hook")))
    checked = validate_draft(ACME_MULTI, draft)
    assert checked.ok, checked.errors
    application = checked.application
    assert application.applicant is None and application.company is None
    assert application.domains == ["example.com", "*.example.com"]
    assert application.validation.method is ValidationMethod.DNS
    assert application.validation.hook == str(tmp_path / "hook")
    sandbox = validate_draft(get_product("dv-multi"), ApplicationDraft(domains="a.example.com, b.example.com"))
    assert "applicant_name" in sandbox.errors      # the sandbox's products still ask for the applicant


def test_the_method_defaults_to_dns_or_to_http_with_a_webroot(tmp_path):
    single = get_product("acme:pebble:dv-single")
    assert validate_draft(single, ApplicationDraft(domains="www.example.com")).application.validation.method \
        is ValidationMethod.DNS
    plan = validate_draft(single, ApplicationDraft(domains="www.example.com",
                                                   validation_webroot=str(tmp_path))).application.validation
    assert plan.method is ValidationMethod.HTTP and plan.webroot == str(tmp_path)


def test_each_unusable_choice_is_an_error_at_its_field_saying_what_to_do(tmp_path):
    not_executable = tmp_path / "hook.sh"
    not_executable.write_text("#!/bin/sh\n")
    os.chmod(not_executable, 0o644)
    cases = [
        (dict(domains="*.example.com", validation_method="http"), "validation_method", "only by a DNS record"),
        (dict(validation_method="ftp"), "validation_method", "dns or http"),
        (dict(validation_method="dns", validation_webroot=str(tmp_path)), "validation_webroot", "choose http"),
        (dict(validation_method="http", validation_webroot="var/www"), "validation_webroot", "absolute path"),
        (dict(validation_method="http", validation_webroot=str(tmp_path / "none")), "validation_webroot",
         "not a folder"),
        (dict(validation_hook="hooks/publish"), "validation_hook", "absolute path"),
        (dict(validation_hook=str(tmp_path / "missing")), "validation_hook", "not a file"),
        (dict(validation_hook=str(not_executable)), "validation_hook", "chmod 755"),
    ]
    for values, field_name, words in cases:
        draft = ApplicationDraft(**{"domains": "www.example.com", **values})
        product = ACME_MULTI if draft.domains.startswith("*") else get_product("acme:pebble:dv-single")
        checked = validate_draft(product, draft)
        assert not checked.ok and words in checked.errors.get(field_name, ""), (values, checked.errors)


def test_a_sandbox_application_keeps_its_applicant_and_gets_the_default_plan():
    checked = validate_draft(get_product("dv-single"), valid_draft())
    assert checked.ok and checked.application.applicant.name == "Li Lei"
    assert checked.application.validation.method is ValidationMethod.DNS and not checked.application.validation.hook


def test_an_application_file_gives_the_plan_with_paths_read_from_its_folder(tmp_path):
    parsed = parse_application('domains = ["www.example.com"]\n[validation]\nmethod = "http"\n'
                               'webroot = "site"\nhook = "/usr/local/bin/publish"\n', ".toml", tmp_path)
    draft = parsed.apply_to(ApplicationDraft())
    assert draft.validation_method == "http" and draft.validation_webroot == str(tmp_path / "site")
    assert draft.validation_hook == "/usr/local/bin/publish"
    assert parsed.key_for("validation_hook") == "validation.hook"


def test_an_application_file_refuses_unknown_validation_keys_and_non_text(tmp_path):
    import pytest

    from certwizard.services.application_file import ApplicationFileError

    with pytest.raises(ApplicationFileError, match=r"\[validation\] has unknown field\(s\) port"):
        parse_application('[validation]\nport = "80"\n', ".toml", tmp_path)
    with pytest.raises(ApplicationFileError, match=r'validation.method must be text in quotes, e.g. method = "dns"'):
        parse_application('[validation]\nmethod = 1\n', ".toml", tmp_path)
