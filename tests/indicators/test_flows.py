"""Observed-flow measures by hand: internal share, radiation by distance band, centrality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.errors import MethodInputError
from cityclusters.indicators.flows import flow_centrality, internal_share, radiation_by_band

SHARES = pd.DataFrame({"origin": [1, 1, 1, 2, 2, 3], "destination": [2, 3, 9, 1, 9, 9],
                       "share": [0.2, 0.1, 0.6, 0.5, 0.4, 0.9]})


def test_internal_share_weighted_and_unweighted_by_hand():
    # city 1 keeps 0.3 inside {1, 2, 3}, city 2 keeps 0.5, city 3 keeps 0
    assert internal_share(SHARES, [1, 2, 3]) == pytest.approx(0.8 / 3)
    w = pd.Series({1: 2.0, 2: 1.0, 3: 1.0})
    assert internal_share(SHARES, [1, 2, 3], w) == pytest.approx((2 * 0.3 + 0.5) / 4)
    with pytest.raises(MethodInputError, match=r"\[7\]"):
        internal_share(SHARES, [1, 7])


def test_radiation_bands_are_half_open():
    distance = pd.Series({2: 100.0, 3: 99.9, 9: 400.0})
    table = radiation_by_band(SHARES, 1, [1, 2, 3], distance, (0, 100, 200, np.inf))
    assert table["to_members"].tolist() == pytest.approx([0.1, 0.2, 0.0])
    assert table["to_all"].tolist() == pytest.approx([0.1, 0.2, 0.6])
    assert table["n_members"].tolist() == [1, 1, 0]
    assert table["band"].tolist() == ["0–100 km", "100–200 km", "≥ 200 km"]


def test_centrality_shares_sum_to_one():
    volumes = SHARES.rename(columns={"share": "volume"})
    table = flow_centrality(volumes, [1, 2, 3]).set_index("city_code")
    # internal flows: 1→2 0.2, 1→3 0.1, 2→1 0.5; total 0.8
    assert table.loc[1, "out_degree"] == pytest.approx(0.3) and table.loc[1, "in_degree"] == pytest.approx(0.5)
    assert table["share"].sum() == pytest.approx(1.0)
    assert table.loc[3, "share"] == pytest.approx(0.1 / 1.6)
