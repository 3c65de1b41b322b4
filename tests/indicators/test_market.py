"""Market segmentation: relative-price variance, relative-price volatility, border regression."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cityclusters.errors import MethodInputError
from cityclusters.indicators.market import (
    border_effect_regression,
    city_pairs,
    relative_price_variance,
    relative_price_volatility,
)

# ------------------------------------------------------------------ relative-price variance


@pytest.fixture
def toy_prices() -> pd.DataFrame:
    # chained indices (previous year = 100); 3 regions × 2 goods × 2 years
    rows = {
        (2001, "g1"): {"A": 110, "B": 100, "C": 100},
        (2001, "g2"): {"A": 100, "B": 100, "C": 120},
        (2002, "g1"): {"A": 100, "B": 105, "C": 100},
        (2002, "g2"): {"A": 100, "B": 100, "C": 100},
    }
    return pd.DataFrame([{"region": r, "good": g, "year": t, "index": v}
                         for (t, g), prices in rows.items() for r, v in prices.items()])


def test_relative_price_variance_by_hand(toy_prices):
    a, c, b = math.log(1.10), math.log(1.20), math.log(1.05)
    # 2001, good g1: ln(P/P₋₁) = (a, 0, 0) for A, B, C → |ΔQ| AB = a, AC = a, BC = 0;
    #   mean over the three pairs 2a/3 → q: AB = a/3, AC = a/3, BC = −2a/3
    # 2001, good g2: (0, 0, c) → |ΔQ| AB = 0, AC = c, BC = c; mean 2c/3
    #   → q: AB = −2c/3, AC = c/3, BC = c/3
    # variance across the two goods (ddof = 1): Var(x, y) = (x − y)²/2
    v01 = {("A", "B"): (a / 3 + 2 * c / 3) ** 2 / 2,
           ("A", "C"): (a / 3 - c / 3) ** 2 / 2,
           ("B", "C"): (-2 * a / 3 - c / 3) ** 2 / 2}
    # 2002, g1: (0, b, 0) → |ΔQ| AB = b, AC = 0, BC = b; mean 2b/3 → q: b/3, −2b/3, b/3
    #       g2: all 0 → q = 0
    v02 = {("A", "B"): (b / 3) ** 2 / 2, ("A", "C"): (2 * b / 3) ** 2 / 2,
           ("B", "C"): (b / 3) ** 2 / 2}
    pairs = relative_price_variance(toy_prices, level="pair")
    got = {(r.region_i, r.region_j, r.year): r.var_q for r in pairs.itertuples()}
    for year, expected in ((2001, v01), (2002, v02)):
        for (i, j), value in expected.items():
            assert got[(i, j, year)] == pytest.approx(value, rel=1e-12)
    assert (pairs["n_goods"] == 2).all()
    # regional index: mean over the pairs the region belongs to
    regional = relative_price_variance(toy_prices).set_index(["region", "year"])
    assert regional.loc[("A", 2001), "segmentation"] == pytest.approx(
        (v01[("A", "B")] + v01[("A", "C")]) / 2)
    assert regional.loc[("C", 2002), "segmentation"] == pytest.approx(
        (v02[("A", "C")] + v02[("B", "C")]) / 2)
    assert (regional["n_pairs"] == 2).all()


def test_relative_price_variance_with_given_pairs(toy_prices):
    both = relative_price_variance(toy_prices, pairs=[("A", "B"), ("B", "C")])
    assert set(both["region"]) == {"A", "B", "C"}
    assert both.set_index(["region", "year"]).loc[("B", 2001), "n_pairs"] == 2
    assert both.set_index(["region", "year"]).loc[("A", 2001), "n_pairs"] == 1


def test_relative_price_variance_bad_input(toy_prices):
    zero = toy_prices.copy()
    zero.loc[0, "index"] = 0
    with pytest.raises(MethodInputError, match="zero or negative.*logged"):
        relative_price_variance(zero)
    missing = toy_prices.copy()
    missing.loc[1, "index"] = np.nan
    with pytest.raises(MethodInputError, match="missing or infinite"):
        relative_price_variance(missing)
    with pytest.raises(MethodInputError, match="region 'D' named in a pair"):
        relative_price_variance(toy_prices, pairs=[("A", "D"), ("A", "B")])
    with pytest.raises(MethodInputError, match="listed twice"):
        relative_price_variance(toy_prices, pairs=[("A", "B"), ("B", "A")])
    with pytest.raises(MethodInputError, match="at least two pairs"):
        relative_price_variance(toy_prices, pairs=[("A", "B")])
    with pytest.raises(MethodInputError, match="grid is incomplete"):
        relative_price_variance(toy_prices.drop(index=3))
    with pytest.raises(MethodInputError, match="duplicated"):
        relative_price_variance(pd.concat([toy_prices, toy_prices.iloc[[0]]]))
    with pytest.raises(MethodInputError, match="level='city'"):
        relative_price_variance(toy_prices, level="city")


# ------------------------------------------------------------------ volatility


def test_relative_price_volatility_by_hand():
    # city i: P = 1, 1.1, 1.21, 1.21·1.05;  city j: P = 1, 1.05, 1.05, 1.05·1.1
    # r_t = ln(P_i/P_j) = 0, ln1.1 − ln1.05, 2 ln1.1 − ln1.05, ln1.1
    # Δr = (ln1.1 − ln1.05, ln1.1, ln1.05 − ln1.1)
    u, w = math.log(1.1), math.log(1.05)
    changes = np.array([u - w, u, w - u])
    mean = changes.mean()  # = u/3
    expected = math.sqrt(((changes - mean) ** 2).sum() / 2)  # sample sd, 3 changes
    data = pd.DataFrame({"city": ["i"] * 4 + ["j"] * 4, "year": [2000, 2001, 2002, 2003] * 2,
                         "deflator": [1, 1.1, 1.21, 1.21 * 1.05, 1, 1.05, 1.05, 1.05 * 1.1]})
    out = relative_price_volatility(data)
    assert out.loc[0, ["city_i", "city_j"]].tolist() == ["i", "j"]
    assert out.loc[0, "volatility"] == pytest.approx(expected, rel=1e-12)
    assert out.loc[0, "n_changes"] == 3
    # the order of the pair does not matter
    swapped = relative_price_volatility(data, pairs=[("j", "i")])
    assert swapped.loc[0, "volatility"] == pytest.approx(expected, rel=1e-12)


def test_relative_price_volatility_bad_input():
    data = pd.DataFrame({"city": ["i"] * 4 + ["j"] * 4, "year": [2000, 2001, 2002, 2003] * 2,
                         "deflator": [1, 1.1, 1.2, 1.3, 1, 1.05, 1.1, 1.2]})
    with pytest.raises(MethodInputError, match="zero or negative"):
        relative_price_volatility(data.assign(deflator=data["deflator"].where(data.index != 2, -1)))
    with pytest.raises(MethodInputError, match="missing or infinite value.*at 5"):
        relative_price_volatility(data.assign(deflator=data["deflator"].where(data.index != 5)))
    with pytest.raises(MethodInputError, match="city 'k' named in a pair are not in the price data"):
        relative_price_volatility(data, pairs=[("i", "k")])
    with pytest.raises(MethodInputError, match="gaps"):
        relative_price_volatility(data.drop(index=1))
    with pytest.raises(MethodInputError, match="fewer than 2 annual changes"):
        relative_price_volatility(data.loc[data["year"] <= 2001])


# ------------------------------------------------------------------ pairs and border


def test_city_pairs_distance_and_flags():
    cities = pd.DataFrame({
        "city_code": [3, 1, 2, 4], "province": ["P", "P", "Q", "Q"],
        "lon": [1.0, 0.0, 0.0, 10.0], "lat": [0.0, 0.0, 1.0, 10.0],
        "group": ["g1", "g1", "g1", "g2"],
    })
    pairs = city_pairs(cities)
    assert len(pairs) == 6 and (pairs["city_i"] < pairs["city_j"]).all()
    row = pairs.set_index(["city_i", "city_j"]).loc[(1, 3)]
    # one degree of longitude on the equator: 2πR/360 with R = 6371.0088 km
    assert row["distance_km"] == pytest.approx(2 * math.pi * 6371.0088 / 360, rel=1e-12)
    assert row["cross_province"] == 0
    assert pairs.set_index(["city_i", "city_j"]).loc[(1, 2), "cross_province"] == 1
    grouped = city_pairs(cities.loc[cities["group"] == "g1"], group="group")
    assert len(grouped) == 3 and (grouped["group"] == "g1").all()
    with pytest.raises(MethodInputError, match="group 'g2' has fewer than two cities"):
        city_pairs(cities, group="group")
    with pytest.raises(MethodInputError, match="missing column.*'lat'"):
        city_pairs(cities.drop(columns="lat"))


@pytest.fixture(scope="module")
def simulated_pairs():
    """40 cities in four provinces; V = 0.01 + 0.003 ln d + 0.004 B + city effects + noise."""
    rng = np.random.default_rng(11)
    n = 40
    cities = pd.DataFrame({"city_code": [f"C{i:02d}" for i in range(n)],
                           "lon": rng.uniform(110, 120, n), "lat": rng.uniform(28, 34, n)})
    cities["province"] = (np.where(cities["lon"] < 115, "W", "E")
                          + np.where(cities["lat"] < 31, "S", "N"))
    pairs = city_pairs(cities)
    effect = dict(zip(cities["city_code"], rng.normal(0, 0.002, n)))
    pairs["volatility"] = (0.01 + 0.003 * np.log(pairs["distance_km"])
                           + 0.004 * pairs["cross_province"]
                           + pairs["city_i"].map(effect) + pairs["city_j"].map(effect)
                           + rng.normal(0, 0.003, len(pairs)))
    return pairs


@pytest.mark.parametrize(("cluster", "fixed_effects"), [
    ("city", False), ("two_way", False),
    ("city", True), ("two_way", True), ("first_city", True), (None, True),
])
def test_border_coefficient_recovered(simulated_pairs, cluster, fixed_effects):
    result = border_effect_regression(simulated_pairs, cluster=cluster,
                                      pair_fixed_effects=fixed_effects)
    border = result.coefficient("cross_province")
    distance = result.coefficient("ln_distance")
    assert border["ci_low"] <= 0.004 <= border["ci_high"]
    assert distance["ci_low"] <= 0.003 <= distance["ci_high"]
    assert list(result.coefficients["term"]) == ["const", "ln_distance", "cross_province"]
    assert result.statistics["fixed_effects"] == (("city",) if fixed_effects else ())
    stats = result.statistics
    km = math.exp(border["estimate"] / distance["estimate"])
    assert stats["border_distance_km"] == pytest.approx(km)
    low, high = stats["border_distance_ci"]
    assert low < km < high
    # true equivalent exp(0.004/0.003) = 3.79 km lies inside the interval
    assert low < math.exp(4 / 3) < high


def test_dyadic_errors_wider_than_robust_without_city_effects(simulated_pairs):
    # The city effects make the errors of pairs that share a city correlated. Without the
    # city dummies, HC1 and one-way clustering on city_i ignore that and understate the
    # uncertainty: in this draw their 95 % intervals for the border miss the true 0.004,
    # while the dyadic-robust interval (wider) covers it (see the test above).
    dyadic = border_effect_regression(simulated_pairs, cluster="city")
    for cluster in (None, "first_city"):
        naive = border_effect_regression(simulated_pairs, cluster=cluster)
        assert (naive.coefficient("cross_province")["std_error"]
                < dyadic.coefficient("cross_province")["std_error"])
        assert naive.coefficient("cross_province")["ci_low"] > 0.004


def test_border_distance_delta_method(simulated_pairs):
    result = border_effect_regression(simulated_pairs, cluster="city")
    b = result.coefficient("ln_distance")["estimate"]
    g = result.coefficient("cross_province")["estimate"]
    v = result.covariance.loc[["cross_province", "ln_distance"], ["cross_province", "ln_distance"]]
    grad = np.array([1 / b, -g / b ** 2])
    se_ratio = math.sqrt(grad @ v.to_numpy() @ grad)
    assert result.statistics["border_distance_se"] == pytest.approx(math.exp(g / b) * se_ratio)
    assert result.statistics["n_clusters"] == 40
    assert result.statistics["cov_type"].startswith("dyadic")


def test_border_distance_undefined_when_distance_slope_not_positive(simulated_pairs):
    flipped = simulated_pairs.assign(volatility=-simulated_pairs["volatility"])
    result = border_effect_regression(flipped)
    assert result.statistics["border_distance_km"] is None
    assert "≤ 0" in result.statistics["border_distance_note"]


def test_border_regression_bad_input(simulated_pairs):
    bad = simulated_pairs.copy()
    bad.loc[2, "volatility"] = np.nan
    with pytest.raises(MethodInputError, match="'volatility'.*dropna=True"):
        border_effect_regression(bad)
    assert border_effect_regression(bad, dropna=True).statistics["n_dropped"] == 1
    with pytest.raises(MethodInputError, match="zero or negative.*ln\\(distance\\)"):
        border_effect_regression(simulated_pairs.assign(distance_km=0.0))
    with pytest.raises(MethodInputError, match="must be 0/1"):
        border_effect_regression(simulated_pairs.assign(cross_province=2))
    with pytest.raises(MethodInputError, match="cluster='province'"):
        border_effect_regression(simulated_pairs, cluster="province")
    with pytest.raises(MethodInputError, match="missing column.*'tariff'"):
        border_effect_regression(simulated_pairs, controls=["tariff"])
    with pytest.raises(MethodInputError, match="constant"):
        border_effect_regression(simulated_pairs.assign(cross_province=1))


def test_border_distance_is_not_computed_when_the_distance_slope_is_almost_zero():
    import numpy as np
    import pandas as pd

    from cityclusters.indicators.market import border_effect_regression

    rng = np.random.default_rng(3)
    n = 60
    pairs = pd.DataFrame({
        "city_i": [f"a{k % 12}" for k in range(n)], "city_j": [f"b{k % 10}" for k in range(n)],
        "distance_km": np.exp(rng.uniform(3, 6, n)), "cross_province": rng.integers(0, 2, n),
    })
    # volatility = 1 + 1e-6·ln d + 0.5·border: γ/β ≈ 5e5, far beyond exp's range
    pairs["volatility"] = 1 + 1e-6 * np.log(pairs["distance_km"]) + 0.5 * pairs["cross_province"]
    pairs["volatility"] += rng.normal(0, 1e-9, n)
    result = border_effect_regression(pairs, cluster=None)
    assert result.statistics["border_distance_km"] is None
    assert "too close to zero" in result.statistics["border_distance_note"]
