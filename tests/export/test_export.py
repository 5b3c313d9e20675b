"""Exporting for each server layout: real files and modes, PKCS#12 read back by cryptography and openssl."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import threading
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
from certwizard.export.bundle import export_bundle, export_order
from certwizard.export.errors import ExportError
from certwizard.export.pkcs12 import LEGACY_PKCS12_KDF_ROUNDS, MODERN_PKCS12_KDF_ROUNDS
from certwizard.export.servers import SERVERS
from tests.factories import mode_of

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



def export(server, out_dir, bundle, key_file, **options):
    options.setdefault("pkcs12_password", PASSWORD)
    return export_bundle(server, out_dir, bundle.certificate_pem, bundle.chain_pem, key_file, **options)


# --- layouts ------------------------------------------------------------------------------------------------

EXPECTED_FILES = {
    "nginx": {f"{NAME}.fullchain.pem": 0o644, f"{NAME}.key": 0o600},
    "apache": {f"{NAME}.crt": 0o644, f"{NAME}.chain.crt": 0o644, f"{NAME}.key": 0o600},
    "tomcat": {f"{NAME}.pfx": 0o600},
    "iis": {f"{NAME}.pfx": 0o600},
    "pem": {f"{NAME}.crt": 0o644, f"{NAME}.chain.pem": 0o644, f"{NAME}.fullchain.pem": 0o644,
            f"{NAME}.key": 0o600},
}


@pytest.mark.parametrize("server", list(SERVERS))
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
    # One PowerShell line (it was split without a backtick, so pasting ran half a command), naming the
    # file where it is on the Windows server, not the Linux path it was exported to.
    (command,) = [line.strip() for line in result.note.splitlines() if "Import-PfxCertificate" in line]
    assert command == (f"Import-PfxCertificate -FilePath 'C:\\certs\\{NAME}.pfx' "
                       "-CertStoreLocation Cert:\\LocalMachine\\My -Password (Read-Host -AsSecureString)")
    assert not any(line.rstrip().endswith("`") for line in result.note.splitlines())
    assert f"for example to C:\\certs\\{NAME}.pfx" in result.note
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
    from certwizard.export.bundle import export_bundle
    from certwizard.export.errors import ExportError

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


# --- complete or not at all ---------------------------------------------------------------------------------

# A child that exports and stops at a chosen point (it says "stalled" and waits), for the parent to SIGKILL.
STALLING_EXPORTER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    import certwizard.export.bundle as export
    import certwizard.export.writing as writing

    cert, chain, key, out, point = sys.argv[1:6]

    def stall():
        print("stalled", flush=True)
        sys.stdin.readline()
        os._exit(3)

    if point == "writing-the-key":
        real_write = os.write
        def write(fd, data):
            if b"PRIVATE KEY" in bytes(data):
                real_write(fd, bytes(data)[:40])      # part of the key is on disk when the kill comes
                stall()
            return real_write(fd, data)
        os.write = write
    elif point == "moving-the-second-file":
        real_move = writing.move_without_replacing
        calls = []
        def move(*args):
            calls.append(args)
            if len(calls) == 2:
                stall()
            return real_move(*args)
        writing.move_without_replacing = move
    export.export_bundle("pem", out, Path(cert).read_text(), Path(chain).read_text(), Path(key))
    print("returned", flush=True)
""")
PEM_FILES = sorted([f"{NAME}.crt", f"{NAME}.chain.pem", f"{NAME}.fullchain.pem", f"{NAME}.key",
                    f"{NAME}.README.txt"])


def kill_export_at(point: str, out: Path, bundle, key_file, tmp_path) -> None:
    cert, chain = tmp_path / "cert.pem", tmp_path / "chain.pem"
    cert.write_text(bundle.certificate_pem)
    chain.write_text(bundle.chain_pem)
    child = subprocess.Popen([sys.executable, "-c", STALLING_EXPORTER, str(cert), str(chain), str(key_file),
                              str(out), point], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        timer = threading.Timer(60, child.kill)     # a child that never gets there must not hang the test
        timer.start()
        try:
            said = child.stdout.readline().strip()
        finally:
            timer.cancel()
        assert said == "stalled", f"the exporter said {said!r}, expected it to stall at {point}"
        child.kill()                                # SIGKILL: no cleanup of any kind runs
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=60)
        child.stdin.close()
        child.stdout.close()


