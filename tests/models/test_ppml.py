"""PPML with fixed effects against statsmodels' Poisson GLM with dummies on a simulated gravity
data set with known coefficients; cluster-robust errors; the distance equivalent by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cityclusters.errors import MethodInputError
from cityclusters.models.ppml import PPMLResult, ppml, ratio_interval


@pytest.fixture(scope="module")
def gravity():
    """30 cities, all ordered pairs; ln μ = α_i + γ_j − 1.2 ln d − 0.7 border; Poisson draws
    (with zeros)."""
    rng = np.random.default_rng(18)
    n = 30
    xy = rng.uniform(0, 500, size=(n, 2))
    province = rng.integers(0, 4, size=n)
    alpha, gamma = rng.normal(1.0, 0.5, n), rng.normal(0.0, 0.5, n)
    rows = [(i, j) for i in range(n) for j in range(n) if i != j]
    frame = pd.DataFrame(rows, columns=["o", "d"])
    frame["ln_d"] = np.log(np.hypot(*(xy[frame["o"]] - xy[frame["d"]]).T) + 10)
    frame["border"] = (province[frame["o"]] != province[frame["d"]]).astype(float)
    mu = np.exp(alpha[frame["o"]] + gamma[frame["d"]] + 5.0 - 1.2 * frame["ln_d"] - 0.7 * frame["border"])
    frame["y"] = rng.poisson(mu)
    return frame


def dummies(frame):
    X = pd.get_dummies(frame[["o", "d"]].astype(str), drop_first=False, dtype=float)
    X = X.drop(columns=["d_0"])  # one destination dummy out: the origin dummies span the constant
    return pd.concat([frame[["ln_d", "border"]], X], axis=1)


def test_matches_statsmodels_glm_with_dummies(gravity):
    ours = ppml(gravity["y"], gravity[["ln_d", "border"]], gravity[["o", "d"]], cluster=gravity[["o"]])
    glm = sm.GLM(gravity["y"], dummies(gravity), family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": gravity["o"].to_numpy(), "use_correction": False})
    for term in ("ln_d", "border"):
        assert ours.params[term] == pytest.approx(glm.params[term], abs=1e-6)
    # statsmodels without correction has no G/(G−1) factor; ours has it
    g = gravity["o"].nunique()
    assert ours.std_errors["ln_d"] == pytest.approx(glm.bse["ln_d"] * np.sqrt(g / (g - 1)), rel=1e-4)
    assert ours.converged and ours.dropped == 0


def test_recovers_the_true_coefficients(gravity):
    fit = ppml(gravity["y"], gravity[["ln_d", "border"]], gravity[["o", "d"]], cluster=gravity[["o", "d"]])
    low, high = fit.interval("ln_d")
    assert low < -1.2 < high and abs(fit.params["ln_d"] + 1.2) < 0.1
    low, high = fit.interval("border")
    assert low < -0.7 < high
    assert fit.n_clusters == {"o": 30, "d": 30}


def test_two_way_clustering_by_hand(gravity):
    """V = V_o + V_d − V_od; with one row per (o, d) V_od is the robust sandwich × n/(n−1)."""
    y, X, fe = gravity["y"], gravity[["ln_d", "border"]], gravity[["o", "d"]]
    v_o = ppml(y, X, fe, cluster=gravity[["o"]]).cov.to_numpy()
    v_d = ppml(y, X, fe, cluster=gravity[["d"]]).cov.to_numpy()
    v_het = ppml(y, X, fe).cov.to_numpy()
    two = ppml(y, X, fe, cluster=gravity[["o", "d"]]).cov.to_numpy()
    assert two == pytest.approx(v_o + v_d - v_het, rel=1e-8)


def test_groups_without_flows_are_dropped_and_counted():
    frame = pd.DataFrame({"y": [0, 0, 3, 5, 2, 4, 1, 6], "x": [1.0, 2, 3, 4, 5, 6, 7, 8],
                          "g": ["a", "a", "b", "b", "c", "c", "d", "d"]})
    fit = ppml(frame["y"], frame[["x"]], frame[["g"]])
    assert fit.dropped == 2 and fit.n_obs == 6


def test_bad_input_is_refused():
    with pytest.raises(MethodInputError, match="non-negative"):
        ppml([1, -1, 2], pd.DataFrame({"x": [1.0, 2, 3]}))
    with pytest.raises(MethodInputError, match="missing or infinite"):
        ppml([1, 1, 2], pd.DataFrame({"x": [1.0, np.nan, 3]}))


def test_distance_equivalent_by_hand():
    """δ = −0.7, β = −1.4: exp(0.5) = 1.6487; Var by the delta method with Cov(δ, β) = 0.002:
    ∇ = (1/β, −δ/β²) = (−0.7143, 0.3571)."""
    cov = pd.DataFrame([[0.04, 0.002], [0.002, 0.01]], index=["border", "ln_d"], columns=["border", "ln_d"])
    result = PPMLResult(params=pd.Series({"border": -0.7, "ln_d": -1.4}), cov=cov, mu=np.array([]), n_obs=0, dropped=0)
    out = ratio_interval(result, "border", "ln_d")
    grad = np.array([1 / -1.4, 0.7 / 1.4 ** 2])
    se = np.sqrt(grad @ cov.to_numpy() @ grad)
    assert out["exp_ratio"] == pytest.approx(np.exp(0.5))
    assert out["se"] == pytest.approx(se)
    assert out["exp_low"] == pytest.approx(np.exp(0.5 - 1.959964 * se), rel=1e-6)
