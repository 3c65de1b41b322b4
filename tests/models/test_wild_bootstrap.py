"""The WCR wild cluster bootstrap against the maintained ``wildboottest`` package, a brute-force
loop of regressions, the fixed-effects regression of models.panel and a worked example."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cityclusters.errors import MethodInputError
from cityclusters.models.panel import fixed_effects_regression, ols_regression
from cityclusters.models.wild_bootstrap import (
    WEIGHTS,
    weight_matrix,
    wild_bootstrap_fe,
    wild_bootstrap_ols,
    wild_cluster_bootstrap,
)


def simulated(n_clusters=5, per=6, seed=7):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_clusters), per)
    n = len(g)
    x = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    y = 1 + 0.3 * x[:, 1] + rng.normal(size=n) + rng.normal(size=n_clusters)[g]
    return x, y, g


def test_worked_example_three_singletons():
    """y = (1, 2, 6), a constant only, H0: mean = 0, Rademacher weights: of the 8 sign vectors
    only (1,1,1) and (−1,−1,−1) reach |t*| ≥ |t| = 3 / sqrt(1.5 · 14 / 9) = 1.964 (the others give
    |t*| = 0.397, 0.714, 1.151), so p = 2/8 exactly."""
    r = wild_cluster_bootstrap(np.ones((3, 1)), np.array([1.0, 2.0, 6.0]), [0, 1, 2], term=0,
                               weights="rademacher", draws=99, interval=False)
    assert r.enumerated and r.n_draws == 8
    assert r.t_stat == pytest.approx(3 / np.sqrt(1.5 * 14 / 9))
    assert r.p_value == pytest.approx(0.25)


def test_same_p_value_as_wildboottest_webb_full_enumeration():
    """Webb weights, G = 5: all 7,776 vectors. The package counts |t*| > |t| strictly and does
    not enumerate Webb weights, so it is given our weight matrix; the t statistics agree to
    1e-10 and the p-values differ only by the 6 tied (constant) vectors we count."""
    from wildboottest.wildboottest import WildboottestCL

    x, y, g = simulated()
    ours = wild_cluster_bootstrap(x, y, g, term=1, draws=9999)
    v, full = weight_matrix(5, 9999)
    assert full and ours.enumerated and ours.n_draws == 7776
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = WildboottestCL(X=x, Y=y, cluster=g, R=np.array([0.0, 1.0, 0.0]), B=len(v), seed=1, parallel=False)
        wb.get_scores(bootstrap_type="11", impose_null=True)
        wb.get_weights("webb")
        wb.v, wb.B = v.T.copy(), len(v)
        wb.get_numer()
        wb.get_denom()
        wb.get_tboot()
        wb.get_vcov()
        wb.get_tstat()
        wb.get_pvalue()
    assert float(wb.t_stat) == pytest.approx(ours.t_stat, rel=1e-10)
    ties = int(np.isclose(np.abs(wb.t_boot), abs(float(wb.t_stat)), rtol=1e-9).sum())
    assert ties == 6
    assert ours.p_value == pytest.approx(float(wb.pvalue) + ties / len(v), abs=1e-12)


def test_same_p_value_as_wildboottest_rademacher():
    """The package's own call: 2^8 = 256 < B, so it enumerates the Rademacher vectors itself;
    p-values equal within the 2 tied vectors (here exactly equal)."""
    from wildboottest.wildboottest import wildboottest

    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(8), 4)
    x = pd.DataFrame({"const": 1.0, "x1": rng.normal(size=len(g))})
    y = 1 + rng.normal(size=len(g)) + rng.normal(size=8)[g]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = wildboottest(sm.OLS(y, x), B=999, cluster=g, param="x1", weights_type="rademacher",
                              show=False, seed=3, parallel=False)
    ours = wild_cluster_bootstrap(x, y, g, term="x1", draws=999, weights="rademacher", interval=False)
    assert ours.n_draws == 256
    assert 0 <= ours.p_value - float(theirs["p-value"].iloc[0]) <= 2 / 256 + 1e-12


def test_bootstrap_t_equals_brute_force_regressions():
    """The O(G²) formulas reproduce, draw by draw, a regression on each bootstrap sample with
    statsmodels' CRV1 errors, also under a non-zero null."""
    x, y, g = simulated(n_clusters=7, per=5, seed=11)
    v, _ = weight_matrix(7, draws=20, seed=5)
    null = 0.2
    fit0 = sm.OLS(y - null * x[:, 1], np.delete(x, 1, axis=1)).fit()
    fitted = x[:, [0, 2]] @ fit0.params + null * x[:, 1]
    ustar = fit0.resid
    t_brute = []
    for row in v:
        ystar = fitted + ustar * row[g]
        f = sm.OLS(ystar, x).fit(cov_type="cluster", cov_kwds={"groups": g})
        t_brute.append((f.params[1] - null) / f.bse[1])
    t_obs = (sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": g}).params[1] - null)
    t_obs /= sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": g}).bse[1]
    p_brute = np.mean(np.abs(t_brute) >= abs(t_obs) * (1 - 1e-9))
    ours = wild_cluster_bootstrap(x, y, g, term=1, null=null, draws=20, seed=5, interval=False)
    assert ours.t_stat == pytest.approx(t_obs, rel=1e-10)
    assert ours.p_value == pytest.approx(p_brute)


def test_interval_is_the_inverted_test():
    x, y, g = simulated(n_clusters=9, per=4, seed=2)
    r = wild_cluster_bootstrap(x, y, g, term=1, draws=1999, seed=4)
    assert r.ci_low < r.estimate < r.ci_high
    for end in (r.ci_low, r.ci_high):
        inside = end - np.sign(end - r.estimate) * 1e-4 * r.std_error
        outside = end + np.sign(end - r.estimate) * 1e-4 * r.std_error
        assert wild_cluster_bootstrap(x, y, g, term=1, null=inside, draws=1999, seed=4,
                                      interval=False).p_value > 0.05
        assert wild_cluster_bootstrap(x, y, g, term=1, null=outside, draws=1999, seed=4,
                                      interval=False).p_value <= 0.05


def test_rademacher_with_few_clusters_gives_an_unbounded_interval():
    """With 3 clusters the 8 Rademacher vectors cannot reject at 5 % (p ≥ 2/8): the interval is
    the whole line, which is why the book uses Webb weights."""
    x, y, g = simulated(n_clusters=3, per=5)
    r = wild_cluster_bootstrap(x, y, g, term=1, weights="rademacher")
    assert r.p_value >= 0.25 and r.ci_low == -np.inf and r.ci_high == np.inf


def test_seeded_draws_are_reproducible_and_enumeration_is_deterministic():
    x, y, g = simulated(n_clusters=12, per=3)
    a = wild_cluster_bootstrap(x, y, g, term=1, draws=999, seed=1)
    b = wild_cluster_bootstrap(x, y, g, term=1, draws=999, seed=1)
    assert a == b and not a.enumerated and a.seed == 1
    e = wild_cluster_bootstrap(*simulated(n_clusters=4), term=1, draws=9999, seed=None)
    assert e.enumerated and e.n_draws == 6 ** 4 and e.seed is None
    assert "all 1,296 weight vectors of 4 clusters" in e.method


def test_fe_design_matches_panel_regression_and_dummies():
    """wild_bootstrap_fe: the estimate is fixed_effects_regression's; demeaning by the cluster
    unit gives the same p-value and interval as city and year dummies in X."""
    rng = np.random.default_rng(5)
    cities, years = 6, 7
    frame = pd.DataFrame({"city": np.repeat(np.arange(cities), years), "year": np.tile(np.arange(2000, 2000 + years), cities)})
    frame["x"] = rng.normal(size=len(frame)) + 0.3 * frame["city"]
    frame["y"] = 0.4 * frame["x"] + 0.2 * frame["city"] + 0.1 * (frame["year"] - 2000) + rng.normal(size=len(frame))
    ours = wild_bootstrap_fe(frame, "y", ["x"], "x", unit="city", time="year", draws=999, seed=2)
    panel = fixed_effects_regression(frame, "y", "x", unit="city", time="year")
    assert ours.estimate == pytest.approx(float(panel.coefficient("x")["estimate"]), rel=1e-9)
    dummies = pd.concat([frame[["x"]], pd.get_dummies(frame["city"], prefix="c", dtype=float),
                         pd.get_dummies(frame["year"], prefix="t", drop_first=True, dtype=float)], axis=1)
    full = wild_cluster_bootstrap(dummies, frame["y"].to_numpy(), frame["city"], term="x", draws=999, seed=2)
    assert ours.p_value == pytest.approx(full.p_value)
    assert ours.ci_low == pytest.approx(full.ci_low, rel=1e-6) and ours.ci_high == pytest.approx(full.ci_high, rel=1e-6)


def test_ols_wrapper_and_hc_case_match_ols_regression():
    """Every row its own cluster: the CRV1 error is HC1 (ols_regression's default)."""
    rng = np.random.default_rng(8)
    frame = pd.DataFrame({"x": rng.normal(size=15)})
    frame["y"] = 1 - 0.5 * frame["x"] + rng.normal(size=15) * (1 + frame["x"].abs())
    ours = wild_bootstrap_ols(frame, "y", "x", "x", draws=999)
    hc1 = ols_regression(frame, "y", "x").coefficient("x")
    assert ours.estimate == pytest.approx(float(hc1["estimate"]))
    assert ours.std_error == pytest.approx(float(hc1["std_error"]), rel=1e-10)


def test_bad_input_names_the_parameter():
    x, y, g = simulated()
    with pytest.raises(MethodInputError, match="weights"):
        wild_cluster_bootstrap(x, y, g, term=1, weights="mammen")
    with pytest.raises(MethodInputError, match="term"):
        wild_cluster_bootstrap(x, y, g, term=5)
    with pytest.raises(MethodInputError, match="clusters"):
        wild_cluster_bootstrap(x, y, np.zeros(len(y)), term=1)
    with pytest.raises(MethodInputError, match="x, y"):
        wild_cluster_bootstrap(x, np.where(np.arange(len(y)) == 0, np.nan, y), g, term=1)
    assert set(WEIGHTS) == {"webb", "rademacher"}
