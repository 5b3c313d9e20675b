"""Exporting for each server layout: real files and modes, PKCS#12 read back by cryptography and openssl."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from certwizard.ca.sandbox_pki import SandboxPKI
from certwizard.domain.models import IssuedCertificate, KeyRecord, Order
from certwizard.domain.products import KeyAlgorithm
from certwizard.export import (
    LEGACY_PKCS12_KDF_ROUNDS,
    MODERN_PKCS12_KDF_ROUNDS,
    ExportError,
    ServerType,
    export_bundle,
    export_order,
)

PASSWORD = b"correct horse battery staple"
PASSPHRASE = b"key passphrase 7f3a"
NAME = "www.example.com"


def make_csr(key) -> bytes:
    return (x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ignored.example.net")]))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))


def write_key(path: Path, key, passphrase: bytes | None = None) -> Path:
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       encryption))
    os.chmod(path, 0o600)
    return path


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def certs_in(pem: bytes | str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem if isinstance(pem, bytes) else pem.encode())


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> SandboxPKI:
    return SandboxPKI(tmp_path_factory.mktemp("ca") / "sandbox-ca").ensure()


@pytest.fixture(scope="module")
def bundle(pki, rsa_key):
    return pki.issue(make_csr(rsa_key), [NAME, "example.com"], 90)


@pytest.fixture(scope="module")
def key_file(tmp_path_factory, rsa_key) -> Path:
    return write_key(tmp_path_factory.mktemp("keys") / "order.key", rsa_key)


@pytest.fixture
def umask_zero():
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def export(server, out_dir, bundle, key_file, **options):
    options.setdefault("pkcs12_password", PASSWORD)
    return export_bundle(server, out_dir, bundle.certificate_pem, bundle.chain_pem, key_file, **options)


# --- layouts ------------------------------------------------------------------------------------------------

EXPECTED_FILES = {
    ServerType.NGINX: {f"{NAME}.fullchain.pem": 0o644, f"{NAME}.key": 0o600},
    ServerType.APACHE: {f"{NAME}.crt": 0o644, f"{NAME}.chain.crt": 0o644, f"{NAME}.key": 0o600},
    ServerType.TOMCAT: {f"{NAME}.pfx": 0o600},
    ServerType.IIS: {f"{NAME}.pfx": 0o600},
    ServerType.PEM: {f"{NAME}.crt": 0o644, f"{NAME}.chain.pem": 0o644, f"{NAME}.fullchain.pem": 0o644,
                     f"{NAME}.key": 0o600},
}


@pytest.mark.parametrize("server", list(ServerType))
def test_each_server_gets_its_files_with_private_modes_under_umask_zero(server, bundle, key_file, tmp_path,
                                                                        umask_zero):
    out = tmp_path / "out"
    result = export(server, out, bundle, key_file)

    expected = {**EXPECTED_FILES[server], f"{NAME}.README.txt": 0o644}
    assert {path.name: mode_of(path) for path in result.files} == expected
    assert sorted(p.name for p in out.iterdir()) == sorted(expected)
    assert all(path.parent == out.resolve() for path in result.files)
    assert (out / f"{NAME}.README.txt").read_text() == result.note
    assert mode_of(out) == 0o700  # created by the export, so private


def test_nginx_fullchain_is_leaf_then_intermediate_and_key_is_plain_pkcs8(bundle, key_file, rsa_key,
                                                                          tmp_path):
    result = export("nginx", tmp_path, bundle, key_file)

    fullchain = certs_in((tmp_path / f"{NAME}.fullchain.pem").read_bytes())
    assert fullchain == certs_in(bundle.certificate_pem) + certs_in(bundle.chain_pem)
    key_pem = (tmp_path / f"{NAME}.key").read_bytes()
    assert key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    exported = serialization.load_pem_private_key(key_pem, password=None)
    assert exported.private_numbers() == rsa_key.private_numbers()
    assert f"ssl_certificate     {tmp_path.resolve() / (NAME + '.fullchain.pem')};" in result.note
    assert f"ssl_certificate_key {tmp_path.resolve() / (NAME + '.key')};" in result.note
    assert "unencrypted PKCS#8" in result.note


def test_apache_files_and_directives(bundle, key_file, tmp_path):
    result = export("apache", tmp_path, bundle, key_file)

    assert certs_in((tmp_path / f"{NAME}.crt").read_bytes()) == certs_in(bundle.certificate_pem)
    assert certs_in((tmp_path / f"{NAME}.chain.crt").read_bytes()) == certs_in(bundle.chain_pem)
    for directive, suffix in [("SSLCertificateFile", ".crt"), ("SSLCertificateChainFile", ".chain.crt"),
                              ("SSLCertificateKeyFile", ".key")]:
        assert f"{directive}" in result.note
        assert str(tmp_path.resolve() / (NAME + suffix)) in result.note.split(directive, 1)[1].splitlines()[0]


def test_pem_layout_has_every_form(bundle, key_file, tmp_path):
    export("pem", tmp_path, bundle, key_file)

    leaf, chain = certs_in(bundle.certificate_pem), certs_in(bundle.chain_pem)
    assert certs_in((tmp_path / f"{NAME}.crt").read_bytes()) == leaf
    assert certs_in((tmp_path / f"{NAME}.chain.pem").read_bytes()) == chain
    assert certs_in((tmp_path / f"{NAME}.fullchain.pem").read_bytes()) == leaf + chain


def test_an_existing_folder_keeps_its_mode(bundle, key_file, tmp_path):
    out = tmp_path / "public"
    out.mkdir()
    os.chmod(out, 0o755)
    export("nginx", out, bundle, key_file)
    assert mode_of(out) == 0o755


def test_wildcard_names_give_a_safe_default_basename(pki, rsa_key, key_file, tmp_path):
    wildcard = pki.issue(make_csr(rsa_key), ["*.example.com"], 30)
    result = export("nginx", tmp_path, wildcard, key_file)
    assert {p.name for p in result.files} == {"_wildcard.example.com.fullchain.pem",
                                              "_wildcard.example.com.key", "_wildcard.example.com.README.txt"}


def test_a_chosen_basename_is_used(bundle, key_file, tmp_path):
    result = export("apache", tmp_path, bundle, key_file, basename="shop-2026")
    assert {p.name for p in result.files} == {"shop-2026.crt", "shop-2026.chain.crt", "shop-2026.key",
                                              "shop-2026.README.txt"}


@pytest.mark.parametrize("basename", ["../escape", ".hidden", "a/b", "", "-rf", "x" * 101, "na\x1bme"])
def test_an_unsafe_basename_is_refused(bundle, key_file, tmp_path, basename):
    with pytest.raises(ExportError, match="letters, digits"):
        export("nginx", tmp_path / "out", bundle, key_file, basename=basename)
    assert not (tmp_path / "out").exists()


def test_an_unknown_server_type_lists_the_choices(bundle, key_file, tmp_path):
    with pytest.raises(ExportError, match="choose one of: nginx, apache, tomcat, iis, pem"):
        export("caddy", tmp_path, bundle, key_file)


# --- PKCS#12 ------------------------------------------------------------------------------------------------

def openssl_pkcs12(pfx: Path, *args: str, password: bytes = PASSWORD) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", "pkcs12", "-in", str(pfx), "-passin", "env:PFX_PASSWORD", *args],
                          capture_output=True, text=True, timeout=30,
                          env={**os.environ, "PFX_PASSWORD": password.decode()})


@pytest.mark.parametrize("server", ["tomcat", "iis"])
@pytest.mark.parametrize("profile", ["modern", "legacy"])
def test_pfx_opens_with_the_password_in_cryptography_and_openssl(server, profile, bundle, key_file, rsa_key,
                                                                 tmp_path):
    export(server, tmp_path, bundle, key_file, pkcs12_profile=profile)
    pfx = tmp_path / f"{NAME}.pfx"

    loaded = pkcs12.load_pkcs12(pfx.read_bytes(), PASSWORD)
    assert loaded.key.private_numbers() == rsa_key.private_numbers()
    assert loaded.cert.certificate == certs_in(bundle.certificate_pem)[0]
    assert loaded.cert.friendly_name == NAME.encode()
    assert [c.certificate for c in loaded.additional_certs] == certs_in(bundle.chain_pem)
    result = openssl_pkcs12(pfx, "-nokeys")
    assert result.returncode == 0, result.stderr
    assert certs_in(result.stdout) == certs_in(bundle.certificate_pem) + certs_in(bundle.chain_pem)


def test_modern_pfx_uses_aes256_pbkdf2_and_a_sha256_mac(bundle, key_file, tmp_path):
    export("iis", tmp_path, bundle, key_file, pkcs12_profile="modern")
    info = openssl_pkcs12(tmp_path / f"{NAME}.pfx", "-info", "-noout")

    assert info.returncode == 0, info.stderr
    assert "MAC: sha256" in info.stderr
    assert f"Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration {MODERN_PKCS12_KDF_ROUNDS}, " \
           "PRF hmacWithSHA256" in info.stderr
    assert "3-KeyTripleDES" not in info.stderr


def test_legacy_pfx_really_uses_3des_and_sha1(bundle, key_file, tmp_path):
    export("iis", tmp_path, bundle, key_file, pkcs12_profile="legacy")
    info = openssl_pkcs12(tmp_path / f"{NAME}.pfx", "-info", "-noout")

    assert info.returncode == 0, info.stderr
    assert "MAC: sha1" in info.stderr
    assert ("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, "
            f"Iteration {LEGACY_PKCS12_KDF_ROUNDS}") in info.stderr
    assert "PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC" in info.stderr
    assert "AES" not in info.stderr


def test_pfx_does_not_open_with_another_password(bundle, key_file, tmp_path):
    export("tomcat", tmp_path, bundle, key_file)
    pfx = tmp_path / f"{NAME}.pfx"

    with pytest.raises(ValueError):
        pkcs12.load_pkcs12(pfx.read_bytes(), b"wrong password")
    assert openssl_pkcs12(pfx, "-nokeys", password=b"wrong password").returncode != 0


def test_tomcat_note_has_the_connector_snippet_and_no_password(bundle, key_file, tmp_path):
    result = export("tomcat", tmp_path, bundle, key_file)
    assert 'certificateKeystoreType="PKCS12"' in result.note
    assert f'certificateKeystoreFile="{tmp_path.resolve() / (NAME + ".pfx")}"' in result.note
    assert "<Connector" in result.note
    assert PASSWORD.decode() not in result.note


def test_iis_note_explains_the_import(bundle, key_file, tmp_path):
    result = export("iis", tmp_path, bundle, key_file, pkcs12_profile="legacy")
    assert "Import-PfxCertificate" in result.note and "Bindings" in result.note
    assert "legacy profile" in result.note
    assert PASSWORD.decode() not in result.note


@pytest.mark.parametrize("password", [None, b""])
@pytest.mark.parametrize("server", ["tomcat", "iis"])
def test_pkcs12_needs_a_password(bundle, key_file, tmp_path, server, password):
    with pytest.raises(ExportError, match="needs a password for the .pfx file"):
        export(server, tmp_path / "out", bundle, key_file, pkcs12_password=password)
    assert not (tmp_path / "out").exists()


def test_an_unknown_pkcs12_profile_is_refused(bundle, key_file, tmp_path):
    with pytest.raises(ExportError, match="choose 'modern'"):
        export("iis", tmp_path, bundle, key_file, pkcs12_profile="rc2")


# --- manual CSR orders (no key) -----------------------------------------------------------------------------

@pytest.mark.parametrize(("server", "files"), [
    ("nginx", {f"{NAME}.fullchain.pem"}),
    ("apache", {f"{NAME}.crt", f"{NAME}.chain.crt"}),
    ("pem", {f"{NAME}.crt", f"{NAME}.chain.pem", f"{NAME}.fullchain.pem"}),
])
def test_without_a_key_only_certificates_are_exported(bundle, tmp_path, server, files):
    result = export(server, tmp_path, bundle, None)

    assert {p.name for p in result.files} == files | {f"{NAME}.README.txt"}
    assert "the one you generated yourself" in result.note


@pytest.mark.parametrize("server", ["tomcat", "iis"])
def test_pkcs12_without_a_key_is_refused(bundle, tmp_path, server):
    with pytest.raises(ExportError, match="must contain the private key") as caught:
        export(server, tmp_path / "out", bundle, None)
    assert "openssl pkcs12 -export" in str(caught.value)
    assert not (tmp_path / "out").exists()


# --- the key ------------------------------------------------------------------------------------------------

def test_an_encrypted_key_is_read_with_its_passphrase_and_exported_plain(bundle, rsa_key, tmp_path):
    encrypted = write_key(tmp_path / "enc.key", rsa_key, PASSPHRASE)
    export("nginx", tmp_path / "out", bundle, encrypted, key_passphrase=PASSPHRASE)

    exported_pem = (tmp_path / "out" / f"{NAME}.key").read_bytes()
    exported = serialization.load_pem_private_key(exported_pem, password=None)
    assert exported.private_numbers() == rsa_key.private_numbers()


def test_an_encrypted_key_without_a_passphrase_is_refused(bundle, rsa_key, tmp_path):
    encrypted = write_key(tmp_path / "enc.key", rsa_key, PASSPHRASE)
    with pytest.raises(ExportError, match="is encrypted; give its passphrase"):
        export("nginx", tmp_path / "out", bundle, encrypted)
    assert not (tmp_path / "out").exists()


def test_a_wrong_passphrase_is_refused_without_echoing_secrets(bundle, rsa_key, tmp_path):
    encrypted = write_key(tmp_path / "enc.key", rsa_key, PASSPHRASE)
    with pytest.raises(ExportError, match="could not be decrypted; check the passphrase") as caught:
        export("nginx", tmp_path / "out", bundle, encrypted, key_passphrase=b"not it")
    message = str(caught.value)
    assert "not it" not in message and "PRIVATE KEY" not in message
    assert caught.value.__cause__ is None and caught.value.__context__ is not None  # suppressed, not chained


def test_a_key_that_does_not_belong_to_the_certificate_is_refused(bundle, tmp_path):
    stranger = write_key(tmp_path / "other.key", ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(ExportError, match="does not belong to this certificate"):
        export("pem", tmp_path / "out", bundle, stranger)
    assert not (tmp_path / "out").exists()


def test_a_missing_key_file_is_refused(bundle, tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        export("nginx", tmp_path / "out", bundle, tmp_path / "nope.key")


def test_a_symlinked_key_file_is_refused(bundle, key_file, tmp_path):
    link = tmp_path / "link.key"
    link.symlink_to(key_file)
    with pytest.raises(ExportError, match="symbolic link"):
        export("nginx", tmp_path / "out", bundle, link)


def test_a_file_that_is_not_a_key_is_refused(bundle, tmp_path):
    not_a_key = tmp_path / "cert.pem"
    not_a_key.write_text(bundle.certificate_pem)
    with pytest.raises(ExportError, match="is not a PEM private key"):
        export("nginx", tmp_path / "out", bundle, not_a_key)


# --- certificates -------------------------------------------------------------------------------------------

def test_a_chain_from_another_ca_is_refused(bundle, key_file, tmp_path):
    other = SandboxPKI(tmp_path / "other-ca").ensure()
    with pytest.raises(ExportError, match="did not issue this certificate"):
        export_bundle("nginx", tmp_path / "out", bundle.certificate_pem,
                      other.intermediate_certificate.public_bytes(serialization.Encoding.PEM).decode(),
                      key_file)


def test_an_empty_chain_is_refused(bundle, key_file, tmp_path):
    with pytest.raises(ExportError, match="the chain is empty"):
        export_bundle("nginx", tmp_path / "out", bundle.certificate_pem, "", key_file)


def test_a_fullchain_given_as_the_certificate_is_refused(bundle, key_file, tmp_path):
    with pytest.raises(ExportError, match="holds 2 certificates"):
        export_bundle("nginx", tmp_path / "out", bundle.certificate_pem + bundle.chain_pem, bundle.chain_pem,
                      key_file)


# --- never overwrite, never through a symlink ---------------------------------------------------------------

def test_an_existing_file_is_never_overwritten_and_nothing_is_written(bundle, key_file, tmp_path):
    existing = tmp_path / f"{NAME}.key"
    existing.write_text("the key nginx is using right now")

    with pytest.raises(ExportError) as caught:
        export("pem", tmp_path, bundle, key_file)

    message = str(caught.value)
    assert f"already contains {NAME}.key;" in message and "Choose another folder" in message
    assert existing.read_text() == "the key nginx is using right now"
    assert [p.name for p in tmp_path.iterdir()] == [f"{NAME}.key"]


def test_every_clash_is_listed(bundle, key_file, tmp_path):
    for name in (f"{NAME}.crt", f"{NAME}.README.txt"):
        (tmp_path / name).write_text("old")
    with pytest.raises(ExportError, match=f"already contains {NAME}.crt, {NAME}.README.txt;"):
        export("apache", tmp_path, bundle, key_file)


@pytest.mark.parametrize("dangling", [False, True])
def test_a_symlink_at_a_target_name_is_refused_and_its_target_untouched(bundle, key_file, tmp_path, dangling):
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    if not dangling:
        victim.write_text("precious")
    (out / f"{NAME}.key").symlink_to(victim)

    with pytest.raises(ExportError, match=r"\.key \(a symbolic link\)"):
        export("nginx", out, bundle, key_file)

    assert [p.name for p in out.iterdir()] == [f"{NAME}.key"]
    if dangling:
        assert not victim.exists()
    else:
        assert victim.read_text() == "precious"


def test_a_second_export_to_the_same_folder_is_refused(bundle, key_file, tmp_path):
    export("nginx", tmp_path, bundle, key_file)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    with pytest.raises(ExportError, match="never overwrites"):
        export("nginx", tmp_path, bundle, key_file)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_an_output_path_that_is_a_file_is_refused(bundle, key_file, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ExportError, match="is not a folder"):
        export("nginx", target, bundle, key_file)


# Runs in a child process whose file-size limit lets the first two files through and stops the third.
FAILING_WRITER = textwrap.dedent("""
    import resource, signal, sys
    from pathlib import Path
    from certwizard.export import ExportError, export_bundle

    cert, chain, key, out, limit = sys.argv[1:6]
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # make an oversized write fail with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), int(limit)))
    try:
        export_bundle("pem", out, Path(cert).read_text(), Path(chain).read_text(), Path(key))
    except ExportError as exc:
        print(exc)
        sys.exit(3)
