"""Primacy indices and rank–size fits against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.errors import MethodInputError
from cityclusters.indicators.hierarchy import primacy_indices, rank_size_fit
from cityclusters.models.results import RegressionResult


def cities(values) -> pd.Series:
    return pd.Series(values, index=[f"city{i}" for i in range(len(values))], dtype=float)


# ----------------------------------------------------------------------------- primacy
def test_primacy_hand_computed_four_cities():
    # S2 = 100/50 = 2; S4 = 100/(50+30+20) = 1; S11 needs 11 cities
    result = primacy_indices(cities([30, 100, 20, 50]))
    assert result.s2 == pytest.approx(2.0)
    assert result.s4 == pytest.approx(1.0)
    assert result.s11 is None
    assert "11" in result.not_computed["s11"]
    assert result.primate_city == "city1"
    assert result.n_cities == 4
    assert list(result.ranked_sizes) == [100, 50, 30, 20]


def test_primacy_eleven_cities_hand_computed():
    sizes = cities([100, 50, 30, 20, 10, 10, 10, 10, 10, 5, 5, 1])
    result = primacy_indices(sizes)
    # S11 = 2·100 / (50+30+20+10·5+5+5) = 200/160; the 12th city does not enter
    assert result.s11 == pytest.approx(200 / 160)
    assert result.s4 == pytest.approx(1.0)
    assert result.not_computed == {}
    assert result.to_series().to_dict() == pytest.approx({"s2": 2.0, "s4": 1.0, "s11": 1.25})


def test_primacy_zipf_reference_values():
    result = primacy_indices(cities(1000 / np.arange(1, 12)))
    assert result.s2 == pytest.approx(2.0)
    assert result.s4 == pytest.approx(12 / 13)  # 1/(1/2+1/3+1/4)
    harmonic_11 = sum(1 / r for r in range(1, 12))
    assert result.s11 == pytest.approx(2 / (harmonic_11 - 1))


def test_primacy_two_cities_gives_none_not_nan():
    result = primacy_indices(cities([300, 100]))
    assert result.s2 == pytest.approx(3.0)
    assert result.s4 is None and result.s11 is None
    assert set(result.not_computed) == {"s4", "s11"}
    assert result.to_series().isna().sum() == 2 and result.to_series().dtype == object


@pytest.mark.parametrize("bad, match", [
    ([100.0], "at least 2"),
    ([100.0, np.nan, 20.0], "missing"),
    ([100.0, 0.0, 20.0], "zero or negative"),
    ([100.0, -5.0, 20.0], "zero or negative"),
])
def test_primacy_bad_input(bad, match):
    with pytest.raises(MethodInputError, match=match):
        primacy_indices(cities(bad))


def test_primacy_duplicated_city_refused():
    with pytest.raises(MethodInputError, match="duplicated"):
        primacy_indices(pd.Series([3.0, 2.0, 1.0], index=["a", "a", "b"]))


# ----------------------------------------------------------------------------- rank-size
def test_exact_zipf_gives_q_one():
    result = rank_size_fit(cities(1000 / np.arange(1, 31)))
    assert isinstance(result, RegressionResult)
    q = result.coefficient("q")
    assert q["estimate"] == pytest.approx(1.0, abs=1e-12)
    assert q["std_error"] == pytest.approx(0.0, abs=1e-12)
    assert result.coefficient("ln_P1")["estimate"] == pytest.approx(np.log(1000))
    assert result.statistics["r2"] == pytest.approx(1.0)
    assert result.statistics["n_obs"] == 30


def test_power_13_gives_q_13_and_order_does_not_matter():
    sizes = cities(1000 / np.arange(1, 21) ** 1.3).sample(frac=1, random_state=3)
    result = rank_size_fit(sizes)
    assert result.coefficient("q")["estimate"] == pytest.approx(1.3, abs=1e-12)
    assert result.statistics["r2"] == pytest.approx(1.0)


def test_ols_matches_numpy_polyfit_on_noisy_sizes():
    rng = np.random.default_rng(7)
    sizes = cities(np.sort(rng.lognormal(5, 1, size=25))[::-1])
    result = rank_size_fit(sizes)
    slope, intercept = np.polyfit(np.log(np.arange(1, 26)), np.log(sizes.to_numpy()), 1)
    q = result.coefficient("q")
    assert q["estimate"] == pytest.approx(-slope)
    # the interval is symmetric about q with the t(n-2) critical value
    from scipy import stats
    crit = stats.t(23).ppf(0.975)
    assert q["ci_high"] - q["estimate"] == pytest.approx(crit * q["std_error"])


def test_selection_by_min_size_and_top():
    sizes = cities(1000 / np.arange(1, 21))
    assert rank_size_fit(sizes, min_size=100).statistics["n_obs"] == 10
    assert rank_size_fit(sizes, top=5).statistics["n_obs"] == 5
    assert rank_size_fit(sizes, min_size=100, top=4).statistics["size_min"] == pytest.approx(250)


def test_gabaix_ibragimov_standard_error_formula():
    rng = np.random.default_rng(11)
    sizes = cities(rng.pareto(1.2, size=40) + 1)
    result = rank_size_fit(sizes, method="gabaix_ibragimov")
    ordered = np.sort(sizes.to_numpy())[::-1]
    slope, _ = np.polyfit(np.log(ordered), np.log(np.arange(1, 41) - 0.5), 1)
    zeta = result.coefficient("zeta")
    assert zeta["estimate"] == pytest.approx(-slope)
    assert zeta["std_error"] == pytest.approx(abs(slope) * np.sqrt(2 / 40))
    assert zeta["ci_low"] == pytest.approx(-slope - 1.959963984540054 * abs(slope) * np.sqrt(2 / 40))
    assert result.statistics["q_equivalent"] == pytest.approx(1 / -slope)
    assert list(result.coefficients["term"]) == ["zeta"]


@pytest.mark.parametrize("kwargs, match", [
    ({"method": "mle"}, "not valid"),
    ({"top": 2}, "at least 3"),
    ({"min_size": 0}, "positive"),
    ({"min_size": "big"}, "positive"),
    ({"min_size": 600}, "at least 3"),
    ({"level": 1.5}, "between 0 and 1"),
])
def test_rank_size_bad_options(kwargs, match):
    with pytest.raises(MethodInputError, match=match):
        rank_size_fit(cities(1000 / np.arange(1, 11)), **kwargs)


@pytest.mark.parametrize("bad, match", [
    ([10.0, 5.0], "at least 3"),
    ([10.0, 5.0, np.nan, 2.0], "missing"),
    ([10.0, 5.0, 0.0, 2.0], "zero or negative"),
])
def test_rank_size_bad_sizes(bad, match):
    with pytest.raises(MethodInputError, match=match):
        rank_size_fit(cities(bad))


def test_gabaix_ibragimov_refuses_equal_sizes():
    with pytest.raises(MethodInputError, match="same size"):
        rank_size_fit(cities([5.0, 5.0, 5.0, 5.0]), method="gabaix_ibragimov")
