"""`certwizard renew` with the sandbox CA: what is due, follow-up orders linked both ways, key policy, what
needs a person, exit codes, the lock, and the systemd units."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from certwizard.domain.status import OrderStatus
from certwizard.services import open_services
from certwizard.services.renewal import RenewRunningError, renewal_lock
from tests.cli.cli_flow import mode_of, toml_file
from tests.factories import jpeg_bytes
from tests.services.issued_orders import calls, recording_script


def _hook(folder: Path, extra: str = "") -> Path:
    """A DNS hook that records each call, as a DNS provider's API script would be called."""
    hook = folder / "dns-hook"
    hook.write_text("#!/bin/sh\n" + extra + 'echo "$CERTWIZARD_ACTION $CERTWIZARD_DOMAIN $CERTWIZARD_TXT_VALUE" >> '
                    f'"{folder}/hook.log"\n')
    hook.chmod(0o755)
    return hook


def _issued(cli, tmp_path: Path, domains=("www.example.com",), hook: Path | None = None) -> str:
    order_id = cli.add("dv-single" if len(domains) == 1 else "dv-multi")
    validation = f'\n[validation]\nmethod = "dns"\nhook = "{hook}"\n' if hook else ""
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / f"{order_id}.toml", list(domains),
                                                      extra=validation)))
    cli.ok("submit", order_id)
    cli.ok("verify", order_id)
    cli.ok("refresh")
    assert cli.status(order_id) == "issued"
    return order_id


def _order(cli, order_id: str) -> dict:
    return cli.ok("show", order_id, "--json").json["order"]


def test_nothing_due_exits_0_and_says_when_the_next_one_is(cli, tmp_path):
    order_id = _issued(cli, tmp_path, hook=_hook(tmp_path))
    plan = cli.ok("renew", "--dry-run", "--json").json["certificates"]
    assert [(c["order"], c["due"], c["source"]) for c in plan] == [(order_id, False, "lifetime")]
    renewal = _order(cli, order_id)["renewal"]
    assert plan[0]["due_at"] == renewal["due_at"]
    run = cli.ok("renew")
    assert "Nothing is due" in run.out and order_id in run.out and "2/3 of its lifetime" in run.out
    assert _order(cli, order_id)["renewed_by"] is None


def test_a_forced_renewal_makes_a_linked_follow_up_with_a_new_key_and_the_old_one_is_renewed(cli, tmp_path):
    hook = _hook(tmp_path)
    old_id = _issued(cli, tmp_path, domains=("www.example.com", "api.example.com"), hook=hook)
    before = _order(cli, old_id)
    dry = cli.ok("renew", "--dry-run", "--force", old_id)
    assert "would renew: forced" in dry.out
    assert _order(cli, old_id)["renewed_by"] is None                   # a dry run changes nothing

    run = cli.ok("renew", "--force", old_id, "--json").json
    (outcome,) = run["renewals"]
    assert run["ok"] and outcome["result"] == "renewed"
    new_id = outcome["follow_up"]
    old, new = _order(cli, old_id), _order(cli, new_id)
    assert old["status"] == "renewed" and old["renewed_by"] == new_id and new["renewal_of"] == old_id
    assert new["status"] == "issued" and new["domains"] == before["domains"] and new["product"] == before["product"]
    assert new["key"]["spki_sha256"] != before["key"]["spki_sha256"]     # a new key by default
    assert new["certificate"]["serial"] != before["certificate"]["serial"]
    assert old["renewal"] is not None and old["renewal"]["last_attempt"]["ok"] is True
    # The hook published and removed the renewal's records, with the values the CA gave the new order.
    calls = (tmp_path / "hook.log").read_text().splitlines()
    published = [line for line in calls if line.startswith("publish")][-2:]
    assert sorted(line.split()[1] for line in published) == ["api.example.com", "www.example.com"]
    assert calls[-1].startswith("cleanup")
    # Renewed is never renewed again, and its history names the renewal.
    again = cli("renew", "--force", old_id)
    assert again.code == 1 and "renewed, so it cannot be renewed" in again.err
    assert "renewed by: " + new_id in cli.ok("show", old_id).out


