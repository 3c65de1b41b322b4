"""The execution-cache fingerprint changes exactly when a chapter's inputs change."""

from __future__ import annotations

import pandas as pd
import pytest

from cityclusters.data.cache_key import cache_key, input_files


def make_tree(root):
    (root / "src/cityclusters").mkdir(parents=True)
    (root / "src/cityclusters/tables.py").write_text("A = 1\n")
    (root / "data/facts").mkdir(parents=True)
    (root / "data/facts/events.csv").write_text("id,date\n1,2015-12-26\n")
    (root / "data/registry.tsv").write_text("key\tsha256\nx\tabc\n")
    (root / "requirements.txt").write_text("pandas==3.1.1\n")
    (root / "pyproject.toml").write_text("[project]\nname='x'\n")


def test_key_follows_package_data_and_facts(tmp_path):
    make_tree(tmp_path)
    first = cache_key(tmp_path)
    assert cache_key(tmp_path) == first  # deterministic
    (tmp_path / "src/cityclusters/__pycache__").mkdir()
    (tmp_path / "src/cityclusters/__pycache__/tables.cpython-311.pyc").write_bytes(b"\x00")
    (tmp_path / "notes.md").write_text("not an input")
    assert cache_key(tmp_path) == first  # compiled files and other files do not count
    for relative, text in [("src/cityclusters/tables.py", "A = 2\n"),
                           ("data/facts/events.csv", "id,date\n1,2015-12-27\n"),
                           ("data/registry.tsv", "key\tsha256\nx\tabd\n"),
                           ("requirements.txt", "pandas==3.1.2\n")]:
        before = cache_key(tmp_path)
        (tmp_path / relative).write_text(text)
        assert cache_key(tmp_path) != before, relative


def test_renaming_a_file_changes_the_key(tmp_path):
    make_tree(tmp_path)
    before = cache_key(tmp_path)
    (tmp_path / "src/cityclusters/tables.py").rename(tmp_path / "src/cityclusters/tables2.py")
    assert cache_key(tmp_path) != before
    assert "tables2.py" in [p.name for p in input_files(tmp_path)]


def test_table_key_covers_the_table_builders_but_not_chapter_modules():
    from cityclusters.data.cache_key import module_closure

    names = {p.relative_to(p.parents[1]).as_posix() for p in module_closure("cityclusters.data.tables")}
    assert {"data/tables.py", "data/schemas.py", "sources/gp.py", "sources/crosswalk.py"} <= names
    assert not any(n.startswith(("analysis/", "indicators/", "figures/", "publishing/")) for n in names)


def test_store_reuses_rebuilds_and_can_be_bypassed(tmp_path, monkeypatch):
    import pandas as pd

    from cityclusters.data import store

    monkeypatch.setenv("CITYCLUSTERS_PROCESSED", str(tmp_path))
    monkeypatch.delenv("CITYCLUSTERS_NO_CACHE", raising=False)
    calls = []

    def build():
        calls.append(1)
        return pd.DataFrame({"city": ["成都"], "gdp": pd.array([17012.65], dtype="Float64")})

    monkeypatch.setattr(store, "_key", lambda *args: "k1")
    first = store.cached_frame("demo", build)
    again = store.cached_frame("demo", build)
    assert len(calls) == 1 and again.equals(first) and str(again["gdp"].dtype) == "Float64"
    (tmp_path / "demo-k1.pkl").write_bytes(b"truncated")  # a damaged file is rebuilt
    with pytest.warns(UserWarning, match=r"demo-k1\.pkl: SHA-256 .* does not match"):
        store.cached_frame("demo", build)
    assert len(calls) == 2
    monkeypatch.setattr(store, "_key", lambda *args: "k2")  # new inputs: new file, old one removed
    store.cached_frame("demo", build)
    assert len(calls) == 3 and sorted(p.name for p in tmp_path.glob("demo-*")) == [
        "demo-k2.pkl", "demo-k2.sha256", "demo-k2.sources.json"]
    monkeypatch.setenv("CITYCLUSTERS_NO_CACHE", "1")
    store.cached_frame("demo", build)
    assert len(calls) == 4


def test_store_remembers_the_raw_files_a_table_was_built_from(tmp_path, monkeypatch):
    from cityclusters.data import provenance, store

    monkeypatch.setenv("CITYCLUSTERS_PROCESSED", str(tmp_path))
    monkeypatch.delenv("CITYCLUSTERS_NO_CACHE", raising=False)
    monkeypatch.setattr(store, "_key", lambda *args: "k1")
    monkeypatch.setattr(provenance, "_USED", set())

    def build():
        provenance.record("owner__repo/data/a.csv")
        return pd.DataFrame({"x": [1]})

    store.cached_frame("demo", build)
    assert provenance.used() == ["owner__repo/data/a.csv"]
    monkeypatch.setattr(provenance, "_USED", set())  # a new process reading the stored table
    store.cached_frame("demo", lambda: pytest.fail("should be read from the store"))
    assert provenance.used() == ["owner__repo/data/a.csv"]
    with provenance.capture() as outer:
        with provenance.capture() as inner:
            provenance.record("b")
        provenance.record("c")
    assert inner == {"b"} and outer == {"b", "c"}


def test_a_tampered_table_is_never_read_back(tmp_path, monkeypatch):
    """A pickle replaced by another valid pickle (other numbers, or code that would run on
    load) under the same name: its SHA-256 differs, so it is not unpickled but rebuilt."""
    import pickle

    import pandas as pd

    from cityclusters.data import store

    monkeypatch.setenv("CITYCLUSTERS_PROCESSED", str(tmp_path))
    monkeypatch.delenv("CITYCLUSTERS_NO_CACHE", raising=False)
    monkeypatch.setattr(store, "_key", lambda *args: "k1")
    build = lambda: pd.DataFrame({"city": ["成都"], "population": [1658.10]})  # noqa: E731
    store.cached_frame("demo", build)
    assert (tmp_path / "demo-k1.sha256").read_text().split()[1] == "demo-k1.pkl"
    marker = tmp_path / "pwned"
    tampered = pd.DataFrame({"city": ["成都"], "population": [1758.10]})
    (tmp_path / "demo-k1.pkl").write_bytes(pickle.dumps(tampered))
    with pytest.warns(UserWarning, match="does not match the stored"):
        again = store.cached_frame("demo", build)
    assert again["population"].tolist() == [1658.10]

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    (tmp_path / "demo-k1.pkl").write_bytes(pickle.dumps(Payload()))
    with pytest.warns(UserWarning, match="does not match the stored"):
        store.cached_frame("demo", build)
    assert not marker.exists(), "a tampered pickle was unpickled"
    (tmp_path / "demo-k1.sha256").unlink()  # a table without its checksum is not trusted either
    with pytest.warns(UserWarning, match="stored none"):
        store.cached_frame("demo", build)


def test_a_table_remembered_in_memory_still_lists_its_raw_files(tmp_path, monkeypatch):
    """Issue 17's order dependence: a table built earlier in the same process and then read
    from memory must record the raw files behind it again, or a chapter that reads it lists
    none of them."""
    from cityclusters.data import provenance

    built = []

    @provenance.remembered
    def table(year):
        built.append(year)
        provenance.record(f"owner__repo/{year}.csv")
        return year * 2

    with provenance.capture() as first:
        assert table(2019) == 4038
    with provenance.capture() as second:
        assert table(2019) == 4038
    assert first == second == {"owner__repo/2019.csv"} and built == [2019]
    table.cache_clear()
    table(2019)
    assert built == [2019, 2019]
