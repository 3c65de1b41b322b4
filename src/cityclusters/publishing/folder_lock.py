"""One writer per output folder: a lock file beside it, held while a rerun writes the folder.

Two identical ``make rerun`` requests write the same folder; without a lock both would delete
and rewrite it and leave a broken book. :func:`folder_lock` takes an exclusive ``flock`` on
``<parent>/.<folder>.lock`` (released by the kernel when the process ends, even when it is
killed); a second writer does not wait: it stops at once with a message naming the folder and
the process that holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from cityclusters.errors import CityClustersError


class FolderBusyError(CityClustersError):
    """Another process is writing the output folder."""


def lock_path(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.lock"


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[Path]:
    """Hold the lock of ``folder`` (its parent is created); raise :class:`FolderBusyError`
    when another process holds it."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(folder)
    handle = open(path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise FolderBusyError(
                f"{folder} is being written by {holder} (lock {path}); wait until that rerun "
                "ends, then run again, or give another --out-root.") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        yield path
    finally:
        handle.close()
