"""Shared fixtures. Tests marked ``slow`` need the real data mirror (../shared/data) or the
built book (``make book``); they run in CI, where ``make test`` builds the book first."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import pytest

from cityclusters.data.registry import REGISTRY_COLUMNS
from cityclusters.paths import mirror_dir, repo_root

REPO = repo_root()

#: The test files that take longest (``pytest --durations``, measured at stop 25: the
#: determinism check re-executes every chapter, the browser tests open every page, the rerun
#: tests execute chapters with other parameters), collected first: ``--dist loadfile`` hands
#: files to the workers in collection order, so the longest start first and the workers finish
#: together instead of one running the determinism check alone at the end. Order only.
LONGEST_FIRST = (
    "tests/publishing/test_determinism.py",
    "tests/book/test_browser.py",
    "tests/publishing/test_rerun.py",
    "tests/analysis/test_coordination.py",
    "tests/analysis/test_linkages.py",
    "tests/analysis/test_drivers.py",
    "tests/analysis/test_committee_did.py",
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under ``CITYCLUSTERS_STRICT_SKIPS=1`` (set by ``.ci/run``, which builds the book, the PDF,
    the student edition and installs every tool first) a skipped test fails: there a skip can
    only mean that a test lost what it checks (a test once skipped because another test had
    pointed the executed-chapters folder elsewhere)."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CITYCLUSTERS_STRICT_SKIPS") == "1" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped where CI builds everything a test needs: {reason}"


@pytest.hookimpl(tryfirst=True)  # before `-m` selects: a `book` test is always a slow one
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("book") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
    rank = {path: position for position, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def fake_mirror(tmp_path, monkeypatch):
    """A mirror with two small files, an empty cache, and a registry describing them."""
    mirror = tmp_path / "mirror"
    cache = tmp_path / "cache"
    files = {
        "owner__repo/data/a.csv": b"city,year,gdp\n\xe6\x88\x90\xe9\x83\xbd,2019,17012.65\n",
        "owner__repo/data/sub dir/b.txt": b"hello mirror\n",
    }
    rows = []
    for key, data in files.items():
        path = mirror / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        source, rel = key.split("/", 1)
        commit = "0" * 40
        rows.append({"key": key, "source": source, "commit": commit, "path": rel,
                     "sha256": sha256_bytes(data), "bytes": len(data),
                     # an origin nobody listens on: any download attempt fails fast
                     "origin_url": f"http://127.0.0.1:9/{commit}/{rel}"})
    registry = pd.DataFrame(rows, columns=REGISTRY_COLUMNS).set_index("key", drop=False)
    monkeypatch.setenv("CITYCLUSTERS_MIRROR", str(mirror))
    monkeypatch.setenv("CITYCLUSTERS_CACHE", str(cache))
    return {"mirror": mirror, "cache": cache, "registry": registry, "files": files}


def _real_mirror() -> Path | None:
    try:
        return mirror_dir()
    except FileNotFoundError:
        return None


requires_mirror = pytest.mark.skipif(_real_mirror() is None, reason="needs the data mirror ../shared/data")
