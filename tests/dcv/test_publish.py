"""Publishing and removing validation proofs: real hook scripts in subprocesses, real files in a webroot."""

from __future__ import annotations

import os
import shlex
import signal
import time
from pathlib import Path

import pytest

from certwizard.dcv.publish import (
    HOOK_VARIABLES,
    DnsProof,
    FileProof,
    Published,
    Publisher,
    PublishError,
    WrittenFile,
    cleanup,
    publish,
)
from tests.factories import mode_of

APEX = DnsProof("example.com", "_acme-challenge.example.com", "gfj9Xq...Rg85nM")
TOKEN_PATH = "/.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"
TOKEN = FileProof("www.example.com", TOKEN_PATH, "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR")
END_OF_RUN = "END-OF-RUN"


def write_hook(folder: Path, body: str, name: str = "hook") -> Path:
    hook = folder / name
    hook.write_text("#!/bin/sh\n" + body)
    hook.chmod(0o755)
    return hook


def logging_hook(folder: Path, then: str = "") -> tuple[Path, Path]:
    """A hook that appends its whole environment (NUL-separated, so any value survives) to a log."""
    log = folder / "hook.log"
    body = f"{{ env -0; printf '{END_OF_RUN}\\0'; }} >> {shlex.quote(str(log))}\n{then}"
    return write_hook(folder, body), log


def runs(log: Path) -> list[dict[str, str]]:
    """Each run's environment, in the order the hook ran."""
    if not log.exists():
        return []
    found: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for entry in log.read_bytes().decode().split("\0"):
        if entry == END_OF_RUN:
            found.append(current)
            current = {}
        elif entry:
            name, _, value = entry.partition("=")
            current[name] = value
    return found


def contract_variables(run: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in run.items() if name in HOOK_VARIABLES}


