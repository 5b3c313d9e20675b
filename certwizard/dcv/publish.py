"""Putting in place, and removing again, what a domain validation needs: a TXT record or a file.

The same for every certificate authority (ACME dns-01 and http-01, Alibaba's DNS and file checks, the
sandbox): the authority says what to publish as `DnsProof`s and `FileProof`s, `publish` puts them in place
with a `Publisher`, and `cleanup` removes exactly what `publish` reports in its `Published`.

Who publishes a proof:
- a hook, when the publisher has one (every proof, DNS or file);
- for a file without a hook, certwizard itself, under the publisher's webroot (the folder the web server
  serves for every domain of the proofs);
- nobody otherwise (a DNS record without a hook, a file with neither hook nor webroot): `Published.manual`
  lists those, for the user to publish by hand. That is not an error; only a failure raises `PublishError`,
  and then what was already published has been removed again (nothing is left half-done).

The hook contract
-----------------
The hook is an executable file, given by its absolute path. certwizard runs it once per proof per action,
with no arguments, stdin from /dev/null, in a session of its own (no terminal), in certwizard's working
folder, with certwizard's environment plus:

    CERTWIZARD_ACTION        publish | cleanup
    CERTWIZARD_DOMAIN        the name being validated (example.com, also for *.example.com)
  for a DNS record:
    CERTWIZARD_RECORD_NAME   e.g. _acme-challenge.example.com (no trailing dot)
    CERTWIZARD_RECORD_TYPE   TXT
    CERTWIZARD_RECORD_VALUE  the value, exactly as the certificate authority gave it
  for a file served at http://DOMAIN/PATH:
    CERTWIZARD_FILE_PATH     the URL path, e.g. /.well-known/acme-challenge/TOKEN (always under /.well-known/)
    CERTWIZARD_FILE_CONTENT  the file's content, exactly as the certificate authority gave it

Values are passed only in the environment, never through a shell. Exit status 0 means done; any other
status is a failure, shown with the last 4 KB of the hook's output (stdout and stderr together, control
characters escaped). A run that takes longer than the timeout (60 s unless told) is stopped: its whole
process group is killed. When the hook exits, certwizard stops reading its output and does not wait for
processes it left running in the background.

A name and its wildcard (example.com and *.example.com) can need two TXT values at the same name: the hook
must add a record, not replace the ones there. Cleanup can also run for a proof whose publish failed (the
hook may have done part of it), so removing what is not there should succeed.

certwizard refuses to run a hook that is not an absolute path, missing, not a regular file, not executable
by this user, owned by another user than this one or root, or writable by group or others: a hook runs as
certwizard's user, so whoever may change it could run anything as that user (sudo refuses the same).

Files under a webroot
---------------------
Only URL paths under /.well-known/ are written, each part plain (letters, digits, `-`, `_`, `.`, `~`; none
starting with a dot but `.well-known`, so no `.htaccess`). Missing folders are made 0755 and the file 0644
whatever the umask (this is public content the web server must read), written whole under a temporary name
and then put in place, never through a symlink below the webroot and never over a file that is not ours: a
file already there with the same content (trailing whitespace aside, as the CA compares) is used as it is and
left in place afterwards; other content is refused. Cleanup removes the files certwizard wrote, if they still
hold what it wrote, and the folders it made, if they are empty.
"""

from __future__ import annotations

import errno
import os
import pwd
import re
import selectors
import signal
import stat
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from certwizard.dcv.errors import DcvError
from certwizard.domain.text import printable
from certwizard.system.securefs import PUBLIC_FILE_MODE, TEMP_PREFIX

HOOK_OUTPUT_BYTES = 4096          # the tail of a hook's output kept for the error message
DEFAULT_TIMEOUT = 60.0
PUBLIC_DIR_MODE = 0o755
WELL_KNOWN = ".well-known"
_MAX_EXISTING_BYTES = 64 * 1024   # a challenge file is tiny; a bigger file there is someone else's
_POLL_SECONDS = 0.1
_DRAIN_CHUNKS = 16             # at most 1 MiB per read-out: a child left writing cannot hold us

