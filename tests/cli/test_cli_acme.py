"""`certwizard acme add|list|remove` against a real ACME server (Pebble from Debian, on loopback)."""

from __future__ import annotations

import json

from tests.ca.pebble import PebbleOptions, new_eab_hmac_key, require_pebble, start_pebble
from tests.factories import mode_of


def test_an_account_is_registered_listed_and_removed_and_only_its_key_file_holds_the_key(cli, pebble):
    added = cli.ok("acme", "add", "pebble", "--directory", pebble.directory_url, "--ca-bundle",
                   str(pebble.ca_bundle), "--email", "ops@example.com", "--agree-tos", "--json")
    account = json.loads(added.out)["account"]
    assert account["name"] == "pebble" and account["authority"] == "acme:pebble"
    assert account["account_url"].startswith("https://127.0.0.1:") and account["terms_of_service"]
    key = cli.data_dir / "acme" / "pebble.key"
    assert mode_of(key) == 0o600 and mode_of(key.parent) == 0o700
    assert b"PRIVATE KEY" in key.read_bytes() and b"PRIVATE KEY" not in (cli.data_dir / "certwizard.json").read_bytes()
    listed = json.loads(cli.ok("acme", "list", "--json").out)["accounts"]
    assert [entry["name"] for entry in listed] == ["pebble"] and listed[0]["email"] == "ops@example.com"
    again = cli("acme", "add", "pebble", "--directory", pebble.directory_url, "--ca-bundle", str(pebble.ca_bundle),
                "--agree-tos")
    assert again.code == 1 and "exists already" in again.err
    assert "removed" in cli.ok("acme", "remove", "pebble").out
    assert not key.exists() and json.loads(cli.ok("acme", "list", "--json").out)["accounts"] == []


def test_without_agreeing_to_the_terms_a_script_is_refused_with_their_url(cli, pebble):
    refused = cli("acme", "add", "no-terms", "--directory", pebble.directory_url, "--ca-bundle",
                  str(pebble.ca_bundle))
    assert refused.code == 1 and "terms of service" in refused.err and "--agree-tos" in refused.err
    assert not (cli.data_dir / "acme" / "no-terms.key").exists()


def test_a_ca_that_requires_eab_refuses_without_it_and_registers_with_the_right_key(cli, tmp_path):
    require_pebble()
    hmac = new_eab_hmac_key()
    with start_pebble(PebbleOptions(eab_keys={"kid-1": hmac})) as server:
        base = ["acme", "add", "zero", "--directory", server.directory_url, "--ca-bundle", str(server.ca_bundle),
                "--agree-tos"]
        missing = cli(*base)
        assert missing.code == 1 and "External Account Binding" in missing.err
        half = cli(*base, "--eab-kid", "kid-1")
        assert half.code == 2 and "--eab-hmac-key-file" in half.err
        secret = tmp_path / "hmac.txt"
        secret.write_text(new_eab_hmac_key() + "\n")
        wrong = cli(*base, "--eab-kid", "kid-1", "--eab-hmac-key-file", str(secret))
        assert wrong.code == 1 and not (cli.data_dir / "acme" / "zero.key").exists()
        secret.write_text(hmac + "\n")
        cli.ok(*base, "--eab-kid", "kid-1", "--eab-hmac-key-file", str(secret))
    stored = (cli.data_dir / "certwizard.json").read_text()
    assert hmac not in stored and "kid-1" not in stored


def test_bad_names_and_missing_places_are_usage_errors_or_refusals_that_say_what_to_do(cli, pebble):
    nowhere = cli("acme", "add", "mine")
    assert nowhere.code == 2 and "--directory URL" in nowhere.err
    bad = cli("acme", "add", "Bad Name", "--directory", pebble.directory_url, "--agree-tos")
    assert bad.code == 1 and "lower-case letters" in bad.err
    plain = cli("acme", "add", "plain", "--directory", "http://127.0.0.1:1/dir", "--agree-tos")
    assert plain.code == 1 and "https://" in plain.err
    unknown = cli("acme", "remove", "ghost")
    assert unknown.code == 1 and "no ACME account is named 'ghost'" in unknown.err
