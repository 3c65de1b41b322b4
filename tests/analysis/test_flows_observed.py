"""Chapter 5's observed-flow analysis on simulated clusters with known gravity and border
coefficients; baseline averaging; the specification rule for one-city provinces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import flows as af


def test_baseline_pairs_average_over_days_and_fill_from_in_lists():
    day1, day2 = pd.Timestamp("2021-04-12"), pd.Timestamp("2021-04-13")
    base = {"source": "baidu_2021", "rank": 1}
    flows = pd.DataFrame([
        {**base, "date": day1, "direction": "out", "origin_code": 1, "destination_code": 2, "share": 0.4, "volume": 2.0},
        {**base, "date": day2, "direction": "out", "origin_code": 1, "destination_code": 2, "share": 0.2, "volume": 1.0},
        {**base, "date": day1, "direction": "in", "origin_code": 3, "destination_code": 1, "share": 0.1, "volume": 0.6},
        {**base, "date": day2, "direction": "in", "origin_code": 1, "destination_code": 2, "share": 0.5, "volume": 1.1}])
    pairs = af.baseline_pairs(flows).set_index(["origin", "destination"])
    assert pairs.loc[(1, 2), "share_out"] == pytest.approx(0.3)
    assert pairs.loc[(1, 2), "volume"] == pytest.approx(1.5)  # from the out-list
    assert pairs.loc[(1, 2), "listed"] == "both"
    # listed one day out of two by the in-list only: mean 0.3 (missing day = 0)
    assert pairs.loc[(3, 1), "volume"] == pytest.approx(0.3) and pairs.loc[(3, 1), "listed"] == "in"


def simulated(members: pd.DataFrame, beta: float, border: float, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = sorted(members["city_code"].unique())
    xy = {c: rng.uniform(0, 400, 2) for c in codes}
    province = members.drop_duplicates("city_code").set_index("city_code")["province_zh"]
    mass = {c: rng.uniform(0.5, 2.0) for c in codes}
    rows = []
    for a in codes:
        for b in codes:
            if a != b:
                km = float(np.hypot(*(xy[a] - xy[b]))) + 20
                cross = float(province[a] != province[b])
                mu = 50 * mass[a] * mass[b] * np.exp(beta * np.log(km) + border * cross)
                rows.append({"origin": a, "destination": b, "volume": mu * rng.lognormal(0, 0.05), "km": km,
                             "ln_km": np.log(km), "cross_province": cross,
                             "ln_pop_o": np.log(mass[a]), "ln_pop_d": np.log(mass[b])})
    return pd.DataFrame(rows)


def test_border_effect_and_distance_equivalent_recovered():
    """β = −1.5, δ = −0.9: the distance equivalent is exp(0.9/1.5) = 1.822."""
    members = pd.DataFrame({"cluster_id": "middle_yangtze", "city_code": range(1, 19),
                            "province_zh": ["湖北省"] * 6 + ["湖南省"] * 6 + ["江西省"] * 6})
    pairs = simulated(members, -1.5, -0.9)
    table = af.border_effects(pairs, members, ["middle_yangtze"]).iloc[0]
    assert table["specification"] == "fixed_effects"
    assert table["beta_ln_km"] == pytest.approx(-1.5, abs=0.05)
    assert table["border"] == pytest.approx(-0.9, abs=0.05)
    assert table["distance_equivalent"] == pytest.approx(np.exp(table["border"] / table["beta_ln_km"]))
    assert table["equivalent_low"] < np.exp(0.6) < table["equivalent_high"]
    assert table["verdict"].startswith("partly supported")


def test_one_city_provinces_switch_to_masses():
    """成渝: 重庆 is a one-city province, so its border dummy is the sum of its origin and
    destination dummies; the rule switches to population masses, which recover δ."""
    members = pd.DataFrame({"cluster_id": "chengyu", "city_code": range(1, 13),
                            "province_zh": ["重庆市"] + ["四川省"] * 11})
    assert af.border_specification(members, "chengyu") == "masses"
    pairs = simulated(members, -1.5, -0.9, seed=7)
    table = af.border_effects(pairs, members, ["chengyu"]).iloc[0]
    assert table["specification"] == "masses"
    assert table["border"] == pytest.approx(-0.9, abs=0.1)


def test_gravity_elasticity_recovers_beta():
    members = pd.DataFrame({"cluster_id": "x", "city_code": range(1, 26), "province_zh": ["p"] * 25})
    pairs = simulated(members, -2.0, 0.0, seed=11)
    out = af.gravity_elasticity(pairs)
    assert out["ci_low"] < -2.0 < out["ci_high"] and out["n_obs"] == 25 * 24


def as_time_matrix(pairs: pd.DataFrame, speed_kmh: float = 100.0) -> pd.DataFrame:
    """Travel times (hours) = km / speed from a simulated pair table."""
    return pairs.pivot(index="origin", columns="destination", values="km").fillna(0.0) / speed_kmh


def test_time_elasticity_recovers_beta_on_travel_times():
    """Times proportional to distance: the time elasticity equals the distance elasticity."""
    members = pd.DataFrame({"cluster_id": "x", "city_code": range(1, 21), "province_zh": ["p"] * 20})
    pairs = simulated(members, -1.4, 0.0, seed=3)
    out = af.time_elasticity(pairs, as_time_matrix(pairs), range(1, 21))
    assert out["beta"] == pytest.approx(-1.4, abs=0.03)
    assert out["ci_low"] < -1.4 < out["ci_high"]
    assert out["n_obs"] == 20 * 19 and out["n_unlisted"] == 0 and out["n_cities"] == 20


def test_time_elasticity_counts_unlisted_pairs_as_zero_and_refuses_bad_times():
    members = pd.DataFrame({"cluster_id": "x", "city_code": range(1, 13), "province_zh": ["p"] * 12})
    pairs = simulated(members, -1.0, 0.0, seed=4)
    times = as_time_matrix(pairs)
    dropped = pairs.iloc[5:]
    assert af.time_elasticity(dropped, times, range(1, 13))["n_unlisted"] == 5
    times.iloc[0, 1] = np.inf
    with pytest.raises(ValueError, match="finite and positive"):
        af.time_elasticity(pairs, times, range(1, 13))