# Every variable of the hook contract: inherited values are removed, so a hook never sees a stale one.
HOOK_VARIABLES = ("CERTWIZARD_ACTION", "CERTWIZARD_DOMAIN",
                  "CERTWIZARD_RECORD_NAME", "CERTWIZARD_RECORD_TYPE", "CERTWIZARD_RECORD_VALUE",
                  "CERTWIZARD_FILE_PATH", "CERTWIZARD_FILE_CONTENT")

_PLAIN_PART = re.compile(r"[A-Za-z0-9._~-]+")
_MAX_NAME = 255                   # a file name's limit on Linux file systems
_RECORD_TYPE = re.compile(r"[A-Z0-9]{1,10}")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DnsProof:
    """A TXT record to publish."""

    domain: str          # the name being validated, e.g. "example.com" (for *.example.com: example.com)
    record_name: str     # e.g. "_acme-challenge.example.com" (no trailing dot)
    record_value: str
    record_type: str = "TXT"


@dataclass(frozen=True)
class FileProof:
    """A file served at http://DOMAIN{url_path}."""

    domain: str
    url_path: str        # "/.well-known/acme-challenge/TOKEN", "/.well-known/pki-validation/fileauth.txt"
    content: str


Proof = DnsProof | FileProof


@dataclass(frozen=True)
class Publisher:
    """How proofs get published: a hook for all of them, or a webroot for files; neither means by hand."""

    hook: Path | None = None       # an executable run with CERTWIZARD_ACTION=publish|cleanup
    webroot: Path | None = None    # for FileProofs without a hook: certwizard writes WEBROOT/url_path itself
    timeout: float = DEFAULT_TIMEOUT   # seconds per hook run


@dataclass(frozen=True)
class WrittenFile:
    """A file certwizard wrote under a webroot, and how many of the folders above it it made."""

    proof: FileProof
    webroot: Path
    new_folders: int = 0           # the innermost folders above the file that did not exist before

    @property
    def path(self) -> Path:
        return self.webroot.joinpath(*_url_parts(self.proof.url_path))

    @property
    def made_folders(self) -> tuple[Path, ...]:
        """The folders certwizard made for this file, innermost first."""
        folders = self.path.parents
        return tuple(folders[index] for index in range(self.new_folders))


@dataclass(frozen=True)
class Published:
    """What `publish` did, so `cleanup` removes exactly that."""

    hooked: tuple[Proof, ...] = ()             # published by the hook; cleanup runs it for each
    written: tuple[WrittenFile, ...] = ()      # written under the webroot; cleanup removes them
    found: tuple[FileProof, ...] = ()          # already in place with the right content; left as they are
    manual: tuple[Proof, ...] = ()             # nobody could publish these: the user must

    @property
    def in_place(self) -> tuple[Proof, ...]:
        """Every proof that is now published (all but the manual ones)."""
        return self.hooked + tuple(item.proof for item in self.written) + self.found


class PublishError(DcvError):
    """Publishing failed or was refused; what was already published has been removed again."""


def publish(publisher: Publisher, proofs: Sequence[Proof], *, progress: Progress | None = None) -> Published:
    """Publish every proof with `publisher`; on a failure remove what was done and raise PublishError."""
    say = progress or _quiet
    _check_everything(publisher, proofs)
    hooked: list[Proof] = []
    written: list[WrittenFile] = []
    found: list[FileProof] = []
    manual: list[Proof] = []
    for proof in proofs:
        try:
            if publisher.hook is not None:
                say(f"Publishing {_describe(proof)} with the hook {printable(str(publisher.hook))}")
                _run_hook_or_raise(publisher, "publish", proof)
                hooked.append(proof)
            elif isinstance(proof, FileProof) and publisher.webroot is not None:
                say(f"Writing {printable(proof.url_path)} for {printable(proof.domain)} "
                    f"under {printable(str(publisher.webroot))}")
                result = _write_file(publisher.webroot, proof)
                if isinstance(result, WrittenFile):
                    written.append(result)
                else:
                    found.append(result)
            else:
                manual.append(proof)
        except BaseException as failure:
            if isinstance(failure, PublishError):
                say("Removing what was published before the failure")
            partly = _cleanup_failed(publisher, proof)
            undone = Published(tuple(hooked), tuple(written))
            warnings = cleanup(publisher, undone)
            if not isinstance(failure, PublishError):
                raise
            raise PublishError(_with_rollback(str(failure), partly, undone, warnings)) from None
    return Published(tuple(hooked), tuple(written), tuple(found), tuple(manual))


