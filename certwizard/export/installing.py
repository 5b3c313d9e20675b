"""Writing a layout's files into a folder in place, to be kept up to date on renewal (`certwizard install`).

Unlike an export (`writing`, which never overwrites), an installation replaces its own files. The rules:
- the folder and every folder above it are real folders (`writing.refuse_symlinks`), opened from / with
  O_NOFOLLOW one at a time (a link swapped in meanwhile is refused); a missing folder is made 0700;
- a target name that is a symbolic link or not a regular file (a folder) is refused before anything is
  written: certwizard never writes through a link, and never replaces what is not a file;
- a file whose bytes and mode are already what is planned is left alone; when nothing changed, nothing is
  written at all (a .pfx, which is never the same bytes twice, is compared by what it holds);
- the new files are written and synced into a private staging folder inside the folder (O_EXCL|O_NOFOLLOW,
  each file's planned mode: a key or .pfx 0600, the rest 0644), on the same file system, so each rename into
  place is atomic; where we run as root, a replaced file's owner is kept (a server may read as its own user);
- the name always exists: the old file is first hard-linked into the staging folder (copied where links are
  not supported), then the new one renamed over the name. Once every file is in place the old ones become
  NAME.prev (replacing the last .prev) and the folder is synced;
- complete or nothing: if any file fails, the files already replaced are renamed back from their links and
  new names are removed, so the old files keep serving byte for byte; the error says which file failed and
  how to fix it. A staging folder left by a killed install is removed by the next one (`writing`'s rule).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certwizard.domain.text import printable
from certwizard.export import writing
from certwizard.export.bundle import BundlePlan
from certwizard.export.errors import ExportError
from certwizard.export.layout import PlannedFile

PREVIOUS_SUFFIX = ".prev"
_OLD_PREFIX = ".old-"            # in the staging folder: the old file, until the installation is complete
_MAX_COMPARED = 1 << 20          # bigger files are never what a layout writes: they are simply replaced
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_NO_LINKS = {errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}

SameContent = Callable[[PlannedFile, bytes], bool]    # does the file there (its bytes) hold what is planned?


class InstallError(ExportError):
    """An installation was refused or failed; its old files are as they were. The message says what to do."""


@dataclass(frozen=True)
class InstalledFiles:
    folder: Path
    files: list[str]                 # every file of the layout
    changed: list[str]               # those written now (new, or different from what was there)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Existing:
    data: bytes | None = field(repr=False)   # None: too big to compare
    mode: int
    inode: int
    uid: int
    gid: int


def install_plan(plan: BundlePlan, directory: str | os.PathLike[str]) -> InstalledFiles:
    """`install_files` for a checked `BundlePlan` (a .pfx is compared by its contents)."""
    same: SameContent | None = None
    if plan.layout.pkcs12:
        from certwizard.export.pkcs12 import pfx_holds

        def same(planned: PlannedFile, data: bytes) -> bool:
            return data == planned.data or (planned.name.endswith(".pfx") and pfx_holds(data, plan.material))
    return install_files(directory, plan.files, same)


def install_files(directory: str | os.PathLike[str], files: list[PlannedFile],
                  same: SameContent | None = None) -> InstalledFiles:
    """Put `files` into `directory` in place, complete or not at all (the rules are in the docstring).

    Raises InstallError (nothing changed) when a name is unusable or a write fails."""
    folder = writing.absolute_folder(directory)
    writing.refuse_symlinks(folder)
    names = [planned.name for planned in files]
    if not files or len(set(names)) != len(names) or not all(map(writing.SAFE_FILE_NAME.fullmatch, names)):
        raise ValueError(f"install_files: unusable file names {names!r}")
    created: list[Path] = []
    try:
        folder_fd = writing.open_folder(folder, created)
    except OSError as exc:
        writing.remove_folders(created)
        raise InstallError(_failure_message(folder, exc, put_back=False)) from None
    try:
        writing.remove_abandoned_staging(folder_fd)
        current = {planned.name: _existing(folder_fd, folder, planned.name) for planned in files}
        changed = [planned for planned in files if not _unchanged(planned, current[planned.name], same)]
        if changed:
            _replace(folder_fd, folder, changed, current)
    except OSError as exc:          # looking at what is there (reading, or the staging of a killed install)
        writing.remove_folders(created)
        raise InstallError(_failure_message(folder, exc, put_back=False)) from None
    except BaseException:
        writing.remove_folders(created)      # only folders still empty go
        raise
    finally:
        os.close(folder_fd)
    warnings = writing.exposure_warnings(folder, changed) if changed else []
    return InstalledFiles(folder, names, [planned.name for planned in changed], warnings)


# --- what is there now --------------------------------------------------------------------------------------

def _existing(folder_fd: int, folder: Path, name: str) -> _Existing | None:
    path = printable(str(folder / name))
    found = writing.entry_at(folder_fd, name)
    previous = writing.entry_at(folder_fd, name + PREVIOUS_SUFFIX)
    if previous is not None and stat.S_ISDIR(previous.st_mode):
        raise InstallError(f"{path}{PREVIOUS_SUFFIX} is a folder, so the file it replaces cannot be kept there; "
                           "move that folder away and install again (nothing was written)")
    if found is None:
        return None
    if stat.S_ISLNK(found.st_mode):
        target = printable(os.readlink(name, dir_fd=folder_fd))
        raise InstallError(f"{path} is a symbolic link (-> {target}); certwizard never writes through links, "
                           "which whoever can write the folder holding one can point elsewhere. Remove the link "
                           "(or put the real file there) and install again; nothing was written")
    if not stat.S_ISREG(found.st_mode):
        raise InstallError(f"{path} exists and is not a regular file (a folder?); move it away and install "
                           "again; nothing was written")
    fd = os.open(name, _READ_FLAGS, dir_fd=folder_fd)
    try:
        info = os.fstat(fd)
        data = os.read(fd, _MAX_COMPARED + 1) if info.st_size <= _MAX_COMPARED else None
    finally:
        os.close(fd)
    return _Existing(data, stat.S_IMODE(info.st_mode), info.st_ino, info.st_uid, info.st_gid)


def _unchanged(planned: PlannedFile, existing: _Existing | None, same: SameContent | None) -> bool:
    if existing is None or existing.data is None or existing.mode != planned.mode:
        return False
    return same(planned, existing.data) if same is not None else existing.data == planned.data


# --- replacing ----------------------------------------------------------------------------------------------

def _replace(folder_fd: int, folder: Path, changed: list[PlannedFile], current: dict[str, _Existing | None]) -> None:
    staging, staging_fd = writing.make_staging(folder_fd)
    swapped: list[str] = []
    written: dict[str, list[Any]] = {}
    kept: list[str] = []
    try:
        try:
            written = writing.write_planned(staging_fd, folder, changed)
            for planned in changed:
                _keep_owner(staging_fd, planned.name, current[planned.name])
            for planned in changed:
                try:
                    _swap_in(folder_fd, staging_fd, planned.name, current[planned.name])
                except OSError as exc:
                    raise writing.WriteFailed(folder / planned.name, exc) from None
                swapped.append(planned.name)
            writing.sync_folder(folder_fd)
        except BaseException as exc:
            kept = _put_back(folder_fd, staging_fd, swapped, current, written)
            if kept:
                raise InstallError(f"{_failure_message(folder, exc)} But {', '.join(kept)} could not be put "
                                   f"back: the old copies are in {printable(str(folder / staging))}; move "
                                   "them back by hand") from None
            if isinstance(exc, writing.WriteFailed):
                raise InstallError(_failure_message(exc.target, exc.error)) from None
            raise
        _keep_previous(folder_fd, staging_fd, [name for name in swapped if current[name] is not None])
    finally:
        os.close(staging_fd)
        if not kept:
            writing.remove_staging(folder_fd, staging)


def _keep_owner(staging_fd: int, name: str, old: _Existing | None) -> None:
    """As root, a replaced file keeps its owner (nginx may read a key as root, Tomcat as its own user)."""
    if old is None or os.geteuid() != 0:
        return
    try:
        os.chown(name, old.uid, old.gid, dir_fd=staging_fd, follow_symlinks=False)
    except OSError:
        pass    # a file system without owners: root's new file is still readable by root


def _swap_in(folder_fd: int, staging_fd: int, name: str, old: _Existing | None) -> None:
    """The new file over `name`, the old one linked (or copied) into the staging folder first."""
    if old is None:
        writing.move_without_replacing(staging_fd, name, folder_fd, name)
        return
    found = writing.entry_at(folder_fd, name)
    if found is None or not stat.S_ISREG(found.st_mode) or found.st_ino != old.inode:
        raise OSError(errno.ESTALE, "another program replaced it while installing")
    try:
        os.link(name, _OLD_PREFIX + name, src_dir_fd=folder_fd, dst_dir_fd=staging_fd, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in _NO_LINKS or old.data is None:
            raise
        # No hard links here (some network and FUSE mounts): keep a copy instead.
        writing.write_planned(staging_fd, Path(name), [PlannedFile(_OLD_PREFIX + name, old.data, old.mode)])
    os.rename(name, name, src_dir_fd=staging_fd, dst_dir_fd=folder_fd)


def _put_back(folder_fd: int, staging_fd: int, swapped: list[str], current: dict[str, _Existing | None],
              written: dict[str, list[Any]]) -> list[str]:
    """Undo the swaps, last first; the names that could not be put back."""
    kept = []
    for name in reversed(swapped):
        try:
            if current[name] is not None:
                os.rename(_OLD_PREFIX + name, name, src_dir_fd=staging_fd, dst_dir_fd=folder_fd)
            else:
                writing.unlink_if_ours(folder_fd, name, written[name])
        except OSError:
            kept.append(name)
    writing.sync_folder(folder_fd)
    return kept


def _keep_previous(folder_fd: int, staging_fd: int, replaced: list[str]) -> None:
    """The installation is complete: each old file becomes NAME.prev."""
    for name in replaced:
        try:
            os.rename(_OLD_PREFIX + name, name + PREVIOUS_SUFFIX, src_dir_fd=staging_fd, dst_dir_fd=folder_fd)
        except OSError:
            pass    # the new files are in place; only that old copy is not kept (the staging folder goes)
    writing.sync_folder(folder_fd)


def _failure_message(target: Path, exc: BaseException, put_back: bool = True) -> str:
    error = exc.error if isinstance(exc, writing.WriteFailed) else exc
    where = printable(str(exc.target if isinstance(exc, writing.WriteFailed) else target))
    reason = printable(error.strerror or str(error)) if isinstance(error, OSError) else printable(str(error))
    if isinstance(error, OSError) and error.errno == errno.ENOTDIR:
        fix = f"{where} (or a folder above it) is not a real folder: choose a real folder"
    elif isinstance(error, OSError) and error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "run certwizard as a user who can write that folder (often root), or fix its permissions"
    elif isinstance(error, OSError) and error.errno == errno.ENOSPC:
        fix = "free some space on that file system"
    else:
        fix = "make sure no other program changes these files meanwhile"
    done = ("every file of this installation was put back as it was" if put_back else "nothing was written")
    return f"installing {where} failed ({reason}); {done}. To fix it, {fix}, then install again."


__all__ = ["InstallError", "InstalledFiles", "SameContent", "PREVIOUS_SUFFIX", "install_files", "install_plan"]
