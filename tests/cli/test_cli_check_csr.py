"""`certwizard check csr FILE --product P --domains D1,D2 [--json]` on real files and standard input."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certwizard.cli import check
from certwizard.crypto.csr import build_csr
from certwizard.crypto.csr_lint import MAX_CSR_BYTES

WWW = "www.example.com"
APEX = "example.com"


def run_cli(argv: list[str]) -> int:
    """Parse and dispatch exactly as `certwizard` does, with only the `check` command registered."""
    parser = argparse.ArgumentParser(prog="certwizard")
    check.register(parser.add_subparsers(dest="command"))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:       # argparse's own usage errors
        return int(exc.code)
    return int(args.handler(args))


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture()
def good_csr(tmp_path: Path, ec_key) -> Path:
    path = tmp_path / "request.csr"
    path.write_bytes(build_csr(ec_key, [WWW, APEX]))
    return path


@pytest.fixture(scope="module")
def sha1_csr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sha1")
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", "k.pem", "-sha1", "-subj", f"/CN={WWW}",
                    "-addext", f"subjectAltName=DNS:{WWW}", "-out", "sha1.csr"],
                   cwd=folder, check=True, capture_output=True)
    return folder / "sha1.csr"


def _feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_an_acceptable_csr_exits_0_and_shows_its_facts(good_csr: Path, capsys) -> None:
    code = run_cli(["check", "csr", str(good_csr), "--product", "dv-multi", "--domains", f"{WWW},{APEX}"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"DNS names:    {WWW}, {APEX}" in out
    assert "Key:          ECDSA P-256" in out
    assert out.rstrip().endswith("Acceptable.")


def test_domains_are_normalised_before_the_comparison(tmp_path: Path, ec_key, capsys) -> None:
    path = tmp_path / "idn.csr"
    path.write_bytes(build_csr(ec_key, ["xn--bcher-kva.de", WWW]))
    code = run_cli(["check", "csr", str(path), "--product", "dv-multi",
                    "--domains", "WWW.Example.com, bücher.de"])
    assert code == 0, capsys.readouterr().out


def test_the_how_to_csr_without_san_is_acceptable_with_notes(tmp_path: Path, capsys) -> None:
    subprocess.run(["openssl", "req", "-new", "-nodes", "-sha256", "-newkey", "rsa:2048",
                    "-keyout", "server.key", "-out", "server.csr",
                    "-subj", f"/C=CN/ST=Zhejiang/L=Hangzhou/O=Example Ltd/CN={WWW}"],
                   cwd=tmp_path, check=True, capture_output=True)
    code = run_cli(["check", "csr", str(tmp_path / "server.csr"), "--product", "dv-multi",
                    "--domains", f"{WWW},{APEX}"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Notes:" in out and "common name only" in out and f"does not name {APEX}" in out
    assert out.rstrip().endswith("Acceptable.")


def test_a_sha1_csr_is_rejected_with_exit_1(sha1_csr: Path, capsys) -> None:
    code = run_cli(["check", "csr", str(sha1_csr), "--product", "dv-single", "--domains", WWW])
    out = capsys.readouterr().out
    assert code == 1
    assert "SHA-1 is not accepted" in out and "[weak-signature-hash]" in out
    assert "Rejected: 1 problem; fix it and check again." in out


def test_json_output(sha1_csr: Path, good_csr: Path, capsys) -> None:
    assert run_cli(["check", "csr", str(sha1_csr), "--product", "dv-single", "--domains", WWW, "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False
    assert payload["csr"]["signature_hash"] == "SHA-1"
    assert [sorted(p) for p in payload["problems"]] == [["code", "message"]]
    assert payload["problems"][0]["code"] == "weak-signature-hash"
    assert run_cli(["check", "csr", str(good_csr), "--product", "dv-multi", "--domains", f"{WWW},{APEX}",
                    "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is True and payload["problems"] == []
    assert payload["csr"]["dns_names"] == [WWW, APEX] and payload["domains"] == [WWW, APEX]


def test_standard_input_with_a_dash(monkeypatch, good_csr: Path, capsys) -> None:
    _feed_stdin(monkeypatch, good_csr.read_bytes().replace(b"\n", b"\r\n"))
    assert run_cli(["check", "csr", "-", "--product", "dv-multi", "--domains", f"{APEX},{WWW}"]) == 0


def test_a_private_key_on_stdin_is_refused_and_not_printed(monkeypatch, ec_key, capsys) -> None:
    key_pem = ec_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
    for extra in ([], ["--json"]):
        _feed_stdin(monkeypatch, key_pem)
        assert run_cli(["check", "csr", "-", "--product", "dv-single", "--domains", WWW, *extra]) == 1
        captured = capsys.readouterr()
        assert "you pasted a private key" in captured.out
        for line in key_pem.decode().splitlines()[1:-1]:
            assert line[:16] not in captured.out + captured.err


def test_control_characters_from_the_csr_are_printed_escaped(tmp_path: Path, ec_key, capsys) -> None:
    evil = "www.example.com\x1b]0;pwned\x07"
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, evil)]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(evil)]), critical=False)
           .sign(ec_key, hashes.SHA256()))
    path = tmp_path / "evil.csr"
    path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    assert run_cli(["check", "csr", str(path), "--product", "dv-single", "--domains", WWW]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07" in out


def test_a_file_over_the_limit_is_rejected_without_reading_it(tmp_path: Path, capsys) -> None:
    big = tmp_path / "big.csr"
    big.write_bytes(b"A" * (MAX_CSR_BYTES + 1))
    assert run_cli(["check", "csr", str(big), "--product", "dv-single", "--domains", WWW, "--json"]) == 1
    assert [p["code"] for p in json.loads(capsys.readouterr().out)["problems"]] == ["too-large"]


def test_too_much_on_stdin_is_rejected(monkeypatch, capsys) -> None:
    _feed_stdin(monkeypatch, b"A" * (MAX_CSR_BYTES + 10))
    assert run_cli(["check", "csr", "-", "--product", "dv-single", "--domains", WWW]) == 1
    assert "the limit is 16384 bytes" in capsys.readouterr().out


@pytest.mark.parametrize("argv_tail, message", [
    (["--product", "gold-plated", "--domains", WWW],
     "unknown product 'gold-plated'; choose one of: dv-single"),
    (["--product", "dv-single", "--domains", "intranet.local"], "--domains is not acceptable for Basic DV"),
])
def test_bad_product_or_domains_are_usage_errors(good_csr: Path, capsys, argv_tail: list[str],
                                                 message: str) -> None:
    assert run_cli(["check", "csr", str(good_csr), *argv_tail]) == 2
    assert message in capsys.readouterr().err


def test_missing_arguments_are_usage_errors(good_csr: Path, capsys) -> None:
    assert run_cli(["check", "csr", str(good_csr), "--product", "dv-single"]) == 2
    assert "--domains" in capsys.readouterr().err


def test_unreadable_paths_are_usage_errors(tmp_path: Path, good_csr: Path, capsys) -> None:
    link = tmp_path / "link.csr"
    link.symlink_to(good_csr)
    fifo = tmp_path / "fifo.csr"
    os.mkfifo(fifo)
    cases = {tmp_path / "missing.csr": "no such file", link: "symbolic link", tmp_path: "not a regular file",
             fifo: "not a regular file"}
    for path, words in cases.items():
        assert run_cli(["check", "csr", str(path), "--product", "dv-single", "--domains", WWW]) == 2
        assert words in capsys.readouterr().err


def test_the_installed_command_end_to_end(good_csr: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "certwizard", "check", "csr", "-", "--product", "dv-multi",
                             "--domains", f"{WWW},{APEX}", "--json"], input=good_csr.read_bytes(),
                            capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True
