"""Run a program under a pseudo-terminal, as a user's terminal (or sshd) would, and watch what it writes.

The harness is a silent terminal of a fixed size: it answers no queries (like `script`), reads everything the
program writes (a program blocks if nobody reads), and can type keys. Screen content is matched on the output
with escape sequences removed, so a match means the text has actually been written to the terminal.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Iterable, Sequence

from benchmarks.common import TERMINAL_SIZE

_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]"                 # CSI: colours, cursor moves, modes
                      rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"       # OSC: titles, links
                      rb"|\x1b[P^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]"      # DCS/PM/APC, two-byte escapes
                      rb"|\x1b[()][0-9A-Za-z]|\x1b[78=>]")

KEYS = {"enter": b"\r", "down": b"\x1b[B", "up": b"\x1b[A", "home": b"\x1b[H", "escape": b"\x1b",
        "backspace": b"\x7f", "tab": b"\t"}


class Timeout(Exception):
    pass


def plain_text(raw: bytes) -> str:
    """What the output says, without colours and cursor moves (text of different lines may run together)."""
    return _ESCAPES.sub(b"", raw).decode("utf-8", errors="replace")


class PtyApp:
    """One program under a pty. `started_at` is the perf_counter just before the fork."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], size: tuple[int, int] = TERMINAL_SIZE,
                 cwd: str | None = None) -> None:
        self.argv = [str(a) for a in argv]
        self.env = env
        self.size = size
        self.cwd = cwd
        self.pid = 0
        self.fd = -1
        self.started_at = 0.0
        self.output = bytearray()          # everything written since the last `mark()`
        self.total_bytes = 0
        self.last_byte_at = 0.0

    def start(self) -> PtyApp:
        columns, rows = self.size
        self.started_at = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:   # child: size the terminal before the program can ask, then become the program
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
                if self.cwd:
                    os.chdir(self.cwd)
                os.execve(self.argv[0], self.argv, self.env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        return self

    # --- reading ---------------------------------------------------------------------------------------

    def _read_once(self, timeout: float) -> int:
        """Read what is there (waiting at most `timeout`); returns the byte count, -1 at end of output."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return 0
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:     # EIO: the program closed the terminal (exited)
            return -1
        if not chunk:
            return -1
        self.last_byte_at = time.perf_counter()
        self.output += chunk
        self.total_bytes += len(chunk)
        return len(chunk)

    def mark(self) -> None:
        """Forget the output so far (the next `read_until`/`wait_quiet` looks at new output only)."""
        self.output = bytearray()

    def read_until(self, markers: Iterable[Iterable[str]], timeout: float) -> float:
        """Read until every group of `markers` has one of its strings on screen; returns the time it happened.

        `markers` is a list of groups, e.g. [["Unissued"], ["Issued", "Draft"]]: "Unissued" and either status.
        """
        groups = [list(group) for group in markers]
        deadline = time.perf_counter() + timeout
        checked = 0
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise Timeout(f"{self.argv[-1]}: no {groups} within {timeout:g} s; last output: "
                              f"{plain_text(bytes(self.output[-600:]))!r}")
            got = self._read_once(min(remaining, 0.5))
            if got < 0:
                raise Timeout(f"{self.argv}: exited before showing {groups}; output: "
                              f"{plain_text(bytes(self.output[-1500:]))!r}")
            if got and len(self.output) != checked:
                checked = len(self.output)
                text = plain_text(bytes(self.output))
                if all(any(marker in text for marker in group) for group in groups):
                    return self.last_byte_at

    def wait_quiet(self, quiet: float, limit: float = 10.0) -> int:
        """Read until nothing was written for `quiet` seconds; returns the bytes read meanwhile."""
        start_total = self.total_bytes
        deadline = time.perf_counter() + limit
        silent_since = time.perf_counter()
        while True:
            now = time.perf_counter()
            if now - silent_since >= quiet:
                return self.total_bytes - start_total
            if now >= deadline:
                raise Timeout(f"{self.argv[-1]}: still writing after {limit:g} s")
            got = self._read_once(min(quiet - (now - silent_since), deadline - now))
            if got < 0:
                return self.total_bytes - start_total
            if got:
                silent_since = time.perf_counter()

    def read_for(self, seconds: float) -> int:
        """Read for a fixed time; returns the bytes read."""
        start_total = self.total_bytes
        deadline = time.perf_counter() + seconds
        while (remaining := deadline - time.perf_counter()) > 0:
            if self._read_once(remaining) < 0:
                break
        return self.total_bytes - start_total

    def wait_idle_cpu(self, idle: float = 0.5, limit: float = 60.0) -> None:
        """Keep reading until the program used (almost) no CPU for `idle` seconds (background work done)."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            before = self.cpu_seconds()
            self.read_for(idle)
            if self.cpu_seconds() - before < 0.02 * idle:
                return
        raise Timeout(f"{self.argv[-1]}: still busy after {limit:g} s")

    # --- typing ----------------------------------------------------------------------------------------

    def type(self, keys: str | bytes) -> float:
        """Send keys (a KEYS name, literal text or bytes); returns the perf_counter just before sending."""
        data = KEYS.get(keys, keys) if isinstance(keys, str) else keys
        if isinstance(data, str):
            data = data.encode()
        sent_at = time.perf_counter()
        os.write(self.fd, data)
        return sent_at

    # --- the process -----------------------------------------------------------------------------------

    def _proc(self, name: str) -> str:
        with open(f"/proc/{self.pid}/{name}") as file:
            return file.read()

    def peak_rss_mib(self) -> float:
        """The process's peak resident memory so far (VmHWM), in MiB."""
        for line in self._proc("status").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc status")

    def cpu_seconds(self) -> float:
        fields = self._proc("stat").rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks     # utime + stime

    def kill(self) -> None:
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            while self._read_once(0.05) > 0:     # let the kernel finish; nothing is left blocked on us
                pass
            os.waitpid(self.pid, 0)
            self.pid = 0
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> PtyApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()