def cleanup(publisher: Publisher, published: Published) -> list[str]:
    """Remove what `publish` put in place, newest first; returns a warning for whatever could not be removed.

    Never raises for a failed removal: the validation is over, so a leftover is reported, not fatal.
    """
    warnings: list[str] = []
    for item in reversed(published.written):
        warning = _remove_file(item)
        if warning:
            warnings.append(warning)
    if published.hooked and publisher.hook is None:
        listed = ", ".join(_describe(proof) for proof in published.hooked)
        warnings.append(f"No hook was given to remove what a hook published ({listed}): remove it by hand.")
        return warnings
    for proof in reversed(published.hooked):
        try:
            _run_hook_or_raise(publisher, "cleanup", proof)
        except PublishError as failure:
            warnings.append(str(failure))
    return warnings


def check_hook(hook: Path) -> None:
    """Refuse a hook certwizard must not run (see the module docstring); the message says how to fix it."""
    shown = printable(str(hook))
    if not hook.is_absolute():
        raise PublishError(f"The hook '{shown}' is not an absolute path: give its full path "
                           f"(from here: {printable(str(Path.cwd() / hook))}).")
    try:
        st = os.stat(hook)
    except FileNotFoundError:
        raise PublishError(f"The hook {shown} does not exist: give the path of an executable file "
                           "(see the hook contract).") from None
    except OSError as exc:
        raise PublishError(f"The hook {shown} cannot be read ({exc.strerror}): give the path of an "
                           "executable file this user can reach.") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise PublishError(f"The hook {shown} is {kind}: give the path of an executable file.")
    if st.st_uid not in (os.geteuid(), 0):
        me = _user_name(os.geteuid())
        raise PublishError(f"The hook {shown} belongs to {_user_name(st.st_uid)}, who could change what it "
                           f"does while it runs as {me}: make it yours or root's (chown {me} {shown}).")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise PublishError(f"The hook {shown} can be changed by other users (mode "
                           f"{stat.S_IMODE(st.st_mode):04o}) and runs as certwizard's user, so "
                           "certwizard refuses it as sudo would: take their write permission away "
                           f"(chmod go-w {shown}).")
    if not os.access(hook, os.X_OK):
        raise PublishError(f"The hook {shown} is not executable by this user: make it executable "
                           f"(chmod u+x {shown}).")


def check_webroot(webroot: Path) -> None:
    """Refuse a webroot that is not an existing folder given by its absolute path."""
    shown = printable(str(webroot))
    if not webroot.is_absolute():
        raise PublishError(f"The webroot '{shown}' is not an absolute path: give the full path of the folder "
                           f"the web server serves (from here: {printable(str(Path.cwd() / webroot))}).")
    if not webroot.is_dir():
        what = "is not a folder" if webroot.exists() else "does not exist"
        raise PublishError(f"The webroot {shown} {what}: give the folder the web server serves for the "
                           "domains (where it would find /.well-known/).")


def _quiet(_: str) -> None:
    pass


def _check_everything(publisher: Publisher, proofs: Sequence[Proof]) -> None:
    """Every refusal happens here, before anything is published or run."""
    for proof in proofs:
        _check_proof(proof)
    if not proofs:
        return
    if publisher.hook is not None:
        if not publisher.timeout > 0:
            raise PublishError(f"The hook's timeout is {publisher.timeout} s: give a number of seconds "
                               "above 0.")
        check_hook(publisher.hook)
    elif publisher.webroot is not None and any(isinstance(proof, FileProof) for proof in proofs):
        check_webroot(publisher.webroot)


def _check_proof(proof: Proof) -> None:
    values = ([proof.domain, proof.record_name, proof.record_value, proof.record_type]
              if isinstance(proof, DnsProof) else [proof.domain, proof.url_path, proof.content])
    if any("\0" in value for value in values):
        raise PublishError(f"{_describe(proof)} contains a NUL character, which no hook or file can be "
                           "given: ask the certificate authority for the validation again.")
    if not proof.domain:
        raise PublishError(f"{_describe(proof)} names no domain: this is a bug in certwizard; please "
                           "report it.")
    if isinstance(proof, DnsProof):
        if not proof.record_name or proof.record_name.endswith("."):
            raise PublishError(f"The record name '{printable(proof.record_name)}' must be a name without a "
                               "trailing dot, such as _acme-challenge.example.com.")
        if not _RECORD_TYPE.fullmatch(proof.record_type):
            raise PublishError(f"The record type '{printable(proof.record_type)}' is not a DNS type such "
                               "as TXT.")
    else:
        _url_parts(proof.url_path)