def staging_folders(folder: Path) -> list[Path]:
    return sorted(folder.glob(".certwizard-export-*"))


def test_an_export_killed_while_writing_a_new_folder_leaves_no_folder_and_the_retry_works(bundle, key_file,
                                                                                           tmp_path):
    out = tmp_path / "site" / "tls"
    kill_export_at("writing-the-key", out, bundle, key_file, tmp_path)

    assert not out.exists()                                 # before: out/ with half a key, blocking a retry
    (staging,) = staging_folders(out.parent)                # the dead export's files are only in here...
    assert mode_of(staging) == 0o700                        # ...which only its owner can open

    result = export("pem", out, bundle, key_file)           # the retry just works
    assert sorted(p.name for p in out.iterdir()) == PEM_FILES
    assert [p.name for p in result.files] == [f"{NAME}.crt", f"{NAME}.chain.pem", f"{NAME}.fullchain.pem",
                                              f"{NAME}.key", f"{NAME}.README.txt"]
    assert staging_folders(out.parent) == []                # the abandoned staging folder was removed
    assert mode_of(out) == 0o700


def test_an_export_killed_while_writing_into_an_existing_folder_shows_nothing_there(bundle, key_file,
                                                                                    tmp_path):
    out = tmp_path / "nginx"
    out.mkdir()
    (out / "other.conf").write_text("kept")
    kill_export_at("writing-the-key", out, bundle, key_file, tmp_path)

    assert [p.name for p in out.iterdir() if not p.name.startswith(".certwizard-export-")] == ["other.conf"]
    export("pem", out, bundle, key_file)
    assert sorted(p.name for p in out.iterdir()) == sorted([*PEM_FILES, "other.conf"])
    assert (out / "other.conf").read_text() == "kept"


def test_an_export_killed_while_moving_files_in_is_taken_back_out_by_the_retry(bundle, key_file, tmp_path):
    out = tmp_path / "nginx"
    out.mkdir()
    (out / "other.conf").write_text("kept")
    kill_export_at("moving-the-second-file", out, bundle, key_file, tmp_path)
    assert (out / f"{NAME}.crt").exists()                   # the first file had been moved in

    result = export("pem", out, bundle, key_file)           # not refused for the dead export's file
    assert sorted(p.name for p in out.iterdir()) == sorted([*PEM_FILES, "other.conf"])
    assert (out / f"{NAME}.crt").read_bytes() == bundle.certificate_pem.encode()
    assert len(result.files) == 5 and staging_folders(out) == []


def test_a_file_put_where_a_dead_export_had_moved_one_is_never_taken(bundle, key_file, tmp_path):
    out = tmp_path / "nginx"
    out.mkdir()
    kill_export_at("moving-the-second-file", out, bundle, key_file, tmp_path)
    (out / f"{NAME}.crt").unlink()
    (out / f"{NAME}.crt").write_text("the user's own certificate")   # another file, another inode

    with pytest.raises(ExportError, match=f"already contains {NAME}.crt;"):
        export("pem", out, bundle, key_file)
    assert (out / f"{NAME}.crt").read_text() == "the user's own certificate"


def test_the_staging_folder_of_a_live_export_is_left_alone(bundle, key_file, tmp_path):
    live = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()"], stdin=subprocess.PIPE)
    try:
        busy = tmp_path / f".certwizard-export-{live.pid}-0000abcd"
        busy.mkdir(mode=0o700)
        (busy / f"{NAME}.key").write_text("being written by another export")
        export("nginx", tmp_path / "out", bundle, key_file)
        assert (busy / f"{NAME}.key").exists()
    finally:
        live.communicate(b"\n", timeout=60)