""")


def test_a_write_failing_midway_removes_what_this_export_created(bundle, key_file, tmp_path):
    cert, chain = tmp_path / "cert.pem", tmp_path / "chain.pem"
    cert.write_text(bundle.certificate_pem)
    chain.write_text(bundle.chain_pem)
    limit = max(len(bundle.certificate_pem), len(bundle.chain_pem)) + 1
    # .crt and .chain.pem fit under the limit, .fullchain.pem does not.
    assert limit < len(bundle.certificate_pem + bundle.chain_pem)
    out = tmp_path / "new" / "out"  # neither exists yet

    child = subprocess.run([sys.executable, "-c", FAILING_WRITER, str(cert), str(chain), str(key_file),
                            str(out), str(limit)], capture_output=True, text=True, timeout=60)

    assert child.returncode == 3, child.stderr
    assert f"writing {out.resolve() / (NAME + '.fullchain.pem')} failed" in child.stdout
    assert "the files written so far were removed" in child.stdout
    assert not (tmp_path / "new").exists()


# --- orders -------------------------------------------------------------------------------------------------

def issued_order(bundle, key_record: KeyRecord | None) -> Order:
    certificate = IssuedCertificate(certificate_pem=bundle.certificate_pem, chain_pem=bundle.chain_pem,
                                    serial=bundle.serial_hex, not_before=bundle.not_before,
                                    not_after=bundle.not_after)
    return Order(product_id="dv-single", certificate=certificate, key=key_record)


def test_an_issued_order_exports_with_its_own_key(bundle, key_file, rsa_key, tmp_path):
    record = KeyRecord(path=str(key_file), algorithm=KeyAlgorithm.RSA_2048, spki_sha256="0" * 64)
    result = export_order(issued_order(bundle, record), "iis", tmp_path, pkcs12_password=PASSWORD)

    loaded = pkcs12.load_pkcs12((tmp_path / f"{NAME}.pfx").read_bytes(), PASSWORD)
    assert loaded.key.private_numbers() == rsa_key.private_numbers()
    assert [p.name for p in result.files] == [f"{NAME}.pfx", f"{NAME}.README.txt"]


def test_a_manual_csr_order_exports_certificates_only(bundle, tmp_path):
    result = export_order(issued_order(bundle, None), "nginx", tmp_path)
    assert [p.name for p in result.files] == [f"{NAME}.fullchain.pem", f"{NAME}.README.txt"]


def test_an_order_without_a_certificate_is_refused(tmp_path):
    order = Order(product_id="dv-single")
    with pytest.raises(ExportError, match="has no certificate yet .* once the certificate has been issued"):
        export_order(order, "nginx", tmp_path / "out")
    assert not (tmp_path / "out").exists()