def _url_parts(url_path: str) -> tuple[str, ...]:
    """The parts of a URL path under /.well-known/, or PublishError for anything that could leave it."""
    parts = url_path.split("/")
    plain = all(_PLAIN_PART.fullmatch(part) and not part.startswith(".") and len(part) <= _MAX_NAME
                for part in parts[2:])
    if len(parts) < 3 or parts[0] != "" or parts[1] != WELL_KNOWN or not plain:
        raise PublishError(f"The file path '{printable(url_path)}' is not one certwizard publishes: only "
                           "files under /.well-known/ whose every part is plain (letters, digits, - _ . ~, "
                           "not starting with a dot, 255 at most), e.g. /.well-known/acme-challenge/TOKEN.")
    return tuple(parts[1:])


def _describe(proof: Proof) -> str:
    if isinstance(proof, DnsProof):
        return f"the {printable(proof.record_type)} record {printable(proof.record_name)}"
    return f"the file http://{printable(proof.domain)}{printable(proof.url_path)}"


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"user {uid}"


def _cleanup_failed(publisher: Publisher, proof: Proof) -> str:
    """Run the hook's cleanup for the proof it failed to publish: the run may have done part of the work.

    Its failure is expected (there may be nothing to remove), so it is a note, not a warning.
    """
    if publisher.hook is None:
        return ""            # certwizard's own file writing leaves nothing behind when it fails
    try:
        _run_hook_or_raise(publisher, "cleanup", proof)
    except PublishError:
        return (f"The hook's cleanup for {_describe(proof)} failed too: if the hook did part of the work, "
                "remove what it left by hand.")
    return ""


def _with_rollback(message: str, partly: str, undone: Published, warnings: list[str]) -> str:
    """The failure's message, and what became of what had been published before it."""
    lines = [message] + ([partly] if partly else [])
    if warnings:
        lines += ["Removing what had been published before did not all succeed; remove the rest by hand:",
                  *warnings]
    elif undone.hooked or undone.written:
        lines.append("Nothing is left published: what had been published before was removed again.")
    return "\n".join(lines)


# The hook ---------------------------------------------------------------------------------------------------

@dataclass
class _HookRun:
    status: int | None = None        # None: stopped at the timeout
    tail: bytearray = field(default_factory=bytearray)
    cut: bool = False                # earlier output was dropped

    def keep(self, chunk: bytes) -> None:
        self.tail += chunk
        if len(self.tail) > HOOK_OUTPUT_BYTES:
            del self.tail[:len(self.tail) - HOOK_OUTPUT_BYTES]
            self.cut = True

    def output(self) -> str:
        text = printable(self.tail.decode("utf-8", errors="replace"), allow_newlines=True).strip()
        if not text:
            return "It printed nothing."
        heading = f"The last {HOOK_OUTPUT_BYTES // 1024} KB of its output:" if self.cut else "Its output:"
        return f"{heading}\n{text}"


def _hook_environment(action: str, proof: Proof) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in HOOK_VARIABLES}
    env["CERTWIZARD_ACTION"] = action
    env["CERTWIZARD_DOMAIN"] = proof.domain
    if isinstance(proof, DnsProof):
        env["CERTWIZARD_RECORD_NAME"] = proof.record_name
        env["CERTWIZARD_RECORD_TYPE"] = proof.record_type
        env["CERTWIZARD_RECORD_VALUE"] = proof.record_value
    else:
        env["CERTWIZARD_FILE_PATH"] = proof.url_path
        env["CERTWIZARD_FILE_CONTENT"] = proof.content
    return env


