"""Synthetic control weights against the maintained library pysyncon, and placebo-in-space
inference on simulated panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pysyncon import Synth

from cityclusters.errors import MethodInputError
from cityclusters.models.synthetic_control import (
    placebo_in_space,
    synthetic_control,
    synthetic_weights,
)


@pytest.mark.parametrize("t0, j", [(15, 8), (18, 40)])
def test_weights_match_pysyncon_with_equal_predictor_weights(t0, j):
    """pysyncon scales each predictor row by its standard deviation across units before
    weighting it by V, so V = sd² gives the unscaled, equally weighted pre-period fit."""
    rng = np.random.default_rng(t0 + j)
    x0 = rng.normal(size=(t0, j)).cumsum(axis=0)
    x1 = x0[:, :3].mean(axis=1) + rng.normal(size=t0) * 0.5
    ours = synthetic_weights(x1, x0)
    assert ours.min() >= 0 and ours.sum() == pytest.approx(1.0, abs=1e-12)
    donors = pd.DataFrame(x0, columns=[f"d{i}" for i in range(j)])
    treated = pd.Series(x1, name="treated")
    sd = pd.concat([donors, treated], axis=1).std(axis=1).to_numpy()
    ref = Synth()
    ref.fit(X0=donors, X1=treated, Z0=donors, Z1=treated, custom_V=sd ** 2)
    theirs = np.asarray(ref.W, dtype=float)
    loss = lambda w: float(np.sum((x1 - x0 @ w) ** 2))  # noqa: E731
    # the same minimum (ours at least as low), hence the same fit and, when unique, weights
    assert loss(ours) <= loss(theirs) + 1e-9
    assert loss(ours) == pytest.approx(loss(theirs), rel=1e-5)
    assert np.abs(ours - theirs).max() < 1e-3


def panel(effect: float, seed: int = 0, n_donors: int = 30, n_treated: int = 1,
          years=range(2000, 2016), start: int = 2010) -> tuple[pd.DataFrame, list, list]:
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(2, len(years))).cumsum(axis=1)
    n = n_donors + n_treated
    loadings = rng.uniform(0, 1, size=(n, 2))
    y = loadings @ factors + rng.normal(size=(n, len(years))) * 0.3
    y[:n_treated, np.asarray(years) >= start] += effect
    wide = pd.DataFrame(y, index=[f"u{i}" for i in range(n)], columns=list(years))
    return wide, list(wide.index[:n_treated]), list(wide.index[n_treated:])


def test_placebo_in_space_one_treated_unit():
    wide, treated, donors = panel(effect=5.0)
    res = placebo_in_space(wide, treated, donors, 2010)
    assert res["fit"]["att"] == pytest.approx(5.0, abs=0.8)
    assert res["n_placebos"] == 30 and res["p_att"] == pytest.approx(1 / 31)
    assert res["p_ratio"] == pytest.approx(1 / 31)
    null = placebo_in_space(*panel(effect=0.0, seed=3)[0:3], 2010)
    assert null["p_att"] > 1 / 31


def test_placebo_in_space_treated_group_uses_random_groups():
    wide, treated, donors = panel(effect=3.0, n_treated=4, seed=2)
    res = placebo_in_space(wide, treated, donors, 2010, n_groups=99, seed=1)
    assert res["n_placebos"] == 99 and res["p_att"] == pytest.approx(1 / 100)
    again = placebo_in_space(wide, treated, donors, 2010, n_groups=99, seed=1)
    assert again["placebos"].equals(res["placebos"])


def test_synthetic_control_gap_and_bad_input():
    x0 = np.array([[0.0, 2.0, 9.0], [1.0, 3.0, 9.0], [2.0, 2.0, 9.0]])
    wide = pd.DataFrame(np.c_[x0, [1.0, 2.0, 2.0]].T, index=["a", "b", "c", "t"],
                        columns=[2000, 2001, 2002])
    wide[2003] = [1.0, 1.0, 1.0, 3.0]
    fit = synthetic_control(wide, ["t"], ["a", "b", "c"], 2003)
    assert fit["weights"].round(6).tolist() == [0.5, 0.5, 0.0]
    assert fit["pre_rmspe"] == pytest.approx(0.0, abs=1e-6) and fit["att"] == pytest.approx(2.0)
    with pytest.raises(MethodInputError, match="own donor"):
        synthetic_control(wide, ["t"], ["t", "a"], 2003)
    with pytest.raises(MethodInputError, match="pre-treatment"):
        synthetic_control(wide, ["t"], ["a", "b"], 2001)
    with pytest.raises(MethodInputError, match="no row"):
        synthetic_control(wide, ["z"], ["a", "b"], 2003)
    with pytest.raises(MethodInputError, match="donors"):
        placebo_in_space(wide, ["t", "a", "b"], ["c"], 2003)
