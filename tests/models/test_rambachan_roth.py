"""Relative-magnitudes bounds (Rambachan & Roth 2023) of models.event_study: worked examples,
the identified set against the maintained port in ``moderndid`` (``didhonest``), the robust
set against its conditional/least-favourable (C-LF) set, and coverage by simulation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from cityclusters.errors import MethodInputError
from cityclusters.models.event_study import breakdown_mbar, relative_magnitudes_bounds
from cityclusters.models.results import RegressionResult, tidy_coefficients


def result(leads: dict, post: list, cov=None) -> RegressionResult:
    """A regression event study: leads {e: β_e} (β₋₁ = 0 omitted), post β₀, β₁, …"""
    terms = [f"rel_{e}" for e in leads] + [f"rel_{e}" for e in range(len(post))]
    est = pd.Series(list(leads.values()) + list(post), index=terms, dtype=float)
    cov = np.zeros((len(terms), len(terms))) if cov is None else np.asarray(cov)
    se = pd.Series(np.sqrt(np.diag(cov)), index=terms)
    return RegressionResult("y", tidy_coefficients(est, se), {}, 0.95,
                            pd.DataFrame(cov, index=terms, columns=terms))


@pytest.mark.parametrize("leads, post", [
    ({-3: 0.1, -2: 0.2}, [1.0, 2.0]),
    ({-4: 0.0, -3: 0.1, -2: 0.2}, [1.0, 2.0, 2.5]),
    ({-5: 0.3, -4: 0.35, -3: 0.1, -2: -0.05}, [0.4, -0.2, 0.9, 1.1]),
])
def test_identified_set_equals_moderndid(leads, post):
    from moderndid.didhonest.delta.rm.rm import compute_identified_set_rm

    beta = np.array(list(leads.values()) + post)
    fit = relative_magnitudes_bounds(result(leads, post), mbar=[0.5, 1.0, 2.0])
    for _, row in fit.iterrows():
        ref = compute_identified_set_rm(row["mbar"], beta, np.full(len(post), 1 / len(post)),
                                        len(leads), len(post))
        assert row["id_low"] == pytest.approx(ref.id_lb, abs=1e-8)
        assert row["id_high"] == pytest.approx(ref.id_ub, abs=1e-8)


def test_earliest_change_counts_although_moderndid_0_2_skips_it():
    """β₋₃ = 0.2, β₋₂ = −0.1: the largest pre-period change (−0.3) is the earliest one. The
    paper's Δ^RM takes the maximum over every pre-period change; moderndid 0.2.0 leaves the
    earliest out of its union over s (its range starts one period late) and returns a point.
    Ours: m = 0.3, c = 1.5, M̄ = 1 → 1.5 ± 0.45."""
    fit = relative_magnitudes_bounds(result({-3: 0.2, -2: -0.1}, [1.0, 2.0]), mbar=[1.0])
    assert fit.loc[0, ["id_low", "id_high"]].tolist() == pytest.approx([1.05, 1.95])


def test_changes_and_levels_give_the_same_bounds():
    levels = result({-4: 0.0, -3: 0.1, -2: 0.2}, [1.0, 2.0, 2.5])
    # one-year changes of the same path: −4→−3: 0.1 (rel_-3), −3→−2: 0.1 (rel_-2), −2→−1: −0.2
    changes = result({-3: 0.1, -2: 0.1, -1: -0.2}, [1.0, 2.0, 2.5])
    a = relative_magnitudes_bounds(levels)
    b = relative_magnitudes_bounds(changes, pre="changes")
    pd.testing.assert_frame_equal(a, b)


def test_robust_set_contains_the_conditional_least_favourable_set():
    from moderndid.didhonest import create_sensitivity_results_rm

    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4)) * 0.1
    cov = a @ a.T + np.eye(4) * 0.01
    leads, post = {-3: 0.1, -2: 0.2}, [1.0, 2.0]
    ours = relative_magnitudes_bounds(result(leads, post, cov), mbar=[0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = create_sensitivity_results_rm(np.array(list(leads.values()) + post), cov, 2, 2,
                                            m_bar_vec=np.array([1.0]), l_vec=np.array([0.5, 0.5]),
                                            grid_points=200)
    lb, ub = float(ref["lb"][0]), float(ref["ub"][0])
    row = ours.set_index("mbar").loc[1.0]
    assert row["ci_low"] <= lb and ub <= row["ci_high"]  # conservative: wider
    sigma = np.sqrt(np.full(2, 0.5) @ cov[2:, 2:] @ np.full(2, 0.5))
    assert ours.set_index("mbar").loc[0.0, "ci_high"] == pytest.approx(1.5 + 1.959964 * sigma, abs=1e-5)


def test_robust_set_covers_under_the_restriction():
    """δ with pre-period changes up to 0.3 and post-period changes of exactly M̄·0.3 (the worst
    case allowed at M̄ = 1); β̂ ~ N(τ + δ, Σ). Coverage of θ = mean τ_post must be ≥ 95 %."""
    rng = np.random.default_rng(1)
    leads = {-4: 0.3, -3: 0.0, -2: 0.1}
    tau = np.array([0.5, 0.5, 0.5])
    delta_post = np.array([0.3, 0.6, 0.9])
    beta = np.r_[list(leads.values()), tau + delta_post]
    a = rng.normal(size=(6, 6)) * 0.05
    cov = a @ a.T + np.eye(6) * 0.01
    draws = rng.multivariate_normal(beta, cov, size=1000)
    hits = 0
    for b in draws:
        fit = relative_magnitudes_bounds(result(dict(zip(leads, b[:3])), list(b[3:]), cov), mbar=[1.0])
        hits += fit.loc[0, "ci_low"] <= tau.mean() <= fit.loc[0, "ci_high"]
    assert hits / len(draws) >= 0.95


def test_breakdown_value_is_where_the_set_reaches_zero():
    cov = np.eye(4) * 0.01
    fit = relative_magnitudes_bounds(result({-3: 0.1, -2: 0.2}, [1.0, 2.0], cov), mbar=[0.0, 1.0])
    m_star = breakdown_mbar(fit)
    at = relative_magnitudes_bounds(result({-3: 0.1, -2: 0.2}, [1.0, 2.0], cov), mbar=[m_star])
    assert at.loc[0, "ci_low"] == pytest.approx(0.0, abs=1e-9)
    # an interval that holds zero at M̄ = 0 breaks down at once
    weak = relative_magnitudes_bounds(result({-3: 0.1, -2: 0.2}, [0.1, -0.1], cov))
    assert breakdown_mbar(weak) == 0.0


def test_bad_input_refused():
    fit = result({-3: 0.1, -2: 0.2}, [1.0, 2.0])
    with pytest.raises(MethodInputError, match="pre="):
        relative_magnitudes_bounds(fit, pre="slopes")
    with pytest.raises(MethodInputError, match="mbar="):
        relative_magnitudes_bounds(fit, mbar=[-1])
    with pytest.raises(MethodInputError, match="pre-period"):
        relative_magnitudes_bounds(result({}, [1.0]))
