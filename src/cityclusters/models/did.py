"""Difference-in-differences with staggered adoption: TWFE, Sun–Abraham, Callaway–Sant'Anna.

Data layout (all functions)
---------------------------
A long panel with one row per unit (city) and period (year): the ``unit`` and ``time``
columns, the outcome, and a ``cohort`` column holding the **first treated year** of the
unit, constant within the unit. Never-treated units have ``NaN`` in ``cohort``; ``0`` is
accepted as well (the convention of the R package ``did``) and read as never treated.
Treatment is absorbing: a unit is treated in every year t ≥ cohort. If you have a 0/1
treatment indicator instead, :func:`cohort_from_treatment` derives the cohort and refuses
treatments that switch off.

Cohorts must lie inside the panel with at least one pre-treatment year:
min(time) < g ≤ max(time). A unit treated in or before the first year has no
pre-period (drop it); a unit treated after the last year is never treated *within the
panel* (code it NaN explicitly).

Why three estimators
--------------------
With staggered adoption and effects that change over time since treatment, the static
two-way fixed-effects (TWFE) coefficient is a weighted average of all 2×2 comparisons,
including "forbidden" ones that use already-treated units as controls; its weights can be
negative and the estimate can be far from any average treatment effect (Goodman-Bacon
2021). The event-study TWFE coefficients are contaminated by effects from other relative
periods (Sun & Abraham 2021). The interaction-weighted estimator of Sun & Abraham and the
group-time ATTs of Callaway & Sant'Anna (2021) only compare treated cohorts with
never-treated or not-yet-treated units.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from cityclusters.indicators._checks import MethodInputError, _labels, require_columns
from cityclusters.models.panel import _handle_missing, _numeric_columns, _require_frame
from cityclusters.models.panel import fixed_effects_regression
from cityclusters.models.results import RegressionResult, tidy_coefficients

__all__ = [
    "event_time",
    "cohort_from_treatment",
    "twfe_event_study",
    "twfe_did",
    "sun_abraham_event_study",
    "callaway_santanna",
    "placebo_cohorts",
    "leave_one_cohort_out",
]


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------

def _years(values) -> list:
    """Plain ints for messages (repr of numpy floats is noisy)."""
    return [int(v) if float(v).is_integer() else float(v) for v in sorted(values)]


def _cohort_values(frame: pd.DataFrame, unit: str, time: str, cohort: str) -> pd.Series:
    """Cohort as float with NaN for never treated; checked for constancy and range."""
    raw = frame[cohort]
    if not (pd.api.types.is_numeric_dtype(raw) or raw.isna().all()):
        raise MethodInputError(f"{cohort}: the cohort column must hold first treated years "
                               f"(numbers, NaN or 0 for never treated), got dtype {raw.dtype}")
    g = raw.astype(float)
    if np.isinf(g).any():
        raise MethodInputError(f"{cohort}: infinite value(s) at rows "
                               f"{_labels(frame.index[np.isinf(g)])}; use NaN for never treated")
    g = g.where(g != 0)  # 0 = never treated (R did convention)
    per_unit = g.groupby(frame[unit], sort=False).agg(lambda s: s.nunique(dropna=False))
    varying = per_unit.index[per_unit > 1]
    if len(varying):
        raise MethodInputError(
            f"{cohort}: the first treated year must be constant within a unit; it varies for "
            f"{unit} {_labels(varying)} (treatment must be absorbing; see cohort_from_treatment)")
    t = frame[time].astype(float)
    t_min, t_max = t.min(), t.max()
    early = g.notna() & (g <= t_min)
    late = g.notna() & (g > t_max)
    if early.any():
        units = frame.loc[early, unit].unique()
        raise MethodInputError(
            f"{cohort}: {unit} {_labels(units)} are first treated in or before the first "
            f"period {t_min:g} (cohorts {_labels(_years(g[early].unique()))}), so they have no "
            "pre-treatment period; drop these always-treated units")
    if late.any():
        units = frame.loc[late, unit].unique()
        raise MethodInputError(
            f"{cohort}: {unit} {_labels(units)} have cohorts {_labels(_years(g[late].unique()))} "
            f"after the last period {t_max:g}, outside the panel; code them as never treated "
            "(NaN) explicitly if that is what you mean")
    return g


def _prepare(data, outcome: str, unit: str, time: str, cohort: str, controls,
             dropna: bool) -> tuple[pd.DataFrame, list[str], int]:
    data = _require_frame(data)
    controls = [controls] if isinstance(controls, str) else list(controls or [])
    require_columns(data, [unit, time, outcome, cohort, *controls], "data")
    _numeric_columns(data, [outcome, time, *controls], "data")
    for col in (unit, time):
        if data[col].isna().any():
            raise MethodInputError(f"data: column {col!r} is missing at rows "
                                   f"{_labels(data.index[data[col].isna()])}")
    t = data[time].astype(float)
    if (t != np.round(t)).any():
        raise MethodInputError(f"{time}: periods must be whole numbers (years) so that event "
                               "time t − g is an integer")
    frame, n_dropped = _handle_missing(data, [outcome, *controls], dropna, "data")
    dup = frame.duplicated([unit, time], keep=False)
    if dup.any():
        combos = frame.loc[dup, [unit, time]].drop_duplicates().itertuples(index=False)
        raise MethodInputError(f"data: duplicated {unit}-{time} combination(s) "
                               f"{_labels([tuple(c) for c in combos])}")
    frame = frame.copy()
    frame["_g"] = _cohort_values(frame, unit, time, cohort)
    frame["_t"] = frame[time].astype(float)
    frame["_rel"] = frame["_t"] - frame["_g"]
    return frame, controls, n_dropped


def _require_controls(frame: pd.DataFrame, unit: str, cohort: str) -> None:
    """Some unit must be untreated at some date a treated unit is treated."""
    cohorts = frame["_g"].dropna().unique()
    if len(cohorts) == 0:
        raise MethodInputError(f"{cohort}: no unit is ever treated; nothing to estimate")
    if frame["_g"].isna().any():
        return
    if len(cohorts) < 2:
        raise MethodInputError(
            f"{cohort}: every {unit} is treated in the same year {cohorts[0]:g} and none is "
            "never treated, so there are no never-treated or not-yet-treated controls")


def event_time(data: pd.DataFrame, unit: str, time: str, cohort: str) -> pd.Series:
    """Event (relative) time e = t − g of each row.

    FORMULA: e_it = t − g_i, with g_i the first treated year of unit i; NaN for
    never-treated units (cohort NaN or 0). UNITS: periods (years).

    Returns a float Series named ``event_time`` with the index of ``data``. Raises
    :class:`MethodInputError` if the cohort varies within a unit or lies outside the panel.

    SOURCE: Sun & Abraham (2021), *Journal of Econometrics* 225(2):175–199, section 2.
    """
    data = _require_frame(data)
    require_columns(data, [unit, time, cohort], "data")
    _numeric_columns(data, [time], "data")
    g = _cohort_values(data, unit, time, cohort)
    return (data[time].astype(float) - g).rename("event_time")


def cohort_from_treatment(data: pd.DataFrame, unit: str, time: str, treatment: str) -> pd.Series:
    """First treated year per row from a 0/1 treatment indicator (absorbing treatment).

    FORMULA: g_i = min{t : D_it = 1}, NaN if D_it = 0 for all t.

    Raises :class:`MethodInputError` if the indicator is not 0/1, is missing, or switches
    off (D_it = 1 and D_is = 0 for some s > t): the staggered-adoption estimators assume
    that treatment, once started, stays on.
    """
    data = _require_frame(data)
    require_columns(data, [unit, time, treatment], "data")
    d = data[treatment]
    if d.isna().any():
        raise MethodInputError(f"{treatment}: missing at rows {_labels(data.index[d.isna()])}")
    values = set(pd.unique(d.astype(float)))
    if not values <= {0.0, 1.0}:
        raise MethodInputError(f"{treatment}: expected 0/1, found values {_labels(sorted(values))}")
    ordered = data.sort_values([unit, time])
    dd = ordered[treatment].astype(float)
    drops = dd.groupby(ordered[unit], sort=False).diff() < 0
    if drops.any():
        units = ordered.loc[drops, unit].unique()
        raise MethodInputError(
            f"{treatment}: treatment switches off for {unit} {_labels(units)} (1 followed by 0); "
            "the staggered DID estimators need an absorbing treatment")
    first = ordered.loc[dd == 1].groupby(unit)[time].min()
    return data[unit].map(first).astype(float).rename("cohort")


def _rel_name(e: int) -> str:
    return f"rel_{int(e)}"


def _window(leads: int, lags: int, reference: int) -> list[int]:
    for arg, value in (("leads", leads), ("lags", lags), ("reference", reference)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise MethodInputError(f"{arg}: expected an integer, got {value!r}")
    if leads < 1 or lags < 0:
        raise MethodInputError(f"leads={leads}, lags={lags}: need leads ≥ 1 and lags ≥ 0")
    if not (-leads <= reference < 0):
        raise MethodInputError(f"reference={reference}: must be a pre-period in [-{leads}, -1]")
    return [e for e in range(-leads, lags + 1) if e != reference]


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
    """
    window = _window(leads, lags, reference)
    frame, controls, n_dropped = _prepare(data, outcome, unit, time, cohort, controls, dropna)
    _require_controls(frame, unit, cohort)
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
            empty.append(_rel_name(e))
            continue
        frame[_rel_name(e)] = dummy
        terms.append(_rel_name(e))
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


