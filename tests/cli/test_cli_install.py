"""`certwizard install` and `certwizard installations` end to end: a sandbox-issued order installed for nginx
with a reload command that records its calls, listed, written again, and the usage and refusal exits."""

from __future__ import annotations

import json

import pytest

from tests.cli.cli_flow import check_pem_key, issued_order, split_pem
from tests.services.issued_orders import calls, recording_script


def test_install_then_installations_then_again(cli, tmp_path):
    order_id = issued_order(cli, tmp_path)
    script = recording_script(tmp_path)
    folder = tmp_path / "etc-nginx-ssl"
    installed = cli.ok("install", order_id, "--server", "nginx", "--dir", str(folder),
                       "--reload", f"{script} reload nginx", "--json").json
    assert installed["ok"] is True and installed["changed"] is True
    assert installed["reloads"][0]["exit_status"] == 0 and "nginx" in installed["note"]
    fullchain = folder / "www.example.com.fullchain.pem"
    leaf, _ = split_pem(fullchain.read_bytes())
    check_pem_key(folder / "www.example.com.key", leaf)
    assert [c["argv"][1:] for c in calls(tmp_path)] == [["reload", "nginx"]]

    listed = cli.ok("installations", "--json").json["installations"]
    assert len(listed) == 1
    row = listed[0]
    assert row["order"] == order_id and row["server"] == "nginx" and row["directory"] == str(folder)
    assert row["serial"] == cli.ok("show", order_id, "--json").json["order"]["certificate"]["serial"]
    assert row["reload_result"]["exit_status"] == 0 and row["problem"] == ""
    assert row["files"] == [str(fullchain), str(folder / "www.example.com.key")]
    human = cli.ok("installations").out
    assert f"{order_id} {row['id']}: nginx in {folder}" in human and "exit 0" in human

    again = cli.ok("install", order_id, "--again")
    assert "up to date, nothing written" in again.out
    assert len(calls(tmp_path)) == 1            # nothing changed: no reload

    fullchain.write_bytes(b"stale\n")
    again = cli.ok("install", order_id, "--again", "--json").json
    assert again["written"] == {row["id"]: ["www.example.com.fullchain.pem"]}
    assert (folder / "www.example.com.fullchain.pem.prev").read_bytes() == b"stale\n"
    assert len(calls(tmp_path)) == 2


def test_install_refusals_and_usage_errors(cli, tmp_path):
    order_id = issued_order(cli, tmp_path)
    folder = tmp_path / "ssl"
    usage = cli("install", order_id, "--server", "nginx")
    assert usage.code == 2 and "--server and --dir" in usage.err
    usage = cli("install", order_id, "--again", "--dir", str(folder))
    assert usage.code == 2 and "leave out --dir" in usage.err
    usage = cli("install", order_id, "--server", "nginx", "--dir", str(folder), "--reload", " ")
    assert usage.code == 2 and "--reload is empty" in usage.err
    with pytest.raises(SystemExit) as argparse_exit:
        cli("install", order_id, "--server", "nope", "--dir", str(folder))
    assert argparse_exit.value.code == 2

    refused = cli("install", order_id, "--server", "nginx", "--dir", str(folder), "--reload", "'open")
    assert refused.code == 1 and "cannot be read" in refused.err and not folder.exists()

    # `false` exits 1: the files are in place and the installation kept, the failed reload is exit 1
    first = cli("install", order_id, "--server", "nginx", "--dir", str(folder), "--reload", "false")
    assert first.code == 1 and "exited with status 1" in first.err
    assert "wrote www.example.com.fullchain.pem, www.example.com.key" in first.out
    (folder / "www.example.com.key").write_bytes(b"stale\n")
    failed = cli("install", order_id, "--again", "--json")
    assert failed.code == 1 and failed.json["ok"] is False and "exited with status 1" in failed.json["error"]

    twice = cli("install", order_id, "--server", "nginx", "--dir", str(folder))
    assert twice.code == 1 and "already installed" in twice.err and "--again" in twice.err

    unissued = cli.add("dv-single")
    nothing = cli("install", unissued, "--server", "pem", "--dir", str(tmp_path / "x"))
    assert nothing.code == 1 and "no certificate yet" in nothing.err


def test_installations_lists_nothing_politely(cli, tmp_path):
    issued_order(cli, tmp_path)
    assert json.loads(cli.ok("installations", "--json").out) == {"ok": True, "installations": []}
    assert "no installations" in cli.ok("installations").out
