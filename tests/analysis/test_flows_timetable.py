"""The timetable as ground truth: fastest direct times, the network's error and its
leave-one-cluster-out recalibration on a small network with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import flows as af
from cityclusters.analysis import linkages
from cityclusters.data.sources import rail
from cityclusters.errors import SourceFormatError
from cityclusters.indicators.linkages import fastest_direct_times


def test_parse_timetable_rejects_time_going_backwards_and_bad_clock():
    route = [{"arrival": "-", "departure": "09:00", "city": "北京"}, {"arrival": "08:30", "departure": "-", "city": "天津"}]
    with pytest.raises(SourceFormatError, match=r"train G1, stop 2 \(天津\), field 'arrival'"):
        rail.parse_timetable({"G1": {"service": "高速动车", "route": route}}, "t.json")
    route[1]["arrival"] = "9h30"
    with pytest.raises(SourceFormatError, match=r"train G1, stop 2, field 'arrival': '9h30'"):
        rail.parse_timetable({"G1": {"service": "高速动车", "route": route}}, "t.json")


def test_fastest_direct_times_over_days_and_directions():
    """A night train arriving at 30:10 (06:10 next day) from a 22:00 departure takes 8 h 10; the
    reverse direction's faster train wins for the unordered pair."""
    stops = pd.DataFrame({"train": ["Z1", "Z1", "G2", "G2"], "stop": [1, 2, 1, 2], "city_code": [10, 20, 20, 10],
                          "arrival_min": [np.nan, 30 * 60 + 10, np.nan, 600.0], "departure_min": [22 * 60, np.nan, 300.0, np.nan]})
    out = fastest_direct_times(stops)
    assert out[["a", "b", "minutes", "train", "n_trains"]].values.tolist() == [[10, 20, 300.0, "G2", 2]]


def toy_network():
    """Four cities on a line 100 km apart (east along the equator ≈ 111 km per degree), one
    high-speed line A–B–C and a conventional line C–D."""
    coords = pd.DataFrame({"lon": [100.0, 101.0, 102.0, 103.0], "lat": [0.0] * 4, "name_zh": list("ABCD")},
                          index=pd.Index([1, 2, 3, 4], name="city_code"))
    edges = pd.DataFrame({"code_a": [1, 2, 3], "code_b": [2, 3, 4], "design_speed_kmh": [300.0, 300.0, 200.0],
                          "open_year": [2010, 2010, 2000], "is_hsr": [True, True, False]})
    return {"edges": edges, "coords": coords}


def test_model_times_with_equal_factors_reproduce_the_chapter_network():
    net = toy_network()
    pairs = pd.DataFrame({"a": [1, 1, 3], "b": [2, 4, 4]})
    matrix = linkages.travel_time_matrix(net["edges"], net["coords"], 2020)
    expected = [matrix.at[a, b] for a, b in zip(pairs["a"], pairs["b"])]
    assert af.model_times(net, pairs).tolist() == pytest.approx(expected)
    # halving the conventional factor doubles the C–D time: t = c·d / (f·v)
    slow = af.model_times(net, pairs, other_factor=linkages.SPEED_FACTOR / 2)
    assert slow.iloc[2] == pytest.approx(2 * expected[2])


def test_recalibration_recovers_known_speed_factors_out_of_sample():
    """Timetable = the network run at 0.6 of design speed on every line: the speed-factor fit on
    the other clusters' pairs recovers (0.6, 0.6) and the held-out error vanishes; the model at
    0.8 overstates speed by 0.8/0.6 − 1 = 33 %, i.e. its times are 25 % too short."""
    net = toy_network()
    pairs = pd.DataFrame([(a, b) for a in range(1, 5) for b in range(a + 1, 5)], columns=["a", "b"])
    pairs["hours"] = af.model_times(net, pairs, hsr_factor=0.6, other_factor=0.6).to_numpy()
    members = pd.DataFrame({"cluster_id": ["jingjinji"] * 2 + ["middle_yangtze"] * 2, "city_code": [1, 2, 3, 4]})
    _, summary = af.recalibrate(net, pairs, members, grid=(0.6, 0.8, 1.0), max_km=1000)
    before = summary[(summary["version"] == "before")].set_index("cluster_id")
    after = summary[(summary["version"] == "speed_factors")].set_index("cluster_id")
    assert before.loc["jingjinji", "bias"] == pytest.approx(0.6 / 0.8 - 1)
    assert after["median_abs_pct"].max() == pytest.approx(0.0, abs=1e-12)
    assert set(after["fitted"]) == {"HSR 0.60, other 0.60 of design speed"}
    multiplicative = summary[(summary["version"] == "multiplicative")].set_index("cluster_id")
    assert multiplicative["bias"].abs().max() == pytest.approx(0.0, abs=1e-9)


def test_error_summary_by_hand():
    s = af.error_summary(pd.Series(np.log([1.5, 0.5])))
    assert s["bias"] == pytest.approx(np.sqrt(0.75) - 1)
    assert s["median_abs_pct"] == pytest.approx(0.5)
