"""The book's Callaway–Sant'Anna estimator against a maintained implementation.

Reference: ``differences`` (``ATTgt``, a Python port of the R package ``did``), fitted without
covariates (``est_method="reg"``: the unconditional 2×2 DID of each cell) and with the
"varying" base period of the R package, on simulated staggered panels with a fixed seed:
heterogeneous, growing effects, unit-specific trends (so pre-period placebo cells are not
zero) and noise. And the R package's own example data ``mpdta``, which the wheel of
``moderndid`` (another port) ships: our estimates against the published ones (four decimals)
and against ``moderndid`` (to 1e-8).

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
import moderndid
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


# ------------------------------------------------ the R package's example data (mpdta)

#: Published results of the R package ``did`` on its example data ``mpdta`` (teen employment,
#: log; unconditional, never-treated controls, varying base): group-time ATTs and the
#: aggregations as printed in the package's introductory vignette (Callaway & Sant'Anna,
#: "Introduction to DiD with Multiple Time Periods"), four decimals.
MPDTA_ATT_GT = {(2004, 2004): -0.0105, (2004, 2005): -0.0704, (2004, 2006): -0.1373,
                (2004, 2007): -0.1008, (2006, 2004): 0.0065, (2006, 2005): -0.0028,
                (2006, 2006): -0.0046, (2006, 2007): -0.0412, (2007, 2004): 0.0305,
                (2007, 2005): -0.0027, (2007, 2006): -0.0311, (2007, 2007): -0.0261}
MPDTA_DYNAMIC = {-3: 0.0305, -2: -0.0006, -1: -0.0245, 0: -0.0199, 1: -0.0510, 2: -0.1373,
                 3: -0.1008}
MPDTA_GROUP = {2004: -0.0797, 2006: -0.0229, 2007: -0.0261}
MPDTA_SIMPLE, MPDTA_GROUP_OVERALL, MPDTA_DYNAMIC_OVERALL = -0.0400, -0.0310, -0.0772


@pytest.fixture(scope="module")
def mpdta():
    """``mpdta`` as shipped inside the installed wheel of ``moderndid`` (nothing downloaded)."""
    frame = moderndid.load_mpdta().to_pandas()
    return frame.assign(cohort=frame["first.treat"].replace(0, np.nan).astype(float))


def test_mpdta_matches_the_published_results_and_moderndid(mpdta):
    fit = callaway_santanna(mpdta, "lemp", "countyreal", "year", "cohort", control="never",
                            n_boot=999, seed=1)
    gt = fit.statistics["att_gt"].set_index(["cohort", "time"])["estimate"]
    for cell, value in MPDTA_ATT_GT.items():
        assert gt[cell] == pytest.approx(value, abs=5e-5)
    coef = fit.coefficients.set_index("term")
    for e, value in MPDTA_DYNAMIC.items():
        assert coef.at[f"rel_{e}", "estimate"] == pytest.approx(value, abs=5e-5)
    agg = aggregate_att_gt(fit.statistics["att_gt"])
    for g, value in MPDTA_GROUP.items():
        assert agg["group"][g] == pytest.approx(value, abs=5e-5)
    assert coef.at["att", "estimate"] == pytest.approx(MPDTA_SIMPLE, abs=5e-5)
    assert agg["group_overall"] == pytest.approx(MPDTA_GROUP_OVERALL, abs=5e-5)
    assert agg["dynamic_overall"] == pytest.approx(MPDTA_DYNAMIC_OVERALL, abs=5e-5)
    # the published simple ATT's standard error is 0.0115–0.0120 (analytic / multiplier)
    assert 0.009 < coef.at["att", "std_error"] < 0.015

    # and to machine precision against moderndid (a port of the R package)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = moderndid.att_gt(data=moderndid.load_mpdta(), yname="lemp", tname="year",
                               idname="countyreal", gname="first.treat",
                               control_group="nevertreated", base_period="varying",
                               est_method="reg")
        simple = moderndid.aggte(ref, type="simple")
        group = moderndid.aggte(ref, type="group")
        dynamic = moderndid.aggte(ref, type="dynamic")
    theirs = pd.Series(np.asarray(ref.att_gt, dtype=float),
                       index=pd.MultiIndex.from_arrays([np.asarray(ref.groups, dtype=int),
                                                        np.asarray(ref.times, dtype=int)]))
    assert np.abs(gt.sort_index() - theirs.sort_index().to_numpy()).max() < TOL
    assert coef.at["att", "estimate"] == pytest.approx(float(simple.overall_att), abs=TOL)
    assert agg["group_overall"] == pytest.approx(float(group.overall_att), abs=TOL)
    assert agg["dynamic_overall"] == pytest.approx(float(dynamic.overall_att), abs=TOL)
    for e, value in zip(np.asarray(dynamic.event_times), np.asarray(dynamic.att_by_event)):
        assert coef.at[f"rel_{int(e)}", "estimate"] == pytest.approx(float(value), abs=TOL)
