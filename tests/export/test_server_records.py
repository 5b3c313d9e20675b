"""One record per server type: a server added only to the registry (lighttpd, see extra_server.py) is a CLI
choice, a palette target and a dialog choice (tests/ui/test_issued_export.py), and its files go through the
same writer as every other layout: modes, no overwriting, a dead export's leftovers cleared."""

from __future__ import annotations

import subprocess
import sys

import pytest

from certwizard.cli import main
from certwizard.export.servers import SERVERS, layouts_without_pkcs12
from certwizard.ui.commands import export_targets
from tests.export.extra_server import LIGHTTPD, register_lighttpd
from tests.factories import mode_of, valid_draft

NAME = "www.example.com"


@pytest.fixture
def lighttpd(monkeypatch):
    return register_lighttpd(monkeypatch)



def issued_order_id(services) -> str:
    workflow = services.workflow
    [order] = workflow.add_purchased("dv-single")
    order = workflow.save_draft(order, valid_draft(NAME))
    workflow.submit(order.id)
    workflow.confirm_domain_validation(order.id)
    workflow.refresh()
    return order.id


def run_cli(services, capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(services.layout.root), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_every_non_pfx_record_says_what_it_writes_without_a_key():
    for layout in layouts_without_pkcs12():
        assert layout.hint_without_key, layout.name     # the export dialog shows it for manual-CSR orders


def test_a_registered_record_is_a_cli_choice_and_a_palette_target(lighttpd, services, capsys):
    order_id = issued_order_id(services)
    with pytest.raises(SystemExit):
        run_cli(services, capsys, "export", order_id, "--help")
    help_text = capsys.readouterr().out
    assert "--server {nginx,apache,tomcat,iis,pem,lighttpd}" in help_text

    code, out, _ = run_cli(services, capsys, "show", order_id)
    assert code == 0 and f"certwizard export {order_id} --server nginx|apache|tomcat|iis|pem|lighttpd" in out
    assert export_targets() == "nginx, Apache, Tomcat, IIS, as PEM or lighttpd"


def test_a_registered_record_is_written_by_the_cli_through_the_same_writer(lighttpd, services, capsys,
                                                                           tmp_path):
    order_id = issued_order_id(services)
    out = tmp_path / "site" / "tls"
    abandoned = tmp_path / "site" / f".certwizard-export-{dead_pid()}-0000abcd"
    abandoned.parent.mkdir()
    abandoned.mkdir(mode=0o700)
    (abandoned / f"{NAME}.lighttpd.pem").write_text("half of a killed export")

    code, text, err = run_cli(services, capsys, "export", order_id, "--server", "lighttpd", "--out", str(out))

    assert code == 0, err
    written = {path.name: mode_of(path) for path in out.iterdir()}
    assert written == {f"{NAME}.lighttpd.pem": 0o600, f"{NAME}.README.txt": 0o644}
    assert mode_of(out) == 0o700                            # a folder the export made is private
    assert not abandoned.exists()                           # the writer cleared the dead export's staging
    data = (out / f"{NAME}.lighttpd.pem").read_bytes()
    assert data.startswith(b"-----BEGIN PRIVATE KEY-----") and data.count(b"BEGIN CERTIFICATE") == 2
    assert f"wrote {out / (NAME + '.lighttpd.pem')} (mode 0600)" in text
    assert f'ssl.pemfile = "{out / (NAME + ".lighttpd.pem")}"' in text
    assert (out / f"{NAME}.README.txt").read_text().startswith(f"{LIGHTTPD.label}: {NAME}\n")

    code, _, err = run_cli(services, capsys, "export", order_id, "--server", "lighttpd", "--out", str(out))
    assert code == 1 and f"already contains {NAME}.lighttpd.pem, {NAME}.README.txt" in err
    assert (out / f"{NAME}.lighttpd.pem").read_bytes() == data          # never overwritten


def test_without_the_record_the_name_is_refused(services, capsys):
    assert "lighttpd" not in SERVERS
    with pytest.raises(SystemExit) as exit_info:
        run_cli(services, capsys, "export", "ord-1", "--server", "lighttpd", "--out", "x")
    assert exit_info.value.code == 2 and "invalid choice: 'lighttpd'" in capsys.readouterr().err
