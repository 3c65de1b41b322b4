"""Shared fixtures. Tests marked ``slow`` need the real data mirror (../shared/data) or the
built book (``make book``); they run in CI, where ``make test`` builds the book first."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from cityclusters.data.registry import REGISTRY_COLUMNS
from cityclusters.paths import mirror_dir, repo_root

REPO = repo_root()


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
