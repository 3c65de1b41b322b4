"""Group-time average treatment effects of Callaway & Sant'Anna (2021) and their aggregations.

The panel layout is that of :mod:`cityclusters.models.did_data`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cityclusters.checks import preview_labels
from cityclusters.errors import MethodInputError
from cityclusters.models.did_data import (
    prepare_panel,
    relative_period_name,
    require_controls,
)
from cityclusters.models.results import RegressionResult, tidy_coefficients

# ---------------------------------------------------------------------------------------
# Callaway & Sant'Anna
# ---------------------------------------------------------------------------------------

def callaway_santanna(data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str,
                      control: str = "not_yet_treated", leads: int | None = None,
                      lags: int | None = None, n_boot: int = 999, seed: int | None = None,
                      level: float = 0.95, dropna: bool = False,
                      name: str | None = None) -> RegressionResult:
    r"""Group-time average treatment effects (Callaway & Sant'Anna 2021), unconditional.

    FORMULA (2×2 DID for cohort g and period t, base period b)::

        ATT(g, t) = [Ȳ_t − Ȳ_b]_{G = g} − [Ȳ_t − Ȳ_b]_{controls}

    with b = g − 1 for t ≥ g and b = t − 1 for pre-periods (the "varying" base of the R
    package ``did``, so pre-period estimates are placebo one-period changes). Controls:
    never-treated units (``control="never"``) or units not yet treated at t —
    never-treated or G > t, other than g (``"not_yet_treated"``). Cells without controls
    (e.g. t ≥ last cohort without never-treated units) are skipped and listed.

    Aggregations: event time θ(e) = Σ_g (n_g / Σ n_g') ATT(g, g + e) over the cohorts with
    the cell; overall ``att`` = Σ_{g, t ≥ g} n_g ATT(g, t) / Σ_{g, t ≥ g} n_g ("simple"
    aggregation: every post-treatment unit-year weighted equally).

    Standard errors: nonparametric bootstrap over units (clusters), ``n_boot`` draws (default
    999) with ``seed``; in each draw the ATT(g, t) and the cohort weights are recomputed, so weight
    uncertainty is included. Intervals are normal (estimate ± z·SE). The R package uses a
    multiplier bootstrap; results are close but not identical.

    Reference: the point estimates (every ATT(g, t), pre-period cells with the varying base
    included, and the simple, group and dynamic aggregations of :func:`aggregate_att_gt`)
    equal those of the Python port ``differences`` (``ATTgt``, no covariates, base period
    "varying") to 1e-8 (``tests/models/test_callaway_santanna_reference.py``). One deliberate
    difference: without never-treated units the R package and its ports make the last cohort
    the comparison group and drop its cells; here it keeps its pre-period placebo cells
    (not-yet-treated controls exist for them), so the pre-period event-time averages can
    differ while every post-period cell and aggregate is the same.

    Requires a balanced panel (every unit in every period).

    Returns
    -------
    RegressionResult
        Terms ``rel_e`` and ``att`` with the bootstrap covariance; statistics include
        ``att_gt`` (DataFrame cohort, time, rel_time, estimate, std_error, n_treated,
        n_control), ``n_boot``, ``seed``, ``skipped_cells``.

    UNITS: effects in units of ``outcome``.

    SOURCE: Callaway & Sant'Anna (2021), "Difference-in-Differences with multiple time
    periods", *Journal of Econometrics* 225(2):200–230.

    Examples
    --------
    The data of :func:`~cityclusters.models.event_study.twfe_event_study`: ATT(2002, 2002) =
    [y₂₀₀₂ − y₂₀₀₁] of A minus the mean of the same change in B and C = 2.5 − 0.5 = 2,
    ATT(2002, 2003) = 3, and the overall ATT is their mean; the placebo of the last pre-period,
    ATT(2002, 2001) = [y₂₀₀₁ − y₂₀₀₀] of A minus that of B and C, is 0 (no pre-trend). The
    point estimates do not depend on the bootstrap draws.

    >>> import pandas as pd
    >>> from cityclusters.models.callaway_santanna import callaway_santanna
    >>> panel = pd.DataFrame({"city": list("AAAABBBBCCCC"), "year": [2000, 2001, 2002, 2003] * 3})
    >>> panel["cohort"] = panel["city"].map({"A": 2002}).astype(float)
    >>> effect = (panel["year"] - panel["cohort"]).map({0.0: 2.0, 1.0: 3.0}).fillna(0.0)
    >>> panel["y"] = (panel["city"].map({"A": 1.0, "B": 0.0, "C": 2.0})
    ...               + panel["year"].map({2000: 0.0, 2001: 1.0, 2002: 1.5, 2003: 3.0}) + effect)
    >>> fit = callaway_santanna(panel, "y", "city", "year", "cohort", n_boot=20, seed=1)
    >>> fit.coefficients[["term", "estimate"]].round(4)
         term  estimate
    0  rel_-1       0.0
    1   rel_0       2.0
    2   rel_1       3.0
    3     att       2.5
    """
    if control not in ("never", "not_yet_treated"):
        raise MethodInputError(f"control={control!r} is not valid; choose 'never' or 'not_yet_treated'")
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise MethodInputError(f"n_boot={n_boot!r}: need an integer ≥ 2")
    frame, _, n_dropped = prepare_panel(data, outcome, unit, time, cohort, None, dropna)
    require_controls(frame, unit, cohort)
    if control == "never" and not frame["_g"].isna().any():
        raise MethodInputError(f"{cohort}: no never-treated {unit} for control='never'; "
                               "use control='not_yet_treated'")
    wide = frame.pivot(index=unit, columns="_t", values=outcome)
    if wide.isna().any().any():
        missing = wide.index[wide.isna().any(axis=1)]
        raise MethodInputError(f"data: the panel is unbalanced ({unit} {preview_labels(missing)} miss "
                               "periods); callaway_santanna needs every unit in every period")
    periods = list(wide.columns)
    y = wide.to_numpy()
    g_unit = frame.groupby(unit)["_g"].first().reindex(wide.index).to_numpy()
    n_units = len(g_unit)
    never = np.isnan(g_unit)
    cohorts = sorted(np.unique(g_unit[~never]))
    pos = {p: i for i, p in enumerate(periods)}

    cells, skipped = [], []
    for g in cohorts:
        treat = g_unit == g
        for t in periods:
            # t = g − 1 is the last pre-period: its placebo change from g − 2 is the e = −1
            # cell of the event study (the R package's varying base keeps it too)
            b = g - 1 if t >= g else t - 1
            if b not in pos:
                continue
            if control == "never":
                ctrl = never.copy()
            else:
                ctrl = (never | (g_unit > max(t, b))) & ~treat
            if not ctrl.any():
                skipped.append((int(g), int(t)))
                continue
            cells.append((g, t, int(t - g), y[:, pos[t]] - y[:, pos[b]], treat, ctrl))
    if not cells:
        raise MethodInputError("no (cohort, period) cell has controls")

    dy = np.column_stack([c[3] for c in cells])  # units × cells
    tr = np.column_stack([c[4] for c in cells]).astype(float)
    ct = np.column_stack([c[5] for c in cells]).astype(float)
    rel = np.array([c[2] for c in cells])
    g_cell = np.array([c[0] for c in cells])
    is_g = np.column_stack([g_unit == g for g in cohorts]).astype(float)  # units × cohorts
    g_index = np.array([cohorts.index(g) for g in g_cell])

    lo = -np.inf if leads is None else -leads
    hi = np.inf if lags is None else lags
    report = sorted(e for e in set(rel.tolist()) if lo <= e <= hi)
    post = rel >= 0
    if not post.any():
        raise MethodInputError("no post-treatment cell can be estimated")

    def estimate(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ATT(g,t) and aggregates for unit weights w (rows = draws)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            att = (w @ (tr * dy)) / (w @ tr) - (w @ (ct * dy)) / (w @ ct)
            n_g = (w @ is_g)[:, g_index]  # cohort size of each cell's cohort
            out = []
            for e in report:
                m = rel == e
                out.append((att[:, m] * n_g[:, m]).sum(1) / n_g[:, m].sum(1))
            out.append((att[:, post] * n_g[:, post]).sum(1) / n_g[:, post].sum(1))
        return att, np.column_stack(out)

    att_gt, agg = estimate(np.ones((1, n_units)))
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n_units, np.full(n_units, 1.0 / n_units), size=n_boot).astype(float)
    att_b, agg_b = estimate(draws)
    # a draw without treated or control units in a cell gives NaN there; those draws are
    # left out of that cell's standard error (counted below)
    se_gt = np.nanstd(att_b, axis=0, ddof=1)
    terms = [relative_period_name(e) for e in report] + ["att"]
    ok = np.isfinite(agg_b).all(axis=1)
    cov = np.cov(agg_b[ok].T, ddof=1).reshape(len(terms), len(terms))
    estimates = pd.Series(agg[0], index=terms)
    std_errors = pd.Series(np.sqrt(np.diag(cov)), index=terms)
    coefficients = tidy_coefficients(estimates, std_errors, dof=None, level=level)
    table = pd.DataFrame({
        "cohort": g_cell.astype(int), "time": [int(c[1]) for c in cells], "rel_time": rel,
        "estimate": att_gt[0], "std_error": se_gt,
        "n_treated": tr.sum(0).astype(int), "n_control": ct.sum(0).astype(int),
    })
    stats = {
        "n_obs": int(len(frame)), "n_units": n_units, "n_periods": len(periods),
        "r2": None, "r2_within": None, "fixed_effects": (),
        "cov_type": f"unit bootstrap ({n_boot} draws)", "n_clusters": n_units,
        "dependent": outcome, "estimator": "Callaway-Sant'Anna ATT(g,t)", "control": control,
        "att_gt": table, "n_boot": int(n_boot), "seed": seed,
        "n_boot_failed": int((~ok).sum()), "skipped_cells": skipped, "n_dropped": n_dropped,
    }
    return RegressionResult(name or outcome, coefficients, stats, level,
                            pd.DataFrame(cov, index=terms, columns=terms))


def cs_att_many(y: np.ndarray, cohort: np.ndarray, periods: Sequence[int], n_boot: int,
                seed: int, level: float = 0.95) -> dict[str, np.ndarray]:
    r"""The overall Callaway–Sant'Anna ATT (not-yet-treated and never-treated controls) of
    :func:`callaway_santanna` for many outcomes at once.

    ``y``: balanced cube units × periods × outcomes; ``cohort``: first treated period per unit
    (NaN never treated). For every cohort g and period t ≥ g with controls,
    ATT(g, t) = [Ȳ_t − Ȳ_{g−1}]_{G=g} − [Ȳ_t − Ȳ_{g−1}]_{never treated or G > t}, and
    ATT = Σ n_g ATT(g, t) / Σ n_g over those cells; standard error from ``n_boot`` draws of
    units with replacement (the draws of :func:`callaway_santanna` with the same ``seed``,
    weights recomputed in each draw), normal interval. Equals that function's ``att`` (estimate
    and error, tested); written for arrays so that hundreds of specifications take a second.
    Returns ``estimate``, ``std_error``, ``ci_low``, ``ci_high`` (one per outcome).

    Examples
    --------
    Four cities over three periods, one treated from period 2 with an effect of exactly 1 on
    top of the common trend; the others never treated:

    >>> import numpy as np
    >>> from cityclusters.models.callaway_santanna import cs_att_many
    >>> y = np.array([[0.0, 2, 3], [0, 1, 2], [1, 2, 3], [2, 3, 4]])[:, :, None]
    >>> fit = cs_att_many(y, np.array([2.0, np.nan, np.nan, np.nan]), [1, 2, 3], n_boot=9, seed=0)
    >>> fit["estimate"].tolist(), fit["std_error"].tolist()
    ([1.0], [0.0])
    """
    n_units = y.shape[0]
    never = np.isnan(cohort)
    pos = {p: i for i, p in enumerate(periods)}
    cells = []
    for g in sorted(np.unique(cohort[~never])):
        treat = cohort == g
        for t in periods:
            if t < g or (g - 1) not in pos:
                continue
            control = (never | (cohort > t)) & ~treat
            if control.any():
                cells.append((treat, control, y[:, pos[t], :] - y[:, pos[g - 1], :]))
    if not cells:
        raise MethodInputError("no post-opening (cohort, period) cell has controls")
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n_units, np.full(n_units, 1.0 / n_units), size=n_boot).astype(float)
    weights = np.vstack([np.ones((1, n_units)), draws])
    total = np.zeros((len(weights), y.shape[2]))
    size = np.zeros((len(weights), 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        for treat, control, dy in cells:
            att = (weights @ (treat[:, None] * dy)) / (weights @ treat)[:, None] \
                - (weights @ (control[:, None] * dy)) / (weights @ control)[:, None]
            n_g = (weights @ treat)[:, None]
            total, size = total + att * n_g, size + n_g
    att = total / size
    ok = np.isfinite(att[1:]).all(axis=1)
    se = att[1:][ok].std(axis=0, ddof=1)
    z = stats.norm.ppf(0.5 + level / 2)
    return {"estimate": att[0], "std_error": se, "ci_low": att[0] - z * se, "ci_high": att[0] + z * se}


def aggregate_att_gt(att_gt: pd.DataFrame) -> dict[str, object]:
    r"""Point estimates of the aggregations of Callaway & Sant'Anna (2021, section 3) from a
    table of group-time effects (the ``att_gt`` statistic of :func:`callaway_santanna`).

    FORMULAS (n_g = cohort size, post cells t ≥ g only for the summaries)::

        θ_sel(g)  = mean over post t of ATT(g, t)                      (group / "cohort")
        θ_sel     = Σ_g n_g θ_sel(g) / Σ_g n_g                         (overall, group)
        θ_es(e)   = Σ_g n_g ATT(g, g + e) / Σ_g n_g over cohorts with the cell   (dynamic)
        θ_es      = mean over e ≥ 0 of θ_es(e)                         (overall, dynamic)
        θ_simple  = Σ_{t ≥ g} n_g ATT(g, t) / Σ_{t ≥ g} n_g            (the ``att`` term)

    These are the ``aggte`` aggregations of the R package ``did`` (types "group", "dynamic",
    "simple"); the tests compare them with the Python port ``differences``.

    Returns ``group`` (Series by cohort), ``group_overall``, ``dynamic`` (Series by event
    time), ``dynamic_overall`` and ``simple``.

    Examples
    --------
    Cohort 2002 (2 units) with post effects 1 and 3, cohort 2003 (1 unit) with 4: θ_sel is
    (2, 4) and overall (2·2 + 4)/3; θ_es(0) = (2·1 + 4)/3 = 2, θ_es(1) = 3, dynamic overall
    2.5; simple (2·1 + 2·3 + 4)/5 = 2.4.

    >>> import pandas as pd
    >>> gt = pd.DataFrame({"cohort": [2002, 2002, 2003], "time": [2002, 2003, 2003],
    ...                    "rel_time": [0, 1, 0], "estimate": [1.0, 3.0, 4.0],
    ...                    "n_treated": [2, 2, 1]})
    >>> agg = aggregate_att_gt(gt)
    >>> agg["group"].tolist(), round(agg["group_overall"], 4), agg["dynamic_overall"], agg["simple"]
    ([2.0, 4.0], 2.6667, 2.5, 2.4)
    """
    missing = [c for c in ("cohort", "rel_time", "estimate", "n_treated") if c not in att_gt.columns]
    if missing:
        raise MethodInputError(f"att_gt: missing column(s) {missing}")
    post = att_gt[att_gt["rel_time"] >= 0]
    if post.empty:
        raise MethodInputError("att_gt: no post-treatment cell (rel_time ≥ 0)")
    group = post.groupby("cohort")["estimate"].mean()
    size = post.groupby("cohort")["n_treated"].first()
    w = att_gt["n_treated"].astype(float)
    dynamic = (att_gt.assign(w=w, wy=w * att_gt["estimate"]).groupby("rel_time")[["wy", "w"]].sum()
               .pipe(lambda f: f["wy"] / f["w"]))
    return {"group": group, "group_overall": float((group * size).sum() / size.sum()),
            "dynamic": dynamic, "dynamic_overall": float(dynamic[dynamic.index >= 0].mean()),
            "simple": float((post["estimate"] * post["n_treated"]).sum() / post["n_treated"].sum())}


def cs_att_assignments(y: np.ndarray, cohorts: np.ndarray, periods: Sequence[int]) -> np.ndarray:
    r"""The overall Callaway–Sant'Anna ATT (``att`` of :func:`callaway_santanna` with
    not-yet-treated and never-treated controls) for many treatment assignments at once,
    point estimates only: the statistic of a randomisation test over joining dates.

    ``y``: balanced outcomes, units × periods, or units × periods × outcomes; ``cohorts``:
    assignments × units, first treated period (NaN never treated). For every assignment r,
    cohort g and period t ≥ g whose controls C_t = {never treated or G > t} are not empty::

        ATT_r(g, t) = [Ȳ_t − Ȳ_{g−1}]_{G_r = g} − [Ȳ_t − Ȳ_{g−1}]_{C_t}
        ATT_r       = Σ n_g ATT_r(g, t) / Σ n_g

    Because C_t depends on t only (every unit of cohort g ≤ t is outside it), the means are
    two matrix products per assignment: cohort means (cohorts × periods) and control means
    (periods × periods). Returns an array assignments (× outcomes); NaN where an assignment
    has no cell with controls. Equals :func:`callaway_santanna`'s ``att`` for each
    assignment (tested).

    Examples
    --------
    The panel of :func:`cs_att_many` (effect exactly 1) and the same panel with the treated
    city swapped for the second one (whose path is the common trend, so its "effect" is the
    difference from the mean of the rest):

    >>> import numpy as np
    >>> y = np.array([[0.0, 2, 3], [0, 1, 2], [1, 2, 3], [2, 3, 4]])
    >>> nan = np.nan
    >>> cs_att_assignments(y, np.array([[2.0, nan, nan, nan], [nan, 2.0, nan, nan]]), [1, 2, 3]).round(4).tolist()
    [1.0, -0.3333]
    """
    y = np.asarray(y, dtype=float)
    squeeze = y.ndim == 2
    if squeeze:
        y = y[:, :, None]
    cohorts = np.atleast_2d(np.asarray(cohorts, dtype=float))
    n_units, n_periods, n_out = y.shape
    if cohorts.shape[1] != n_units or len(periods) != n_periods:
        raise MethodInputError(f"cohorts: need assignments × {n_units} units and {n_periods} periods; "
                               f"got {cohorts.shape} and {len(periods)} periods")
    if np.isnan(y).any():
        raise MethodInputError("y: the panel must be balanced (no missing outcome)")
    pos = {p: i for i, p in enumerate(periods)}
    never = np.isnan(cohorts)
    flat = y.reshape(n_units, n_periods * n_out)
    # control sets C_t per assignment: assignments × periods × units
    with np.errstate(invalid="ignore"):
        ctrl = never[:, None, :] | (cohorts[:, None, :] > np.asarray(periods, dtype=float)[None, :, None])
    n_ctrl = ctrl.sum(axis=2)  # assignments × periods
    with np.errstate(invalid="ignore", divide="ignore"):
        ctrl_mean = (ctrl.astype(float) @ flat).reshape(len(cohorts), n_periods, n_periods, n_out) \
            / n_ctrl[:, :, None, None]  # [r, t, s, k]: mean over C_t of y_s
    total = np.zeros((len(cohorts), n_out))
    size = np.zeros((len(cohorts), 1))
    for g in np.unique(cohorts[~never]):
        if (g - 1) not in pos:
            continue
        b = pos[g - 1]
        treat = (cohorts == g).astype(float)
        n_g = treat.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_g = (treat @ flat).reshape(len(cohorts), n_periods, n_out) / n_g[:, None, None]
        for t in periods:
            if t < g:
                continue
            i = pos[t]
            ok = (n_ctrl[:, i] > 0) & (n_g > 0)
            att = (mean_g[:, i] - mean_g[:, b]) - (ctrl_mean[:, i, i] - ctrl_mean[:, i, b])
            total += np.where(ok[:, None], att * n_g[:, None], 0.0)
            size += np.where(ok, n_g, 0.0)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = total / size
    return out[:, 0] if squeeze else out
