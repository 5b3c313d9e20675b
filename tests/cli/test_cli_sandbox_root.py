"""`certwizard sandbox-root`: users find the root certificate to trust, with a fingerprint to compare."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from .cli_flow import make_cli


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    return make_cli(tmp_path, monkeypatch, capsys)


def _fingerprint(pem: bytes) -> str:
    return ":".join(f"{b:02X}" for b in x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256()))


def test_sandbox_root_creates_the_ca_and_prints_its_path_and_fingerprint(cli):
    result = cli.ok("sandbox-root")
    root_path = cli.root_pem_path
    assert root_path.is_file() and f"root certificate: {root_path}" in result.out
    assert _fingerprint(root_path.read_bytes()) in result.out
    assert "Not publicly trusted" in result.out and "test machines only" in result.out
    assert "PRIVATE KEY" not in result.out and result.err == ""


def test_sandbox_root_pem_prints_exactly_the_root_certificate(cli):
    pem = cli.ok("sandbox-root", "--pem").out
    assert pem.encode() == cli.root_pem_path.read_bytes()
    certificate = x509.load_pem_x509_certificate(pem.encode())
    assert certificate.subject == certificate.issuer
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_sandbox_root_json_and_the_same_root_every_time(cli):
    first = cli.ok("sandbox-root", "--json").json
    second = cli.ok("sandbox-root", "--json").json
    assert first == second and first["ok"] is True
    assert first["path"] == str(cli.root_pem_path)
    assert first["sha256_fingerprint"] == _fingerprint(cli.root_pem_path.read_bytes())
    assert "Sandbox Root CA" in first["subject"] and first["not_after"] > first["not_before"]


def test_the_root_is_the_one_that_issued_the_orders_chain(cli, tmp_path):
    from .cli_flow import toml_file

    order_id = cli.add("dv-single")
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "a.toml", ["www.example.com"])))
    cli.ok("submit", order_id)
    cli.ok("verify", order_id)
    cli.ok("refresh")
    root = x509.load_pem_x509_certificate(cli.ok("sandbox-root", "--pem").out.encode())
    out = tmp_path / "out"
    cli.ok("export", order_id, "--server", "pem", "--out", str(out))
    intermediate = x509.load_pem_x509_certificate((out / "www.example.com.chain.pem").read_bytes())
    intermediate.verify_directly_issued_by(root)


def test_a_damaged_sandbox_ca_is_refused_with_how_to_recover(cli):
    cli.ok("sandbox-root")
    (cli.root_pem_path.parent / "root-ca.key").chmod(0o644)
    result = cli("sandbox-root")
    assert result.code == 1 and "chmod 600" in result.err and "Traceback" not in result.err
    as_json = cli("sandbox-root", "--json")
    assert as_json.code == 1 and as_json.json["ok"] is False


def test_pem_and_json_cannot_be_combined(cli):
    with pytest.raises(SystemExit) as exit_info:
        cli("sandbox-root", "--pem", "--json")
    assert exit_info.value.code == 2


def test_sandbox_speed_is_saved_in_the_data_folder_and_the_environment_wins(tmp_path, capsys, monkeypatch):
    from certwizard.ca.sandbox import configured_speed
    from certwizard.cli import main
    from certwizard.services import open_services

    monkeypatch.delenv("CERTWIZARD_SANDBOX_SPEED", raising=False)
    data = str(tmp_path / "data")
    assert main(["--data-dir", data, "sandbox-speed"]) == 0
    assert "in use: 'fast'" in capsys.readouterr().out
    assert main(["--data-dir", data, "sandbox-speed", "realistic"]) == 0
    assert configured_speed(open_services(data).repository).value == "realistic"
    monkeypatch.setenv("CERTWIZARD_SANDBOX_SPEED", "instant")
    assert main(["--data-dir", data, "sandbox-speed"]) == 0
    assert "in use: 'instant' (from $CERTWIZARD_SANDBOX_SPEED" in capsys.readouterr().out
    with pytest.raises(SystemExit) as usage:
        main(["--data-dir", data, "sandbox-speed", "slow"])
    assert usage.value.code == 2


def test_an_unknown_speed_in_the_environment_is_an_error_not_fast(tmp_path, capsys, monkeypatch):
    from certwizard.ca.sandbox import configured_speed
    from certwizard.cli import main
    from certwizard.services import open_services

    data = str(tmp_path / "data")
    monkeypatch.delenv("CERTWIZARD_SANDBOX_SPEED", raising=False)
    assert main(["--data-dir", data, "sandbox-speed", "realistic"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("CERTWIZARD_SANDBOX_SPEED", "Instant")          # a typo: before, silently 'fast'
    for argv in (["sandbox-speed"], ["refresh"], ["list"], []):       # [] would open the wizard
        assert main(["--data-dir", data, *argv]) == 2, argv
        out, err = capsys.readouterr()
        assert out == "" and "$CERTWIZARD_SANDBOX_SPEED is 'Instant'" in err
        assert "instant, fast or realistic, or unset it" in err
    monkeypatch.delenv("CERTWIZARD_SANDBOX_SPEED")
    assert configured_speed(open_services(data).repository).value == "realistic"   # the saved one, untouched


def test_the_command_line_knows_the_sandbox_speeds_without_importing_them():
    from certwizard.ca.sandbox import SPEED_ENV, ReviewSpeed
    from certwizard.cli import SANDBOX_SPEED_ENV, SANDBOX_SPEEDS

    assert SANDBOX_SPEED_ENV == SPEED_ENV and SANDBOX_SPEEDS == tuple(speed.value for speed in ReviewSpeed)


@pytest.fixture
def full_disk(monkeypatch):
    """Every write to a file fails with ENOSPC, as on a full disk (the terminal's descriptors still work)."""
    import errno
    import os

    real_write = os.write

    def write(fd, data):
        if fd > 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    return lambda: monkeypatch.setattr(os, "write", write)


@pytest.mark.parametrize("existing", [True, False], ids=["saved-before", "new-data-folder"])
def test_sandbox_speed_on_a_full_disk_says_so_without_a_traceback(tmp_path, capsys, monkeypatch, full_disk,
                                                                  existing):
    from certwizard.ca.sandbox import configured_speed
    from certwizard.cli import main
    from certwizard.services import open_services

    monkeypatch.delenv("CERTWIZARD_SANDBOX_SPEED", raising=False)
    data = tmp_path / "data"
    if existing:
        assert main(["--data-dir", str(data), "sandbox-speed", "realistic"]) == 0
    capsys.readouterr()
    full_disk()
    assert main(["--data-dir", str(data), "sandbox-speed", "fast"]) == 1
    out, err = capsys.readouterr()
    assert "No space left on device" in err and "the speed was not saved" in err and "Free some space" in err
    assert "Traceback" not in err and "saved:" not in out
    monkeypatch.undo()
    if existing:
        assert configured_speed(open_services(str(data)).repository).value == "realistic"