def test_a_failing_move_into_an_existing_folder_takes_back_what_it_moved(bundle, key_file, tmp_path,
                                                                         monkeypatch):
    import certwizard.export.writing as writing

    out = tmp_path / "apache"
    out.mkdir()
    real_move = writing.move_without_replacing
    calls = []

    def move(*args):
        calls.append(args)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_move(*args)

    monkeypatch.setattr(writing, "move_without_replacing", move)
    with pytest.raises(ExportError, match="failed .No space left on device.; the files written so far"):
        export("apache", out, bundle, key_file)
    assert list(out.iterdir()) == []


# --- links and folders others can write ---------------------------------------------------------------------

@pytest.mark.parametrize("link_at", ["out", "parent"])
def test_a_symlinked_output_folder_or_parent_is_refused(bundle, key_file, tmp_path, link_at):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    out = tmp_path / "link" if link_at == "out" else tmp_path / "link" / "tls"

    with pytest.raises(ExportError) as caught:
        export("nginx", out, bundle, key_file)

    message = str(caught.value)
    assert f"{tmp_path / 'link'} -> {real}" in message and "does not export through links" in message
    assert f"Give the real folder instead: {real if link_at == 'out' else real / 'tls'}" in message
    assert list(real.iterdir()) == []
    export("nginx", real if link_at == "out" else real / "tls", bundle, key_file)    # the real path works


def test_a_link_swapped_in_after_the_check_is_refused_not_followed(bundle, key_file, tmp_path, monkeypatch):
    import certwizard.export.writing as writing

    out, victim = tmp_path / "site" / "tls", tmp_path / "victim"
    victim.mkdir()
    real_refuse = writing.refuse_existing

    def swap(folder, files):        # after the symlink check, before any folder is opened
        real_refuse(folder, files)
        (tmp_path / "site").symlink_to(victim)

    monkeypatch.setattr(writing, "refuse_existing", swap)
    with pytest.raises(ExportError, match="became a symbolic link"):
        export("nginx", out, bundle, key_file)
    assert list(victim.iterdir()) == []


@pytest.mark.parametrize("mode, words", [(0o777, "rename, delete or replace it"),
                                         (0o1777, "create files beside")])
def test_a_key_written_into_a_world_writable_folder_comes_with_a_warning(bundle, key_file, tmp_path, mode,
                                                                         words):
    out = tmp_path / "shared"
    out.mkdir()
    os.chmod(out, mode)
    result = export("nginx", out, bundle, key_file)
    (warning,) = result.warnings
    assert f"{out} can be written by every user of this machine (mode {mode & 0o7777:04o})" in warning
    assert f"{NAME}.key was written there" in warning and words in warning and "creates 0700" in warning
    assert mode_of(out / f"{NAME}.key") == 0o600


def test_no_warning_without_a_key_or_in_a_private_folder(bundle, key_file, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    assert export("nginx", shared, bundle, None).warnings == []            # certificates only: public
    private = tmp_path / "private"
    private.mkdir()
    os.chmod(private, 0o755)
    assert export("nginx", private, bundle, key_file).warnings == []


@pytest.mark.parametrize("mode, warned", [(0o777, True), (0o1777, False)])
def test_a_new_folder_in_a_world_writable_parent_is_warned_about_unless_sticky(bundle, key_file, tmp_path,
                                                                               mode, warned):
    parent = tmp_path / "drop"
    parent.mkdir()
    os.chmod(parent, mode)
    result = export("iis", parent / "tls", bundle, key_file)
    assert bool(result.warnings) is warned
    if warned:
        (warning,) = result.warnings
        assert f"rename or replace the new folder {parent / 'tls'} that holds {NAME}.pfx" in warning


def test_the_nginx_note_serves_every_name_of_the_certificate(pki, rsa_key, key_file, tmp_path):
    both = pki.issue(make_csr(rsa_key), ["example.com", "*.example.com"], 30)
    result = export("nginx", tmp_path, both, key_file)
    assert "    server_name example.com *.example.com;" in result.note
