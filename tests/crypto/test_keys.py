"""Private keys: generation, facts, 0600 key files, strong PKCS#8 encryption, loading, automatic mode."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from certwizard.crypto import keys
from certwizard.crypto.csr_lint import lint_csr
from certwizard.domain.models import Company, CompanyType, Location
from certwizard.domain.products import KeyAlgorithm, Product, get_product

PASSPHRASE = b"correct horse battery staple"
FAST_ALGORITHMS = (KeyAlgorithm.RSA_2048, KeyAlgorithm.EC_P256, KeyAlgorithm.EC_P384)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _openssl(*args: str, input_bytes: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["openssl", *args], input=input_bytes, capture_output=True, check=False)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return keys.generate_private_key(KeyAlgorithm.EC_P256)


@pytest.fixture(scope="module")
def encrypted_key_file(tmp_path_factory: pytest.TempPathFactory, ec_key) -> Path:
    """One encrypted key for every read-back test: each 600 000-iteration derivation costs real time."""
    path = tmp_path_factory.mktemp("enc") / "keys" / "ord-enc.key.pem"
    return keys.write_private_key(ec_key, path, PASSPHRASE)


# --- generation and facts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("algorithm", FAST_ALGORITHMS)
def test_generated_key_matches_the_algorithm(algorithm: KeyAlgorithm) -> None:
    key = keys.generate_private_key(algorithm)
    public = key.public_key()
    assert keys.key_description(public) == algorithm.label
    assert keys.key_algorithm_of(public) is algorithm
    if algorithm.is_rsa:
        assert isinstance(key, rsa.RSAPrivateKey)
        assert key.key_size == algorithm.size
        assert key.public_key().public_numbers().e == 65537
    else:
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        assert key.curve.key_size == algorithm.size


@pytest.mark.slow
def test_rsa_3072_and_4096_have_the_requested_size() -> None:
    for algorithm in (KeyAlgorithm.RSA_3072, KeyAlgorithm.RSA_4096):
        key = keys.generate_private_key(algorithm)
        assert key.key_size == algorithm.size
        assert keys.key_description(key.public_key()) == algorithm.label


def test_key_description_names_keys_certwizard_does_not_offer() -> None:
    p521 = ec.generate_private_key(ec.SECP521R1()).public_key()
    edwards = ed25519.Ed25519PrivateKey.generate().public_key()
    assert keys.key_description(p521) == "ECDSA P-521"
    assert keys.key_algorithm_of(p521) is None
    assert keys.key_description(edwards) == "Ed25519"
    assert keys.key_algorithm_of(edwards) is None


def test_spki_sha256_matches_openssl(tmp_path: Path, ec_key) -> None:
    path = keys.write_private_key(ec_key, tmp_path / "k" / "a.key.pem")
    der = _openssl("pkey", "-in", str(path), "-pubout", "-outform", "DER").stdout
    assert der, "openssl could not read the key file"
    assert keys.spki_sha256(ec_key.public_key()) == hashlib.sha256(der).hexdigest()


# --- writing ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("umask", [0o000, 0o077, 0o022])
def test_key_file_is_0600_in_a_0700_folder_whatever_the_umask(tmp_path: Path, ec_key, umask: int) -> None:
    target = tmp_path / "data" / "keys" / "ord-1.key.pem"
    old = os.umask(umask)
    try:
        written = keys.write_private_key(ec_key, target)
    finally:
        os.umask(old)
    assert written == target
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700
    assert target.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----\n")


def test_an_existing_loose_folder_is_tightened_to_0700(tmp_path: Path, ec_key) -> None:
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    keys.write_private_key(ec_key, folder / "a.key.pem")
    assert _mode(folder) == 0o700


def test_refuses_to_overwrite_an_existing_file(tmp_path: Path, ec_key) -> None:
    target = tmp_path / "keys" / "a.key.pem"
    target.parent.mkdir()
    target.write_bytes(b"the old key\n")
    os.chmod(target, 0o644)
    with pytest.raises(keys.KeyFileExistsError, match="already exists.*never overwrites"):
        keys.write_private_key(ec_key, target)
    assert target.read_bytes() == b"the old key\n"
    assert _mode(target) == 0o644


def test_refuses_to_write_through_a_symlink_and_leaves_its_target_alone(tmp_path: Path, ec_key) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"not a key\n")
    os.chmod(victim, 0o644)
    link = tmp_path / "keys" / "a.key.pem"
    link.parent.mkdir()
    link.symlink_to(victim)
    with pytest.raises(keys.KeyFileExistsError, match="symbolic link"):
        keys.write_private_key(ec_key, link)
    assert victim.read_bytes() == b"not a key\n"
    assert _mode(victim) == 0o644
    assert link.is_symlink()


def test_refuses_a_dangling_symlink_too(tmp_path: Path, ec_key) -> None:
    link = tmp_path / "a.key.pem"
    link.symlink_to(tmp_path / "would-be-created.pem")
    with pytest.raises(keys.KeyFileExistsError):
        keys.write_private_key(ec_key, link)
    assert not (tmp_path / "would-be-created.pem").exists()


def test_refuses_a_key_folder_that_is_a_symlink(tmp_path: Path, ec_key) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir()
    (tmp_path / "keys").symlink_to(real)
    with pytest.raises(keys.KeyFileError, match="symbolic link; .*real folder"):
        keys.write_private_key(ec_key, tmp_path / "keys" / "a.key.pem")
    assert list(real.iterdir()) == []


def test_empty_passphrase_is_refused_and_nothing_is_written(tmp_path: Path, ec_key) -> None:
    target = tmp_path / "keys" / "a.key.pem"
    with pytest.raises(keys.PassphraseError, match="empty.*unencrypted"):
        keys.write_private_key(ec_key, target, b"")
    assert not target.exists()


# --- encryption ---------------------------------------------------------------------------------------------

def test_encrypted_key_is_standard_pbes2_with_600k_iterations(encrypted_key_file: Path) -> None:
    data = encrypted_key_file.read_bytes()
    assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    assert _mode(encrypted_key_file) == 0o600
    label, _, der = asn1_pem.unarmor(data)
    assert label == "ENCRYPTED PRIVATE KEY"
    algorithm = asn1_keys.EncryptedPrivateKeyInfo.load(der)["encryption_algorithm"]
    assert algorithm["algorithm"].native == "pbes2"
    assert algorithm.kdf == "pbkdf2"
    assert algorithm.kdf_hmac == "sha256"
    assert algorithm.kdf_iterations >= 600_000
    assert len(algorithm.kdf_salt) == 16
    assert algorithm.encryption_cipher == "aes"
    assert algorithm.encryption_mode == "cbc"
    assert algorithm.key_length == 32


def test_openssl_asn1parse_sees_the_same_parameters(encrypted_key_file: Path) -> None:
    out = _openssl("asn1parse", "-in", str(encrypted_key_file)).stdout.decode()
    assert ":PBES2" in out and ":PBKDF2" in out
    assert ":hmacWithSHA256" in out and ":aes-256-cbc" in out
    integers = [int(value, 16) for value in re.findall(r"prim: INTEGER\s+:([0-9A-F]+)", out)]
    assert integers and max(integers) >= 600_000


def test_openssl_reads_the_encrypted_key_with_the_passphrase(encrypted_key_file: Path, ec_key) -> None:
    result = _openssl("pkey", "-in", str(encrypted_key_file), "-passin", f"pass:{PASSPHRASE.decode()}",
                      "-pubout", "-outform", "DER")
    assert result.returncode == 0, result.stderr
    assert hashlib.sha256(result.stdout).hexdigest() == keys.spki_sha256(ec_key.public_key())
    wrong = _openssl("pkey", "-in", str(encrypted_key_file), "-passin", "pass:wrong", "-noout")
    assert wrong.returncode != 0


def test_cryptography_and_load_private_key_read_it(encrypted_key_file: Path, ec_key) -> None:
    direct = serialization.load_pem_private_key(encrypted_key_file.read_bytes(), password=PASSPHRASE)
    loaded = keys.load_private_key(encrypted_key_file, PASSPHRASE)
    expected = keys.spki_sha256(ec_key.public_key())
    assert keys.spki_sha256(direct.public_key()) == expected
    assert keys.spki_sha256(loaded.public_key()) == expected


def test_each_encryption_uses_a_fresh_salt_and_iv(ec_key) -> None:
    def encrypt_once() -> asn1_keys.EncryptedPrivateKeyInfo:
        der = asn1_pem.unarmor(keys.encrypt_pkcs8(ec_key, PASSPHRASE))[2]
        return asn1_keys.EncryptedPrivateKeyInfo.load(der)

    first, second = encrypt_once(), encrypt_once()
    assert first["encryption_algorithm"].kdf_salt != second["encryption_algorithm"].kdf_salt
    assert first["encryption_algorithm"].encryption_iv != second["encryption_algorithm"].encryption_iv
    assert first["encrypted_data"].native != second["encrypted_data"].native


def test_fewer_iterations_are_refused(ec_key) -> None:
    with pytest.raises(ValueError, match="at least 600000"):
        keys.encrypt_pkcs8(ec_key, PASSPHRASE, iterations=2048)


# --- loading ------------------------------------------------------------------------------------------------

def test_wrong_passphrase_is_named_and_not_echoed(encrypted_key_file: Path) -> None:
    with pytest.raises(keys.PassphraseError, match="passphrase .* is wrong") as caught:
        keys.load_private_key(encrypted_key_file, b"hunter2-guess")
    assert "hunter2-guess" not in str(caught.value)
    assert "PRIVATE KEY-----" not in str(caught.value)


def test_encrypted_key_without_passphrase_asks_for_it(encrypted_key_file: Path) -> None:
    with pytest.raises(keys.PassphraseError, match="is encrypted; give the passphrase"):
        keys.load_private_key(encrypted_key_file, None)


def test_plain_key_round_trips_and_refuses_a_passphrase(tmp_path: Path, ec_key) -> None:
    path = keys.write_private_key(ec_key, tmp_path / "a.key.pem")
    assert keys.spki_sha256(keys.load_private_key(path).public_key()) == keys.spki_sha256(ec_key.public_key())
    with pytest.raises(keys.PassphraseError, match="not encrypted; leave the passphrase empty"):
        keys.load_private_key(path, PASSPHRASE)


def test_openssl_made_keys_load(tmp_path: Path) -> None:
    traditional = tmp_path / "rsa.pem"
    generated = _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
    traditional.write_bytes(_openssl("pkey", "-traditional", input_bytes=generated.stdout).stdout)
    assert traditional.read_bytes().startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert keys.key_description(keys.load_private_key(traditional).public_key()) == "RSA 2048"
    weak_encrypted = tmp_path / "enc.pem"   # OpenSSL's own default: PBES2 with 2048 iterations
    encrypted = _openssl("pkey", "-aes256", "-passout", "pass:pw", input_bytes=generated.stdout).stdout
    weak_encrypted.write_bytes(encrypted)
    assert keys.key_description(keys.load_private_key(weak_encrypted, b"pw").public_key()) == "RSA 2048"


def test_missing_file_and_non_keys_get_clear_errors(tmp_path: Path, ec_key) -> None:
    with pytest.raises(keys.KeyFileMissingError, match="no key file at"):
        keys.load_private_key(tmp_path / "nope.pem")
    csr = tmp_path / "request.csr"
    csr.write_bytes(x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
                    .sign(ec_key, hashes.SHA256())
                    .public_bytes(serialization.Encoding.PEM))
    with pytest.raises(keys.NotAKeyError, match="not a PEM private key"):
        keys.load_private_key(csr)
    with pytest.raises(keys.NotAKeyError, match="not a regular file; give the path of the key file"):
        keys.load_private_key(tmp_path)


def test_loading_refuses_a_symlink(tmp_path: Path, ec_key) -> None:
    real = keys.write_private_key(ec_key, tmp_path / "real.key.pem")
    link = tmp_path / "link.key.pem"
    link.symlink_to(real)
    with pytest.raises(keys.KeyFileError, match="symbolic link"):
        keys.load_private_key(link)


# --- naming and automatic mode ------------------------------------------------------------------------------

def test_key_path_for_uses_the_order_id(tmp_path: Path) -> None:
    assert keys.key_path_for(tmp_path, "ord-3f9a1c2b") == tmp_path / "ord-3f9a1c2b.key.pem"


@pytest.mark.parametrize("order_id", ["", "../etc/passwd", "a/b", ".hidden", "ord 1", "ord-\x1b"])
def test_key_path_for_refuses_ids_that_are_not_plain_names(tmp_path: Path, order_id: str) -> None:
    with pytest.raises(ValueError, match="cannot name a key file"):
        keys.key_path_for(tmp_path, order_id)


def test_generate_key_and_csr_writes_the_key_and_returns_a_clean_csr(tmp_path: Path) -> None:
    product = get_product("dv-multi")
    domains = ["www.example.com", "example.com", "xn--bcher-kva.example.com"]
    result = keys.generate_key_and_csr(tmp_path / "keys", "ord-1", KeyAlgorithm.EC_P256, product, domains)
    assert result.key_path == tmp_path / "keys" / "ord-1.key.pem"
    assert _mode(result.key_path) == 0o600 and _mode(result.key_path.parent) == 0o700
    assert result.algorithm is KeyAlgorithm.EC_P256 and result.encrypted is False
    key = keys.load_private_key(result.key_path)
    csr = x509.load_pem_x509_csr(result.csr_pem.encode())
    assert keys.spki_sha256(csr.public_key()) == keys.spki_sha256(key.public_key()) == result.spki_sha256
    assert lint_csr(result.csr_pem, product, domains).ok
    assert "PRIVATE" not in repr(result)


def test_generate_key_and_csr_can_encrypt_the_key(tmp_path: Path) -> None:
    result = keys.generate_key_and_csr(tmp_path, "ord-2", KeyAlgorithm.EC_P384, get_product("dv-single"),
                                       ["www.example.com"], passphrase=PASSPHRASE)
    assert result.encrypted is True
    assert result.key_path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = keys.load_private_key(result.key_path, PASSPHRASE)
    assert keys.spki_sha256(key.public_key()) == result.spki_sha256


def test_generate_key_and_csr_puts_the_company_in_the_subject(tmp_path: Path) -> None:
    company = Company(name="Example Trading Co., Ltd.", company_type=CompanyType.PRIVATE,
                      phone="+8657188888888", organization_id="91330100MA2XXXXXX1", address="1 Lake Road",
                      zip_code="310000", location=Location(country="CN", province="CN-ZJ", city="Hangzhou"))
    result = keys.generate_key_and_csr(tmp_path, "ord-ov", KeyAlgorithm.EC_P256, get_product("ov-single"),
                                       ["www.example.com"], company=company)
    subject = x509.load_pem_x509_csr(result.csr_pem.encode()).subject.rfc4514_string()
    assert subject == ("CN=www.example.com,O=Example Trading Co.\\, Ltd.,L=Hangzhou,ST=Zhejiang Sheng,C=CN")


def test_a_csr_that_fails_its_self_check_leaves_no_key(tmp_path: Path) -> None:
    # ov-single does not cover IP addresses, so the linter refuses the CSR built for one.
    with pytest.raises(keys.CsrSelfCheckError, match="IP address") as caught:
        keys.generate_key_and_csr(tmp_path / "keys", "ord-3", KeyAlgorithm.EC_P256, get_product("ov-single"),
                                  ["203.0.113.10"])
    assert caught.value.problems
    assert not (tmp_path / "keys" / "ord-3.key.pem").exists()
    assert "PRIVATE KEY" not in str(caught.value)


def test_an_algorithm_the_product_does_not_offer_is_refused_before_any_work(tmp_path: Path) -> None:
    ec_only = Product(id="ec-only", name="EC Only DV", brand="Test", level="DV", domain_type="single",
                      max_domains=1, validity_days=90, key_algorithms=(KeyAlgorithm.EC_P256,))
    with pytest.raises(ValueError, match="does not accept RSA 2048 keys; choose one of: ECDSA P-256"):
        keys.generate_key_and_csr(tmp_path, "ord-4", KeyAlgorithm.RSA_2048, ec_only, ["www.example.com"])
    assert list(tmp_path.iterdir()) == []


def test_a_later_key_for_the_same_order_gets_the_next_name(tmp_path: Path) -> None:
    existing = tmp_path / "ord-5.key.pem"
    existing.write_bytes(b"keep me\n")
    (tmp_path / "ord-5.2.key.pem").symlink_to(tmp_path / "elsewhere.pem")   # taken too, and never followed
    result = keys.generate_key_and_csr(tmp_path, "ord-5", KeyAlgorithm.EC_P256, get_product("dv-single"),
                                       ["www.example.com"])
    assert result.key_path == tmp_path / "ord-5.3.key.pem"
    assert existing.read_bytes() == b"keep me\n"
    assert not (tmp_path / "elsewhere.pem").exists()
    assert keys.spki_sha256(keys.load_private_key(result.key_path).public_key()) == result.spki_sha256


def test_key_path_for_numbers_later_generations(tmp_path: Path) -> None:
    assert keys.key_path_for(tmp_path, "ord-1", 2) == tmp_path / "ord-1.2.key.pem"
    with pytest.raises(ValueError, match="out of range"):
        keys.key_path_for(tmp_path, "ord-1", 0)
