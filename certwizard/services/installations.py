"""Installations: places an issued certificate is written to in place and kept up to date on renewal.

`add_installation` records one on the order and installs to it at once; `install_order` writes the order's
current certificate (and its key, matched against the certificate before anything is written) to each of its
installations (`export/installing.py`: atomic per file, `.prev` kept, never through a link, complete or
nothing per installation), then runs each distinct reload command once, only if some file of an
installation using it changed. What happened is recorded on each `Installation` (serial, when, files, reload
result, problem) and returned as an `InstallReport`; renewal calls `install_order` on the renewed order. A
reload that failed runs again at the next `install_order`, changed files or not.

The reload contract: the command line is split like a shell would (shlex) but run without one, in its own
process group, with stdin closed, in /, with `CERTWIZARD_ORDER` (the order id) and `CERTWIZARD_DIRECTORIES`
(the folders of the installations that changed or wait for a reload, one a line) added to the environment.
It has `reload_timeout` seconds; then its whole group is killed. Its exit status and the last ~2 KB of its
output (stdout and stderr, made printable) are recorded. A .pfx password is read from the installation's password file each time (it is never
stored); an encrypted key needs its passphrase, which a run from cron does not have.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from certwizard.domain.models import Installation, Order, ReloadResult
from certwizard.domain.status import OrderStatus
from certwizard.domain.text import printable
from certwizard.errors import CertwizardError
from certwizard.export.errors import ExportError
from certwizard.system.securefs import read_secret_line

if TYPE_CHECKING:
    from certwizard.export.installing import InstalledFiles
    from certwizard.services.workflow import Workflow

RELOAD_TIMEOUT = 60.0
MAX_RELOAD_OUTPUT = 2048          # characters of a reload's output kept (its end: where the error is)
_KILLED_GRACE = 5.0               # after the kill, how long its output may still take to close


class InstallationError(CertwizardError):
    """An installation cannot be added or written as asked; the message says what to do."""


class KeyPassphraseNeededError(InstallationError):
    """The order's key is encrypted and no passphrase was given: a person is needed."""

    def __init__(self, order_id: str, how: str = "") -> None:
        how = how or ("installing it needs its passphrase, which an unattended run (renew from cron) cannot "
                      f"type: a person is needed (certwizard install {order_id} --again --passphrase-file FILE)")
        super().__init__(f"the private key of {order_id} is encrypted; {how}")
        self.order_id = order_id


@dataclass
class InstallationOutcome:
    """What happened to one installation in one `install_order`."""

    installation: Installation
    files: list[str] = field(default_factory=list)       # every file of the layout, as paths
    changed: list[str] = field(default_factory=list)     # the names written (new or different)
    problem: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class InstallReport:
    """`ok`: every installation written and every reload that ran succeeded. `changed`: some file changed.
    `lines`: one human line per installation and per reload run. `problems`: one line per failure."""

    order_id: str
    outcomes: list[InstallationOutcome] = field(default_factory=list)
    reloads: list[ReloadResult] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    note: str = ""                       # add_installation: how to configure the server with the files

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> bool:
        return any(outcome.changed for outcome in self.outcomes)


# --- adding -------------------------------------------------------------------------------------------------

def add_installation(workflow: Workflow, order_id: str, server: str, directory: str, reload: str = "",
                     password_file: str = "", passphrase: bytes | None = None) -> InstallReport:
    """Record an installation of `order_id` and install to it at once.

    Refused (InstallationError/ExportError, nothing recorded or written) for an unknown server, an unusable
    reload command or password file, a folder the order is already installed in, or a first install that
    fails; a reload that fails after the files are in place is reported and the installation kept.
    """
    from certwizard.export.servers import server_layout
    from certwizard.export.writing import absolute_folder, refuse_symlinks

    layout = server_layout(server)
    folder = str(absolute_folder(directory))
    refuse_symlinks(Path(folder))
    checked_reload_command(reload)
    password_file = str(Path(password_file).expanduser().absolute()) if password_file else ""
    order = workflow.order(order_id)
    if layout.pkcs12 and not password_file:
        raise InstallationError(f"{layout.label} takes a password-protected .pfx; give the file that holds its "
                                "password (first line; keep it 0600): it is read at every install and never "
                                "stored")
    same_place = next((i for i in order.installations if i.directory == folder and i.server == layout.name), None)
    if same_place is not None:
        raise InstallationError(f"{order.id} is already installed for {layout.name} in {printable(folder)} "
                                f"({same_place.id}); to write it again: certwizard install {order.id} --again")
    other = _other_order_in(workflow, order, folder)
    if other is not None:
        raise InstallationError(f"{other} is already installed in {printable(folder)}: two certificates in one "
                                "folder overwrite each other's files (and a renewal of one breaks the other); "
                                "choose a folder of its own for this one; nothing was written")
    installation = Installation(server=layout.name, directory=folder, reload=reload.strip(),
                                password_file=password_file)
    plan = _plan(order, installation, _checked_passphrase(order, passphrase))   # refused here: nothing recorded

    def record(current: Order) -> Order:
        current.installations.append(installation)
        return current
    workflow.repository.update_order(order.id, record)
    report = install_order(workflow, order.id, passphrase=passphrase, installations=[installation.id])
    outcome = report.outcomes[0]
    if outcome.problem:
        remove_installation(workflow, order.id, installation.id)
        raise InstallationError(f"{outcome.problem} (the installation was not recorded)")
    report.note = plan.layout.note(Path(folder), plan.basename, plan.material)
    return report


