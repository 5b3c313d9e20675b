"""Run CPU-heavy work in a helper process, so the terminal UI stays responsive.

`cryptography`'s RSA key generation and Pillow's image decoders keep Python's GIL for most of their run
(measured: a thread generating RSA-4096 keys slowed the UI thread to 13% of its speed; checking a 490 KB
image, to 12%). In a thread worker, a 20 ms repaint then takes 150 ms. A separate process runs in parallel.

One helper (`python -m certwizard.system.isolation`) is started on first use and reused; calls are one at a time.
Requests and results are pickles over its stdin/stdout pipes (a key's passphrase included: a local pipe,
nothing written or logged on the way). The helper's own stdout and stderr point to /dev/null, so nothing it
loads can write into the terminal the UI draws, or into the pipe. multiprocessing is not used: under
Textual, sys.stderr has no real file descriptor, which its resource tracker cannot start with.

If no helper can be started here, the work runs in the calling thread (slower to the eye, never wrong). If the
helper dies while working (killed, out of memory on a hostile image), the call fails with HelperDiedError and
the next call starts a new helper: the work is not retried in this process, where it could do the same.
"""

from __future__ import annotations

import atexit
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Any, TypeVar

T = TypeVar("T")
_HEADER = struct.Struct("!Q")


class HelperDiedError(RuntimeError):
    def __init__(self) -> None:
        super().__init__("the helper process doing this work stopped unexpectedly (killed, or out of memory); "
                         "nothing was kept. Try again; if it happens again, check the file or free some memory")


def _send(stream: IO[bytes], value: object) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    size = _HEADER.unpack(header)[0]
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError
    return pickle.loads(payload)  # noqa: S301 - our own helper, over our own pipe


class _Helper:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "certwizard.system.isolation"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, close_fds=True)

    def call(self, function: Callable[..., T], args: tuple, kwargs: dict) -> T:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            _send(self.process.stdin, (function, args, kwargs))
            ok, value = _receive(self.process.stdout)
        except (EOFError, BrokenPipeError, OSError):
            self.stop()
            raise HelperDiedError() from None
        if ok:
            return value
        raise value

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


_lock = threading.Lock()
_helper: _Helper | None = None


def run_isolated(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """`function(*args, **kwargs)` in the helper process (a module-level function; picklable arguments).

    Exceptions raised there are raised here. Blocks the calling thread (a worker), never the event loop."""
    global _helper
    with _lock:
        if _helper is None or _helper.process.poll() is not None:
            try:
                _helper = _Helper()
            except OSError:                   # no processes here (a sandbox): do the work in this thread
                _helper = None
        helper = _helper
        if helper is None:
            return function(*args, **kwargs)
        try:
            return helper.call(function, args, kwargs)
        except HelperDiedError:
            _helper = None
            raise


def shutdown() -> None:
    global _helper
    with _lock:
        helper, _helper = _helper, None
    if helper is not None:
        helper.stop()


atexit.register(shutdown)


def _serve() -> None:
    """The helper's loop: read a request, run it, send (ok, result or exception); until stdin closes."""
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):                       # whatever the work prints goes nowhere
        os.dup2(devnull, fd)
    while True:
        try:
            function, args, kwargs = _receive(requests)
        except EOFError:
            return
        try:
            reply: tuple[bool, object] = (True, function(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the caller
            reply = (False, exc)
        try:
            _send(replies, reply)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            _send(replies, (False, RuntimeError(f"the helper's answer could not be sent back: {exc}")))


if __name__ == "__main__":
    _serve()
