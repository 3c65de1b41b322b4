"""Run commands in parallel worker processes that a dying worker or a stopped coordinator
cannot leave behind.

:func:`run_all` starts each command in its own process group (``jobs`` at a time), sends its
standard error to a log file and returns, per command, the return code and the standard
output. A worker that dies (killed, out of memory, a crash) is one failed entry, never the
end of the batch. When the coordinator receives SIGTERM or SIGINT, every running worker's
process group is terminated (then killed after ``grace`` seconds) before the signal ends the
coordinator, and no new worker starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Finished:
    """One command's end: ``returncode`` (negative: the signal that killed it) and stdout."""

    index: int
    returncode: int
    stdout: str
    log: Path


class _Group:
    """The live worker processes and whether the batch was stopped."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.live: set[subprocess.Popen] = set()
        self.stopped = False

    def stop(self, grace: float) -> None:
        with self.lock:
            self.stopped = True
            live = list(self.live)
        for process in live:
            _signal_group(process, signal.SIGTERM)
        for process in live:
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def run_all(commands: Sequence[Sequence[str]], logs: Sequence[Path], jobs: int,
            on_finish: Callable[[Finished], None] | None = None, grace: float = 5.0) -> list[Finished]:
    """Run ``commands`` (``logs[i]`` receives the standard error of command ``i``), ``jobs``
    at a time; call ``on_finish`` as each ends; return the results in command order."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1; got {jobs}")
    group = _Group()

    def one(index: int) -> Finished:
        log = Path(logs[index])
        log.parent.mkdir(parents=True, exist_ok=True)
        with group.lock:
            if group.stopped:
                return Finished(index, -signal.SIGTERM, "", log)
            with open(log, "w", encoding="utf-8") as stream:
                process = subprocess.Popen(list(commands[index]), stdout=subprocess.PIPE, stderr=stream,
                                           stdin=subprocess.DEVNULL, text=True, start_new_session=True)
            group.live.add(process)
        try:
            stdout, _ = process.communicate()
        finally:
            with group.lock:
                group.live.discard(process)
        return Finished(index, process.returncode, stdout or "", log)

    previous = {}
    in_main = threading.current_thread() is threading.main_thread()

    def handler(signum, frame):
        group.stop(grace)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)

    if in_main:
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, handler)
    results: list[Finished | None] = [None] * len(commands)
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(one, i) for i in range(len(commands))]
        for future in as_completed(futures):
            finished = future.result()
            results[finished.index] = finished
            if on_finish is not None:
                on_finish(finished)
    finally:
        group.stop(grace)  # also on an exception in on_finish: no worker outlives the batch
        pool.shutdown(wait=True, cancel_futures=True)
        if in_main:
            for signum, before in previous.items():
                signal.signal(signum, before)
    return [r for r in results if r is not None]