def test_reuse_key_keeps_the_key_and_is_remembered_as_the_orders_policy(cli, tmp_path):
    old_id = _issued(cli, tmp_path, hook=_hook(tmp_path))
    before = _order(cli, old_id)
    run = cli.ok("renew", "--force", old_id, "--reuse-key", old_id, "--json").json
    new = _order(cli, run["renewals"][0]["follow_up"])
    assert new["key"]["spki_sha256"] == before["key"]["spki_sha256"]
    assert new["key"]["path"] == before["key"]["path"]
    assert new["renewal"]["key"] == "reuse"                          # the follow-up keeps the policy
    third = cli.ok("renew", "--force", new["id"], "--json").json["renewals"][0]
    assert _order(cli, third["follow_up"])["key"]["spki_sha256"] == before["key"]["spki_sha256"]


def test_a_record_nobody_can_publish_needs_you_then_the_next_run_finishes(cli, tmp_path):
    old_id = _issued(cli, tmp_path)                                   # no hook: the user publishes by hand
    run = cli("renew", "--force", old_id)
    assert run.code == 1
    assert "needs-you" in run.err and "TXT" in run.err and "certwizard verify" in run.err
    follow_id = _order(cli, old_id)["renewed_by"]
    assert cli.status(follow_id) == "domain-verification" and cli.status(old_id) == "issued"
    cli.ok("verify", follow_id)                                       # the person did it
    second = cli.ok("renew", "--json").json                          # under way: carried on without --force
    assert [r["result"] for r in second["renewals"]] == ["renewed"]
    assert cli.status(old_id) == "renewed" and cli.status(follow_id) == "issued"


def test_a_refused_renewal_fails_with_the_reason_leaves_the_old_one_issued_and_is_tried_again(cli, tmp_path):
    old_id = _issued(cli, tmp_path, hook=_hook(tmp_path))
    # The sandbox fails a review when the first label is review-fail; the renewal takes the old order's
    # application, so that name is put there after issuance (a CA that changed its mind about the domain).
    services = open_services(cli.data_dir)

    def failing(order):
        order.draft = order.draft.model_copy(update={"domains": "review-fail.example.com"})
        return order
    services.repository.update_order(old_id, failing)
    services.repository.close()
    run = cli("renew", "--force", old_id)
    assert run.code == 1 and "failed" in run.err and "refused the renewal" in run.err
    follow_id = _order(cli, old_id)["renewed_by"]
    assert cli.status(follow_id) == "review-failed" and cli.status(old_id) == "issued"
    again = cli("renew")                        # the renewal under way is withdrawn and sent again, once
    assert again.code == 1 and follow_id in again.err
    history = cli.ok("show", follow_id, "--json").json["order"]
    assert history["status"] == "review-failed"
    assert _order(cli, old_id)["renewed_by"] == follow_id          # never a second follow-up


def test_forcing_what_cannot_be_renewed_is_refused_with_the_reason(cli, tmp_path):
    pending = cli.add("dv-single")
    refused = cli("renew", "--force", pending)
    assert refused.code == 1 and "pending application" in refused.err
    missing = cli("renew", "--force", "ord-nothere")
    assert missing.code == 1 and "no order ord-nothere" in missing.err
    usage = cli("renew", "--wait", "-5")
    assert usage.code == 2 and "out of range" in usage.err


def test_a_second_run_while_one_holds_the_lock_does_nothing_and_says_why(cli, tmp_path):
    old_id = _issued(cli, tmp_path, hook=_hook(tmp_path))
    services = open_services(cli.data_dir)
    with renewal_lock(services.layout):
        with pytest.raises(RenewRunningError):
            with renewal_lock(services.layout):
                pass
        blocked = cli("renew", "--force", old_id)
    assert blocked.code == 1 and "another certwizard renew is running" in blocked.err
    assert _order(cli, old_id)["renewed_by"] is None
    services.repository.close()


