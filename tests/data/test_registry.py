"""The registry of raw files: generated from the mirror's manifest, validated, in sync."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from cityclusters.data.registry import build_registry, load_registry
from cityclusters.errors import RegistryError
from cityclusters.paths import default_mirror, registry_file

HEADER = "source\tcommit\tpath\tsha256\tbytes\torigin_url\n"
COMMIT = "a" * 40
GOOD = f"o__r\t{COMMIT}\tdata/x.csv\t{'b' * 64}\t12\thttps://raw.githubusercontent.com/o/r/{COMMIT}/data/x.csv\n"


def write(tmp_path, text):
    path = tmp_path / "MANIFEST.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_build_registry_from_good_manifest(tmp_path):
    table = build_registry(write(tmp_path, HEADER + GOOD))
    assert table.loc[0, "key"] == "o__r/data/x.csv"
    assert table.loc[0, "bytes"] == 12


@pytest.mark.parametrize(
    "row, column",
    [
        (GOOD.replace("b" * 64, "xyz"), "sha256"),
        (GOOD.replace(f"/{COMMIT}/", "/main/"), "origin_url"),
        (GOOD.replace("\t12\t", "\t-3\t"), "bytes"),
        (GOOD.replace(f"\t{COMMIT}\t", "\tmain\t"), "commit"),
    ],
)
def test_bad_manifest_row_is_named(tmp_path, row, column):
    with pytest.raises(RegistryError, match=rf"line 2, column {column}"):
        build_registry(write(tmp_path, HEADER + row))


def test_missing_manifest_column(tmp_path):
    with pytest.raises(RegistryError, match="missing column"):
        build_registry(write(tmp_path, "source\tpath\n"))


def test_committed_registry_is_well_formed():
    registry = load_registry()
    assert registry["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert registry["key"].is_unique
    for row in registry.itertuples():
        assert row.commit in row.origin_url and row.origin_url.endswith(row.path)
        assert re.match(r"https://raw\.githubusercontent\.com/", row.origin_url)


@pytest.mark.slow
@pytest.mark.skipif(not (default_mirror() / "MANIFEST.tsv").is_file(), reason="needs ../shared/data")
def test_committed_registry_matches_the_mirror_manifest():
    generated = build_registry(default_mirror() / "MANIFEST.tsv")
    committed = pd.read_csv(registry_file(), sep="\t", keep_default_na=False)
    pd.testing.assert_frame_equal(generated.reset_index(drop=True), committed, check_dtype=False)
