"""Private files and folders: 0600 files in 0700 folders, never written through a symlink.

Every secret (keys, documents, the database) goes through this module so the rules live in one place:
- new files are opened with O_CREAT|O_EXCL|O_NOFOLLOW, so an existing file or symlink is never reused;
- modes are set with fchmod/chmod after creation, so the umask cannot loosen them;
- replacements go through a temp file in the same folder, fsync, rename, then fsync of the folder.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PUBLIC_FILE_MODE = 0o644
TEMP_PREFIX = ".tmp-"

_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class UnsafePathError(OSError):
    """A path is a symlink, not a regular file or folder, or otherwise unsafe to use."""


class FileTooLargeError(OSError):
    """A file is larger than the caller allows; nothing beyond the limit was read."""


def ensure_private_dir(path: str | os.PathLike[str]) -> Path:
    """Create `path` and any missing parents, all 0700; make sure the folder is 0700 and not a symlink."""
    folder = Path(path)
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        if not folder.parent.exists():
            ensure_private_dir(folder.parent)      # folders made on the way are private too (not the umask's)
        try:
            os.mkdir(folder, PRIVATE_DIR_MODE)
        except FileExistsError:
            pass
        st = os.lstat(folder)
    if stat.S_ISLNK(st.st_mode):
        raise UnsafePathError(errno.ELOOP, "is a symbolic link; certwizard keeps secrets only in real folders",
                              str(folder))
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafePathError(errno.ENOTDIR, "exists and is not a folder", str(folder))
    if stat.S_IMODE(st.st_mode) != PRIVATE_DIR_MODE:
        os.chmod(folder, PRIVATE_DIR_MODE)
    return folder


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Make a rename or a new entry in `path` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_new(path: Path, mode: int) -> int:
    try:
        fd = os.open(path, _CREATE_FLAGS, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePathError(errno.ELOOP, "is a symbolic link; refusing to write through it",
                                  str(path)) from None
        raise
    os.fchmod(fd, mode)
    return fd


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def create_new_file(path: str | os.PathLike[str], data: bytes, mode: int = PRIVATE_FILE_MODE) -> Path:
    """Create `path` with `data`; fail with FileExistsError if anything (file or symlink) is already there."""
    target = Path(path)
    fd = _open_new(target, mode)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        target.unlink(missing_ok=True)
        raise
    os.close(fd)
    fsync_dir(target.parent)
    return target


def create_private_file(path: str | os.PathLike[str], data: bytes) -> Path:
    """Create a new 0600 file; never overwrites and never follows a symlink."""
    return create_new_file(path, data, PRIVATE_FILE_MODE)


def atomic_replace(path: str | os.PathLike[str], data: bytes, mode: int = PRIVATE_FILE_MODE) -> Path:
    """Replace `path` with `data` so that readers see the old or the new content, never a mix.

    A symlink at `path` is replaced by the new file, never written through.
    """
    return atomic_replace_with(path, lambda fd: _write_all(fd, data), mode)


def atomic_replace_with(path: str | os.PathLike[str], write: Callable[[int], None],
                        mode: int = PRIVATE_FILE_MODE) -> Path:
    """`atomic_replace`, with the content written by `write(fd)` (e.g. copied from another file)."""
    target = Path(path)
    if target.is_dir() and not target.is_symlink():
        raise UnsafePathError(errno.EISDIR, "is a folder", str(target))
    temp = target.with_name(f"{TEMP_PREFIX}{os.urandom(6).hex()}-{target.name}")
    fd = _open_new(temp, mode)
    try:
        write(fd)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(temp, target)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
    return target


def read_regular_file(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """Read a regular file without following a final symlink, reading at most `max_bytes`.

    Refuses FIFOs, devices and folders (which could hang or never end) before reading anything.
    """
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePathError(errno.ELOOP, "is a symbolic link; give the real file's path", str(path)) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePathError(errno.EINVAL, "is not a regular file", str(path))
        if st.st_size > max_bytes:
            raise FileTooLargeError(errno.EFBIG, f"is {st.st_size} bytes; the limit is {max_bytes}", str(path))
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise FileTooLargeError(errno.EFBIG, f"is larger than the limit of {max_bytes} bytes", str(path))
        return data
    finally:
        os.close(fd)


def read_secret_line(path: str | os.PathLike[str], max_bytes: int = 4096) -> bytes:
    """The first line of a small regular file that holds a passphrase or password (b"" when it is empty)."""
    data = read_regular_file(path, max_bytes)
    return data.splitlines()[0] if data.strip(b"\r\n") else b""


def remove_stale_temp_files(folder: str | os.PathLike[str], older_than_seconds: float = 600) -> int:
    """Delete temp files left by a process that died mid-write; returns how many were removed."""
    removed = 0
    cutoff = time.time() - older_than_seconds
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if entry.name.startswith(TEMP_PREFIX) and entry.is_file(follow_symlinks=False):
            try:
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:
                continue
    return removed
