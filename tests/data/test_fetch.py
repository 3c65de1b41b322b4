"""The data step: mirror copies are verified, corrupted or missing files are refused."""

from __future__ import annotations

import shutil

import pytest

from cityclusters.data.fetch import fetch, fetch_all, sha256_of
from cityclusters.errors import DataFetchError
from cityclusters.paths import mirror_dir
from tests.conftest import requires_mirror


def test_mirror_copy_enters_the_cache_verified(fake_mirror):
    key = "owner__repo/data/sub dir/b.txt"
    path = fetch(key, fake_mirror["registry"])
    assert path == fake_mirror["cache"] / key
    assert path.read_bytes() == fake_mirror["files"][key]


def test_corrupted_mirror_copy_is_refused(fake_mirror):
    key = "owner__repo/data/a.csv"
    (fake_mirror["mirror"] / key).write_bytes(b"city,year,gdp\nTAMPERED\n")
    expected = fake_mirror["registry"].loc[key, "sha256"]
    with pytest.raises(DataFetchError) as info:
        fetch(key, fake_mirror["registry"])
    message = str(info.value)
    assert key in message and expected in message and "mismatch" in message
    assert "replace it" in message
    assert not (fake_mirror["cache"] / key).exists(), "a refused file must not enter the cache"


def test_file_missing_from_mirror_is_named(fake_mirror):
    key = "owner__repo/data/a.csv"
    (fake_mirror["mirror"] / key).unlink()
    with pytest.raises(DataFetchError, match="missing from the mirror") as info:
        fetch(key, fake_mirror["registry"])
    assert fake_mirror["registry"].loc[key, "sha256"] in str(info.value)


def test_corrupted_cache_copy_is_replaced_from_the_mirror(fake_mirror):
    key = "owner__repo/data/a.csv"
    path = fetch(key, fake_mirror["registry"])
    path.write_bytes(b"edited by hand")
    again = fetch(key, fake_mirror["registry"])
    assert again.read_bytes() == fake_mirror["files"][key]


def test_unreachable_origin_without_mirror(fake_mirror, monkeypatch):
    monkeypatch.delenv("CITYCLUSTERS_MIRROR")
    monkeypatch.setattr("cityclusters.data.fetch.mirror_dir", lambda: None)
    key = "owner__repo/data/a.csv"
    with pytest.raises(DataFetchError, match="could not be obtained from the origin") as info:
        fetch(key, fake_mirror["registry"])
    assert "CITYCLUSTERS_MIRROR" in str(info.value)


def test_unknown_key(fake_mirror):
    with pytest.raises(DataFetchError, match="not in the registry"):
        fetch("owner__repo/data/nope.csv", fake_mirror["registry"])


def test_mirror_variable_must_point_to_a_directory(fake_mirror, monkeypatch, tmp_path):
    monkeypatch.setenv("CITYCLUSTERS_MIRROR", str(tmp_path / "does-not-exist"))
    with pytest.raises(FileNotFoundError, match="CITYCLUSTERS_MIRROR"):
        fetch("owner__repo/data/a.csv", fake_mirror["registry"])


def test_fetch_all_reports_each_file(fake_mirror):
    lines = []
    paths = fetch_all(report=lines.append, registry=fake_mirror["registry"])
    assert len(paths) == 2 and len(lines) == 3
    assert all(sha256_of(p) == fake_mirror["registry"].loc[k, "sha256"] for k, p in paths.items())


@pytest.mark.slow
@requires_mirror
def test_corrupted_copy_of_a_real_file_is_refused(tmp_path, monkeypatch):
    key = "leiii__census/README.md"
    source = mirror_dir() / key
    bad_mirror = tmp_path / "mirror"
    (bad_mirror / key).parent.mkdir(parents=True)
    data = bytearray(source.read_bytes())
    data[10] ^= 0xFF  # flip one byte
    (bad_mirror / key).write_bytes(bytes(data))
    monkeypatch.setenv("CITYCLUSTERS_MIRROR", str(bad_mirror))
    monkeypatch.setenv("CITYCLUSTERS_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DataFetchError, match="SHA-256 mismatch"):
        fetch(key)
    # the genuine mirror passes
    shutil.copyfile(source, bad_mirror / key)
    assert fetch(key).read_bytes() == source.read_bytes()
