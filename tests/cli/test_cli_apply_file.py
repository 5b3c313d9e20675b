"""`certwizard apply --from FILE`: the file's shape (exit 2 with the key and what is expected), the wizard's
validation (exit 1 with each problem), OV documents, manual CSRs and encrypted keys through to export."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from certwizard.crypto.certinfo import key_matches_certificate
from tests.factories import jpeg_bytes

from .cli_flow import (
    APPLICANT_JSON,
    COMPANY_JSON,
    assert_trusted,
    check_pem_key,
    make_cli,
    manual_csr,
    mode_of,
    toml_file,
)


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    return make_cli(tmp_path, monkeypatch, capsys)


def png_bytes(size=(800, 600)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (230, 230, 220)).save(buffer, "PNG")
    return buffer.getvalue()


# --- OV: company and documents ------------------------------------------------------------------------------

def test_ov_with_company_and_a_document_is_issued_with_the_organization(cli, tmp_path):
    (tmp_path / "letter.jpg").write_bytes(jpeg_bytes())
    (tmp_path / "licence.png").write_bytes(png_bytes())
    order_id = cli.add("ov-single")
    application = toml_file(tmp_path / "ov.toml", ["shop.example.com"], company=True,
                            documents=["letter.jpg", "licence.png"])
    applied = cli.ok("apply", order_id, "--from", str(application), "--json").json
    assert applied["order"]["documents"] == ["letter.jpg", "licence.png"] and applied["notes"] == []

    # Applying the same file again keeps exactly the listed documents (no duplicates).
    again = cli.ok("apply", order_id, "--from", str(application), "--json").json
    assert again["order"]["documents"] == ["letter.jpg", "licence.png"]
    assert len(list((cli.data_dir / "documents").iterdir())) == 2

    submitted = cli.ok("submit", order_id, "--json").json["order"]
    # OV proves control of the domain as DV does; the company check comes on top of it.
    assert submitted["status"] == "domain-verification"
    assert [v["domain"] for v in submitted["domain_validations"]] == ["shop.example.com"]
    cli.ok("verify", order_id)
    cli.ok("refresh")
    order = cli.ok("show", order_id, "--json").json["order"]
    assert order["status"] == "issued"
    assert "O=Example Networks Ltd" in order["certificate"]["subject"]
    assert "C=CN" in order["certificate"]["subject"]
    # The province typed as "Zhejiang" is kept as CN-ZJ; the certificate names it, not its ISO code.
    subject = order["certificate"]["subject"]
    assert "ST=Zhejiang Sheng" in subject and "CN-ZJ" not in subject


def test_letter_writes_the_filled_verification_letter_and_never_overwrites(cli, tmp_path):
    from pypdf import PdfReader

    order_id = cli.add("ov-single")
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "ov.toml", ["shop.example.com"],
                                                      company=True)))
    letter = tmp_path / "letter.pdf"
    written = cli.ok("letter", order_id, "--out", str(letter), "--json").json
    assert written == {"ok": True, "order": order_id, "file": str(letter)}
    assert mode_of(letter) == 0o600                     # it holds the applicant's ID number
    text = " ".join(page.extract_text() for page in PdfReader(letter).pages)
    assert "Example Networks Ltd" in text and "shop.example.com" in text and order_id in text
    before = letter.read_bytes()

    again = cli("letter", order_id, "--out", str(letter))
    assert again.code == 1 and "never overwrites" in again.err and letter.read_bytes() == before
    unknown = cli("letter", "ord-00000000", "--out", str(tmp_path / "other.pdf"))
    assert unknown.code == 1 and "certwizard list" in unknown.err


def test_ov_without_a_document_is_applied_with_a_note_and_submit_is_refused(cli, tmp_path):
    order_id = cli.add("ov-single")
    applied = cli("apply", order_id, "--from", str(toml_file(tmp_path / "ov.toml", ["shop.example.com"],
                                                             company=True)))
    assert applied.code == 0 and "note:" in applied.out and "documents = [" in applied.out

    refused = cli("submit", order_id)
    assert refused.code == 1
    assert "documents:" in refused.err and "qualification document" in refused.err
    as_json = cli("submit", order_id, "--json")
    assert as_json.code == 1 and as_json.json["ok"] is False
    assert "qualification document" in as_json.json["errors"]["documents"]
    assert cli.status(order_id) == "draft"


def test_ov_without_company_fields_names_each_missing_field_as_the_file_spells_it(cli, tmp_path):
    order_id = cli.add("ov-single")
    result = cli("apply", order_id, "--from", str(toml_file(tmp_path / "ov.toml", ["shop.example.com"])),
                 "--json")
    assert result.code == 1 and result.json["ok"] is False
    errors = result.json["errors"]
    assert {"company.name", "company.type", "company.phone", "company.country", "company.city"} <= set(errors)
    assert result.json["order"]["status"] == "draft"   # what the file gave is kept, as in the wizard


def test_a_document_that_is_not_an_image_is_refused_before_anything_is_saved(cli, tmp_path):
    (tmp_path / "letter.jpg").write_bytes(b"%PDF-1.7 not really a picture")
    order_id = cli.add("ov-single")
    result = cli("apply", order_id, "--from", str(toml_file(tmp_path / "ov.toml", ["shop.example.com"],
                                                            company=True, documents=["letter.jpg"])))
    assert result.code == 1 and "letter.jpg was not accepted" in result.err
    assert cli.status(order_id) == "pending-application"


def test_a_json_file_with_company_and_document_is_accepted(cli, tmp_path):
    (tmp_path / "letter.png").write_bytes(png_bytes())
    order_id = cli.add("ov-multi")
    application = tmp_path / "ov.json"
    application.write_text(json.dumps({"domains": ["www.example.com", "example.com"],
                                       "documents": ["letter.png"], "applicant": APPLICANT_JSON,
                                       "company": COMPANY_JSON,
                                       "csr": {"mode": "automatic", "key": "rsa-3072"}}))
    applied = cli.ok("apply", order_id, "--from", str(application), "--json").json
    assert applied["order"]["domains"] == ["www.example.com", "example.com"]
    assert cli.ok("submit", order_id, "--json").json["order"]["key"]["algorithm"] == "rsa-3072"


# --- manual CSR ---------------------------------------------------------------------------------------------

def test_manual_csr_is_issued_and_exported_without_a_private_key(cli, tmp_path):
    key, csr_pem = manual_csr(["www.example.com", "example.com"])
    (tmp_path / "request.csr").write_text(csr_pem)
    order_id = cli.add("dv-multi")
    application = toml_file(tmp_path / "manual.toml", ["www.example.com", "example.com"],
                            csr='mode = "manual"\nfile = "request.csr"')
    cli.ok("apply", order_id, "--from", str(application))
    submitted = cli.ok("submit", order_id, "--json").json["order"]
    assert submitted["key"] is None and submitted["csr_mode"] == "manual"
    cli.ok("verify", order_id)
    cli.ok("refresh")
    assert "your own (manual CSR)" in cli.ok("show", order_id).out

    out = tmp_path / "out"
    exported = cli.ok("export", order_id, "--server", "apache", "--out", str(out))
    assert "no private key was exported" in exported.out and "own CSR" in exported.out
    assert sorted(p.name for p in out.iterdir()) == [
        "www.example.com.README.txt", "www.example.com.chain.crt", "www.example.com.crt"]
    leaf = (out / "www.example.com.crt").read_bytes()
    assert key_matches_certificate(key, leaf)
    cli.ok("sandbox-root")
    assert_trusted(cli.root_pem_path, leaf, (out / "www.example.com.chain.crt").read_bytes(),
                   ["www.example.com", "example.com"], tmp_path / "scratch")

    as_json = cli.ok("export", order_id, "--server", "nginx", "--out", str(tmp_path / "nginx"), "--json").json
    assert as_json["private_key_file"] is None and "own CSR" in as_json["private_key_note"]
    password = tmp_path / "password"
    password.write_text("pfx-password\n")
    pfx = cli("export", order_id, "--server", "iis", "--out", str(tmp_path / "iis"),
              "--pkcs12-password-file", str(password))
    assert pfx.code == 1 and "openssl pkcs12 -export" in pfx.err
    assert not (tmp_path / "iis").exists()


def test_manual_csr_inline_pem_in_json_is_accepted(cli, tmp_path):
    _, csr_pem = manual_csr(["api.example.com"])
    order_id = cli.add("dv-single")
    application = tmp_path / "manual.json"
    application.write_text(json.dumps({"domains": ["api.example.com"], "applicant": APPLICANT_JSON,
                                       "csr": {"mode": "manual", "pem": csr_pem}}))
    cli.ok("apply", order_id, "--from", str(application))
    assert cli.ok("submit", order_id, "--json").json["order"]["csr_mode"] == "manual"


def test_a_csr_for_other_domains_is_refused_at_apply_with_the_linters_reason(cli, tmp_path):
    _, csr_pem = manual_csr(["other.example.org"])
    (tmp_path / "request.csr").write_text(csr_pem)
    order_id = cli.add("dv-single")
    application = toml_file(tmp_path / "manual.toml", ["www.example.com"],
                            csr='mode = "manual"\nfile = "request.csr"')
    result = cli("apply", order_id, "--from", str(application))
    assert result.code == 1 and "refused:" in result.err
    assert "csr.file: " in result.err and "other.example.org" in result.err
    assert "www.example.com" in result.err
    as_json = cli("apply", order_id, "--from", str(application), "--json")
    assert as_json.code == 1 and "other.example.org" in as_json.json["errors"]["csr.file"]
    assert cli("submit", order_id).code == 1


# --- encrypted key ------------------------------------------------------------------------------------------

def test_an_encrypted_key_needs_the_passphrase_file_at_submit_and_at_export(cli, tmp_path):
    order_id = cli.add("dv-single")
    application = toml_file(tmp_path / "enc.toml", ["www.example.com"],
                            csr='mode = "automatic"\nkey = "ec-p256"\nencrypt_key = true')
    cli.ok("apply", order_id, "--from", str(application))

    refused = cli("submit", order_id)
    assert refused.code == 1 and "--passphrase-file" in refused.err and "encrypt_key" in refused.err
    assert cli.status(order_id) == "draft"
    short = tmp_path / "short"
    short.write_text("abc\n")
    short.chmod(0o600)
    too_short = cli("submit", order_id, "--passphrase-file", str(short))     # the TUI's rule for a new key
    assert too_short.code == 2 and "too short: 3 characters" in too_short.err and "at least 8" in too_short.err
    assert "abc" not in too_short.err and "Escape" not in too_short.err and cli.status(order_id) == "draft"
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("a long passphrase for the key\n")
    passphrase.chmod(0o600)
    submitted = cli("submit", order_id, "--passphrase-file", str(passphrase), "--json")
    assert submitted.code == 0 and "a long passphrase" not in submitted.out + submitted.err
    key_info = submitted.json["order"]["key"]
    assert key_info["encrypted"] is True
    key_path = Path(key_info["path"])
    assert key_path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert mode_of(key_path) == 0o600
    cli.ok("verify", order_id)
    cli.ok("refresh")

    refused = cli("export", order_id, "--server", "nginx", "--out", str(tmp_path / "out"))
    assert refused.code == 1 and "encrypted" in refused.err and "--passphrase-file" in refused.err
    assert not (tmp_path / "out").exists()
    wrong = tmp_path / "wrong"
    wrong.write_text("not it\n")
    refused = cli("export", order_id, "--server", "nginx", "--out", str(tmp_path / "out"),
                  "--passphrase-file", str(wrong))
    assert refused.code == 1 and "passphrase" in refused.err and "not it" not in refused.err

    out = tmp_path / "out"
    cli.ok("export", order_id, "--server", "nginx", "--out", str(out), "--passphrase-file", str(passphrase))
    leaf = (out / "www.example.com.fullchain.pem").read_bytes().split(b"-----END CERTIFICATE-----")[0] + \
        b"-----END CERTIFICATE-----\n"
    exported = check_pem_key(out / "www.example.com.key", leaf)
    stored = serialization.load_pem_private_key(key_path.read_bytes(), b"a long passphrase for the key")
    assert key_matches_certificate(stored, leaf) and key_matches_certificate(exported, leaf)


def test_a_passphrase_file_readable_by_others_is_used_with_a_warning(cli, tmp_path):
    order_id = cli.add("dv-single")
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "enc.toml", ["www.example.com"],
                                                      csr='mode = "automatic"\nencrypt_key = true')))
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("shared secret\n")
    passphrase.chmod(0o644)
    result = cli("submit", order_id, "--passphrase-file", str(passphrase))
    assert result.code == 0 and "chmod 600" in result.err and "shared secret" not in result.err


# --- the file's shape: usage errors -------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text", "expected"), [
    ("bad.toml", 'domains = ["www.example.com"\n[applicant]\n', "line 2"),
    ("bad.toml", "[applicant]\nname = Li Lei\n", "line 2"),
    ("bad.json", '{"domains": ["www.example.com",]}', "line 1, column"),
    ("bad.json", '{\n  "applicant": {"name": "Li"\n', "line 3"),
    ("top.toml", 'name = "Li Lei"\n', "unknown field(s) name"),
    ("section.toml", '[applicant]\nmobile = "+86 138 0013 8000"\n',
     "[applicant] has unknown field(s) mobile"),
    ("csr.toml", '[csr]\nkey_algorithm = "rsa-2048"\n', "[csr] has unknown field(s) key_algorithm"),
    ("mode.toml", '[csr]\nmode = "auto"\n', 'use "automatic"'),
    ("misplaced.toml", '[csr]\nmode = "automatic"\nfile = "r.csr"\n', "csr.file does not apply"),
    ("phone.toml", "[applicant]\nphone = 8613800138000\n", 'applicant.phone must be text in quotes'),
    ("zip.toml", "[company]\nzip_code = 311121\n", 'zip_code = "311121"'),
    ("encrypt.toml", '[csr]\nencrypt_key = "yes"\n', "csr.encrypt_key must be true or false"),
    ("domains.toml", "domains = 42\n", "domains must be a list of names"),
    ("domain.json", '{"domains": ["www.example.com", 7]}', "domains[1] must be a name in quotes"),
    ("docs.toml", 'documents = "letter.jpg"\n', "documents must be a list"),
    ("table.toml", 'applicant = "Li Lei"\n', "applicant must be a table"),
    ("list.json", '["www.example.com"]', "must hold one object"),
    ("both.toml", '[csr]\nmode = "manual"\nfile = "a.csr"\npem = "x"\n', "not both"),
    ("nocsr.toml", '[csr]\nmode = "manual"\n', 'file = "request.csr"'),
    ("gone.toml", '[csr]\nmode = "manual"\nfile = "missing.csr"\n', "missing.csr"),
    ("app.yaml", "domains: [www.example.com]\n", "*.toml or *.json"),
])
def test_a_malformed_file_is_a_usage_error_naming_the_key_or_line(cli, tmp_path, name, text, expected):
    order_id = cli.add("dv-single")
    path = tmp_path / name
    path.write_text(text)
    result = cli("apply", order_id, "--from", str(path))
    assert result.code == 2 and result.out == ""
    assert expected in result.err and str(path) in result.err and "Traceback" not in result.err
    assert cli.status(order_id) == "pending-application"     # nothing was saved


@pytest.mark.parametrize("name, text, expected", [
    ("brackets.json", "[" * 100_000, "nested inside one another more deeply than certwizard reads"),
    ("domains.json", '{"domains": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested inside one another"),
    ("tables.toml", "x = " + "{a = " * 20_000 + "1" + "}" * 20_000 + "\n", "nested inside one another"),
    ("arrays.toml", "domains = " + "[" * 20_000 + "]" * 20_000 + "\n", "nested inside one another"),
    ("digits.toml", "[company]\nzip_code = " + "9" * 5_000 + "\n", "a number has more digits than"),
    ("digits.json", '{"company": {"zip_code": ' + "9" * 5_000 + "}}", 'write values as text in quotes'),
])
def test_a_hostile_file_is_a_usage_error_not_a_traceback(cli, tmp_path, name, text, expected):
    order_id = cli.add("dv-single")
    path = tmp_path / name
    path.write_text(text)
    result = cli("apply", order_id, "--from", str(path))
    assert result.code == 2 and result.out == ""
    assert expected in result.err and str(path) in result.err and "Traceback" not in result.err
    assert cli.status(order_id) == "pending-application"


def test_many_nested_toml_table_headers_are_read_as_the_unknown_field_they_are(cli, tmp_path):
    order_id = cli.add("dv-single")
    path = tmp_path / "headers.toml"
    path.write_text("[" + ".".join(["a"] * 20_000) + "]\n")
    result = cli("apply", order_id, "--from", str(path))
    assert result.code == 2 and "unknown field(s) a;" in result.err and "Traceback" not in result.err


def test_a_missing_application_file_is_a_usage_error(cli, tmp_path):
    order_id = cli.add("dv-single")
    result = cli("apply", order_id, "--from", str(tmp_path / "nope.toml"))
    assert result.code == 2 and "No such file" in result.err


def test_values_get_the_wizards_validation_with_every_problem_named(cli, tmp_path):
    order_id = cli.add("dv-single")
    path = tmp_path / "bad-values.toml"
    path.write_text('domains = ["localhost"]\n[applicant]\nname = "Li Lei"\nphone = "12"\n'
                    'email = "not an email"\nid_number = "11010519491231002X"\n[csr]\nkey = "dsa-1024"\n')
    result = cli("apply", order_id, "--from", str(path), "--json")
    assert result.code == 1 and result.json["ok"] is False
    assert set(result.json["errors"]) == {"domains", "applicant.phone", "applicant.email", "csr.key"}
    text = cli("apply", order_id, "--from", str(path))
    assert text.code == 1
    assert all(f"  {key}: " in text.err
               for key in ("domains", "applicant.phone", "applicant.email", "csr.key"))
    submitted = cli("submit", order_id, "--json")        # the saved draft is refused the same way
    assert submitted.code == 1 and "certwizard apply" in submitted.json["error"]
    assert set(submitted.json["errors"]) == {"domains", "applicant.phone", "applicant.email", "csr.key"}


def test_apply_names_an_idn_in_unicode_with_its_punycode_as_every_screen_does(cli, tmp_path):
    order_id = cli.add("dv-single")
    saved = cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "idn.toml", ["bücher.example.net"])))
    assert "valid (bücher.example.net (xn--bcher-kva.example.net))" in saved.out
