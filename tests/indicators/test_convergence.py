"""Tests of cityclusters.indicators.convergence: exact recovery of β from noiseless data,
delta-method standard errors against numeric derivatives, a simulated fixed-effects panel,
hand-computed σ, the divergence flag, and refusal of bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cityclusters.errors import MethodInputError
from cityclusters.indicators.convergence import (
    beta_convergence,
    convergence_speed,
    panel_beta_convergence,
    sigma_convergence,
    sigma_trend,
    newey_west_lags,
)
from cityclusters.models.results import COEFFICIENT_COLUMNS, RegressionResult

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def two_year_panel(start_values, end_values, start=2000, end=2010) -> pd.DataFrame:
    n = len(start_values)
    return pd.DataFrame({
        "city_code": list(range(1, n + 1)) * 2,
        "year": [start] * n + [end] * n,
        "gdp_pc": list(start_values) + list(end_values),
    })


def exact_cross_section(intercept: float, slope: float, horizon: int) -> pd.DataFrame:
    """y_end = y_start^(1 + bT) · e^(aT): growth (ln y_end − ln y_start)/T = a + b ln y_start."""
    start_values = np.array([1000.0, 2000.0, 4000.0, 8000.0, 16000.0])
    end_values = start_values ** (1 + slope * horizon) * np.exp(intercept * horizon)
    return two_year_panel(start_values, end_values, 2000, 2000 + horizon)


def simulated_panel(rng, n_units=60, n_years=21, slope=-0.05, noise=0.01) -> pd.DataFrame:
    """ln y_it = ln y_i,t−1 + α_i + γ_t + b ln y_i,t−1 + ε_it.

    Units start far from their steady states (α_i / −b) relative to the noise, so that the
    Nickell bias of the within estimator is small compared with its standard error."""
    alpha = rng.normal(0.2, 0.05, n_units)
    gamma = rng.normal(0.0, 0.02, n_years)
    logs = np.empty((n_units, n_years))
    logs[:, 0] = alpha / -slope + rng.normal(0.0, 1.0, n_units)
    for t in range(1, n_years):
        logs[:, t] = (logs[:, t - 1] + alpha + gamma[t] + slope * logs[:, t - 1]
                      + rng.normal(0.0, noise, n_units))
    return pd.DataFrame({
        "city_code": np.repeat(np.arange(100, 100 + n_units), n_years),
        "year": np.tile(np.arange(2000, 2000 + n_years), n_units),
        "gdp_pc": np.exp(logs.ravel()),
    })


# ---------------------------------------------------------------------------------------------
# absolute β
# ---------------------------------------------------------------------------------------------


def test_beta_recovered_exactly_from_noiseless_data():
    # a = 0.3, b = -0.02, T = 10: growth_i = 0.3 - 0.02 ln y_i,2000 exactly
    # λ = -ln(1 + bT)/T = -ln(1 - 0.2)/10 = -ln(0.8)/10 = 0.0223144 per year
    # half-life = ln 2 / λ = 0.6931472 / 0.0223144 = 31.0628 years
    result = beta_convergence(exact_cross_section(0.3, -0.02, 10), "gdp_pc", 2000, 2010)
    assert isinstance(result, RegressionResult)
    assert list(result.coefficients.columns) == COEFFICIENT_COLUMNS
    assert result.coefficients["term"].tolist() == ["const", "log_initial"]
    stats = result.statistics
    assert stats["b"] == pytest.approx(-0.02, abs=1e-10)
    assert result.coefficient("const")["estimate"] == pytest.approx(0.3, abs=1e-9)
    assert stats["speed"] == pytest.approx(-math.log(0.8) / 10, abs=1e-10)
    assert stats["speed"] == pytest.approx(0.022314355131420972, abs=1e-10)
    assert stats["half_life"] == pytest.approx(31.062837195053902, abs=1e-6)
    assert stats["converging"] is True
    assert stats["n_obs"] == 5 and stats["n_units"] == 5 and stats["horizon"] == 10
    assert stats["cov_type"] == "HC1" and stats["fixed_effects"] == ()
    assert stats["r2"] == pytest.approx(1.0)


def test_delta_method_standard_errors_match_numeric_derivatives():
    rng = np.random.default_rng(2024)
    start_values = np.exp(rng.normal(9.0, 0.6, 40))
    horizon = 12
    growth = 0.25 - 0.02 * np.log(start_values) + rng.normal(0.0, 0.004, 40)
    panel = two_year_panel(start_values, start_values * np.exp(growth * horizon), 2005, 2017)
    stats = beta_convergence(panel, "gdp_pc", 2005, 2017).statistics
    slope, slope_se = stats["b"], stats["b_se"]
    assert slope < 0 and stats["converging"]

    def speed(b):
        return -math.log(1 + b * horizon) / horizon

    def half_life(b):
        return math.log(2) / speed(b)

    step = 1e-7
    speed_derivative = (speed(slope + step) - speed(slope - step)) / (2 * step)
    half_life_derivative = (half_life(slope + step) - half_life(slope - step)) / (2 * step)
    # dλ/db = -1/(1 + bT)
    assert speed_derivative == pytest.approx(-1 / (1 + slope * horizon), rel=1e-6)
    assert stats["speed_se"] == pytest.approx(abs(speed_derivative) * slope_se, rel=1e-6)
    assert stats["half_life_se"] == pytest.approx(abs(half_life_derivative) * slope_se,
                                                  rel=1e-6)
    assert stats["speed"] == pytest.approx(speed(slope), rel=1e-12)


def test_divergence_is_flagged_not_nan():
    # b = +0.01: richer cities grow faster
    result = beta_convergence(exact_cross_section(0.0, 0.01, 10), "gdp_pc", 2000, 2010)
    stats = result.statistics
    assert stats["b"] == pytest.approx(0.01, abs=1e-10)
    assert stats["converging"] is False
    for key in ("speed", "speed_se", "half_life", "half_life_se"):
        assert stats[key] is None
    assert "no β-convergence" in stats["note"]


def test_convergence_speed_edge_cases():
    assert convergence_speed(0.0, 0.01, 10)["converging"] is False
    overshoot = convergence_speed(-0.15, 0.01, 10)  # 1 + bT = -0.5
    assert overshoot["converging"] is False and overshoot["speed"] is None
    assert "overshoot" in overshoot["note"]
    # window of one year: λ = -ln(1 + b)
    annual = convergence_speed(-0.05, 0.002, 1)
    assert annual["speed"] == pytest.approx(-math.log(0.95))
    assert annual["speed_se"] == pytest.approx(0.002 / 0.95)


# ---------------------------------------------------------------------------------------------
# σ-convergence
# ---------------------------------------------------------------------------------------------


def test_sigma_convergence_by_hand():
    # 2000: ln y = [0, 1, 2]      -> mean 1, sd (ddof 0) = sqrt((1 + 0 + 1)/3) = 0.8164966
    # 2001: ln y = [0.5, 1, 1.5]  -> mean 1, sd = sqrt((0.25 + 0 + 0.25)/3) = 0.4082483
    # CV 2000 of y = [1, e, e²] = [1, 2.7182818, 7.3890561]: mean 3.7024460,
    #   σ = sqrt((2.7024460² + 0.9841642² + 3.6866101²)/3) = 2.6995608, CV = 0.7291291
    panel = pd.DataFrame({
        "city_code": [1, 2, 3, 1, 2, 3],
        "year": [2000, 2000, 2000, 2001, 2001, 2001],
        "gdp_pc": np.exp([0.0, 1.0, 2.0, 0.5, 1.0, 1.5]),
        "population": [1.0, 1.0, 2.0, 1.0, 1.0, 2.0],
    })
    table = sigma_convergence(panel, "gdp_pc", population="population")
    assert table.columns.tolist() == ["year", "n_units", "mean_log", "sd_log", "cv",
                                      "cv_weighted"]
    assert table["year"].tolist() == [2000, 2001]
    assert table["n_units"].tolist() == [3, 3]
    assert table["mean_log"].tolist() == pytest.approx([1.0, 1.0], abs=1e-15)
    assert table["sd_log"].tolist() == pytest.approx([math.sqrt(2 / 3), math.sqrt(1 / 6)],
                                                     abs=1e-15)
    assert table["cv"].iloc[0] == pytest.approx(0.7291290514519458, abs=1e-12)
    assert "cv_weighted" not in sigma_convergence(panel, "gdp_pc").columns


def test_sigma_trend_recovers_a_linear_decline():
    # sd_log = 0.5 - 0.01 (t - 2000) exactly, plus a tiny wiggle so that the SE is not 0
    years = np.arange(2000, 2010)
    wiggle = np.array([1, -1] * 5) * 1e-4
    table = pd.DataFrame({"year": years, "sd_log": 0.5 - 0.01 * (years - 2000) + wiggle})
    result = sigma_trend(table, "sd_log")
    assert result.coefficients["term"].tolist() == ["const", "year"]
    assert result.statistics["slope"] == pytest.approx(-0.01, abs=1e-4)
    assert result.statistics["slope_p_value"] < 1e-6
    assert result.statistics["cov_type"] == "HAC (Newey–West, 2 lags)"
    assert result.statistics["n_obs"] == 10 and result.statistics["testable"]
    assert sigma_trend(table, "sd_log", cov_type="HC1").statistics["cov_type"] == "HC1"


def test_sigma_trend_hac_equals_statsmodels_newey_west():
    """The HAC errors are statsmodels' Newey–West with floor(4 (T/100)^(2/9)) lags and the
    T/(T − 2) correction; t with T − 2 degrees of freedom."""
    import statsmodels.api as sm
    from scipy import stats

    rng = np.random.default_rng(3)
    years = np.arange(2000, 2024)
    e = np.zeros(len(years))
    for i in range(1, len(years)):  # AR(1) errors, as yearly dispersion has
        e[i] = 0.7 * e[i - 1] + rng.normal(scale=0.01)
    table = pd.DataFrame({"year": years, "sd_log": 0.6 - 0.004 * (years - 2000) + e})
    s = sigma_trend(table).statistics
    assert s["hac_lags"] == newey_west_lags(24) == 2
    ref = sm.OLS(table["sd_log"], sm.add_constant(table[["year"]])).fit(
        cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": True})
    assert s["slope_se"] == pytest.approx(float(ref.bse["year"]), rel=1e-12)
    half = stats.t.ppf(0.975, 22) * s["slope_se"]
    assert (s["slope_ci_low"], s["slope_ci_high"]) == pytest.approx((s["slope"] - half, s["slope"] + half))
    assert s["slope_p_value"] == pytest.approx(2 * stats.t.sf(abs(s["slope"] / s["slope_se"]), 22))


def test_newey_west_worked_example():
    """T = 4, y = (0, 1, 0, 1) on t = (0, 1, 2, 3): L = floor(4 · 0.04^(2/9)) = floor(1.96) = 1.
    OLS slope 0.2, residuals e = (−0.2, 0.6, −0.6, 0.2); the slope's scores
    h_t = (t − 1.5) e_t = (0.3, −0.3, −0.3, 0.3); Bartlett weight w_1 = 1 − 1/2:
    S = Σh² + 2 w_1 Σ h_t h_{t−1} = 0.36 + 2 · 0.5 · (−0.09) = 0.27;
    var = S / (Σ(t − 1.5)²)² × T/(T − 2) = 0.27 / 25 × 2 = 0.0216."""
    table = pd.DataFrame({"year": [0, 1, 2, 3], "sd_log": [0.0, 1.0, 0.0, 1.0]})
    s = sigma_trend(table).statistics
    assert s["hac_lags"] == 1 and s["slope"] == pytest.approx(0.2)
    assert s["slope_se"] == pytest.approx(np.sqrt(0.0216))
    assert not s["testable"]


# ---------------------------------------------------------------------------------------------
# conditional β (panel, fixed effects)
# ---------------------------------------------------------------------------------------------


def test_panel_beta_confidence_interval_contains_truth():
    rng = np.random.default_rng(2024)
    result = panel_beta_convergence(simulated_panel(rng), "gdp_pc", "city_code", "year")
    row = result.coefficient("log_initial")
    assert row["ci_low"] <= -0.05 <= row["ci_high"]
    stats = result.statistics
    assert stats["fixed_effects"] == ("city_code", "year")
    assert stats["cov_type"] == "clustered by city_code"
    assert stats["n_units"] == 60 and stats["n_clusters"] == 60
    assert stats["n_obs"] == 60 * 20 and stats["n_periods"] == 20
    assert 0 <= stats["r2_within"] <= 1
    assert stats["converging"] is True
    assert stats["speed"] == pytest.approx(-math.log(1 + stats["b"]))
    assert stats["half_life"] == pytest.approx(math.log(2) / stats["speed"])
    assert result.coefficients["term"].tolist() == ["log_initial"]


def test_panel_beta_exact_with_window_and_control():
    # Noiseless 2-year windows: [ln y_t+2 - ln y_t]/2 = α_i + γ_t + b ln y_t + θ x_t
    # with b = -0.03 and θ = 0.5 -> both recovered to rounding error
    rng = np.random.default_rng(7)
    n_units, years = 12, np.arange(2000, 2013, 2)
    alpha, gamma = rng.normal(0.3, 0.05, n_units), rng.normal(0.0, 0.02, len(years))
    control = rng.normal(0.0, 1.0, (n_units, len(years)))
    logs = np.empty((n_units, len(years)))
    logs[:, 0] = rng.normal(9.0, 0.5, n_units)
    for k in range(1, len(years)):
        growth = alpha + gamma[k] - 0.03 * logs[:, k - 1] + 0.5 * control[:, k - 1]
        logs[:, k] = logs[:, k - 1] + 2 * growth
    panel = pd.DataFrame({
        "city_code": np.repeat(np.arange(n_units), len(years)),
        "year": np.tile(years, n_units),
        "gdp_pc": np.exp(logs.ravel()),
        "openness": control.ravel(),
    })
    result = panel_beta_convergence(panel, "gdp_pc", window=2, controls=["openness"])
    assert result.statistics["b"] == pytest.approx(-0.03, abs=1e-8)
    assert result.coefficient("openness")["estimate"] == pytest.approx(0.5, abs=1e-8)
    # λ = -ln(1 + 2b)/2 = -ln(0.94)/2 = 0.0309376
    assert result.statistics["speed"] == pytest.approx(-math.log(0.94) / 2, abs=1e-8)
    assert result.statistics["window"] == 2
    assert result.statistics["n_obs"] == n_units * (len(years) - 1)


def test_panel_beta_without_effects_adds_constant_and_counts_gaps():
    rng = np.random.default_rng(11)
    panel = simulated_panel(rng, n_units=10, n_years=6)
    gap = panel.drop(panel.index[(panel["city_code"] == 100) & (panel["year"] == 2002)])
    result = panel_beta_convergence(gap, "gdp_pc", entity_effects=False, time_effects=False)
    assert "const" in result.coefficients["term"].tolist()
    assert result.statistics["fixed_effects"] == ()
    # the missing 2002 of unit 100 removes windows 2001→2002 and 2002→2003
    assert result.statistics["n_windows_skipped"] == 2
    assert result.statistics["n_obs"] == 10 * 5 - 2


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------


def test_zero_values_are_refused_with_their_unit_and_year():
    panel = exact_cross_section(0.3, -0.02, 10)
    panel.loc[(panel["city_code"] == 3) & (panel["year"] == 2010), "gdp_pc"] = 0.0
    with pytest.raises(MethodInputError, match=r"zero or negative value\(s\) at \(3, 2010\)"):
        beta_convergence(panel, "gdp_pc", 2000, 2010)
    with pytest.raises(MethodInputError, match="logarithms"):
        sigma_convergence(panel, "gdp_pc")
    with pytest.raises(MethodInputError, match="logarithms"):
        panel_beta_convergence(panel, "gdp_pc", window=10)


def test_unit_missing_the_start_year_is_named():
    panel = exact_cross_section(0.3, -0.02, 10)
    panel = panel.drop(panel.index[(panel["city_code"] == 4) & (panel["year"] == 2000)])
    with pytest.raises(MethodInputError, match=r"1 unit\(s\) not observed in the start year "
                                               r"2000: 4;"):
        beta_convergence(panel, "gdp_pc", 2000, 2010)


def test_start_not_before_end_and_absent_years_are_refused():
    panel = exact_cross_section(0.3, -0.02, 10)
    with pytest.raises(MethodInputError, match="must be earlier"):
        beta_convergence(panel, "gdp_pc", 2010, 2010)
    with pytest.raises(MethodInputError, match="must be earlier"):
        beta_convergence(panel, "gdp_pc", 2010, 2000)
    with pytest.raises(MethodInputError, match="end=2015: no rows in that year"):
        beta_convergence(panel, "gdp_pc", 2000, 2015)


def test_too_few_units_are_refused():
    single = two_year_panel([100.0], [150.0])
    with pytest.raises(MethodInputError, match="at least 3 units"):
        beta_convergence(single, "gdp_pc", 2000, 2010)
    with pytest.raises(MethodInputError, match="year 2000 has 1 unit"):
        sigma_convergence(single, "gdp_pc")
    with pytest.raises(MethodInputError, match="at least 2 units"):
        panel_beta_convergence(single, "gdp_pc", window=10)


def test_duplicated_unit_year_is_refused():
    panel = exact_cross_section(0.3, -0.02, 10)
    duplicated = pd.concat([panel, panel.iloc[[1]]])
    for call in (lambda: beta_convergence(duplicated, "gdp_pc", 2000, 2010),
                 lambda: sigma_convergence(duplicated, "gdp_pc"),
                 lambda: panel_beta_convergence(duplicated, "gdp_pc", window=10)):
        with pytest.raises(MethodInputError, match=r"duplicated.*\(2, 2000\)"):
            call()


def test_unknown_columns_and_options_are_refused():
    panel = exact_cross_section(0.3, -0.02, 10)
    with pytest.raises(MethodInputError, match="missing column.*'gdp'"):
        beta_convergence(panel, "gdp", 2000, 2010)
    with pytest.raises(MethodInputError, match="missing column.*'city'"):
        sigma_convergence(panel, "gdp_pc", unit="city")
    with pytest.raises(MethodInputError, match="missing column.*'population'"):
        sigma_convergence(panel, "gdp_pc", population="population")
    with pytest.raises(MethodInputError, match="missing column.*'openness'"):
        panel_beta_convergence(panel, "gdp_pc", window=10, controls=["openness"])
    with pytest.raises(MethodInputError, match="missing column.*'cv_weighted'"):
        sigma_trend(sigma_convergence(panel, "gdp_pc"), "cv_weighted")
    with pytest.raises(MethodInputError, match="window=0 is not valid"):
        panel_beta_convergence(panel, "gdp_pc", window=0)
    with pytest.raises(MethodInputError, match="window=1.5 is not valid"):
        panel_beta_convergence(panel, "gdp_pc", window=1.5)
    with pytest.raises(MethodInputError, match="years must be integers"):
        sigma_convergence(panel.assign(year=panel["year"] + 0.5), "gdp_pc")


def test_sigma_trend_needs_three_years():
    panel = exact_cross_section(0.3, -0.02, 10)
    with pytest.raises(MethodInputError, match="at least 3 years"):
        sigma_trend(sigma_convergence(panel, "gdp_pc"), "sd_log")


def test_missing_control_at_window_start_is_refused():
    rng = np.random.default_rng(3)
    panel = simulated_panel(rng, n_units=8, n_years=5).assign(openness=1.0)
    panel["openness"] = rng.normal(size=len(panel))
    panel.loc[(panel["city_code"] == 101) & (panel["year"] == 2001), "openness"] = np.nan
    with pytest.raises(MethodInputError, match=r"lack a control value.*\(101, 2001\)"):
        panel_beta_convergence(panel, "gdp_pc", controls=["openness"])


def test_control_absorbed_by_unit_effects_is_refused():
    rng = np.random.default_rng(5)
    panel = simulated_panel(rng, n_units=8, n_years=6)
    panel["province_code"] = panel["city_code"] // 2 * 1.0  # constant within each unit
    with pytest.raises(MethodInputError, match="cannot be estimated with these fixed effects"):
        panel_beta_convergence(panel, "gdp_pc", controls=["province_code"])