def _run_hook_or_raise(publisher: Publisher, action: str, proof: Proof) -> None:
    assert publisher.hook is not None
    hook = publisher.hook
    doing = f"{'publishing' if action == 'publish' else 'removing'} {_describe(proof)}"
    shown = printable(str(hook))
    if action == "cleanup":
        check_hook(hook)           # it may have changed since publish
    try:
        run = _run_hook(hook, _hook_environment(action, proof), publisher.timeout)
    except OSError as exc:
        hint = " (does it start with a #! line?)" if exc.errno == errno.ENOEXEC else ""
        raise PublishError(f"The hook {shown} could not be started {doing}: {exc.strerror}{hint}.") from None
    if run.status is None:
        raise PublishError(f"The hook {shown} did not finish within {publisher.timeout:g} s {doing}, so "
                           "it was stopped with every process it started. Make it finish sooner or give it "
                           f"more time. {run.output()}")
    if run.status != 0:
        how = (f"was killed by signal {-run.status}" if run.status < 0
               else f"failed (exit status {run.status})")
        raise PublishError(f"The hook {shown} {how} {doing}. Fix what its output says and try again. "
                           f"{run.output()}")


def _run_hook(hook: Path, env: dict[str, str], timeout: float) -> _HookRun:
    """Run the hook with a deadline, keeping the tail of its output; at the deadline kill its group."""
    deadline = time.monotonic() + timeout
    process = subprocess.Popen([str(hook)], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
    assert process.stdout is not None
    run = _HookRun()
    pipe = process.stdout.fileno()
    os.set_blocking(pipe, False)
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(pipe, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                if process.poll() is not None:         # exited: what is buffered is all it said
                    _drain(pipe, run)
                    break
                if selector.select(min(remaining, _POLL_SECONDS)) and not _drain(pipe, run):
                    try:                               # end of output: wait for the exit, still bounded
                        process.wait(max(deadline - time.monotonic(), 0))
                    except subprocess.TimeoutExpired:
                        pass
                    break
        run.status = process.poll()
        if run.status is None:
            _kill_group(process)
            _drain(pipe, run)
    except BaseException:
        _kill_group(process)
        raise
    finally:
        process.stdout.close()
    return run


def _drain(pipe: int, run: _HookRun) -> bool:
    """Read what is there without blocking (a bounded amount); False once the pipe is at its end."""
    for _ in range(_DRAIN_CHUNKS):
        try:
            chunk = os.read(pipe, 65536)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        run.keep(chunk)
    return True


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.returncode is not None:
        return          # reaped: its pid, and so the group id, may belong to someone else by now
    try:
        os.killpg(process.pid, signal.SIGKILL)     # the session leader's pid is its group's id
    except ProcessLookupError:
        pass
    process.wait()


# Files under a webroot -------------------------------------------------------------------------------------

@contextmanager
def _folder(webroot: Path, parts: Sequence[str], *, make: bool = False) -> Iterator[tuple[int, int]]:
    """An open descriptor of WEBROOT/parts, walked part by part without following a symlink.

    With `make`, missing folders are made 0755; yields (descriptor, how many folders were made).
    """
    fd = os.open(webroot, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)    # the webroot itself may be a link
    made = deepest = 0
    try:
        for depth, part in enumerate(parts, start=1):
            try:
                child = _open_folder(fd, part)
            except FileNotFoundError:
                if not make:
                    raise
                os.mkdir(part, PUBLIC_DIR_MODE, dir_fd=fd)
                made, deepest = made + 1, depth
                child = _open_folder(fd, part)
                os.fchmod(child, PUBLIC_DIR_MODE)      # not what the umask left: the web server must read it
            os.close(fd)
            fd = child
    except BaseException as failure:
        os.close(fd)
        if made:
            _remove_folders(webroot, parts[:deepest], made)
        if isinstance(failure, _NotAFolder):
            where = printable(str(webroot.joinpath(*parts[:depth])))
            raise PublishError(f"{where} is a symbolic link or not a folder: certwizard writes under the "
                               "webroot only through real folders. Replace it with a folder, or give the "
                               "webroot it points into.") from None
        raise
    try:
        yield fd, made
    finally:
        os.close(fd)


class _NotAFolder(Exception):
    pass


def _open_folder(fd: int, part: str) -> int:
    try:
        return os.open(part, _DIR_FLAGS, dir_fd=fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _NotAFolder from None
        raise


def _write_file(webroot: Path, proof: FileProof) -> WrittenFile | FileProof:
    """Write the proof's file; the proof itself when the file was already there with this content."""
    *folders, name = _url_parts(proof.url_path)
    target = webroot.joinpath(*folders, name)
    made = 0
    try:
        with _folder(webroot, folders, make=True) as (fd, made):
            existing = _existing_content(fd, name, target)
            if existing is not None:
                if _same_content(existing, proof.content):
                    return proof
                raise PublishError(_foreign_file(target))
            _put_in_place(fd, name, proof.content.encode("utf-8"), target)
        return WrittenFile(proof, webroot, made)
    except BaseException as failure:
        if made:
            _remove_folders(webroot, folders, made)
        if isinstance(failure, OSError):
            raise PublishError(f"{printable(str(target))} could not be written ({failure.strerror}): give a "
                               "webroot this user may write in, or a hook that publishes the file.") from None
        raise


def _existing_content(fd: int, name: str, target: Path) -> bytes | None:
    try:
        st = os.stat(name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_EXISTING_BYTES:
        raise PublishError(_foreign_file(target))
    file_fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=fd)
    try:
        return os.read(file_fd, _MAX_EXISTING_BYTES + 1)
    finally:
        os.close(file_fd)


def _same_content(existing: bytes, content: str) -> bool:
    return existing.rstrip(b" \t\r\n") == content.encode("utf-8").rstrip(b" \t\r\n")


def _foreign_file(target: Path) -> str:
    return (f"{printable(str(target))} already exists with other content (or is not a plain file), and "
            "certwizard does not write over what is not its own: move it away if it is a leftover, or give "
            "a hook.")


def _put_in_place(fd: int, name: str, data: bytes, target: Path) -> None:
    """Write `data` under a temporary name, then give it `name` only if nothing is there (a link, not a
    rename, so a file that appeared meanwhile is not replaced)."""
    temp = f"{TEMP_PREFIX}{os.urandom(8).hex()}"         # not `name`: that may be 255 characters already
    file_fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                      PUBLIC_FILE_MODE, dir_fd=fd)
    try:
        try:
            os.fchmod(file_fd, PUBLIC_FILE_MODE)       # not what the umask left
            view = memoryview(data)
            while view:
                view = view[os.write(file_fd, view):]
            os.fsync(file_fd)
        finally:
            os.close(file_fd)
        try:
            os.link(temp, name, src_dir_fd=fd, dst_dir_fd=fd, follow_symlinks=False)
        except FileExistsError:
            raise PublishError(_foreign_file(target)) from None       # appeared meanwhile
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            if _existing_content(fd, name, target) is not None:      # no hard links here: check, then rename
                raise PublishError(_foreign_file(target)) from None
            os.rename(temp, name, src_dir_fd=fd, dst_dir_fd=fd)
        os.fsync(fd)
    finally:
        try:
            os.unlink(temp, dir_fd=fd)
        except FileNotFoundError:
            pass


def _remove_file(item: WrittenFile) -> str | None:
    """Remove a file certwizard wrote, if it still holds what it wrote, then the folders it made if empty."""
    *folders, name = _url_parts(item.proof.url_path)
    shown = printable(str(item.path))
    try:
        with _folder(item.webroot, folders) as (fd, _):
            existing = _existing_content(fd, name, item.path)
            if existing is None:
                pass
            elif not _same_content(existing, item.proof.content):
                return f"{shown} was left in place: it no longer holds what certwizard wrote."
            else:
                os.unlink(name, dir_fd=fd)
    except FileNotFoundError:
        pass
    except PublishError:
        return f"{shown} was left in place: it is no longer the plain file certwizard wrote."
    except OSError as exc:
        return f"{shown} could not be removed ({exc.strerror}): remove it by hand."
    _remove_folders(item.webroot, folders, item.new_folders)
    return None


def _remove_folders(webroot: Path, folders: Sequence[str], count: int) -> None:
    """Remove the `count` innermost of `folders` (the ones certwizard made), each only if it is empty."""
    for depth in range(len(folders), len(folders) - count, -1):
        try:
            with _folder(webroot, folders[:depth - 1]) as (fd, _):
                os.rmdir(folders[depth - 1], dir_fd=fd)
        except (OSError, PublishError):
            return       # not empty (someone else's files), or gone: the folders above stay too