def twfe_did(data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str,
             controls=None, cluster="unit", dropna: bool = False,
             name: str | None = None) -> RegressionResult:
    r"""Static two-way fixed-effects difference-in-differences.

    MODEL::

        y_it = α_i + λ_t + β · D_it + x_it'γ + ε_it,    D_it = 1[g_i ≤ t]

    reported as term ``post``; standard errors clustered by unit (see
    :func:`~cityclusters.models.panel.fixed_effects_regression`). In a 2 × 2 design
    (two groups, two periods) β̂ = (ȳ_T1 − ȳ_T0) − (ȳ_C1 − ȳ_C0).

    UNITS: β in units of ``outcome``.

    CAVEAT: with staggered adoption and effects that vary over time since treatment, β is a
    weighted average of 2×2 DIDs that includes comparisons with already-treated units as
    controls ("forbidden comparisons"), with possibly negative weights; it need not lie
    near the average effect on the treated (Goodman-Bacon 2021).

    SOURCE: Goodman-Bacon (2021), *Journal of Econometrics* 225(2):254–277.
    """
    frame, controls, n_dropped = _prepare(data, outcome, unit, time, cohort, controls, dropna)
    _require_controls(frame, unit, cohort)
    frame["post"] = (frame["_rel"] >= 0).astype(float)
    result = fixed_effects_regression(frame, outcome, ["post"] + controls, unit, time,
                                      cluster=cluster, name=name or outcome)
    stats = dict(result.statistics)
    stats.update({"estimator": "TWFE DID", "n_dropped": n_dropped,
                  "n_treated_obs": int(frame["post"].sum())})
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
    """
    if control not in ("never", "last_treated"):
        raise MethodInputError(f"control={control!r} is not valid; choose 'never' or 'last_treated'")
    if not isinstance(reference, (int, np.integer)) or reference >= 0:
        raise MethodInputError(f"reference={reference!r}: must be a negative integer (a pre-period)")
    frame, controls, n_dropped = _prepare(data, outcome, unit, time, cohort, controls, dropna)
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
                                   f"treated cohorts, found {_labels(_years(cohorts))}")
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

    terms = [_rel_name(e) for e in report] + ["att"]
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
# Callaway & Sant'Anna
# ---------------------------------------------------------------------------------------

def callaway_santanna(data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str,
                      control: str = "not_yet_treated", leads: int | None = None,
                      lags: int | None = None, n_boot: int = 199, seed: int | None = None,
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

    Standard errors: nonparametric bootstrap over units (clusters), ``n_boot`` draws with
    ``seed``; in each draw the ATT(g, t) and the cohort weights are recomputed, so weight
    uncertainty is included. Intervals are normal (estimate ± z·SE). The R package uses a
    multiplier bootstrap; results are close but not identical.

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
    """
    if control not in ("never", "not_yet_treated"):
        raise MethodInputError(f"control={control!r} is not valid; choose 'never' or 'not_yet_treated'")
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise MethodInputError(f"n_boot={n_boot!r}: need an integer ≥ 2")
    frame, _, n_dropped = _prepare(data, outcome, unit, time, cohort, None, dropna)
    _require_controls(frame, unit, cohort)
    if control == "never" and not frame["_g"].isna().any():
        raise MethodInputError(f"{cohort}: no never-treated {unit} for control='never'; "
                               "use control='not_yet_treated'")
    wide = frame.pivot(index=unit, columns="_t", values=outcome)
    if wide.isna().any().any():
        missing = wide.index[wide.isna().any(axis=1)]
        raise MethodInputError(f"data: the panel is unbalanced ({unit} {_labels(missing)} miss "
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
            if t == g - 1:
                continue
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
    terms = [_rel_name(e) for e in report] + ["att"]
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


# ---------------------------------------------------------------------------------------
# robustness helpers
# ---------------------------------------------------------------------------------------

def placebo_cohorts(data: pd.DataFrame, cohort: str, shift: int = -2,
                    time: str | None = None) -> pd.DataFrame:
    """Move every adoption date by ``shift`` periods (a placebo/pre-trend test).

    FORMULA: g_i^placebo = g_i + shift for treated units (never treated stay NaN).

    With ``time`` given, the rows of treated units at or after their *true* adoption date
    are dropped, so that any "effect" estimated at the placebo dates can only come from
    pre-treatment outcomes (differential pre-trends or anticipation); the shifted cohorts
    must then still have a pre-period inside the panel. The true cohort is kept in
    ``<cohort>_actual``.

    Returns a new DataFrame; raises :class:`MethodInputError` for ``shift = 0``, a missing
    column, or placebo cohorts outside the panel.
    """
    data = _require_frame(data)
    if not isinstance(shift, (int, np.integer)) or isinstance(shift, bool) or shift == 0:
        raise MethodInputError(f"shift={shift!r}: need a non-zero integer (negative = earlier)")
    require_columns(data, [cohort] + ([time] if time else []), "data")
    out = data.copy()
    g = out[cohort].astype(float)
    g = g.where(g != 0)
    out[f"{cohort}_actual"] = g
    out[cohort] = g + shift
    if time is not None:
        t = out[time].astype(float)
        out = out.loc[g.isna() | (t < g)].copy()
        t = out[time].astype(float)
        shifted = out[cohort]
        bad = shifted.notna() & ((shifted <= t.min()) | (shifted > t.max()))
        if bad.any():
            raise MethodInputError(
                f"shift={shift}: placebo cohorts {_labels(sorted(shifted[bad].unique()))} fall "
                f"outside the pre-treatment panel ({t.min():g}–{t.max():g}) or leave no "
                "pre-period; use a smaller shift or drop those cohorts")
    return out


def leave_one_cohort_out(estimator: Callable[..., RegressionResult], data: pd.DataFrame,
                         cohort: str = "cohort", term: str | None = None,
                         **kwargs) -> pd.DataFrame:
    """Re-estimate after dropping each treated cohort in turn.

    Calls ``estimator(subset, cohort=cohort, **kwargs)`` on the full data and on the data
    without the units of each cohort, and reports ``term`` (default ``att`` if the
    estimator reports it, else ``post``). A stable estimate means that no single cohort
    drives the result.

    Returns a DataFrame with columns ``dropped_cohort`` (None for the full sample), ``term``,
    ``estimate``, ``std_error``, ``ci_low``, ``ci_high``, ``n_obs``.
    """
    data = _require_frame(data)
    require_columns(data, [cohort], "data")
    g = data[cohort].astype(float)
    cohorts = sorted(g[(g != 0) & g.notna()].unique())
    if len(cohorts) < 2:
        raise MethodInputError(f"{cohort}: leave-one-cohort-out needs at least two treated "
                               f"cohorts, found {_labels(_years(cohorts))}")
    rows = []
    for dropped in [None] + cohorts:
        subset = data if dropped is None else data.loc[g != dropped]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = estimator(subset, cohort=cohort, **kwargs)
        chosen = term or ("att" if "att" in set(result.coefficients["term"]) else "post")
        row = result.coefficient(chosen)
        rows.append({"dropped_cohort": None if dropped is None else int(dropped),
                     "term": chosen, "estimate": row["estimate"], "std_error": row["std_error"],
                     "ci_low": row["ci_low"], "ci_high": row["ci_high"],
                     "n_obs": result.statistics.get("n_obs")})
    out = pd.DataFrame(rows)
    out["dropped_cohort"] = out["dropped_cohort"].astype("Int64")  # <NA> = full sample
    return out
