"""Event studies under staggered adoption: the TWFE event study and the interaction-weighted
estimator of Sun & Abraham (2021), which compares each cohort only with clean controls.

The panel layout is that of :mod:`cityclusters.models.did_data`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cityclusters.checks import preview_labels
from cityclusters.errors import MethodInputError
from cityclusters.models.did_data import (
    event_window,
    prepare_panel,
    relative_period_name,
    require_controls,
    years_in,
)
from cityclusters.models.panel import fixed_effects_regression
from cityclusters.models.results import RegressionResult, tidy_coefficients

# ---------------------------------------------------------------------------------------
# TWFE
# ---------------------------------------------------------------------------------------

def twfe_event_study(data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str,
                     leads: int = 4, lags: int = 5, reference: int = -1,
                     bin_endpoints: bool = True, controls=None, cluster="unit",
                     dropna: bool = False, name: str | None = None) -> RegressionResult:
    r"""Two-way fixed-effects event study with relative-time dummies.

    MODEL::

        y_it = α_i + λ_t + Σ_{e ∈ [−L, K], e ≠ r} β_e · 1[t − g_i = e] + x_it'γ + ε_it

    with L = ``leads``, K = ``lags``, r = ``reference`` (default −1, the omitted year
    before treatment). With ``bin_endpoints`` the end dummies are 1[t − g_i ≤ −L] and
    1[t − g_i ≥ K] (binned), so that every treated observation has a dummy; otherwise
    treated observations outside [−L, K] are dropped (their number is reported as
    ``statistics["n_outside_window"]``) rather than silently pooled with the reference.
    Never-treated units have all dummies 0. Standard errors are clustered by unit.

    UNITS: β_e in units of ``outcome``, relative to the reference year.

    Returns a :class:`RegressionResult` with terms ``rel_-4, …, rel_5`` (no reference term);
    dummies with no observation are omitted and listed in ``statistics["empty_terms"]``.

    CAVEAT: with heterogeneous effects β_e mixes effects from other relative periods and
    cohorts (Sun & Abraham 2021); use :func:`sun_abraham_event_study` for inference on
    dynamics.

    SOURCE: e.g. Borusyak, Jaravel & Spiess (2024), *Review of Economic Studies*; Sun &
    Abraham (2021), *Journal of Econometrics* 225(2):175–199 (on its pitfalls).

    Examples
    --------
    City A is treated in 2002 with an effect of 2 in that year and 3 a year later; B and C are
    never treated. Without noise the dummies recover the effects.

    >>> import pandas as pd
    >>> from cityclusters.models.event_study import twfe_event_study
    >>> panel = pd.DataFrame({"city": list("AAAABBBBCCCC"), "year": [2000, 2001, 2002, 2003] * 3})
    >>> panel["cohort"] = panel["city"].map({"A": 2002}).astype(float)
    >>> effect = (panel["year"] - panel["cohort"]).map({0.0: 2.0, 1.0: 3.0}).fillna(0.0)
    >>> panel["y"] = (panel["city"].map({"A": 1.0, "B": 0.0, "C": 2.0})
    ...               + panel["year"].map({2000: 0.0, 2001: 1.0, 2002: 1.5, 2003: 3.0}) + effect)
    >>> fit = twfe_event_study(panel, "y", "city", "year", "cohort", leads=1, lags=1)
    >>> fit.coefficients[["term", "estimate"]].round(4)
        term  estimate
    0  rel_0       2.0
    1  rel_1       3.0
    """
    window = event_window(leads, lags, reference)
    frame, controls, n_dropped = prepare_panel(data, outcome, unit, time, cohort, controls, dropna)
    require_controls(frame, unit, cohort)
    rel = frame["_rel"]
    n_outside = 0
    if not bin_endpoints:
        outside = rel.notna() & ((rel < -leads) | (rel > lags))
        n_outside = int(outside.sum())
        frame = frame.loc[~outside].copy()
        rel = frame["_rel"]
    terms, empty = [], []
    for e in window:
        if bin_endpoints and e == -leads:
            dummy = rel <= e
        elif bin_endpoints and e == lags:
            dummy = rel >= e
        else:
            dummy = rel == e
        dummy = dummy.fillna(False).astype(float)
        if dummy.sum() == 0:
            empty.append(relative_period_name(e))
            continue
        frame[relative_period_name(e)] = dummy
        terms.append(relative_period_name(e))
    if not terms:
        raise MethodInputError("leads/lags: no treated observation falls in the event window")
    result = fixed_effects_regression(frame, outcome, terms + controls, unit, time,
                                      cluster=cluster, name=name or outcome)
    stats = dict(result.statistics)
    stats.update({"estimator": "TWFE event study", "reference": reference, "leads": leads,
                  "lags": lags, "bin_endpoints": bin_endpoints, "empty_terms": empty,
                  "n_outside_window": n_outside, "n_dropped": n_dropped})
    return RegressionResult(result.name, result.coefficients, stats, result.level,
                            result.covariance)


# ---------------------------------------------------------------------------------------
# Sun & Abraham
# ---------------------------------------------------------------------------------------

def sun_abraham_event_study(data: pd.DataFrame, outcome: str, unit: str, time: str,
                            cohort: str, control: str = "never", leads: int | None = None,
                            lags: int | None = None, reference: int = -1, controls=None,
                            cluster="unit", dropna: bool = False,
                            name: str | None = None) -> RegressionResult:
    r"""Interaction-weighted event study of Sun & Abraham (2021).

    MODEL (step 1, one regression)::

        y_it = α_i + λ_t + Σ_{g ∉ C} Σ_{e ≠ r} δ_{g,e} · 1[G_i = g] · 1[t − g = e] + ε_it

    where C is the control cohort: never-treated units (``control="never"``), or, with
    ``control="last_treated"``, the last-treated cohort (plus any never-treated units) on
    the periods before it is treated — periods t ≥ g_last are dropped. Every treated cohort
    gets one interaction per relative period it is observed in, except the reference
    r = −1; δ_{g,e} estimates the cohort-specific CATT(g, e).

    Step 2 (aggregation to event time)::

        ν_e = Σ_g w_{g,e} δ_{g,e},   w_{g,e} = n_{g,e} / Σ_{g'} n_{g',e}

    with n_{g,e} the number of units of cohort g observed at relative time e (the sample
    share of each cohort among the treated units observed at e). Overall ATT::

        ATT = Σ_{g, e ≥ 0} n_{g,e} δ_{g,e} / Σ_{g, e ≥ 0} n_{g,e}

    i.e. each cohort weighted by its size × its number of post-treatment periods (the
    average effect over all treated unit-years in the sample).

    Standard errors: ν = A δ, Var(ν) = A V A' with V the unit-clustered covariance of the
    interaction coefficients (CRV1, inference t(G−1)). The weights are treated as fixed
    (known); Sun & Abraham's additional term for the estimated weights is omitted, which
    matters little when cohort shares are known by design, as here (whole cohorts observed).

    Parameters
    ----------
    control : {"never", "last_treated"}
    leads, lags : int, optional
        Event window reported (``rel_-leads … rel_lags``); all relative periods are
        estimated regardless, so that periods outside the window do not contaminate the
        reference. Default: every observed relative period.
    reference : int
        Omitted relative period (−1).

    Returns
    -------
    RegressionResult
        Terms ``rel_e`` (e ≠ reference) and ``att``, with their covariance; statistics add
        ``cohort_effects`` (DataFrame: cohort, rel_time, estimate, std_error, n_units,
        weight), ``control``, ``control_units``, ``treated_cohorts``, ``periods_dropped``.

    UNITS: effects in units of ``outcome``.

    SOURCE: Sun & Abraham (2021), "Estimating dynamic treatment effects in event studies
    with heterogeneous treatment effects", *Journal of Econometrics* 225(2):175–199.

    Examples
    --------
    The data of :func:`twfe_event_study`: one cohort, so ν_e = δ_{2002,e}, and the ATT
    averages its two post-treatment years, (2 + 3)/2 = 2.5.

    >>> import pandas as pd
    >>> from cityclusters.models.event_study import sun_abraham_event_study
    >>> panel = pd.DataFrame({"city": list("AAAABBBBCCCC"), "year": [2000, 2001, 2002, 2003] * 3})
    >>> panel["cohort"] = panel["city"].map({"A": 2002}).astype(float)
    >>> effect = (panel["year"] - panel["cohort"]).map({0.0: 2.0, 1.0: 3.0}).fillna(0.0)
    >>> panel["y"] = (panel["city"].map({"A": 1.0, "B": 0.0, "C": 2.0})
    ...               + panel["year"].map({2000: 0.0, 2001: 1.0, 2002: 1.5, 2003: 3.0}) + effect)
    >>> fit = sun_abraham_event_study(panel, "y", "city", "year", "cohort", leads=1)
    >>> fit.coefficients[["term", "estimate"]].round(4)
        term  estimate
    0  rel_0       2.0
    1  rel_1       3.0
    2    att       2.5
    """
    if control not in ("never", "last_treated"):
        raise MethodInputError(f"control={control!r} is not valid; choose 'never' or 'last_treated'")
    if not isinstance(reference, (int, np.integer)) or reference >= 0:
        raise MethodInputError(f"reference={reference!r}: must be a negative integer (a pre-period)")
    frame, controls, n_dropped = prepare_panel(data, outcome, unit, time, cohort, controls, dropna)
    cohorts = sorted(frame["_g"].dropna().unique())
    if not cohorts:
        raise MethodInputError(f"{cohort}: no unit is ever treated; nothing to estimate")
    periods_dropped = 0
    if control == "never":
        if not frame["_g"].isna().any():
            raise MethodInputError(
                f"{cohort}: no never-treated {unit} for control='never'; use "
                "control='last_treated' (the last-treated cohort as control)")
        is_control = frame["_g"].isna()
    else:
        if len(cohorts) < 2:
            raise MethodInputError(f"{cohort}: control='last_treated' needs at least two "
                                   f"treated cohorts, found {preview_labels(years_in(cohorts))}")
        g_last = cohorts[-1]
        keep = frame["_t"] < g_last
        periods_dropped = int(frame.loc[~keep, "_t"].nunique())
        frame = frame.loc[keep].copy()
        is_control = frame["_g"].isna() | (frame["_g"] == g_last)
        cohorts = cohorts[:-1]
    treated = frame.loc[~is_control]

    columns, meta, dummies = [], [], {}
    for g in cohorts:
        rows = treated.loc[treated["_g"] == g]
        rels = sorted(rows["_rel"].unique())
        if reference not in rels:
            raise MethodInputError(
                f"{cohort}: cohort {g:g} is not observed at the reference relative period "
                f"{reference} (year {g + reference:g}), so its effects are not identified")
        for e in rels:
            if e == reference:
                continue
            col = f"c{int(g)}_rel_{int(e)}"
            dummies[col] = ((frame["_g"] == g) & (frame["_rel"] == e)).astype(float)
            columns.append(col)
            meta.append((g, int(e), int((rows["_rel"] == e).sum())))
    if not columns:
        raise MethodInputError("no cohort × relative-period interaction to estimate")
    frame = pd.concat([frame, pd.DataFrame(dummies, index=frame.index)], axis=1)
    fit = fixed_effects_regression(frame, outcome, columns + controls, unit, time,
                                   cluster=cluster, name=name or outcome)
    delta = fit.coefficients.set_index("term")["estimate"].loc[columns].to_numpy()
    v = fit.covariance.loc[columns, columns].to_numpy()
    cells = pd.DataFrame(meta, columns=["cohort", "rel_time", "n_units"])
    cells["estimate"] = delta
    cells["std_error"] = np.sqrt(np.diag(v))

    rel_all = sorted(cells["rel_time"].unique())
    lo = -np.inf if leads is None else -leads
    hi = np.inf if lags is None else lags
    report = [e for e in rel_all if lo <= e <= hi]
    weights = np.zeros((len(report) + 1, len(columns)))
    for row, e in enumerate(report):
        mask = (cells["rel_time"] == e).to_numpy()
        weights[row, mask] = cells.loc[mask, "n_units"] / cells.loc[mask, "n_units"].sum()
    post = (cells["rel_time"] >= 0).to_numpy()
    if not post.any():
        raise MethodInputError("no post-treatment observation of a treated cohort remains")
    weights[-1, post] = cells.loc[post, "n_units"] / cells.loc[post, "n_units"].sum()
    # weight of each cell in its event-time average (NaN outside the reported window)
    cells["weight"] = [weights[report.index(e), i] if e in report else np.nan
                       for i, e in enumerate(cells["rel_time"])]

    terms = [relative_period_name(e) for e in report] + ["att"]
    estimates = pd.Series(weights @ delta, index=terms)
    cov = weights @ v @ weights.T
    std_errors = pd.Series(np.sqrt(np.diag(cov)), index=terms)
    coefficients = tidy_coefficients(estimates, std_errors, dof=fit.statistics["df_inference"],
                                     level=fit.level)
    stats = dict(fit.statistics)
    stats.update({
        "estimator": "Sun-Abraham interaction-weighted",
        "control": control,
        "control_units": int(frame.loc[is_control, unit].nunique()),
        "treated_cohorts": tuple(int(g) for g in cohorts),
        "reference": reference,
        "periods_dropped": periods_dropped,
        "n_interactions": len(columns),
        "cohort_effects": cells[["cohort", "rel_time", "estimate", "std_error", "n_units",
                                 "weight"]],
        "weights": "fixed (sample cohort shares; their sampling variance is ignored)",
        "n_dropped": n_dropped,
    })
    return RegressionResult(fit.name, coefficients, stats, fit.level,
                            pd.DataFrame(cov, index=terms, columns=terms))


# ---------------------------------------------------------------------------------------
# sensitivity to violations of parallel trends (Rambachan & Roth 2023)
# ---------------------------------------------------------------------------------------

#: How the pre-period coefficients of an event study are defined: ``"levels"`` = relative to
#: the reference year −1 (regression event studies: TWFE, Sun–Abraham; β₋₁ = 0 omitted);
#: ``"changes"`` = one-year placebo changes (Callaway–Sant'Anna with the varying base:
#: rel_e = δ_e − δ_{e−1}).
PRE_KINDS = ("levels", "changes")


def relative_magnitudes_bounds(result: RegressionResult, mbar=(0.0, 0.5, 1.0, 2.0),
                               lags: int | None = None, pre: str = "levels",
                               level: float = 0.95) -> pd.DataFrame:
    r"""Sensitivity of the average post-period effect to violations of parallel trends:
    the relative-magnitudes bounds of Rambachan & Roth (2023), in a simple conservative form.

    SETUP. Event-study coefficients β_e = τ_e + δ_e (δ = the difference in trends that
    parallel trends sets to zero; δ₋₁ = 0 at the reference year; τ_e = 0 before treatment).
    Target θ = mean of τ_e over e = 0 … T̄−1 (``lags`` + 1 post periods, default all).
    Restriction Δ^RM(M̄): every post-period change of δ (from year −1 to 0, 0 to 1, …) is at
    most M̄ times the largest pre-period change, m = max_{e<0} |δ_e − δ_{e−1}|.

    IDENTIFIED SET. Writing δ_t = Σ_{j ≤ t} Δ_j with |Δ_j| ≤ M̄·m, the bias l'δ_post
    (l_t = 1/T̄) lies in ±M̄·m·c with c = Σ_j |Σ_{t ≥ j} l_t| = (T̄ + 1)/2, so
    θ ∈ [θ̂ − M̄·m·c, θ̂ + M̄·m·c] with θ̂ = mean of the post coefficients.

    ROBUST CONFIDENCE SET (conservative; not the conditional/hybrid sets of the paper):
    for M̄ = 0 the usual interval θ̂ ± z_{1−α/2}·σ_θ. For M̄ > 0 the error α is split in two
    (Bonferroni): θ̂ ± z_{1−α/4}·σ_θ covers l'β with probability ≥ 1 − α/2, and with
    probability ≥ 1 − α/2 every pre-period change lies within z_{1−α/(4K)} standard errors
    of its estimate (K changes), so m ≤ m⁺ = max_e (|Δ̂_e| + z_{1−α/(4K)}·se_e). The set

        [θ̂ − z_{1−α/4}·σ_θ − M̄·m⁺·c,  θ̂ + z_{1−α/4}·σ_θ + M̄·m⁺·c]

    then covers θ with probability ≥ 1 − α whenever δ ∈ Δ^RM(M̄). It is wider than the
    paper's sets (which are also valid and shorter); it is reported as such.

    Pre-period changes: ``pre="levels"`` (regression event study) takes Δ_e = β_e − β_{e−1}
    over the leads and the reference year (β₋₁ = 0); ``pre="changes"`` (Callaway–Sant'Anna,
    varying base) takes the lead coefficients themselves. Standard errors and σ_θ come from
    the result's covariance.

    SOURCE: Rambachan & Roth (2023), "A more credible approach to parallel trends",
    *Review of Economic Studies* 90(5): 2555–2591 (Δ^RM, section 2.3; breakdown values).

    Returns one row per M̄: ``mbar, estimate`` (θ̂), ``std_error`` (σ_θ), ``m_pre`` (m̂),
    ``m_pre_upper`` (m⁺), ``id_low, id_high`` (identified set at the estimates, M̄·m̂·c),
    ``ci_low, ci_high`` (robust confidence set), ``n_post``.

    Examples
    --------
    Leads β₋₃ = 0.2, β₋₂ = −0.1 (β₋₁ = 0): changes −0.3 and +0.1, m̂ = 0.3. Post β₀ = 1,
    β₁ = 2: θ̂ = 1.5, T̄ = 2, c = 1.5. At M̄ = 1 the identified set is 1.5 ± 0.3·1.5 =
    [1.05, 1.95]; with zero covariance the robust set is the identified set itself.

    >>> import pandas as pd
    >>> from cityclusters.models.results import RegressionResult, tidy_coefficients
    >>> terms = ["rel_-3", "rel_-2", "rel_0", "rel_1"]
    >>> est = pd.Series([0.2, -0.1, 1.0, 2.0], index=terms)
    >>> zero = pd.DataFrame(0.0, index=terms, columns=terms)
    >>> fit = RegressionResult("y", tidy_coefficients(est, est * 0), {}, 0.95, zero)
    >>> rm = relative_magnitudes_bounds(fit, mbar=[0, 1])
    >>> rm[["mbar", "estimate", "m_pre", "id_low", "id_high", "ci_low", "ci_high"]].round(4).values.tolist()
    [[0.0, 1.5, 0.3, 1.5, 1.5, 1.5, 1.5], [1.0, 1.5, 0.3, 1.05, 1.95, 1.05, 1.95]]
    """
    from scipy import stats

    if pre not in PRE_KINDS:
        raise MethodInputError(f"pre={pre!r}: choose one of {list(PRE_KINDS)}")
    mbar = np.atleast_1d(np.asarray(mbar, dtype=float))
    if (mbar < 0).any() or not np.isfinite(mbar).all():
        raise MethodInputError(f"mbar={mbar.tolist()}: need finite values ≥ 0")
    if result.covariance is None:
        raise MethodInputError(f"result {result.name!r}: no covariance of the coefficients")
    terms = [t for t in result.coefficients["term"] if t.startswith("rel_")]
    times = sorted(int(t[4:]) for t in terms)
    post = [e for e in times if e >= 0 and (lags is None or e <= lags)]
    leads = [e for e in times if e < 0 and not (pre == "levels" and e == -1)]
    if not post:
        raise MethodInputError("result: no post-period coefficient rel_e with e ≥ 0")
    if not leads:
        raise MethodInputError("result: no pre-period coefficient to bound the violations by")
    names = [relative_period_name(e) for e in leads + post]
    beta = result.coefficients.set_index("term").loc[names, "estimate"].to_numpy(dtype=float)
    cov = result.covariance.loc[names, names].to_numpy(dtype=float)
    k, n_post = len(leads), len(post)
    # linear maps: pre-period changes Δ = A β, target θ = l β
    if pre == "changes":
        a = np.eye(k, k + n_post)
    else:  # Δ_e = β_e − β_{e−1} between consecutive leads, and 0 − β_{last lead}
        rows = []
        for i in range(1, k):
            r = np.zeros(k + n_post)
            if leads[i] - leads[i - 1] == 1:
                r[i], r[i - 1] = 1.0, -1.0
                rows.append(r)
        if leads[-1] == -2:
            r = np.zeros(k + n_post)
            r[k - 1] = -1.0
            rows.append(r)
        if not rows:
            raise MethodInputError("result: no two consecutive pre-period years to measure a change")
        a = np.vstack(rows)
    l_vec = np.r_[np.zeros(k), np.full(n_post, 1.0 / n_post)]
    theta = float(l_vec @ beta)
    sigma = float(np.sqrt(max(l_vec @ cov @ l_vec, 0.0)))
    change = a @ beta
    se_change = np.sqrt(np.clip(np.diag(a @ cov @ a.T), 0.0, None))
    alpha = 1.0 - level
    m_hat = float(np.abs(change).max())
    m_up = float((np.abs(change) + stats.norm.ppf(1 - alpha / (4 * len(change))) * se_change).max())
    weights = np.full(n_post, 1.0 / n_post)
    c = float(np.abs(np.cumsum(weights[::-1])[::-1]).sum())  # Σ_j |Σ_{t≥j} l_t|
    z0, z1 = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(1 - alpha / 4)
    rows = []
    for m in mbar:
        half = z0 * sigma if m == 0 else z1 * sigma + m * m_up * c
        rows.append({"mbar": float(m), "estimate": theta, "std_error": sigma, "m_pre": m_hat,
                     "m_pre_upper": m_up, "id_low": theta - m * m_hat * c,
                     "id_high": theta + m * m_hat * c, "ci_low": theta - half,
                     "ci_high": theta + half, "n_post": n_post})
    return pd.DataFrame(rows)


def breakdown_mbar(bounds: pd.DataFrame, level: float = 0.95) -> float:
    r"""The smallest M̄ at which the robust confidence set of
    :func:`relative_magnitudes_bounds` includes zero (the "breakdown value" of Rambachan &
    Roth 2023): 0 when the M̄ = 0 interval already holds zero, else
    (|θ̂| − z_{1−α/4}·σ_θ) / (m⁺·c), floored at 0, from the set's closed form.

    >>> import pandas as pd
    >>> b = pd.DataFrame({"mbar": [0.0], "estimate": [1.5], "std_error": [0.1],
    ...                   "m_pre_upper": [0.3], "n_post": [2], "ci_low": [1.3], "ci_high": [1.7]})
    >>> round(breakdown_mbar(b), 4)  # (1.5 − 2.2414·0.1) / (0.3·1.5)
    2.8352
    """
    from scipy import stats

    first = bounds.iloc[0]
    theta, sigma = float(first["estimate"]), float(first["std_error"])
    alpha = 1.0 - level
    if abs(theta) <= stats.norm.ppf(1 - alpha / 2) * sigma:
        return 0.0
    n_post = int(first["n_post"])
    c = (n_post + 1) / 2
    scale = float(first["m_pre_upper"]) * c
    if scale == 0:
        return math.inf
    return float(max(0.0, (abs(theta) - stats.norm.ppf(1 - alpha / 4) * sigma) / scale))