def remove_installation(workflow: Workflow, order_id: str, installation_id: str) -> Order:
    """Forget an installation (its files stay where they are)."""
    def forget(current: Order) -> Order:
        current.installations = [i for i in current.installations if i.id != installation_id]
        return current
    return workflow.repository.update_order(order_id, forget)


def _other_order_in(workflow: Workflow, order: Order, folder: str) -> str | None:
    """Another order still in use (not renewed or revoked) with an installation in `folder`, by id."""
    for summary in workflow.summaries():
        if summary.installations and summary.id != order.id and summary.status in (
                OrderStatus.ISSUED, OrderStatus.EXPIRED) and summary.id != order.renewal_of:
            if any(place.directory == folder for place in workflow.order(summary.id).installations):
                return summary.id
    return None


def checked_reload_command(command: str) -> list[str]:
    """The reload command's argv ([] for none); InstallationError for one that cannot be run as given."""
    if not command:
        return []
    shown = printable(command)
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise InstallationError(f"the reload command {shown!r} cannot be read ({exc}); quote it as a shell "
                                "would, for example --reload \"systemctl reload nginx\"") from None
    if not argv or not argv[0]:
        raise InstallationError("the reload command is empty; give the command that makes the server read its "
                                "files again, for example --reload \"systemctl reload nginx\", or leave --reload "
                                "out")
    if shutil.which(argv[0]) is None:
        raise InstallationError(f"the reload command {printable(argv[0])!r} is not an executable program here "
                                "(it is run without a shell, so no shell built-ins, pipes or variables); give "
                                "its full path, for example /usr/bin/systemctl")
    return argv


# --- installing ---------------------------------------------------------------------------------------------

def install_order(workflow: Workflow, order_id: str, *, passphrase: bytes | None = None,
                  installations: Iterable[str] | None = None,
                  reload_timeout: float = RELOAD_TIMEOUT) -> InstallReport:
    """Write the order's current certificate to its installations (all, or those whose ids are given), then
    run each distinct reload command once where a file changed; record and return what happened.

    Refused before anything is written (InstallationError/ExportError, the problem also recorded on each
    installation): no certificate, an encrypted key without `passphrase` (KeyPassphraseNeededError), a key
    that does not belong to the certificate. Per-installation failures are in the report, not raised.
    """
    order = workflow.order(order_id)
    wanted = None if installations is None else set(installations)
    chosen = [i for i in order.installations if wanted is None or i.id in wanted]
    report = InstallReport(order.id)
    if not chosen:
        report.lines.append(f"{order.id}: no installations")
        return report
    try:
        key_passphrase = _checked_passphrase(order, passphrase)
    except CertwizardError as exc:
        _record(workflow, order.id, [InstallationOutcome(i, problem=str(exc)) for i in chosen], {}, None)
        raise
    _mark_reloads_pending(workflow, order.id, [i.id for i in chosen if i.reload])
    for installation in chosen:
        report.outcomes.append(_install_one(order, installation, key_passphrase))
    results = _run_reloads(order.id, report.outcomes, reload_timeout)
    _record(workflow, order.id, report.outcomes, results, order.certificate.serial if order.certificate else "")
    _describe(report, results)
    return report


