"""Static two-way fixed-effects DID for staggered adoption, and robustness variants
(placebo cohorts, leaving one cohort out).

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

from cityclusters.checks import preview_labels, require_columns, require_frame
from cityclusters.errors import MethodInputError
from cityclusters.models.did_data import (
    prepare_panel,
    require_controls,
    years_in,
)
from cityclusters.models.panel import fixed_effects_regression
from cityclusters.models.results import RegressionResult

# ---------------------------------------------------------------------------------------
# TWFE
# ---------------------------------------------------------------------------------------


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

    Examples
    --------
    City A is treated from 2001 and gains 3 while the never-treated B and C gain 1: β = 2.

    >>> import pandas as pd
    >>> from cityclusters.models.did import twfe_did
    >>> panel = pd.DataFrame({"city": list("AABBCC"), "year": [2000, 2001] * 3,
    ...                       "cohort": [2001, 2001, None, None, None, None],
    ...                       "y": [1.0, 4.0, 0.0, 1.0, 2.0, 3.0]})
    >>> fit = twfe_did(panel, "y", "city", "year", "cohort")
    >>> round(float(fit.coefficient("post")["estimate"]), 4)
    2.0
    """
    frame, controls, n_dropped = prepare_panel(data, outcome, unit, time, cohort, controls, dropna)
    require_controls(frame, unit, cohort)
    frame["post"] = (frame["_rel"] >= 0).astype(float)
    result = fixed_effects_regression(frame, outcome, ["post"] + controls, unit, time,
                                      cluster=cluster, name=name or outcome)
    stats = dict(result.statistics)
    stats.update({"estimator": "TWFE DID", "n_dropped": n_dropped,
                  "n_treated_obs": int(frame["post"].sum())})
    return RegressionResult(result.name, result.coefficients, stats, result.level,
                            result.covariance)


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

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.models.did import placebo_cohorts
    >>> panel = pd.DataFrame({"city": list("AAABBB"), "year": [2000, 2001, 2002] * 2,
    ...                       "cohort": [2002, 2002, 2002, None, None, None]})
    >>> placebo_cohorts(panel, "cohort", shift=-1)["cohort"].tolist()
    [2001.0, 2001.0, 2001.0, nan, nan, nan]
    >>> placebo_cohorts(panel, "cohort", shift=-1, time="year")[["city", "year", "cohort"]]
      city  year  cohort
    0    A  2000  2001.0
    1    A  2001  2001.0
    3    B  2000     NaN
    4    B  2001     NaN
    5    B  2002     NaN
    """
    data = require_frame(data)
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
                f"shift={shift}: placebo cohorts {preview_labels(sorted(shifted[bad].unique()))} fall "
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

    Examples
    --------
    Two cohorts (2001, 2002) with the same effect 2: dropping either leaves the estimate at 2.

    >>> import pandas as pd
    >>> from cityclusters.models.did import leave_one_cohort_out, twfe_did
    >>> panel = pd.DataFrame({"city": list("AAABBBCCCDDD"), "year": [2000, 2001, 2002] * 4})
    >>> panel["cohort"] = panel["city"].map({"A": 2001, "B": 2002}).astype(float)
    >>> panel["y"] = (panel["city"].map({"A": 1.0, "B": 0.0, "C": 2.0, "D": 0.5})
    ...               + panel["year"].map({2000: 0.0, 2001: 1.0, 2002: 1.5})
    ...               + 2.0 * (panel["year"] >= panel["cohort"]))
    >>> out = leave_one_cohort_out(twfe_did, panel, outcome="y", unit="city", time="year")
    >>> out[["dropped_cohort", "estimate", "n_obs"]].round(4)
       dropped_cohort  estimate  n_obs
    0            <NA>       2.0     12
    1            2001       2.0      9
    2            2002       2.0      9
    """
    data = require_frame(data)
    require_columns(data, [cohort], "data")
    g = data[cohort].astype(float)
    cohorts = sorted(g[(g != 0) & g.notna()].unique())
    if len(cohorts) < 2:
        raise MethodInputError(f"{cohort}: leave-one-cohort-out needs at least two treated "
                               f"cohorts, found {preview_labels(years_in(cohorts))}")
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
