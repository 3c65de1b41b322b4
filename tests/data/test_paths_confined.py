"""No manifest or registry row can make the data step read or write outside ``data/raw``."""

from __future__ import annotations

import pandas as pd
import pytest

from cityclusters.data.fetch import fetch
from cityclusters.data.registry import build_registry, load_registry
from cityclusters.errors import DataFetchError, RegistryError
from tests.conftest import sha256_bytes
from tests.data.test_registry import COMMIT, GOOD, HEADER, write


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (GOOD.replace("data/x.csv", "../../x.csv"), "path"),
        (GOOD.replace("data/x.csv", "data/../../../tmp/x.csv"), "path"),
        (GOOD.replace("data/x.csv", "/tmp/x.csv"), "path"),
        (GOOD.replace("o__r\t", "..\t", 1), "source"),
        (GOOD.replace("o__r\t", "o__r/../..\t", 1), "source"),
    ],
)
def test_a_manifest_path_leading_out_of_data_raw_is_refused(tmp_path, row, column):
    """`make registry` with a ../ path (or an absolute one) names the line and column."""
    with pytest.raises(RegistryError, match=rf"line 2, column {column}: .*(outside data/raw|absolute|'/')"):
        build_registry(write(tmp_path, HEADER + row))


def test_a_hand_edited_registry_with_a_dotdot_key_is_refused(tmp_path):
    row = {"key": "o__r/../../evil.csv", "source": "o__r", "commit": COMMIT, "path": "../../evil.csv",
           "sha256": "b" * 64, "bytes": 3, "origin_url": f"https://x/{COMMIT}/../../evil.csv"}
    path = tmp_path / "registry.tsv"
    pd.DataFrame([row]).to_csv(path, sep="\t", index=False)
    with pytest.raises(RegistryError, match=r"line 2, column key: 'o__r/\.\./\.\./evil\.csv'"):
        load_registry(path)


def test_the_data_step_never_writes_outside_its_cache(fake_mirror, tmp_path):
    """Even with a registry built by hand (not through build_registry), fetch refuses a key
    that leads out of the cache, before copying anything."""
    data = b"x\n"
    key = "owner__repo/../../escaped.csv"
    (fake_mirror["mirror"] / "escaped.csv").write_bytes(data)
    registry = pd.DataFrame([{"key": key, "source": "owner__repo", "commit": "0" * 40, "path": "../../escaped.csv",
                              "sha256": sha256_bytes(data), "bytes": len(data),
                              "origin_url": "http://127.0.0.1:9/escaped.csv"}]).set_index("key", drop=False)
    with pytest.raises(DataFetchError, match=r"outside the cache"):
        fetch(key, registry)
    assert not (tmp_path / "escaped.csv").exists()  # where cache/owner__repo/../../ points
