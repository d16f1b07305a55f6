"""An exclusive lock on a file, waited for a while: one writer of an index or a mirror at once."""

from __future__ import annotations

import errno
import time
from typing import IO, Any

try:
    import fcntl
except ImportError:  # not on this platform: callers go on without the lock
    fcntl = None  # type: ignore[assignment]

AVAILABLE = fcntl is not None


def wait_for_lock(handle: IO[Any], timeout: float) -> bool:
    """Take an exclusive lock on the open file `handle`, waiting up to `timeout` seconds; False
    if another process still holds it then. Other errors are raised."""
    assert fcntl is not None
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)


def release(handle: IO[Any]) -> None:
    assert fcntl is not None
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
