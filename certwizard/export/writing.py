"""Writing an export's files so that it appears complete or not at all, and never through a link.

Rules that every export follows:
- nothing is overwritten and nothing is written through a symlink: every target name is checked first, a clash
  is refused with the list of files already there, and each file is created with O_EXCL|O_NOFOLLOW;
- the output folder and its parents are real folders: a symbolic link among them is refused (whoever can
  write the folder holding it could point it elsewhere), and every folder is opened with O_NOFOLLOW from /
  down, so a link swapped in meanwhile is refused too;
- the export appears complete or not at all: the files are written and synced into a private staging folder
  (`.certwizard-export-PID-RANDOM`, 0700), then moved into place. A new output folder is that staging folder,
  renamed (one atomic step); into an existing folder the files are moved one by one without replacing
  anything (renameat2 RENAME_NOREPLACE, else link + unlink). A process killed before that leaves only its
  staging folder, which the next export into the same place removes; one killed while moving files into an
  existing folder leaves the list of them (inode and SHA-256) in its staging folder, and the next export
  there takes those files back out before it starts, so a retry is never blocked by a half-written export;
- if a write fails midway, what this export created (staging folder, moved files, folders made) is removed;
- keys and .pfx files are 0600, certificates and the README 0644 (the modes the layouts plan); a folder we
  create is 0700, an existing folder keeps its mode. A key or .pfx written into a folder every user can
  write comes with a warning.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from certwizard.domain.text import printable
from certwizard.export.errors import ExportError
from certwizard.export.layout import PlannedFile
from certwizard.system.securefs import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE

SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")

STAGING_PREFIX = ".certwizard-export-"
_MOVING = "moving.json"     # in a staging folder: the files being moved into an existing folder
_MOVED = "moved.json"       # the same list once every file is in place (the export is complete)
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_RENAME_NOREPLACE = 1       # linux/fs.h
_NOT_SUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM, errno.EMLINK,
                  errno.EXDEV}


class WriteFailed(Exception):
    """An OSError while writing `target` (the path the user will see, not the staging one)."""

    def __init__(self, target: Path, error: OSError) -> None:
        super().__init__(str(target))
        self.target = target
        self.error = error


def write_export(folder: Path, files: list[PlannedFile]) -> tuple[list[Path], list[str]]:
    """Write `files` into `folder` (absolute, links already refused): the paths written and the warnings.

    Raises ExportError, having left nothing behind, when a file is there already or a write fails.
    """
    clear_abandoned_exports(folder)      # a killed export's files must not block this one
    refuse_existing(folder, files)
    warnings = exposure_warnings(folder, files)
    return write_files(folder, files), warnings


def absolute_folder(out_dir: str | os.PathLike[str]) -> Path:
    """The folder as an absolute path, `~` expanded and `..` folded, without following any link."""
    return Path(os.path.abspath(os.path.expanduser(os.fspath(out_dir))))


def refuse_symlinks(folder: Path) -> None:
    for path in (folder, *folder.parents):
        if os.path.islink(path):
            what = ("the output folder" if path == folder
                    else f"{printable(str(path))}, a folder on the way to it,")
            raise ExportError(f"{what} is a symbolic link ({printable(str(path))} -> "
                              f"{printable(os.readlink(path))}); certwizard does not export through links, "
                              "which whoever can write the folder holding one can point elsewhere. Give the "
                              f"real folder instead: {printable(os.path.realpath(folder))}")


def refuse_existing(folder: Path, files: list[PlannedFile]) -> None:
    if os.path.lexists(folder) and not folder.is_dir():
        raise ExportError(f"{printable(str(folder))} exists and is not a folder; "
                          "choose a folder to export into")
    clashes = []
    for planned in files:
        target = folder / planned.name
        if os.path.lexists(target):
            clashes.append(planned.name + (" (a symbolic link)" if target.is_symlink() else ""))
    if clashes:
        raise ExportError(f"{printable(str(folder))} already contains {', '.join(clashes)}; certwizard never "
                          "overwrites files. Choose another folder (for example a new, dated one) or move "
                          "those files away first; nothing was written")


def exposure_warnings(folder: Path, files: list[PlannedFile]) -> list[str]:
    """A private key (or .pfx) about to land where every user of the machine can write."""
    private = [planned.name for planned in files if planned.mode == PRIVATE_FILE_MODE]
    existing = next((path for path in (folder, *folder.parents) if os.path.isdir(path)), None)
    if not private or existing is None:
        return []
    mode = os.lstat(existing).st_mode
    if not mode & stat.S_IWOTH:
        return []
    shown, keys = printable(str(existing)), ", ".join(private)
    if existing == folder:
        others = ("create files beside it" if mode & stat.S_ISVTX
                  else "rename, delete or replace it and create files beside it")
        return [f"{shown} can be written by every user of this machine (mode {stat.S_IMODE(mode):04o}); "
                f"{keys} was written there all the same, 0600 so that only you can read it, but others can "
                f"{others}. Keep private keys in a folder only you can write: export into a new folder, "
                "which certwizard creates 0700"]
    if mode & stat.S_ISVTX:
        return []   # like /tmp: the sticky bit keeps others from renaming the new 0700 folder
    return [f"{shown} can be written by every user of this machine (mode {stat.S_IMODE(mode):04o}), so any "
            f"of them can rename or replace the new folder {printable(str(folder))} that holds {keys}. Keep "
            "private keys under a folder only you can write"]


def write_files(folder: Path, files: list[PlannedFile]) -> list[Path]:
    created: list[Path] = []      # folders made on the way to `folder`, outermost first
    try:
        parent_fd = open_folder(folder.parent, created)
        try:
            if entry_at(parent_fd, folder.name) is None:
                _write_new_folder(parent_fd, folder, files)
            else:
                folder_fd = _open_child(parent_fd, folder.name, folder)
                try:
                    _write_into_folder(folder_fd, folder, files)
                finally:
                    os.close(folder_fd)
        finally:
            os.close(parent_fd)
    except WriteFailed as failure:
        remove_folders(created)
        raise ExportError(_write_failure_message(failure.target, failure.error)) from None
    except OSError as exc:
        remove_folders(created)
        raise ExportError(_write_failure_message(folder / files[0].name, exc)) from None
    except BaseException:
        remove_folders(created)
        raise
    return [folder / planned.name for planned in files]


def _write_failure_message(target: Path, exc: OSError) -> str:
    where = printable(exc.filename if isinstance(exc.filename, str) and exc.filename.startswith("/")
                      else str(target))
    if exc.errno in (errno.EEXIST, errno.ELOOP, errno.ENOTEMPTY):
        return (f"{where} appeared while exporting (another program created it); nothing was kept. Choose "
                "another folder or move that file away and try again")
    if exc.errno == errno.ENOTDIR:
        return (f"{where} is not a folder (or became a symbolic link while exporting); nothing was kept. "
                "Choose a real folder and try again")
    return (f"writing {where} failed ({exc.strerror or exc}); the files written so far were removed. "
            "Free some space or fix the folder's permissions, or choose another folder")


# --- folders by descriptor: a link swapped in anywhere on the way is refused, never followed ---------------

def entry_at(dir_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _open_child(dir_fd: int, name: str, path: Path) -> int:
    try:
        return os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def open_folder(path: Path, created: list[Path] | None) -> int:
    """A descriptor of `path`, opened from / one folder at a time; missing folders are made 0700 and listed
    in `created` (with `created` None, a missing folder is FileNotFoundError)."""
    fd = os.open(path.anchor or "/", DIR_FLAGS)
    current = Path(path.anchor or "/")
    try:
        for part in path.parts[1:]:
            current = current / part
            if entry_at(fd, part) is None:
                if created is None:
                    raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(current))
                try:
                    os.mkdir(part, PRIVATE_DIR_MODE, dir_fd=fd)
                except OSError as exc:
                    raise OSError(exc.errno, exc.strerror, str(current)) from None
                created.append(current)
                child = _open_child(fd, part, current)
                os.fchmod(child, PRIVATE_DIR_MODE)      # exactly 0700, whatever the umask
            else:
                child = _open_child(fd, part, current)
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        os.close(fd)
        raise


def remove_folders(created: list[Path]) -> None:
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            return  # something else was put there meanwhile; leave it and its parents


# --- staging ------------------------------------------------------------------------------------------------

def make_staging(dir_fd: int) -> tuple[str, int]:
    """A new private folder in `dir_fd` named after this process: (its name, a descriptor of it)."""
    name = f"{STAGING_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
    os.mkdir(name, PRIVATE_DIR_MODE, dir_fd=dir_fd)
    fd = os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    os.fchmod(fd, PRIVATE_DIR_MODE)
    return name, fd


def write_planned(staging_fd: int, folder: Path, files: list[PlannedFile]) -> dict[str, list[Any]]:
    """Write every file into the staging folder and sync it; returns what identifies each file (inode and
    SHA-256: an inode number alone is reused once a file is deleted)."""
    written: dict[str, list[Any]] = {}
    for planned in files:
        try:
            fd = os.open(planned.name, FILE_FLAGS, planned.mode, dir_fd=staging_fd)
            try:
                os.fchmod(fd, planned.mode)     # the umask may have removed bits
                view = memoryview(planned.data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
                written[planned.name] = [os.fstat(fd).st_ino, hashlib.sha256(planned.data).hexdigest()]
            finally:
                os.close(fd)
        except OSError as exc:
            raise WriteFailed(folder / planned.name, exc) from None
    os.fsync(staging_fd)
    return written


def _write_new_folder(parent_fd: int, folder: Path, files: list[PlannedFile]) -> None:
    """Write into a staging folder beside `folder`, then rename it to `folder`: all at once or nothing."""
    staging, staging_fd = make_staging(parent_fd)
    try:
        try:
            write_planned(staging_fd, folder, files)
        finally:
            os.close(staging_fd)
        try:
            move_without_replacing(parent_fd, staging, parent_fd, folder.name)
        except OSError as exc:
            raise WriteFailed(folder, exc) from None
    except BaseException:
        remove_staging(parent_fd, staging)
        raise
    sync_folder(parent_fd)


def _write_into_folder(folder_fd: int, folder: Path, files: list[PlannedFile]) -> None:
    """Write into a staging folder inside `folder`, then move each file next to it without replacing any.

    The list of files (inode, SHA-256) is written first, so an export killed while moving can be undone.
    """
    staging, staging_fd = make_staging(folder_fd)
    moved: list[str] = []
    written: dict[str, list[Any]] = {}
    try:
        try:
            written = write_planned(staging_fd, folder, files)
            _write_list(staging_fd, _MOVING, written)
            for planned in files:
                try:
                    move_without_replacing(staging_fd, planned.name, folder_fd, planned.name)
                except OSError as exc:
                    raise WriteFailed(folder / planned.name, exc) from None
                moved.append(planned.name)
            sync_folder(folder_fd)
            os.rename(_MOVING, _MOVED, src_dir_fd=staging_fd, dst_dir_fd=staging_fd)   # complete
        finally:
            os.close(staging_fd)
    except BaseException:
        for name in reversed(moved):
            unlink_if_ours(folder_fd, name, written[name])
        remove_staging(folder_fd, staging)
        raise
    remove_staging(folder_fd, staging)


def _write_list(staging_fd: int, name: str, written: dict[str, list[Any]]) -> None:
    fd = os.open(name, FILE_FLAGS, PRIVATE_FILE_MODE, dir_fd=staging_fd)
    try:
        os.write(fd, json.dumps({"files": written}).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.fsync(staging_fd)


def sync_folder(dir_fd: int) -> None:
    try:
        os.fsync(dir_fd)
    except OSError:
        pass    # the files are in place; only their durability across a power cut is less certain


def unlink_if_ours(dir_fd: int, name: str, identity: list[Any]) -> None:
    """Remove `name` only if it is still the file this export wrote (never one someone else put there)."""
    inode, digest = identity
    found = entry_at(dir_fd, name)
    if found is None or not stat.S_ISREG(found.st_mode) or found.st_ino != inode or found.st_size > 1 << 20:
        return
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        same = hashlib.sha256(os.read(fd, found.st_size + 1)).hexdigest() == digest
    finally:
        os.close(fd)
    if same:
        os.unlink(name, dir_fd=dir_fd)


def remove_staging(dir_fd: int, name: str) -> None:
    try:
        staging_fd = os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        return
    try:
        for entry in os.listdir(staging_fd):
            os.unlink(entry, dir_fd=staging_fd)
    finally:
        os.close(staging_fd)
    os.rmdir(name, dir_fd=dir_fd)


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True     # another export of this process (the wizard runs exports in threads)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True     # alive, and someone else's
    return True


def clear_abandoned_exports(folder: Path) -> None:
    """Remove what exports killed before finishing left beside `folder` and in it."""
    for path in (folder.parent, folder):
        try:
            fd = open_folder(path, None)
        except OSError:
            continue        # not there (yet), or not a real folder: the export itself will say so
        try:
            remove_abandoned_staging(fd)
        finally:
            os.close(fd)


def remove_abandoned_staging(dir_fd: int) -> None:
    """Staging folders of exports whose process died (killed, or the machine went down) go: their files
    never appeared. Files one of them had already moved into this folder are taken back out."""
    for entry in os.scandir(dir_fd):
        if not entry.name.startswith(STAGING_PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        pid_text = entry.name[len(STAGING_PREFIX):].split("-", 1)[0]
        if not pid_text.isdigit() or process_alive(int(pid_text)):
            continue
        try:
            _take_back(dir_fd, entry.name)
            remove_staging(dir_fd, entry.name)
        except (OSError, ValueError):
            continue    # not ours to remove (another user's), or removed meanwhile


def _take_back(dir_fd: int, staging: str) -> None:
    staging_fd = os.open(staging, DIR_FLAGS, dir_fd=dir_fd)
    try:
        if entry_at(staging_fd, _MOVING) is None:
            return      # it never started moving files (or finished: moved.json)
        fd = os.open(_MOVING, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=staging_fd)
        try:
            listed = json.loads(os.read(fd, 64 * 1024))["files"]
        finally:
            os.close(fd)
    finally:
        os.close(staging_fd)
    for name, identity in listed.items():
        if (isinstance(name, str) and SAFE_FILE_NAME.fullmatch(name) and isinstance(identity, list)
                and len(identity) == 2 and isinstance(identity[0], int) and isinstance(identity[1], str)):
            unlink_if_ours(dir_fd, name, identity)


# --- moving without replacing -------------------------------------------------------------------------------

def _renameat2() -> Any | None:
    try:
        function = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _renameat2()


def move_without_replacing(src_fd: int, src: str, dst_fd: int, dst: str) -> None:
    """Move `src` to `dst`, failing with FileExistsError if anything is at `dst` already."""
    if _RENAMEAT2 is not None:
        if _RENAMEAT2(src_fd, os.fsencode(src), dst_fd, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in _NOT_SUPPORTED:
            raise OSError(code, os.strerror(code), dst)
    if stat.S_ISREG(os.stat(src, dir_fd=src_fd, follow_symlinks=False).st_mode):
        try:
            os.link(src, dst, src_dir_fd=src_fd, dst_dir_fd=dst_fd, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in _NOT_SUPPORTED:
                raise
        else:
            os.unlink(src, dir_fd=src_fd)
            return
    # A file system with neither (some network and FAT mounts): look, then rename.
    if entry_at(dst_fd, dst) is not None:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst)
    os.rename(src, dst, src_dir_fd=src_fd, dst_dir_fd=dst_fd)


# The descriptor-based pieces below `write_files` are shared with `installing` (writing in place).
__all__ = ["SAFE_FILE_NAME", "STAGING_PREFIX", "write_export", "absolute_folder", "refuse_symlinks",
           "refuse_existing", "exposure_warnings", "write_files", "clear_abandoned_exports", "WriteFailed",
           "DIR_FLAGS", "FILE_FLAGS", "entry_at", "open_folder", "remove_folders", "make_staging", "write_planned",
           "sync_folder", "unlink_if_ours", "remove_staging", "remove_abandoned_staging", "process_alive",
           "move_without_replacing"]