@pytest.mark.timeout(120)
def test_two_renew_processes_at_once_make_one_renewal(cli, tmp_path):
    # Once `hold` exists, the hook says it is running and waits for `release` (30 s at most): the first run
    # then holds the lock, publishing, for as long as the test needs, however loaded the machine is.
    hold, running, release = tmp_path / "hold", tmp_path / "running", tmp_path / "release"
    slow = _hook(tmp_path, extra=f'if [ -e "{hold}" ]; then touch "{running}"; i=0; '
                                 f'while [ ! -e "{release}" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; fi\n')
    old_id = _issued(cli, tmp_path, hook=slow)
    hold.touch()
    env = {**os.environ, "CERTWIZARD_SANDBOX_SPEED": "instant"}
    command = [sys.executable, "-m", "certwizard", "--data-dir", str(cli.data_dir), "renew", "--force", old_id,
               "--json"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    deadline = time.monotonic() + 60
    while not running.exists():
        assert time.monotonic() < deadline and runs[0].poll() is None, runs[0].communicate()
        time.sleep(0.05)
    runs.append(subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    second = (runs[1].wait(timeout=60), *runs[1].communicate())
    release.touch()
    results = [(runs[0].wait(timeout=60), *runs[0].communicate()), second]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    blocked = next(out for code, out, _ in results if code == 1)
    assert "another certwizard renew is running" in json.loads(blocked)["error"]
    orders = cli.ok("list", "--json").json["orders"]
    assert len(orders) == 2 and sorted(o["status"] for o in orders) == ["issued", "renewed"]


@pytest.mark.timeout(60)
def test_a_short_lived_certificate_becomes_due_at_two_thirds_and_is_renewed_without_force(cli, tmp_path):
    cli.ok("sandbox-lifetime", "9s")
    old_id = _issued(cli, tmp_path, hook=_hook(tmp_path))
    facts = _order(cli, old_id)["renewal"]
    assert facts["source"] == "lifetime"
    assert cli.ok("renew", "--json").json["renewals"] == []           # not due yet
    deadline = time.monotonic() + 20
    while _order(cli, old_id)["status"] != "expiring-soon":
        assert time.monotonic() < deadline, "the order never became expiring soon"
        time.sleep(0.5)
    listed = cli.ok("list", "--status", "expiring-soon", "--json").json["orders"]
    assert [o["id"] for o in listed] == [old_id] and listed[0]["renew_source"] == "lifetime"
    run = cli.ok("renew", "--json").json
    assert [r["result"] for r in run["renewals"]] == ["renewed"]


def test_print_systemd_gives_a_service_and_a_timer_for_this_data_folder(cli, tmp_path):
    out = cli.ok("renew", "--print-systemd").out
    assert "[Timer]" in out and "OnCalendar=*-*-* 00,12:00:00" in out and "RandomizedDelaySec=" in out
    exec_line = next(line for line in out.splitlines() if line.startswith("ExecStart="))
    assert str(cli.data_dir) in exec_line and exec_line.endswith("renew --quiet")
    folder = tmp_path / "units"
    folder.mkdir()
    cli.ok("renew", "--print-systemd", str(folder))
    service = (folder / "certwizard-renew.service").read_text()
    assert mode_of(folder / "certwizard-renew.service") == 0o644
    assert "Type=oneshot" in service and "WantedBy=timers.target" in (folder / "certwizard-renew.timer").read_text()
    (folder / "certwizard-renew.timer").write_text("mine\n")
    refused = cli("renew", "--print-systemd", str(folder))
    assert refused.code == 1 and "differs" in refused.err
    assert (folder / "certwizard-renew.timer").read_text() == "mine\n"


def test_an_ov_renewal_carries_the_company_and_documents_and_waits_for_the_review(
        cli, tmp_path, monkeypatch):
    (tmp_path / "letter.jpg").write_bytes(jpeg_bytes())
    old_id = cli.add("ov-single")
    application = toml_file(tmp_path / "ov.toml", ["shop.example.com"], company=True, documents=["letter.jpg"],
                            extra=f'\n[validation]\nmethod = "dns"\nhook = "{_hook(tmp_path)}"\n')
    cli.ok("apply", old_id, "--from", str(application))
    cli.ok("submit", old_id)
    cli.ok("verify", old_id)
    cli.ok("refresh")
    assert cli.status(old_id) == "issued"
    monkeypatch.setenv("CERTWIZARD_SANDBOX_SPEED", "realistic")      # days: the CA calls the company
    first = cli.ok("renew", "--force", old_id, "--json").json["renewals"][0]
    assert first["result"] == "waiting" and "reviewing the organization" in first["message"]
    follow_id = first["follow_up"]
    follow = _order(cli, follow_id)
    assert follow["status"] == "under-review" and follow["documents"] == ["letter.jpg"]
    assert cli.status(old_id) == "issued"                             # still serving, not yet replaced
    later = cli.ok("renew", "--json").json["renewals"]                # a later run of the timer: exit 0
    assert [(r["result"], r["follow_up"]) for r in later] == [("waiting", follow_id)]


def _serial_in(path: Path) -> int:
    from cryptography import x509

    return x509.load_pem_x509_certificates(path.read_bytes())[0].serial_number


def test_a_renewal_is_installed_in_place_and_each_reload_runs_once(cli, tmp_path):
    old_id = _issued(cli, tmp_path, hook=_hook(tmp_path))
    script = recording_script(tmp_path)
    nginx, pem = tmp_path / "nginx", tmp_path / "pem"
    cli.ok("install", old_id, "--server", "nginx", "--dir", str(nginx), "--reload", f"{script} reload nginx")
    cli.ok("install", old_id, "--server", "pem", "--dir", str(pem), "--reload", f"{script} reload nginx")
    assert len(calls(tmp_path)) == 2
    old_serial = int(_order(cli, old_id)["certificate"]["serial"], 16)
    fullchain = nginx / "www.example.com.fullchain.pem"
    assert _serial_in(fullchain) == old_serial

    run = cli.ok("renew", "--force", old_id, "--json").json["renewals"][0]
    assert run["result"] == "renewed" and "installed in 2 place(s)" in run["message"]
    new = _order(cli, run["follow_up"])
    assert _serial_in(fullchain) == int(new["certificate"]["serial"], 16)
    assert _serial_in(nginx / "www.example.com.fullchain.pem.prev") == old_serial     # the previous files kept
    assert mode_of(nginx / "www.example.com.key") == 0o600
    assert len(calls(tmp_path)) == 3                       # one distinct command: run once for both places
    listed = cli.ok("installations", "--json").json["installations"]
    assert {(row["order"], row["server"]) for row in listed} == {(new["id"], "nginx"), (new["id"], "pem")}
    assert all(row["serial"] == new["certificate"]["serial"] for row in listed)


def test_a_renewal_that_cannot_be_installed_leaves_the_old_files_serving_and_the_next_run_finishes(
        cli, tmp_path):
    old_id = _issued(cli, tmp_path, hook=_hook(tmp_path))
    script = recording_script(tmp_path)
    nginx = tmp_path / "nginx"
    cli.ok("install", old_id, "--server", "nginx", "--dir", str(nginx), "--reload", str(script))
    before = {p.name: p.read_bytes() for p in nginx.iterdir() if p.is_file()}
    key = nginx / "www.example.com.key"
    moved = tmp_path / "key.aside"
    key.rename(moved)
    key.mkdir()                                     # something else took the key's name: nothing may be written

    failed = cli("renew", "--force", old_id, "--json")
    assert failed.code == 1
    [outcome] = failed.json["renewals"]
    assert outcome["result"] == "failed" and "old certificate is still in place" in outcome["message"]
    assert (nginx / "www.example.com.fullchain.pem").read_bytes() == before["www.example.com.fullchain.pem"]
    assert len(calls(tmp_path)) == 1                          # no reload: nothing changed
    assert cli.status(old_id) == "issued"                     # not Renewed while it is what serves
    follow_id = outcome["follow_up"]
    [place] = cli.ok("installations", "--json").json["installations"]
    assert place["order"] == follow_id and place["problem"] and \
        place["serial"] == _order(cli, old_id)["certificate"]["serial"]

    key.rmdir()
    moved.rename(key)
    done = cli.ok("renew", "--json").json["renewals"]          # the next run: no --force, it is under way
    assert [d["result"] for d in done] == ["renewed"]
    assert _serial_in(nginx / "www.example.com.fullchain.pem") == int(_order(cli, follow_id)["certificate"]["serial"], 16)
    assert len(calls(tmp_path)) == 2 and cli.status(old_id) == "renewed"


def test_print_systemd_never_writes_through_a_link(cli, tmp_path):
    folder = tmp_path / "units"
    folder.mkdir()
    elsewhere = tmp_path / "elsewhere.txt"
    (folder / "certwizard-renew.timer").symlink_to(elsewhere)        # dangling: exists() says False
    refused = cli("renew", "--print-systemd", str(folder))
    assert refused.code == 1 and "symbolic link" in refused.err
    assert not elsewhere.exists() and not (folder / "certwizard-renew.service").exists()


def test_a_renewal_that_was_revoked_is_let_go_and_renewed_afresh(cli, tmp_path):
    old_id = _issued(cli, tmp_path, hook=_hook(tmp_path))
    first = cli.ok("renew", "--force", old_id, "--reuse-key", old_id, "--json").json["renewals"][0]
    # Simulate a renewal that never finished: the old order is still the one serving, the renewal is revoked.
    services = open_services(cli.data_dir)

    def serving(order):
        order.status = OrderStatus.ISSUED
        return order
    services.repository.update_order(old_id, serving)
    services.repository.close()
    cli.ok("revoke", first["follow_up"], "--reason", "keyCompromise")
    again = cli.ok("renew", "--json").json["renewals"]
    assert [r["result"] for r in again] == ["renewed"]
    assert again[0]["follow_up"] not in (first["follow_up"], None)
    assert _order(cli, old_id)["renewed_by"] == again[0]["follow_up"] and cli.status(old_id) == "renewed"
    services = open_services(cli.data_dir)
    assert any(entry.event == "renewal let go" for entry in services.workflow.order(old_id).history)
    services.repository.close()


def test_a_renewal_installed_by_hand_first_still_gets_every_place_of_the_old_one(cli, tmp_path):
    old_id = _issued(cli, tmp_path)                                   # no hook: the person verifies
    first, second = tmp_path / "first", tmp_path / "second"
    cli.ok("install", old_id, "--server", "pem", "--dir", str(first))
    assert cli("renew", "--force", old_id).code == 1                  # needs you
    follow_id = _order(cli, old_id)["renewed_by"]
    cli.ok("verify", follow_id)
    cli.ok("install", follow_id, "--server", "pem", "--dir", str(second))   # the person installs it somewhere
    done = cli.ok("renew", "--json").json["renewals"]
    assert [d["result"] for d in done] == ["renewed"]
    serial = int(_order(cli, follow_id)["certificate"]["serial"], 16)
    for folder in (first, second):
        assert _serial_in(folder / "www.example.com.crt") == serial, folder
    places = {row["directory"] for row in cli.ok("installations", "--json").json["installations"]}
    assert places == {str(first), str(second)}


def test_install_refuses_a_revoked_or_renewed_certificate_and_a_folder_another_order_uses(cli, tmp_path):
    old_id = _issued(cli, tmp_path, hook=_hook(tmp_path))
    shared = tmp_path / "shared"
    cli.ok("install", old_id, "--server", "pem", "--dir", str(shared))
    other = cli.add("dv-single")
    cli.ok("apply", other, "--from", str(toml_file(tmp_path / "other.toml", ["www.example.com"])))
    for step in (("submit", other), ("verify", other), ("refresh",)):
        cli.ok(*step)
    taken = cli("install", other, "--server", "pem", "--dir", str(shared))
    assert taken.code == 1 and old_id in taken.err and "folder of its own" in taken.err
    new_id = cli.ok("renew", "--force", old_id, "--json").json["renewals"][0]["follow_up"]
    renewed = cli("install", old_id, "--server", "nginx", "--dir", str(tmp_path / "n"))
    assert renewed.code == 1 and new_id in renewed.err and not (tmp_path / "n").exists()
    cli.ok("revoke", other, "--reason", "superseded")
    revoked = cli("install", other, "--server", "nginx", "--dir", str(tmp_path / "r"))
    assert revoked.code == 1 and "revoked" in revoked.err


def test_a_failed_reload_says_the_new_files_are_in_place_and_runs_again_next_time(cli, tmp_path):
    old_id = _issued(cli, tmp_path, hook=_hook(tmp_path))
    good = recording_script(tmp_path)
    folder = tmp_path / "nginx"
    cli.ok("install", old_id, "--server", "nginx", "--dir", str(folder), "--reload", str(good))
    good.write_text(good.read_text().replace("sys.exit(0)", "sys.exit(3)"))       # the server refuses now
    failed = cli("renew", "--force", old_id, "--json")
    [outcome] = failed.json["renewals"]
    assert failed.code == 1 and "new files are in place but the reload failed" in outcome["message"]
    assert "old certificate is still in place" not in outcome["message"]
    good.write_text(good.read_text().replace("sys.exit(3)", "sys.exit(0)"))       # fixed by the person
    done = cli.ok("renew", "--json").json["renewals"]
    assert [d["result"] for d in done] == ["renewed"] and len(calls(tmp_path)) == 3
