"""Fixed-effects and OLS wrappers: agreement with statsmodels, hand-computed within
estimators, and refusals of bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from cityclusters.errors import MethodInputError
from cityclusters.models.panel import (
    _dyadic_covariance,
    fixed_effects_regression,
    ols_regression,
)
from cityclusters.models.results import RegressionResult


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """30 cities × 8 years, regressor correlated with the city effect, heteroskedastic noise."""
    rng = np.random.default_rng(7)
    n_units, n_years = 30, 8
    frame = pd.DataFrame([(f"c{i:02d}", 2000 + t) for i in range(n_units) for t in range(n_years)],
                         columns=["city", "year"])
    alpha = rng.normal(size=n_units)
    lam = rng.normal(size=n_years)
    unit = frame["city"].str[1:].astype(int).to_numpy()
    period = (frame["year"] - 2000).to_numpy()
    frame["x1"] = rng.normal(size=len(frame)) + alpha[unit]
    frame["x2"] = rng.normal(size=len(frame))
    frame["province"] = [f"p{u % 6}" for u in unit]
    frame["y"] = (1 + 0.5 * frame["x1"] - 0.3 * frame["x2"] + alpha[unit] + lam[period]
                  + rng.normal(size=len(frame)) * (1 + np.abs(frame["x2"])))
    return frame


def test_twoway_fe_matches_lsdv_with_cluster_errors(panel):
    result = fixed_effects_regression(panel, "y", ["x1", "x2"], "city", "year", cluster="unit")
    lsdv = smf.ols("y ~ x1 + x2 + C(city) + C(year)", panel).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(panel["city"])[0]})
    table = result.coefficients.set_index("term")
    # Coefficients: FWL — demeaning and dummies give the same β up to rounding.
    np.testing.assert_allclose(table["estimate"], lsdv.params[["x1", "x2"]], rtol=0, atol=1e-8)
    # SEs: linearmodels PanelOLS.fit(debiased=True, group_debias=True) scales the CRV1 meat by
    # n/(n − k − d) · G/(G − 1) · (n − 1)/n = G/(G−1)·(n−1)/(n−K), where d = the 30 + 7 unit
    # and year effects it counts (two sets of effects are always counted) and K = k + d;
    # statsmodels' cluster default (use_correction=True) uses the same G/(G−1)·(n−1)/(n−K)
    # with K = 2 slopes + intercept + 29 + 7 dummies = 39 = k + d. So the two agree to
    # floating-point error (tolerance 1e-8 relative). Without group_debias, or with
    # debiased=False, they would differ by G/(G−1) or (n−1)/(n−K), i.e. 1.7 % and 9 %.
    np.testing.assert_allclose(table["std_error"], lsdv.bse[["x1", "x2"]], rtol=1e-8)
    assert result.statistics["n_clusters"] == 30
    assert result.statistics["df_inference"] == 29
    # p-values use t(G − 1) (Stata); statsmodels uses the normal unless use_t=True
    lsdv_t = smf.ols("y ~ x1 + x2 + C(city) + C(year)", panel).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(panel["city"])[0]}, use_t=True)
    np.testing.assert_allclose(table["p_value"], lsdv_t.pvalues[["x1", "x2"]], rtol=1e-6)
    np.testing.assert_allclose(table["ci_low"], lsdv_t.conf_int().loc[["x1", "x2"], 0], rtol=1e-6)
    # R² of the full model and within R² (after the effects are partialled out)
    effects_only = smf.ols("y ~ C(city) + C(year)", panel).fit()
    assert result.statistics["r2"] == pytest.approx(lsdv.rsquared, abs=1e-10)
    assert result.statistics["r2_within"] == pytest.approx(1 - lsdv.ssr / effects_only.ssr, abs=1e-10)
    assert result.statistics["fixed_effects"] == ("city", "year")
    assert result.statistics["n_obs"] == 240
    assert result.statistics["n_units"] == 30 and result.statistics["n_periods"] == 8


def test_entity_fe_nested_in_clusters_uses_xtreg_correction(panel):
    """One set of effects nested in the clusters is not counted (Stata xtreg, fe)."""
    result = fixed_effects_regression(panel, "y", ["x1", "x2"], "city", "year",
                                      time_effects=False, cluster="unit")
    lsdv = smf.ols("y ~ x1 + x2 + C(city)", panel).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(panel["city"])[0]})
    table = result.coefficients.set_index("term")
    np.testing.assert_allclose(table["estimate"], lsdv.params[["x1", "x2"]], atol=1e-8)
    n, k, n_units = 240, 2, 30
    # linearmodels: (n−1)/(n−k); statsmodels LSDV: (n−1)/(n−k−N) ⇒ ratio of SEs:
    ratio = np.sqrt((n - k - n_units) / (n - k))
    np.testing.assert_allclose(table["std_error"] / lsdv.bse[["x1", "x2"]], ratio, rtol=1e-8)


def test_other_cluster_options_run(panel):
    by_province = fixed_effects_regression(panel, "y", "x1", "city", "year", cluster="province")
    assert by_province.statistics["n_clusters"] == 6
    assert by_province.statistics["df_inference"] == 5
    twoway = fixed_effects_regression(panel, "y", "x1", "city", "year", cluster="unit_time")
    assert twoway.statistics["n_clusters"] == (30, 8)
    assert twoway.statistics["df_inference"] == 7
    robust = fixed_effects_regression(panel, "y", "x1", "city", "year", cluster=None)
    assert robust.statistics["cov_type"] == "robust (HC1)"
    assert robust.statistics["n_clusters"] is None
    # the same point estimate whatever the covariance
    assert by_province.coefficient("x1")["estimate"] == pytest.approx(
        robust.coefficient("x1")["estimate"], abs=1e-12)


def test_within_estimator_by_hand_entity_effects():
    # Unit A: x = 1, 2, 3 → demeaned −1, 0, 1;  y = 2, 4, 9 (mean 5) → −3, −1, 4.
    # Unit B: x = 0, 2, 4 → demeaned −2, 0, 2;  y = 1, 1, 7 (mean 3) → −2, −2, 4.
    # β = Σ x̃ỹ / Σ x̃² = [(3 + 0 + 4) + (4 + 0 + 8)] / [(1 + 0 + 1) + (4 + 0 + 4)] = 19/10 = 1.9
    data = pd.DataFrame({"unit": list("AAABBB"), "t": [1, 2, 3] * 2,
                         "x": [1, 2, 3, 0, 2, 4], "y": [2, 4, 9, 1, 1, 7]})
    result = fixed_effects_regression(data, "y", "x", "unit", "t", time_effects=False,
                                      cluster=None)
    assert result.coefficient("x")["estimate"] == pytest.approx(1.9, abs=1e-12)


def test_within_estimator_by_hand_two_way():
    # With two units and unit + period effects, β uses the between-unit differences
    # d_t = z_At − z_Bt, centred over t:
    # dx = (1−0, 2−2, 3−4) = (1, 0, −1), mean 0;  dy = (2−1, 4−1, 9−7) = (1, 3, 2), mean 2 → (−1, 1, 0)
    # β = Σ dx·dy / Σ dx² = (−1 + 0 + 0) / (1 + 0 + 1) = −0.5
    data = pd.DataFrame({"unit": list("AAABBB"), "t": [1, 2, 3] * 2,
                         "x": [1, 2, 3, 0, 2, 4], "y": [2, 4, 9, 1, 1, 7]})
    result = fixed_effects_regression(data, "y", "x", "unit", "t", cluster=None)
    assert result.coefficient("x")["estimate"] == pytest.approx(-0.5, abs=1e-12)


def test_exactly_identified_model_gives_nan_errors_with_warning():
    data = pd.DataFrame({"unit": list("AABB"), "t": [0, 1, 0, 1], "x": [0.0, 1, 0, 0],
                         "y": [1.0, 4, 2, 3]})
    with pytest.warns(RuntimeWarning, match="no residual degrees of freedom"):
        result = fixed_effects_regression(data, "y", "x", "unit", "t")
    assert result.coefficient("x")["estimate"] == pytest.approx(2.0)
    assert np.isnan(result.coefficient("x")["std_error"])


def test_wald_test_uses_covariance(panel):
    result = fixed_effects_regression(panel, "y", ["x1", "x2"], "city", "year")
    one = result.wald_test("x1")
    t = result.coefficient("x1")["t_stat"]
    assert one["statistic"] == pytest.approx(t ** 2)
    joint = result.wald_test(["x1", "x2"], dof=29)
    assert joint["distribution"] == "F" and joint["df"] == (2, 29)
    with pytest.raises(ValueError):
        RegressionResult("bare", result.coefficients).wald_test("x1")


# ---------------------------------------------------------------------------------- OLS

def test_ols_matches_statsmodels(panel):
    hc1 = ols_regression(panel, "y", ["x1", "x2"])
    ref = sm.OLS(panel["y"], sm.add_constant(panel[["x1", "x2"]])).fit(cov_type="HC1")
    table = hc1.coefficients.set_index("term")
    np.testing.assert_allclose(table["estimate"], ref.params, atol=1e-10)
    np.testing.assert_allclose(table["std_error"], ref.bse, rtol=1e-10)
    assert hc1.statistics["r2"] == pytest.approx(ref.rsquared)

    clustered = ols_regression(panel, "y", ["x1", "x2"], cluster="province")
    ref = sm.OLS(panel["y"], sm.add_constant(panel[["x1", "x2"]])).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(panel["province"])[0]}, use_t=True)
    table = clustered.coefficients.set_index("term")
    np.testing.assert_allclose(table["std_error"], ref.bse, rtol=1e-10)
    np.testing.assert_allclose(table["p_value"], ref.pvalues, rtol=1e-8)
    assert clustered.statistics["n_clusters"] == 6

    twoway = ols_regression(panel, "y", ["x1", "x2"], cluster=["city", "year"])
    groups = np.column_stack([pd.factorize(panel["city"])[0], pd.factorize(panel["year"])[0]])
    ref = sm.OLS(panel["y"], sm.add_constant(panel[["x1", "x2"]])).fit(
        cov_type="cluster", cov_kwds={"groups": groups})
    np.testing.assert_allclose(twoway.coefficients["std_error"], ref.bse, rtol=1e-10)
    assert twoway.statistics["n_clusters"] == (30, 8)


def test_dyadic_covariance_equals_brute_force():
    rng = np.random.default_rng(3)
    members = [f"m{i}" for i in range(7)]
    pairs = [(a, b) for i, a in enumerate(members) for b in members[i + 1:]]
    n = len(pairs)
    x = np.column_stack([np.ones(n), rng.normal(size=n)])
    e = rng.normal(size=n)
    mi = np.array([p[0] for p in pairs])
    mj = np.array([p[1] for p in pairs])
    cov, g = _dyadic_covariance(x, e, mi, mj)
    # brute force: A_pq = 1 if dyads p and q share a member (including p = q)
    share = np.array([[len({*pairs[p]} & {*pairs[q]}) > 0 for q in range(n)] for p in range(n)])
    u = x * e[:, None]
    meat = u.T @ share.astype(float) @ u
    bread = np.linalg.inv(x.T @ x)
    expected = g / (g - 1) * (n - 1) / (n - 2) * bread @ meat @ bread
    assert g == 7
    np.testing.assert_allclose(cov, expected, rtol=1e-10)


def test_ols_report_terms_and_dyadic_option():
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"i": rng.integers(0, 8, 60), "j": rng.integers(8, 16, 60),
                         "x": rng.normal(size=60), "z": rng.normal(size=60)})
    data["y"] = data["x"] + rng.normal(size=60)
    result = ols_regression(data, "y", ["x", "z"], dyadic=("i", "j"), report_terms=["x"])
    assert list(result.coefficients["term"]) == ["x"]
    assert list(result.covariance.index) == ["x"]
    assert result.statistics["n_clusters"] == 16
    with pytest.raises(MethodInputError, match="exclusive"):
        ols_regression(data, "y", "x", dyadic=("i", "j"), cluster="i")


# ---------------------------------------------------------------------------- bad input

def test_nan_in_outcome_is_refused_naming_column_and_row(panel):
    bad = panel.copy()
    bad.loc[5, "y"] = np.nan
    with pytest.raises(MethodInputError, match=r"rows 5 of columns 'y'.*dropna=True"):
        fixed_effects_regression(bad, "y", "x1", "city", "year")
    with pytest.raises(MethodInputError, match="'y'"):
        ols_regression(bad, "y", "x1")
    result = fixed_effects_regression(bad, "y", "x1", "city", "year", dropna=True)
    assert result.statistics["n_dropped"] == 1
    assert result.statistics["n_obs"] == 239


def test_nan_in_regressor_is_refused(panel):
    bad = panel.copy()
    bad.loc[[3, 9], "x2"] = np.nan
    with pytest.raises(MethodInputError, match=r"rows 3, 9 of columns 'x2'"):
        fixed_effects_regression(bad, "y", ["x1", "x2"], "city", "year")


def test_duplicated_unit_period_is_refused(panel):
    bad = pd.concat([panel, panel.iloc[[0]]])
    with pytest.raises(MethodInputError, match=r"duplicated city-year.*\('c00', 2000\)"):
        fixed_effects_regression(bad, "y", "x1", "city", "year")


def test_constant_and_absorbed_and_collinear_regressors_are_refused(panel):
    bad = panel.assign(const_col=1.0, time_invariant=panel["city"].str[1:].astype(float),
                       x1_twice=2 * panel["x1"])
    with pytest.raises(MethodInputError, match="'const_col' are constant"):
        fixed_effects_regression(bad, "y", ["x1", "const_col"], "city", "year")
    with pytest.raises(MethodInputError, match="'time_invariant' are absorbed"):
        fixed_effects_regression(bad, "y", ["x1", "time_invariant"], "city", "year")
    with pytest.raises(MethodInputError, match="collinear"):
        fixed_effects_regression(bad, "y", ["x1", "x1_twice"], "city", "year")
    with pytest.raises(MethodInputError, match="collinear"):
        ols_regression(bad, "y", ["x1", "x1_twice"])
    with pytest.raises(MethodInputError, match="'const_col' are constant"):
        ols_regression(bad, "y", ["x1", "const_col"])


def test_unknown_column_and_options_are_refused(panel):
    with pytest.raises(MethodInputError, match="missing column.*'gdp'"):
        fixed_effects_regression(panel, "y", ["gdp"], "city", "year")
    with pytest.raises(MethodInputError, match="missing column.*'region'"):
        fixed_effects_regression(panel, "y", "x1", "city", "year", cluster="region")
    with pytest.raises(MethodInputError, match="robust='HC9'"):
        ols_regression(panel, "y", "x1", robust="HC9")
    with pytest.raises(MethodInputError, match="not numeric"):
        ols_regression(panel, "y", "province")
    with pytest.raises(MethodInputError, match="also a regressor"):
        ols_regression(panel, "y", ["y"])
