"""Installations on real files, with certificates the real sandbox issued: in-place replacement keeping .prev,
symlinks refused, complete-or-nothing, reload commands that record their calls, key checks before writing."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from cryptography import x509

from certwizard.export import installing
from certwizard.export.errors import ExportError
from certwizard.export.layout import PlannedFile
from certwizard.services.installations import (
    InstallationError,
    KeyPassphraseNeededError,
    add_installation,
    install_order,
    run_reload,
)
from tests.services.issued_orders import (
    PASSPHRASE,
    calls,
    certificate_of,
    issue,
    recording_script,
    replace_key_file,
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def leaf_serial(path: Path) -> int:
    return x509.load_pem_x509_certificates(path.read_bytes())[0].serial_number


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_install_writes_the_layout_and_a_second_run_changes_nothing(services, tmp_path):
    order = issue(services)
    folder = tmp_path / "nginx"
    report = add_installation(services.workflow, order.id, "nginx", str(folder))
    assert report.ok and report.changed
    assert sorted(p.name for p in folder.iterdir()) == ["www.example.com.fullchain.pem", "www.example.com.key"]
    assert mode_of(folder / "www.example.com.key") == 0o600
    assert mode_of(folder / "www.example.com.fullchain.pem") == 0o644
    assert mode_of(folder) == 0o700
    assert leaf_serial(folder / "www.example.com.fullchain.pem") == certificate_of(order).serial_number
    (installation,) = services.workflow.order(order.id).installations
    assert installation.serial == order.certificate.serial and installation.installed_at is not None
    assert installation.files == [str(folder / "www.example.com.fullchain.pem"), str(folder / "www.example.com.key")]
    assert services.workflow.summaries()[0].installations == 1

    inode = os.stat(folder / "www.example.com.key").st_ino
    again = install_order(services.workflow, order.id)
    assert again.ok and not again.changed
    assert again.lines == [f"{order.id}: nginx in {folder}: up to date, nothing written"]
    assert os.stat(folder / "www.example.com.key").st_ino == inode      # not rewritten
    assert not list(folder.glob("*.prev"))


def test_a_changed_file_is_replaced_atomically_and_the_old_one_kept_as_prev(services, tmp_path):
    order = issue(services)
    folder = tmp_path / "pem"
    add_installation(services.workflow, order.id, "pem", str(folder))
    crt = folder / "www.example.com.crt"
    key = folder / "www.example.com.key"
    old_key = key.read_bytes()
    crt.write_bytes(b"an older certificate\n")      # as if a renewal had happened since
    os.chmod(key, 0o644)                             # a loosened key is rewritten with the right mode
    report = install_order(services.workflow, order.id)
    assert report.ok and report.changed
    (outcome,) = report.outcomes
    assert sorted(outcome.changed) == ["www.example.com.crt", "www.example.com.key"]
    assert (folder / "www.example.com.crt.prev").read_bytes() == b"an older certificate\n"
    assert crt.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert key.read_bytes() == old_key and mode_of(key) == 0o600
    assert mode_of(folder / "www.example.com.key.prev") == 0o644    # the old file itself, as it was
    assert not (folder / "www.example.com.chain.pem.prev").exists()   # unchanged: not touched
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]   # no staging left


def test_a_symlinked_folder_or_target_is_refused_and_nothing_is_written(services, tmp_path):
    order = issue(services)
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(ExportError, match="symbolic link"):
        add_installation(services.workflow, order.id, "nginx", str(link))
    assert list(real.iterdir()) == []
    assert services.workflow.order(order.id).installations == []

    folder = tmp_path / "nginx"
    add_installation(services.workflow, order.id, "nginx", str(folder))
    elsewhere = tmp_path / "elsewhere.pem"
    elsewhere.write_bytes(b"not yours\n")
    target = folder / "www.example.com.fullchain.pem"
    target.unlink()
    target.symlink_to(elsewhere)
    before = snapshot(folder)
    report = install_order(services.workflow, order.id)
    assert not report.ok and "symbolic link" in report.problems[0] and "nothing was written" in report.problems[0]
    assert elsewhere.read_bytes() == b"not yours\n" and target.is_symlink()
    assert snapshot(folder) == before
    (installation,) = services.workflow.order(order.id).installations
    assert "symbolic link" in installation.problem


def test_a_failure_halfway_puts_every_replaced_file_back(services, tmp_path, monkeypatch):
    order = issue(services)
    folder = tmp_path / "pem"
    add_installation(services.workflow, order.id, "pem", str(folder))
    for path in folder.iterdir():
        path.write_bytes(b"old " + path.name.encode() + b"\n")     # every file differs from what is planned
    os.chmod(folder / "www.example.com.key", 0o600)
    before = snapshot(folder)
    inodes = {p.name: p.stat().st_ino for p in folder.iterdir()}

    swap = installing._swap_in
    done = []

    def another_program_interferes(folder_fd, staging_fd, name, old):
        if len(done) == 2:      # after two files are replaced, a folder appears where the third one is
            (folder / name).unlink()
            (folder / name).mkdir()
        swap(folder_fd, staging_fd, name, old)
        done.append(name)
    monkeypatch.setattr(installing, "_swap_in", another_program_interferes)
    report = install_order(services.workflow, order.id)
    assert len(done) == 2 and not report.ok and not report.changed
    problem = report.problems[0]
    assert "put back as it was" in problem and "www.example.com.fullchain.pem" in problem
    for name in done:       # the replaced ones are back: the same files, byte for byte
        assert (folder / name).read_bytes() == before[name] and (folder / name).stat().st_ino == inodes[name]
    assert not list(folder.glob("*.prev"))
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_a_folder_where_a_file_should_be_is_refused_before_anything_is_written(services, tmp_path):
    order = issue(services)
    folder = tmp_path / "pem"
    add_installation(services.workflow, order.id, "pem", str(folder))
    (folder / "www.example.com.crt").write_bytes(b"old\n")
    (folder / "www.example.com.key").unlink()
    (folder / "www.example.com.key").mkdir()
    before = snapshot(folder)
    report = install_order(services.workflow, order.id)
    assert not report.ok and "is not a regular file" in report.problems[0]
    assert snapshot(folder) == before


def test_reload_runs_once_per_distinct_command_and_only_when_something_changed(services, tmp_path):
    order = issue(services)
    script = recording_script(tmp_path)
    workflow = services.workflow
    add_installation(workflow, order.id, "nginx", str(tmp_path / "a"), reload=f"{script} one 'two words'")
    add_installation(workflow, order.id, "pem", str(tmp_path / "b"), reload=f"{script} one 'two words'")
    add_installation(workflow, order.id, "apache", str(tmp_path / "c"), reload=f"{script} other")
    assert [c["argv"][1:] for c in calls(tmp_path)] == [["one", "two words"], ["one", "two words"], ["other"]]
    assert all(c["cwd"] == "/" and c["order"] == order.id for c in calls(tmp_path))
    (tmp_path / "calls.jsonl").unlink()

    quiet = install_order(workflow, order.id)
    assert quiet.ok and not quiet.changed and quiet.reloads == [] and calls(tmp_path) == []

    for name in ("a", "b", "c"):
        for path in (tmp_path / name).iterdir():
            path.write_bytes(b"stale\n")
    report = install_order(workflow, order.id)
    assert report.ok and report.changed
    assert [c["argv"][1:] for c in calls(tmp_path)] == [["one", "two words"], ["other"]]
    assert calls(tmp_path)[0]["dirs"] == f"{tmp_path / 'a'}\n{tmp_path / 'b'}"
    assert [line.split(": ", 1)[1] for line in report.lines[-2:]] == [
        f"reloaded: {script} one 'two words' (exit 0)", f"reloaded: {script} other (exit 0)"]
    stored = workflow.order(order.id).installations
    assert all(i.reload_result is not None and i.reload_result.exit_status == 0 for i in stored)
    assert "reloading ['one', 'two words']" in stored[0].reload_result.output


def test_a_failing_reload_is_recorded_with_its_status_and_output(services, tmp_path):
    order = issue(services)
    script = recording_script(tmp_path, exit_status=3)
    report = add_installation(services.workflow, order.id, "nginx", str(tmp_path / "a"), reload=str(script))
    assert not report.ok and report.changed       # the files are in place; the reload failed
    assert "exited with status 3" in report.problems[0] and "reloading []" in report.problems[0]
    (installation,) = services.workflow.order(order.id).installations
    assert installation.reload_result.exit_status == 3 and "reloading" in installation.reload_result.output
    assert "exited with status 3" in installation.problem

    recording_script(tmp_path, exit_status=0)          # the server is fixed: the next run reloads it, unchanged
    retried = install_order(services.workflow, order.id)
    assert retried.ok and not retried.changed and len(calls(tmp_path)) == 2
    assert services.workflow.order(order.id).installations[0].problem == ""
    assert install_order(services.workflow, order.id).reloads == [] and len(calls(tmp_path)) == 2


def test_a_reload_that_hangs_is_killed_after_the_bounded_time(tmp_path):
    script = recording_script(tmp_path, sleep=60)
    started = time.monotonic()
    result = run_reload(str(script), timeout=1.0)
    assert time.monotonic() - started < 10
    assert result.exit_status is None and not result.ok
    assert "reloading" in result.output and "its process group was killed" in result.output


def test_a_reload_command_is_checked_when_the_installation_is_added(services, tmp_path):
    order = issue(services)
    for command, words in [("'unclosed", "cannot be read"), ("''", "is empty"),
                           ("no-such-program-here --now", "not an executable program")]:
        with pytest.raises(InstallationError, match=words):
            add_installation(services.workflow, order.id, "nginx", str(tmp_path / "a"), reload=command)
    assert not (tmp_path / "a").exists() and services.workflow.order(order.id).installations == []


def test_a_key_that_does_not_match_writes_nothing(services, tmp_path):
    order = issue(services)
    folder = tmp_path / "nginx"
    add_installation(services.workflow, order.id, "nginx", str(folder))
    (folder / "www.example.com.fullchain.pem").write_bytes(b"old\n")
    before = snapshot(folder)
    replace_key_file(Path(order.key.path))
    with pytest.raises(InstallationError, match="different key.*Nothing was written"):
        install_order(services.workflow, order.id)
    assert snapshot(folder) == before
    assert "different key" in services.workflow.order(order.id).installations[0].problem


def test_an_encrypted_key_needs_its_passphrase(services, tmp_path):
    order = issue(services, passphrase=PASSPHRASE, encrypt_key=True)
    folder = tmp_path / "nginx"
    with pytest.raises(KeyPassphraseNeededError, match="a person is needed"):
        add_installation(services.workflow, order.id, "nginx", str(folder))
    assert not folder.exists()
    report = add_installation(services.workflow, order.id, "nginx", str(folder), passphrase=PASSPHRASE)
    assert report.ok and (folder / "www.example.com.key").read_bytes().startswith(b"-----BEGIN PRIVATE KEY")
    with pytest.raises(KeyPassphraseNeededError):
        install_order(services.workflow, order.id)
    assert "a person is needed" in services.workflow.order(order.id).installations[0].problem


def test_a_pfx_reads_its_password_file_and_is_not_rewritten_when_it_holds_the_same(services, tmp_path):
    order = issue(services)
    password_file = tmp_path / "pfx-password"
    password_file.write_text("correct horse battery\n")
    password_file.chmod(0o600)
    folder = tmp_path / "tomcat"
    with pytest.raises(InstallationError, match="password"):
        add_installation(services.workflow, order.id, "tomcat", str(folder))
    add_installation(services.workflow, order.id, "tomcat", str(folder), password_file=str(password_file))
    (pfx,) = folder.iterdir()
    assert pfx.suffix == ".pfx" and mode_of(pfx) == 0o600
    stored = services.workflow.order(order.id).installations[0]
    assert "correct horse" not in stored.model_dump_json()
    assert not install_order(services.workflow, order.id).changed      # new salts, same contents
    password_file.write_text("another password\n")
    assert install_order(services.workflow, order.id).outcomes[0].changed == [pfx.name]


def test_install_files_alone_keeps_the_name_present_throughout(tmp_path):
    folder = tmp_path / "f"
    installing.install_files(folder, [PlannedFile("a.pem", b"one\n"), PlannedFile("a.key", b"k1\n", 0o600)])
    result = installing.install_files(folder, [PlannedFile("a.pem", b"two\n"), PlannedFile("a.key", b"k1\n", 0o600)])
    assert result.changed == ["a.pem"]
    assert (folder / "a.pem").read_bytes() == b"two\n" and (folder / "a.pem.prev").read_bytes() == b"one\n"
    assert not (folder / "a.key.prev").exists()


def test_a_run_killed_after_the_files_and_before_the_reload_reloads_next_time(services, tmp_path, monkeypatch):
    from certwizard.services import installations

    order = issue(services)
    script = recording_script(tmp_path)
    folder = tmp_path / "nginx"
    add_installation(services.workflow, order.id, "nginx", str(folder), reload=str(script))
    assert len(calls(tmp_path)) == 1
    renewed = issue(services)                       # another certificate for the same names, as a renewal

    def copy(current):
        current.installations = [place.model_copy() for place in services.workflow.order(order.id).installations]
        return current
    services.repository.update_order(renewed.id, copy)

    def killed(*_args, **_kwargs):
        raise SystemExit("killed by the timer's time limit")
    original = installations._run_reloads
    monkeypatch.setattr(installations, "_run_reloads", killed)
    with pytest.raises(SystemExit):
        install_order(services.workflow, renewed.id)
    assert len(calls(tmp_path)) == 1                 # files replaced, the reload never ran
    monkeypatch.setattr(installations, "_run_reloads", original)
    report = install_order(services.workflow, renewed.id)
    assert not report.changed                         # the files are already the new ones
    assert len(calls(tmp_path)) == 2 and report.ok    # and the reload that was owed ran
    [place] = services.workflow.order(renewed.id).installations
    assert not place.reload_pending
    assert len(calls(tmp_path)) == 2 and install_order(services.workflow, renewed.id).ok
    assert len(calls(tmp_path)) == 2                  # nothing owed any more: no reload
