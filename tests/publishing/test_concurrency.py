"""Reruns under concurrency and interruption: a dying worker is one failed row of the batch,
a stopped batch leaves no worker behind, and two identical reruns never share a folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cityclusters.paths import repo_root
from cityclusters.publishing import rerun as rr
from cityclusters.publishing.folder_lock import FolderBusyError, folder_lock

PAIRS = [("03_development_gaps", "chengyu"), ("03_development_gaps", "yrd26"), ("03_development_gaps", "jingjinji")]


def fake_worker(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def ok_row(chapter: str, cluster: str) -> str:
    row = {"chapter": chapter, "cluster": cluster, "status": "ok", "seconds": 0.1, "error": "", "html": ""}
    return f"print({json.dumps(json.dumps(row))})"


def test_a_worker_that_dies_is_a_failed_row_and_the_batch_carries_on(tmp_path, monkeypatch):
    monkeypatch.setattr(rr, "all_requests", lambda *a, **k: PAIRS)

    def command(chapter, cluster, years, out_root, render):
        if cluster == "chengyu":  # killed, as by the out-of-memory killer
            return fake_worker("import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
        return fake_worker(ok_row(chapter, cluster))

    monkeypatch.setattr(rr, "worker_command", command)
    summary = rr.rerun_all(jobs=2, out_root=tmp_path, progress=False)
    assert summary["cluster"].tolist() == ["chengyu", "yrd26", "jingjinji"]
    assert summary["status"].tolist() == ["error", "ok", "ok"]
    assert "worker died (killed by signal 9)" in summary.loc[0, "error"]
    assert (tmp_path / "summary.md").read_text(encoding="utf-8").startswith("rerun-all: 3 runs, 2 ok")


COORDINATOR = textwrap.dedent("""
    import sys
    from cityclusters.publishing import rerun as rr
    folder = sys.argv[1]
    rr.all_requests = lambda *a, **k: [("03_development_gaps", c) for c in ("chengyu", "yrd26", "jingjinji")]
    sleeper = "import os, sys, time; open(sys.argv[1] + '/pid-%d' % os.getpid(), 'w').close(); time.sleep(120)"
    rr.worker_command = lambda ch, cl, years, out_root, render: [sys.executable, "-c", sleeper, folder]
    rr.rerun_all(jobs=2, out_root=folder + "/out", progress=False)
""")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_batch_leaves_no_worker_behind(tmp_path, signum):
    env = {**os.environ, "PYTHONPATH": str(repo_root() / "src")}
    coordinator = subprocess.Popen([sys.executable, "-c", COORDINATOR, str(tmp_path)], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while len(list(tmp_path.glob("pid-*"))) < 2 and time.time() < deadline:
        time.sleep(0.1)
    workers = [int(p.name.split("-")[1]) for p in tmp_path.glob("pid-*")]
    assert len(workers) == 2, "two workers should be running"
    coordinator.send_signal(signum)
    coordinator.wait(timeout=30)
    assert coordinator.returncode != 0
    time.sleep(0.5)
    alive = [pid for pid in workers if _alive(pid)]
    assert not alive, f"orphan workers {alive} after {signal.Signals(signum).name}"
    assert len(list(tmp_path.glob("pid-*"))) == 2, "no new worker starts once the batch is stopped"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def test_a_second_identical_rerun_stops_with_a_clear_message_and_touches_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr("cityclusters.publishing.runner.run_chapter", lambda *a, **k: pytest.fail("ran"))
    request = rr.validate_request("03_development_gaps", "chengyu")
    folder = tmp_path / request.tag
    (folder / "notebooks").mkdir(parents=True)
    sentinel = folder / "notebooks" / "03_development_gaps.ipynb"
    sentinel.write_text("the first rerun's notebook")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from cityclusters.publishing.folder_lock import folder_lock\n"
         "with folder_lock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(60)", str(folder)],
        env={**os.environ, "PYTHONPATH": str(repo_root() / "src")}, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(FolderBusyError, match=rf"{request.tag} is being written by process {holder.pid}"):
            rr.rerun("03_development_gaps", "chengyu", out_root=tmp_path, render=False)
        assert sentinel.read_text() == "the first rerun's notebook"
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_is_released_when_the_rerun_ends(tmp_path):
    folder = tmp_path / "03_development_gaps--chengyu--default"
    with folder_lock(folder):
        with pytest.raises(FolderBusyError):  # flock locks per open file: a second open waits its turn
            with folder_lock(folder):
                pass
    with folder_lock(folder):
        pass
