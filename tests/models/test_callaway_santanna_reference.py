"""The book's Callaway–Sant'Anna estimator against a maintained implementation.

Reference: ``differences`` (``ATTgt``, a Python port of the R package ``did``), fitted without
covariates (``est_method="reg"``: the unconditional 2×2 DID of each cell) and with the
"varying" base period of the R package. Neither ``differences`` nor any other installed
package ships example data for this estimator (the R package's ``mpdta`` is not in a Python
wheel), so both are run on simulated staggered panels with a fixed seed: heterogeneous,
growing effects, unit-specific trends (so pre-period placebo cells are not zero) and noise.

Point estimates must agree to 1e-8: every ATT(g, t), pre-period cells included, and the
simple, group ("cohort") and dynamic ("event") aggregations. Standard errors differ by
construction (ours: nonparametric bootstrap over units; theirs: analytic influence function)
and are compared loosely.

One deliberate difference: without never-treated units the R package and ``differences`` turn
the last cohort into the comparison group and drop its cells; ours keeps that cohort's
pre-period placebo cells (its not-yet-treated controls exist there). The post-period cells
and every post-period aggregate are the same; the test checks both.
"""

from __future__ import annotations

import warnings

import differences
import numpy as np
import pandas as pd
import pytest

from cityclusters.models.callaway_santanna import aggregate_att_gt, callaway_santanna

YEARS = np.arange(2001, 2013)
TOL = 1e-8


def simulate(cohorts, n: int = 80, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cohort = rng.choice(cohorts, size=n)
    alpha, lam = rng.normal(size=n), rng.normal(size=len(YEARS))
    slope = rng.normal(size=n) * 0.1
    rows = []
    for i in range(n):
        for k, t in enumerate(YEARS):
            g = cohort[i]
            tau = 0.5 + 0.2 * (t - g) if np.isfinite(g) and t >= g else 0.0
            rows.append((i, int(t), g, alpha[i] + lam[k] + slope[i] * k + tau + rng.normal()))
    return pd.DataFrame(rows, columns=["id", "year", "cohort", "y"])


def flat(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.columns = [c[-1] for c in out.columns]
    return out


def reference(data: pd.DataFrame, control: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = differences.ATTgt(data=data.set_index(["id", "year"]), cohort_column="cohort",
                                  base_period="varying")
        gt = model.fit("y", control_group=control, est_method="reg", progress_bar=False)
        out = {"att_gt": flat(gt.to_pandas()).reset_index(),
               "simple": flat(model.aggregate("simple")),
               "event": flat(model.aggregate("event")),
               "event_overall": flat(model.aggregate("event", overall=True)),
               "cohort": flat(model.aggregate("cohort")),
               "cohort_overall": flat(model.aggregate("cohort", overall=True))}
    return out


@pytest.fixture(scope="module")
def with_never():
    return simulate([2004.0, 2006.0, 2009.0, np.nan])


@pytest.mark.parametrize("ours, theirs", [("never", "never_treated"),
                                          ("not_yet_treated", "not_yet_treated")])
def test_att_gt_and_aggregations_match_the_reference(with_never, ours, theirs):
    fit = callaway_santanna(with_never, "y", "id", "year", "cohort", control=ours,
                            n_boot=199, seed=3)
    ref = reference(with_never, theirs)
    gt = fit.statistics["att_gt"].merge(ref["att_gt"], on=["cohort", "time"], how="outer",
                                        indicator=True)
    assert (gt["_merge"] == "both").all()  # the same cells, pre-periods included
    assert (gt["rel_time"] < 0).sum() > 10
    # varying base: b = t − 1 before treatment, g − 1 after
    base = np.where(gt["rel_time"] < 0, gt["time"] - 1, gt["cohort"] - 1)
    assert (gt["base_period"].to_numpy() == base).all()
    assert np.abs(gt["estimate"] - gt["ATT"]).max() < TOL

    coef = fit.coefficients.set_index("term")
    event = ref["event"]["ATT"]
    for e, value in event.items():
        assert coef.at[f"rel_{e}", "estimate"] == pytest.approx(value, abs=TOL)
    assert coef.at["att", "estimate"] == pytest.approx(ref["simple"]["ATT"].iloc[0], abs=TOL)

    agg = aggregate_att_gt(fit.statistics["att_gt"])
    for g, value in ref["cohort"]["ATT"].items():
        assert agg["group"][g] == pytest.approx(value, abs=TOL)
    assert agg["group_overall"] == pytest.approx(ref["cohort_overall"]["ATT"].iloc[0], abs=TOL)
    assert agg["dynamic_overall"] == pytest.approx(ref["event_overall"]["ATT"].iloc[0], abs=TOL)
    assert agg["simple"] == pytest.approx(coef.at["att", "estimate"], abs=TOL)

    # standard errors: bootstrap (ours) against the analytic influence function (theirs)
    ratio = coef.at["att", "std_error"] / ref["simple"]["std_error"].iloc[0]
    assert 0.75 < ratio < 1.33
    ratios = (coef.loc[[f"rel_{e}" for e in event.index], "std_error"].to_numpy()
              / ref["event"]["std_error"].to_numpy())
    assert 0.6 < np.median(ratios) < 1.6
    cell = fit.statistics["att_gt"]["std_error"].to_numpy() / gt["std_error_y"].to_numpy()
    assert 0.6 < np.median(cell) < 1.6


def test_without_never_treated_only_the_last_cohorts_placebo_cells_differ():
    data = simulate([2004.0, 2006.0, 2009.0, 2011.0])
    fit = callaway_santanna(data, "y", "id", "year", "cohort", control="not_yet_treated",
                            n_boot=99, seed=3)
    ref = reference(data, "not_yet_treated")
    gt = fit.statistics["att_gt"].merge(ref["att_gt"], on=["cohort", "time"], how="left",
                                        indicator=True)
    extra = gt[gt["_merge"] == "left_only"]
    assert set(extra["cohort"]) == {2011} and (extra["rel_time"] < 0).all()
    shared = gt[gt["_merge"] == "both"]
    assert np.abs(shared["estimate"] - shared["ATT"]).max() < TOL
    assert fit.coefficient("att")["estimate"] == pytest.approx(ref["simple"]["ATT"].iloc[0], abs=TOL)
    coef = fit.coefficients.set_index("term")
    for e, value in ref["event"]["ATT"].items():
        if e >= 0:
            assert coef.at[f"rel_{e}", "estimate"] == pytest.approx(value, abs=TOL)


def test_aggregate_att_gt_refuses_a_table_without_post_cells():
    from cityclusters.errors import MethodInputError

    gt = pd.DataFrame({"cohort": [2002], "time": [2001], "rel_time": [-1], "estimate": [0.1],
                       "n_treated": [3]})
    with pytest.raises(MethodInputError, match="post-treatment"):
        aggregate_att_gt(gt)
    with pytest.raises(MethodInputError, match="missing column"):
        aggregate_att_gt(gt.drop(columns="n_treated"))