def _checked_passphrase(order: Order, passphrase: bytes | None) -> bytes | None:
    """The passphrase to open the key with, once the key is known to belong to the certificate."""
    from certwizard.services.issued import KeyState, check_stored_key

    if order.certificate is None:
        raise InstallationError(f"{order.id} has no certificate yet (it is {order.status.label.lower()}); "
                                "install it once the certificate has been issued")
    if order.status is OrderStatus.RENEWED:
        raise InstallationError(f"{order.id} was renewed by {order.renewed_by or 'another order'}: install that "
                                "one (certwizard install " + (order.renewed_by or "ORDER") + " ...); nothing was "
                                "written")
    if order.status not in (OrderStatus.ISSUED, OrderStatus.EXPIRED):
        raise InstallationError(f"{order.id} is {order.status.label.lower()}: a server must not be given this "
                                "certificate; renew or buy a new one and install that; nothing was written")
    check = check_stored_key(order, passphrase)
    if check.state is KeyState.RECORD_MATCHES:      # encrypted, and no passphrase to open it with
        raise KeyPassphraseNeededError(order.id)
    if not check.usable:
        raise InstallationError(f"{order.id} cannot be installed: {check.detail} Nothing was written.")
    return passphrase if check.encrypted else None


def _plan(order: Order, installation: Installation, passphrase: bytes | None):
    from certwizard.export.bundle import plan_order

    return plan_order(order, installation.server, key_passphrase=passphrase,
                      pkcs12_password=_pfx_password(installation) if installation.password_file else None)


def _pfx_password(installation: Installation) -> bytes:
    shown = printable(installation.password_file)
    try:
        password = read_secret_line(installation.password_file)
    except OSError as exc:
        raise InstallationError(f"the .pfx password file {shown} cannot be read ({exc.strerror or exc}); put the "
                                "password on the first line of that file (mode 0600)") from None
    if not password:
        raise InstallationError(f"the .pfx password file {shown} is empty; write the password on its first line")
    return password


def _install_one(order: Order, installation: Installation, passphrase: bytes | None) -> InstallationOutcome:
    from certwizard.export.installing import install_plan

    try:
        installed: InstalledFiles = install_plan(_plan(order, installation, passphrase), installation.directory)
    except (ExportError, InstallationError) as exc:
        return InstallationOutcome(installation, problem=str(exc))
    return InstallationOutcome(installation, files=[str(installed.folder / name) for name in installed.files],
                               changed=installed.changed, warnings=installed.warnings)


def _record(workflow: Workflow, order_id: str, outcomes: list[InstallationOutcome],
            reloads: dict[str, ReloadResult], serial: str | None) -> None:
    """Each installation's new state, in one atomic change of the order."""
    from certwizard.domain.models import HistoryEntry, utcnow

    now = utcnow()
    by_id = {outcome.installation.id: outcome for outcome in outcomes}

    def record(current: Order) -> Order:
        for installation in current.installations:
            outcome = by_id.get(installation.id)
            if outcome is None:
                continue        # not part of this run (or added meanwhile)
            installation.problem = outcome.problem
            # Reloaded (its result is recorded), or nothing to reload: the next run needs only the result.
            installation.reload_pending = bool(outcome.problem) and outcome.installation.reload_pending
            if serial is not None and not outcome.problem:
                installation.serial = serial
                installation.installed_at = now
                installation.files = outcome.files
            if installation.reload in reloads:
                installation.reload_result = reloads[installation.reload]
                if not reloads[installation.reload].ok and not installation.problem:
                    installation.problem = _reload_problem(reloads[installation.reload])
        changed = [o for o in outcomes if o.changed]
        failed = [o for o in outcomes if o.problem]
        if changed or failed:
            detail = "; ".join([*(f"{o.installation.server} in {o.installation.directory}" for o in changed),
                                *(f"failed: {o.problem}" for o in failed)])
            current.history.append(HistoryEntry(status=current.status, at=now,
                                                event="installed" if not failed else "installation failed",
                                                detail=detail))
        return current
    workflow.repository.update_order(order_id, record)


# --- reloading ----------------------------------------------------------------------------------------------

def _mark_reloads_pending(workflow: Workflow, order_id: str, installation_ids: list[str]) -> None:
    """Before any file is replaced: a run killed after the swap and before the reload leaves this mark, and
    the next run reloads even though the files are then up to date."""
    if not installation_ids:
        return
    wanted = set(installation_ids)

    def mark(current: Order) -> Order:
        for installation in current.installations:
            if installation.id in wanted:
                installation.reload_pending = True
        return current
    workflow.repository.update_order(order_id, mark)


