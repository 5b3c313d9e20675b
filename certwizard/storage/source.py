"""An open database file that is never changed: documents are read from it by offset.

certwizard replaces its database file, never edits it in place, so an open descriptor of a replaced file
keeps showing exactly the bytes it had. Holding it open also keeps its inode number from being reused, which
keeps the (device, inode, size, mtime) signature of a snapshot unique. The descriptor is closed when the
last table reading from it is gone.
"""

from __future__ import annotations

import errno
import os
import weakref
from pathlib import Path

_COPY_UNSUPPORTED = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF}


class Source:
    def __init__(self, fd: int, size: int, path: Path) -> None:
        self.fd = fd
        self.size = size
        self.path = path
        self._finalizer = weakref.finalize(self, os.close, fd)

    def read(self, offset: int, length: int) -> bytes:
        chunks = []
        while length > 0:
            chunk = os.pread(self.fd, length, offset)
            if not chunk:
                raise OSError(errno.EIO, f"the database file ended early (wanted {length} more bytes at "
                                         f"offset {offset})")
            chunks.append(chunk)
            offset += len(chunk)
            length -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def copy_to(self, out_fd: int, offset: int, length: int) -> None:
        """Append bytes [offset, offset+length) to `out_fd`, in the kernel when it can (no copy in memory)."""
        while length > 0:
            try:
                copied = os.copy_file_range(self.fd, out_fd, length, offset)
            except OSError as exc:
                if exc.errno not in _COPY_UNSUPPORTED:
                    raise
                copied = 0
            if copied == 0:     # not supported here (or end of file): copy through memory, in chunks
                chunk = self.read(offset, min(length, 1 << 20))
                _write_all(out_fd, chunk)
                copied = len(chunk)
            offset += copied
            length -= copied

    def close(self) -> None:
        self._finalizer()


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