def gone_or_zombie(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")         # killed; waits for a parent (here init) that may never reap it


def wait_until(condition, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def clean_environment(monkeypatch):
    """No contract variable inherited from the test run, but a stale one set to prove it is not passed on."""
    for name in HOOK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CERTWIZARD_FILE_PATH", "/stale/from/the/parent")
    monkeypatch.setenv("CERTWIZARD_DATA_DIR", "/srv/certwizard")


@pytest.fixture
def webroot(tmp_path) -> Path:
    folder = tmp_path / "www"
    folder.mkdir()
    return folder


def tree(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


# The hook: what it sees ----------------------------------------------------------------------------------

def test_a_dns_hook_sees_exactly_the_record_variables_for_publish_and_cleanup(tmp_path, clean_environment):
    hook, log = logging_hook(tmp_path)
    publisher = Publisher(hook=hook)
    published = publish(publisher, [APEX])
    assert published.hooked == (APEX,) and published.manual == () and published.in_place == (APEX,)
    assert cleanup(publisher, published) == []
    expected = {"CERTWIZARD_DOMAIN": "example.com", "CERTWIZARD_RECORD_NAME": "_acme-challenge.example.com",
                "CERTWIZARD_RECORD_TYPE": "TXT", "CERTWIZARD_RECORD_VALUE": "gfj9Xq...Rg85nM"}
    publish_run, cleanup_run = runs(log)
    assert contract_variables(publish_run) == {"CERTWIZARD_ACTION": "publish", **expected}
    assert contract_variables(cleanup_run) == {"CERTWIZARD_ACTION": "cleanup", **expected}
    assert publish_run["CERTWIZARD_DATA_DIR"] == "/srv/certwizard"      # certwizard's environment, plus these
    assert publish_run["PATH"] == os.environ["PATH"]


def test_an_http_hook_sees_exactly_the_file_variables_for_publish_and_cleanup(tmp_path, clean_environment,
                                                                               webroot):
    hook, log = logging_hook(tmp_path)
    publisher = Publisher(hook=hook, webroot=webroot)          # the hook wins: certwizard writes nothing
    published = publish(publisher, [TOKEN])
    assert published.hooked == (TOKEN,) and published.written == ()
    assert tree(webroot) == []
    assert cleanup(publisher, published) == []
    expected = {"CERTWIZARD_DOMAIN": "www.example.com", "CERTWIZARD_FILE_PATH": TOKEN_PATH,
                "CERTWIZARD_FILE_CONTENT": TOKEN.content}
    publish_run, cleanup_run = runs(log)
    assert contract_variables(publish_run) == {"CERTWIZARD_ACTION": "publish", **expected}
    assert contract_variables(cleanup_run) == {"CERTWIZARD_ACTION": "cleanup", **expected}


def test_the_hook_runs_with_no_arguments_and_no_stdin(tmp_path):
    seen = tmp_path / "seen"
    hook = write_hook(tmp_path, f'echo "$#" > {shlex.quote(str(seen))}\n'
                                f'cat >> {shlex.quote(str(seen))}\necho done >> {shlex.quote(str(seen))}\n')
    publish(Publisher(hook=hook), [APEX])
    assert seen.read_text() == "0\ndone\n"


def test_every_proof_is_run_once_and_cleanup_goes_newest_first(tmp_path, clean_environment):
    hook, log = logging_hook(tmp_path)
    wildcard = DnsProof("example.com", "_acme-challenge.example.com", "second-value")
    publisher = Publisher(hook=hook)
    steps: list[str] = []
    published = publish(publisher, [APEX, wildcard, TOKEN], progress=steps.append)
    assert len(steps) == 3 and "_acme-challenge.example.com" in steps[0] and TOKEN_PATH in steps[2]
    cleanup(publisher, published)
    assert [(run["CERTWIZARD_ACTION"], run.get("CERTWIZARD_RECORD_VALUE", run.get("CERTWIZARD_FILE_PATH")))
            for run in runs(log)] == [("publish", APEX.record_value), ("publish", "second-value"),
                                      ("publish", TOKEN_PATH), ("cleanup", TOKEN_PATH),
                                      ("cleanup", "second-value"), ("cleanup", APEX.record_value)]


def test_a_value_with_control_characters_reaches_the_hook_intact_but_is_shown_escaped(tmp_path,
                                                                                     clean_environment):
    value = "line one\nline two\x1b[31m red\x07\r"
    hook, log = logging_hook(tmp_path, then='printf "got %s" "$CERTWIZARD_RECORD_VALUE"\nexit 4\n')
    with pytest.raises(PublishError) as refused:
        publish(Publisher(hook=hook), [DnsProof("example.com", "_acme-challenge.example.com", value)])
    assert runs(log)[0]["CERTWIZARD_RECORD_VALUE"] == value           # the CA's value, not ours to change
    message = str(refused.value)
    assert "\x1b" not in message and "\x07" not in message and "\r" not in message
    assert "got line one\nline two\\x1b[31m red\\x07\\x0d" in message  # its lines kept, controls made visible


# The hook: failures -------------------------------------------------------------------------------------

def test_a_failing_hook_shows_its_output_and_what_was_published_before_is_removed(tmp_path,
                                                                                  clean_environment):
    hook, log = logging_hook(tmp_path, then=(
        'if [ "$CERTWIZARD_ACTION" = publish ] && [ "$CERTWIZARD_DOMAIN" = c.example ]; then\n'
        '  echo "zone c.example: API token refused"\n'
        '  echo "see https://dns.example/help" >&2\n'
        '  exit 3\n'
        'fi\n'))
    names = ("a.example", "b.example", "c.example", "d.example")
    proofs = [DnsProof(name, f"_acme-challenge.{name}", f"value-{name}") for name in names]
    with pytest.raises(PublishError) as refused:
        publish(Publisher(hook=hook), proofs)
    message = str(refused.value)
    assert "failed (exit status 3)" in message and "_acme-challenge.c.example" in message
    assert "zone c.example: API token refused" in message and "see https://dns.example/help" in message
    assert "Nothing is left published" in message and "failed too" not in message
    assert [(run["CERTWIZARD_ACTION"], run["CERTWIZARD_DOMAIN"]) for run in runs(log)] == [
        ("publish", "a.example"), ("publish", "b.example"), ("publish", "c.example"),
        # the failed one too (it may have done part of the work), then the others, newest first; d never ran
        ("cleanup", "c.example"), ("cleanup", "b.example"), ("cleanup", "a.example")]


def test_a_failed_rollback_is_reported_in_the_error(tmp_path, clean_environment):
    hook = write_hook(tmp_path,
                      'if [ "$CERTWIZARD_ACTION" = cleanup ]; then echo "cleanup broke too"; exit 2; fi\n'
                      'if [ "$CERTWIZARD_DOMAIN" = b.example ]; then echo "publish broke"; exit 1; fi\n')
    proofs = [DnsProof("a.example", "_acme-challenge.a.example", "x"),
              DnsProof("b.example", "_acme-challenge.b.example", "y")]
    with pytest.raises(PublishError) as refused:
        publish(Publisher(hook=hook), proofs)
    message = str(refused.value)
    failure, rest = message.split("\nThe hook's cleanup for the TXT record _acme-challenge.b.example failed")
    assert "failed (exit status 1) publishing the TXT record _acme-challenge.b.example" in failure
    assert failure.endswith("Its output:\npublish broke") and "cleanup broke too" not in failure
    note, warning = rest.split("\nRemoving what had been published before did not all succeed; remove "
                               "the rest by hand:\n")
    assert "remove what it left by hand" in note
    assert "failed (exit status 2) removing the TXT record _acme-challenge.a.example" in warning
    assert warning.endswith("Its output:\ncleanup broke too")


def test_a_failing_cleanup_hook_is_a_warning_not_an_error(tmp_path):
    hook = write_hook(tmp_path, '[ "$CERTWIZARD_ACTION" = cleanup ] && { echo "record not found"; exit 7; }\n'
                                'exit 0\n')
    publisher = Publisher(hook=hook)
    published = publish(publisher, [APEX])
    warnings = cleanup(publisher, published)
    assert len(warnings) == 1
    assert "failed (exit status 7) removing the TXT record _acme-challenge.example.com" in warnings[0]
    assert "record not found" in warnings[0]


def test_only_the_last_4_kb_of_a_long_output_is_kept(tmp_path):
    hook = write_hook(tmp_path, '[ "$CERTWIZARD_ACTION" = cleanup ] && exit 0\n'
                                "i=0\nwhile [ $i -lt 3000 ]; do echo \"noise line $i\"; i=$((i+1)); done\n"
                                "echo 'THE REAL REASON'\nexit 1\n")
    with pytest.raises(PublishError) as refused:
        publish(Publisher(hook=hook), [APEX])
    message = str(refused.value)
    assert "The last 4 KB of its output:\n" in message
    assert message.endswith("noise line 2999\nTHE REAL REASON")
    assert "noise line 0\n" not in message and len(message) < 4096 + 600


def test_a_hanging_hook_is_killed_at_the_timeout_with_its_children(tmp_path):
    pids = tmp_path / "pids"
    hook = write_hook(tmp_path, '[ "$CERTWIZARD_ACTION" = cleanup ] && exit 0\n'
                                f"sleep 100 &\necho $! $$ > {shlex.quote(str(pids))}\n"
                                "echo started\nsleep 100\n")
    started = time.monotonic()
    with pytest.raises(PublishError) as refused:
        publish(Publisher(hook=hook, timeout=1), [APEX])
    elapsed = time.monotonic() - started
    assert 1 <= elapsed < 2.5
    message = str(refused.value)
    assert "did not finish within 1 s publishing the TXT record _acme-challenge.example.com" in message
    assert "started" in message
    child, shell = (int(pid) for pid in pids.read_text().split())
    assert wait_until(lambda: gone_or_zombie(child)) and gone_or_zombie(shell)


def test_a_hook_that_leaves_a_process_behind_is_not_waited_for(tmp_path):
    pid_file = tmp_path / "pid"
    # the background sleep keeps the output pipe open; the hook itself is done at once
    hook = write_hook(tmp_path, f"sleep 30 &\necho $! > {shlex.quote(str(pid_file))}\necho published\n")
    started = time.monotonic()
    try:
        publish(Publisher(hook=hook, timeout=20), [APEX])
        assert time.monotonic() - started < 3
    finally:
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGKILL)


def test_a_hook_that_cannot_be_started_says_why(tmp_path):
    hook = tmp_path / "hook"
    hook.write_text("echo no interpreter line\n")
    hook.chmod(0o755)
    with pytest.raises(PublishError, match=r"could not be started .*does it start with a #! line"):
        publish(Publisher(hook=hook), [APEX])


# The hook: refused before it runs ------------------------------------------------------------------------

def make_relative(tmp_path: Path) -> Path:
    return Path("hook")


def make_missing(tmp_path: Path) -> Path:
    return tmp_path / "no-such-hook"


def make_folder(tmp_path: Path) -> Path:
    (tmp_path / "a-folder").mkdir()
    return tmp_path / "a-folder"


def make_not_executable(tmp_path: Path) -> Path:
    hook = write_hook(tmp_path, "exit 0\n", "plain")
    hook.chmod(0o644)
    return hook


def make_world_writable(tmp_path: Path) -> Path:
    hook = write_hook(tmp_path, "exit 0\n", "open")
    hook.chmod(0o757)
    return hook


def make_group_writable(tmp_path: Path) -> Path:
    hook = write_hook(tmp_path, "exit 0\n", "shared")
    hook.chmod(0o775)
    return hook


@pytest.mark.parametrize("make, expected", [
    (make_relative, r"'hook' is not an absolute path: give its full path \(from here: /"),
    (make_missing, r"no-such-hook does not exist"),
    (make_folder, r"a-folder is a folder"),
    (make_not_executable, r"is not executable by this user: make it executable \(chmod u\+x "),
    (make_world_writable, r"can be changed by other users \(mode 0757\).*chmod go-w"),
    (make_group_writable, r"can be changed by other users \(mode 0775\).*as sudo would"),
])
def test_an_unsafe_or_unusable_hook_is_refused_before_anything_runs(tmp_path, webroot, make, expected):
    hook = make(tmp_path)
    with pytest.raises(PublishError, match=expected):
        publish(Publisher(hook=hook, webroot=webroot), [APEX, TOKEN])
    assert tree(webroot) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_a_hook_owned_by_another_user_is_refused(tmp_path):
    hook = write_hook(tmp_path, f"touch {shlex.quote(str(tmp_path / 'ran'))}\n")
    os.chown(hook, 65534, 65534)
    with pytest.raises(PublishError, match=r"belongs to .*make it yours or root's"):
        publish(Publisher(hook=hook), [APEX])
    assert not (tmp_path / "ran").exists()


def test_a_hook_reached_through_a_symlink_is_checked_where_it_points(tmp_path):
    real = write_hook(tmp_path, "exit 0\n", "real")
    link = tmp_path / "link"
    link.symlink_to(real)
    assert publish(Publisher(hook=link), [APEX]).hooked == (APEX,)
    real.chmod(0o777)
    with pytest.raises(PublishError, match="can be changed by other users"):
        publish(Publisher(hook=link), [APEX])


def test_a_value_with_a_nul_character_is_refused_before_anything_runs(tmp_path):
    hook, log = logging_hook(tmp_path)
    with pytest.raises(PublishError, match="NUL character"):
        publish(Publisher(hook=hook), [APEX, DnsProof("example.com", "_acme-challenge.example.com", "a\0b")])
    assert runs(log) == []


# No hook: by hand --------------------------------------------------------------------------------------

def test_what_nobody_can_publish_is_left_to_the_user_not_an_error(tmp_path, webroot):
    assert publish(Publisher(), [APEX, TOKEN]) == Published(manual=(APEX, TOKEN))
    published = publish(Publisher(webroot=webroot), [APEX, TOKEN])
    assert published.manual == (APEX,) and [item.proof for item in published.written] == [TOKEN]
    assert published.in_place == (TOKEN,)


# The webroot -------------------------------------------------------------------------------------------

def test_a_file_is_written_0644_in_new_folders_0755_even_under_umask_077(webroot):
    previous = os.umask(0o077)
    try:
        published = publish(Publisher(webroot=webroot), [TOKEN])
    finally:
        os.umask(previous)
    target = webroot / TOKEN_PATH.lstrip("/")
    assert target.read_text() == TOKEN.content
    assert mode_of(target) == 0o644
    assert mode_of(webroot / ".well-known") == 0o755 and mode_of(target.parent) == 0o755
    assert published.written == (WrittenFile(TOKEN, webroot, new_folders=2),)
    assert published.written[0].path == target
    assert published.written[0].made_folders == (target.parent, webroot / ".well-known")
    assert tree(webroot) == [".well-known", ".well-known/acme-challenge", TOKEN_PATH.lstrip("/")]   # no temp


def test_cleanup_removes_the_files_and_the_folders_it_made(webroot):
    other = FileProof("example.com", "/.well-known/pki-validation/fileauth.txt", "202405130000001x\n")
    publisher = Publisher(webroot=webroot)
    published = publish(publisher, [TOKEN, other])
    assert published.written[1].new_folders == 1          # .well-known was made for the first file
    assert cleanup(publisher, published) == []
    assert tree(webroot) == []


def test_cleanup_removes_only_what_it_wrote(webroot):
    (webroot / ".well-known" / "acme-challenge").mkdir(parents=True)
    (webroot / ".well-known" / "security.txt").write_text("Contact: mailto:security@example.com\n")
    second = FileProof("www.example.com", "/.well-known/acme-challenge/second-token", "second.key")
    publisher = Publisher(webroot=webroot)
    published = publish(publisher, [TOKEN, second])
    assert [item.new_folders for item in published.written] == [0, 0]
    (webroot / ".well-known" / "acme-challenge" / "someone-elses").write_text("theirs")
    (webroot / ".well-known" / "acme-challenge" / "second-token").write_text("changed since by someone")
    warnings = cleanup(publisher, published)
    assert len(warnings) == 1 and "second-token was left in place: it no longer holds what certwizard wrote" \
        in warnings[0]
    assert tree(webroot) == [".well-known", ".well-known/acme-challenge",
                             ".well-known/acme-challenge/second-token",
                             ".well-known/acme-challenge/someone-elses", ".well-known/security.txt"]


def test_a_made_folder_that_is_not_empty_at_cleanup_stays(webroot):
    publisher = Publisher(webroot=webroot)
    published = publish(publisher, [TOKEN])
    (webroot / ".well-known" / "acme-challenge" / "someone-elses").write_text("theirs")
    assert cleanup(publisher, published) == []
    assert tree(webroot) == [".well-known", ".well-known/acme-challenge",
                             ".well-known/acme-challenge/someone-elses"]


def test_a_file_already_there_with_the_same_content_is_used_and_left_alone(webroot):
    target = webroot / TOKEN_PATH.lstrip("/")
    target.parent.mkdir(parents=True)
    target.write_text(TOKEN.content + "\n")           # trailing whitespace aside, as the CA compares
    publisher = Publisher(webroot=webroot)
    published = publish(publisher, [TOKEN])
    assert published.found == (TOKEN,) and published.written == () and published.in_place == (TOKEN,)
    assert cleanup(publisher, published) == []
    assert target.read_text() == TOKEN.content + "\n"


def test_a_foreign_file_is_never_written_over(webroot):
    target = webroot / TOKEN_PATH.lstrip("/")
    target.parent.mkdir(parents=True)
    target.write_text("someone else's content")
    with pytest.raises(PublishError, match="already exists with other content.*move it away"):
        publish(Publisher(webroot=webroot), [TOKEN])
    assert target.read_text() == "someone else's content"
    assert tree(webroot) == [".well-known", ".well-known/acme-challenge", TOKEN_PATH.lstrip("/")]


def test_a_failure_at_the_second_file_removes_the_first_and_its_folders(webroot):
    blocked = webroot / ".well-known" / "pki-validation" / "fileauth.txt"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("old")
    other = FileProof("example.com", "/.well-known/pki-validation/fileauth.txt", "new")
    with pytest.raises(PublishError, match="Nothing is left published"):
        publish(Publisher(webroot=webroot), [TOKEN, other])
    assert tree(webroot) == [".well-known", ".well-known/pki-validation",
                             ".well-known/pki-validation/fileauth.txt"]


@pytest.mark.parametrize("link_at", [".well-known", ".well-known/acme-challenge"])
def test_a_symlink_below_the_webroot_is_refused(tmp_path, webroot, link_at):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (webroot / link_at).parent.mkdir(parents=True, exist_ok=True)
    (webroot / link_at).symlink_to(elsewhere)
    with pytest.raises(PublishError, match=f"{link_at} is a symbolic link or not a folder"):
        publish(Publisher(webroot=webroot), [TOKEN])
    assert list(elsewhere.iterdir()) == []


def test_a_symlink_in_place_of_the_file_is_refused(tmp_path, webroot):
    victim = tmp_path / "victim"
    victim.write_text("precious")
    target = webroot / TOKEN_PATH.lstrip("/")
    target.parent.mkdir(parents=True)
    target.symlink_to(victim)
    with pytest.raises(PublishError, match="already exists with other content"):
        publish(Publisher(webroot=webroot), [TOKEN])
    assert victim.read_text() == "precious" and target.is_symlink()


def test_the_webroot_itself_may_be_a_symlink(tmp_path, webroot):
    link = tmp_path / "www-link"
    link.symlink_to(webroot)
    publish(Publisher(webroot=link), [TOKEN])
    assert (webroot / TOKEN_PATH.lstrip("/")).read_text() == TOKEN.content


@pytest.mark.parametrize("url_path", [
    "/.well-known/../escaped", "/.well-known/acme-challenge/../../escaped", "/../escaped", "/escaped",
    "//.well-known/acme-challenge/x", "/.well-known//x", ".well-known/acme-challenge/x", "/.well-known/",
    "/.well-known/acme-challenge/", "/.well-known/acme-challenge/.htaccess", "/.well-known/./x",
    "/.well-known/acme-challenge/a%2F..", "/.well-known/x?y=1", "/.well-known/a\\..\\..\\x", "/.WELL-KNOWN/x",
    "/.well-known/acme-challenge/" + "a" * 256,
])
def test_a_path_that_could_leave_the_well_known_folder_is_refused(tmp_path, webroot, url_path):
    with pytest.raises(PublishError, match="is not one certwizard publishes: only files under /.well-known/"):
        publish(Publisher(webroot=webroot), [FileProof("example.com", url_path, "x")])
    assert tree(webroot) == [] and sorted(path.name for path in tmp_path.iterdir()) == ["www"]


def test_a_file_name_of_255_characters_is_written(webroot):
    longest = FileProof("example.com", "/.well-known/acme-challenge/" + "a" * 255, "x")
    publish(Publisher(webroot=webroot), [longest])
    assert (webroot / longest.url_path.lstrip("/")).read_text() == "x"


def test_a_webroot_that_is_missing_or_relative_is_refused(tmp_path):
    with pytest.raises(PublishError, match="does not exist: give the folder the web server serves"):
        publish(Publisher(webroot=tmp_path / "missing"), [TOKEN])
    with pytest.raises(PublishError, match="is not an absolute path"):
        publish(Publisher(webroot=Path("www")), [TOKEN])


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder")
def test_a_webroot_we_may_not_write_in_says_so(webroot):
    webroot.chmod(0o555)
    try:
        with pytest.raises(PublishError, match="could not be written .*a webroot this user may write in"):
            publish(Publisher(webroot=webroot), [TOKEN])
    finally:
        webroot.chmod(0o755)