def _run_reloads(order_id: str, outcomes: list[InstallationOutcome], timeout: float) -> dict[str, ReloadResult]:
    """Each distinct reload command once (first-seen order), if a file of an installation using it changed,
    or if it failed last time (the server may still serve the old files: a later run tries again)."""
    folders: dict[str, list[str]] = {}
    for outcome in outcomes:
        installation = outcome.installation
        failed_before = installation.reload_result is not None and not installation.reload_result.ok
        owed = failed_before or installation.reload_pending     # a run was killed before its reload ran
        if installation.reload and not outcome.problem and (outcome.changed or owed):
            folders.setdefault(installation.reload, []).append(installation.directory)
    return {command: run_reload(command, timeout, {"CERTWIZARD_ORDER": order_id,
                                                   "CERTWIZARD_DIRECTORIES": "\n".join(dirs)})
            for command, dirs in folders.items()}


def run_reload(command: str, timeout: float = RELOAD_TIMEOUT, extra_env: dict[str, str] | None = None) -> ReloadResult:
    """Run a reload command as the module docstring says; never raises for the command's own failure."""
    try:
        argv = checked_reload_command(command)
    except InstallationError as exc:
        return ReloadResult(command=command, exit_status=None, output=str(exc))
    try:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, cwd="/", start_new_session=True,
                                   env={**os.environ, **(extra_env or {})})
    except OSError as exc:
        return ReloadResult(command=command, exit_status=None,
                            output=f"could not start: {printable(exc.strerror or str(exc))}")
    tail = _OutputTail(process)
    try:
        status: int | None = process.wait(timeout=timeout)
        note = ""
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.wait()
        status = None
        note = f"\n[certwizard: still running after {timeout:g} s; its process group was killed]"
    tail.finish()
    return ReloadResult(command=command, exit_status=status, output=(tail.text() + note)[-MAX_RELOAD_OUTPUT:])


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


class _OutputTail:
    """Reads a process's output in a thread, keeping only its end (a chatty command cannot fill memory)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._kept = bytearray()
        self._stream = process.stdout
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._stream is not None
        while chunk := os.read(self._stream.fileno(), 65536):
            self._kept += chunk
            del self._kept[:-4 * MAX_RELOAD_OUTPUT]

    def finish(self) -> None:
        # A child that left the group (or daemonized) may hold the pipe open: do not wait for it forever.
        self._thread.join(_KILLED_GRACE)
        if not self._thread.is_alive() and self._stream is not None:
            self._stream.close()

    def text(self) -> str:
        return printable(bytes(self._kept).decode("utf-8", "replace"), allow_newlines=True).strip()


def _reload_problem(result: ReloadResult) -> str:
    if result.exit_status is None:
        why = (result.output.splitlines() or ["it did not finish"])[-1]
        return f"the reload command {printable(result.command)!r} did not complete: {why}"
    return (f"the reload command {printable(result.command)!r} exited with status {result.exit_status}: "
            f"{_last_line(result.output) or 'no output'}; the new files are in place, so fix the server and "
            "reload it by hand")


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _describe(report: InstallReport, reloads: dict[str, ReloadResult]) -> None:
    for outcome in report.outcomes:
        where = f"{outcome.installation.server} in {printable(outcome.installation.directory)}"
        if outcome.problem:
            report.lines.append(f"{report.order_id}: {where}: FAILED: {outcome.problem}")
            report.problems.append(f"{report.order_id}: {where}: {outcome.problem}")
        elif outcome.changed:
            report.lines.append(f"{report.order_id}: {where}: wrote {', '.join(outcome.changed)}")
        else:
            report.lines.append(f"{report.order_id}: {where}: up to date, nothing written")
        report.lines.extend(f"{report.order_id}: warning: {warning}" for warning in outcome.warnings)
    for result in reloads.values():
        report.reloads.append(result)
        if result.ok:
            report.lines.append(f"{report.order_id}: reloaded: {printable(result.command)} (exit 0)")
        else:
            problem = _reload_problem(result)
            report.lines.append(f"{report.order_id}: reload FAILED: {problem}")
            report.problems.append(f"{report.order_id}: {problem}")


__all__ = ["InstallationError", "KeyPassphraseNeededError", "InstallReport", "InstallationOutcome",
           "add_installation", "remove_installation", "install_order", "checked_reload_command", "run_reload",
           "RELOAD_TIMEOUT", "MAX_RELOAD_OUTPUT"]
