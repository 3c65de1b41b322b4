"""The panel layout shared by the difference-in-differences estimators, and its checks.

The estimators live one family per module: :mod:`cityclusters.models.did` (static TWFE and
robustness variants), :mod:`cityclusters.models.event_study` (TWFE and Sun–Abraham event
studies) and :mod:`cityclusters.models.callaway_santanna` (group-time ATTs).

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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cityclusters.checks import (
    preview_labels,
    require_columns,
    require_frame,
    require_numeric_columns,
)
from cityclusters.errors import MethodInputError
from cityclusters.models.panel import drop_missing

# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------

def years_in(values) -> list:
    """Sorted values as plain ints (floats where not whole), for error messages: the repr
    of numpy floats is noisy.

    Examples
    --------
    >>> import numpy as np
    >>> from cityclusters.models.did_data import years_in
    >>> years_in(np.array([2003.0, 2001.0, 2002.5]))
    [2001, 2002.5, 2003]
    """
    return [int(v) if float(v).is_integer() else float(v) for v in sorted(values)]


def cohort_values(frame: pd.DataFrame, unit: str, time: str, cohort: str) -> pd.Series:
    """Cohort as float with NaN for never treated; checked for constancy and range.

    The cohort column must be numeric (or all missing); infinite values, a cohort that varies
    within a unit, and cohorts outside min(time) < g ≤ max(time) raise a ``MethodInputError``.

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.models.did_data import cohort_values
    >>> panel = pd.DataFrame({"city": ["A", "A", "B", "B"], "year": [2000, 2001] * 2,
    ...                       "cohort": [2001, 2001, 0, 0]})
    >>> cohort_values(panel, "city", "year", "cohort").tolist()
    [2001.0, 2001.0, nan, nan]
    """
    raw = frame[cohort]
    if not (pd.api.types.is_numeric_dtype(raw) or raw.isna().all()):
        raise MethodInputError(f"{cohort}: the cohort column must hold first treated years "
                               f"(numbers, NaN or 0 for never treated), got dtype {raw.dtype}")
    g = raw.astype(float)
    if np.isinf(g).any():
        raise MethodInputError(f"{cohort}: infinite value(s) at rows "
                               f"{preview_labels(frame.index[np.isinf(g)])}; use NaN for never treated")
    g = g.where(g != 0)  # 0 = never treated (R did convention)
    per_unit = g.groupby(frame[unit], sort=False).agg(lambda s: s.nunique(dropna=False))
    varying = per_unit.index[per_unit > 1]
    if len(varying):
        raise MethodInputError(
            f"{cohort}: the first treated year must be constant within a unit; it varies for "
            f"{unit} {preview_labels(varying)} (treatment must be absorbing; see cohort_from_treatment)")
    t = frame[time].astype(float)
    t_min, t_max = t.min(), t.max()
    early = g.notna() & (g <= t_min)
    late = g.notna() & (g > t_max)
    if early.any():
        units = frame.loc[early, unit].unique()
        raise MethodInputError(
            f"{cohort}: {unit} {preview_labels(units)} are first treated in or before the first "
            f"period {t_min:g} (cohorts {preview_labels(years_in(g[early].unique()))}), so they have no "
            "pre-treatment period; drop these always-treated units")
    if late.any():
        units = frame.loc[late, unit].unique()
        raise MethodInputError(
            f"{cohort}: {unit} {preview_labels(units)} have cohorts {preview_labels(years_in(g[late].unique()))} "
            f"after the last period {t_max:g}, outside the panel; code them as never treated "
            "(NaN) explicitly if that is what you mean")
    return g


def prepare_panel(data, outcome: str, unit: str, time: str, cohort: str, controls,
             dropna: bool) -> tuple[pd.DataFrame, list[str], int]:
    """Check a DID panel and add the columns the estimators work with.

    Checks: the columns exist; outcome, time and controls are numeric; unit and time are
    never missing; periods are whole numbers; missing outcomes or controls are refused (or,
    with ``dropna=True``, dropped and counted, :func:`~cityclusters.models.panel.drop_missing`);
    one row per unit and period; the cohort as in :func:`cohort_values`. Adds ``_g`` (first
    treated year, NaN for never treated), ``_t`` (period as float) and ``_rel`` (event time
    e = t − g, NaN for never treated).

    Returns ``(frame, controls as a list, number of rows dropped)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.models.did_data import prepare_panel
    >>> panel = pd.DataFrame({"city": ["A", "A", "B", "B"], "year": [2000, 2001] * 2,
    ...                       "cohort": [2001, 2001, 0, 0], "y": [1.0, 4.0, 1.0, 2.0]})
    >>> frame, controls, n_dropped = prepare_panel(panel, "y", "city", "year", "cohort",
    ...                                            controls=None, dropna=False)
    >>> frame["_rel"].tolist(), controls, n_dropped
    ([-1.0, 0.0, nan, nan], [], 0)
    """
    data = require_frame(data)
    controls = [controls] if isinstance(controls, str) else list(controls or [])
    require_columns(data, [unit, time, outcome, cohort, *controls], "data")
    require_numeric_columns(data, [outcome, time, *controls], "data")
    for col in (unit, time):
        if data[col].isna().any():
            raise MethodInputError(f"data: column {col!r} is missing at rows "
                                   f"{preview_labels(data.index[data[col].isna()])}")
    t = data[time].astype(float)
    if (t != np.round(t)).any():
        raise MethodInputError(f"{time}: periods must be whole numbers (years) so that event "
                               "time t − g is an integer")
    frame, n_dropped = drop_missing(data, [outcome, *controls], dropna, "data")
    dup = frame.duplicated([unit, time], keep=False)
    if dup.any():
        combos = frame.loc[dup, [unit, time]].drop_duplicates().itertuples(index=False)
        raise MethodInputError(f"data: duplicated {unit}-{time} combination(s) "
                               f"{preview_labels([tuple(c) for c in combos])}")
    frame = frame.copy()
    frame["_g"] = cohort_values(frame, unit, time, cohort)
    frame["_t"] = frame[time].astype(float)
    frame["_rel"] = frame["_t"] - frame["_g"]
    return frame, controls, n_dropped


def require_controls(frame: pd.DataFrame, unit: str, cohort: str) -> None:
    """Some unit must be untreated at some date a treated unit is treated.

    Passes (returns None) when some unit is never treated or the cohorts differ (not-yet-treated
    units then serve as controls); raises a ``MethodInputError`` when no unit is ever treated or
    every unit is treated in the same year. ``frame`` is the output of :func:`prepare_panel`.

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.models.did_data import require_controls
    >>> require_controls(pd.DataFrame({"_g": [2001.0, float("nan")]}), "city", "cohort")
    >>> same_year = pd.DataFrame({"_g": [2001.0, 2001.0]})
    >>> require_controls(same_year, "city", "cohort")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    cityclusters.errors.MethodInputError: cohort: every city is treated in the same year 2001 ...
    """
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

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.models.did_data import event_time
    >>> panel = pd.DataFrame({"city": ["A", "A", "B", "B"], "year": [2000, 2001] * 2,
    ...                       "cohort": [2001, 2001, 0, 0]})
    >>> event_time(panel, "city", "year", "cohort").tolist()
    [-1.0, 0.0, nan, nan]
    """
    data = require_frame(data)
    require_columns(data, [unit, time, cohort], "data")
    require_numeric_columns(data, [time], "data")
    g = cohort_values(data, unit, time, cohort)
    return (data[time].astype(float) - g).rename("event_time")


def cohort_from_treatment(data: pd.DataFrame, unit: str, time: str, treatment: str) -> pd.Series:
    """First treated year per row from a 0/1 treatment indicator (absorbing treatment).

    FORMULA: g_i = min{t : D_it = 1}, NaN if D_it = 0 for all t.

    Raises :class:`MethodInputError` if the indicator is not 0/1, is missing, or switches
    off (D_it = 1 and D_is = 0 for some s > t): the staggered-adoption estimators assume
    that treatment, once started, stays on.

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.models.did_data import cohort_from_treatment
    >>> panel = pd.DataFrame({"city": ["A"] * 3 + ["B"] * 3, "year": [2000, 2001, 2002] * 2,
    ...                       "treated": [0, 1, 1, 0, 0, 0]})
    >>> cohort_from_treatment(panel, "city", "year", "treated").tolist()
    [2001.0, 2001.0, 2001.0, nan, nan, nan]
    """
    data = require_frame(data)
    require_columns(data, [unit, time, treatment], "data")
    d = data[treatment]
    if d.isna().any():
        raise MethodInputError(f"{treatment}: missing at rows {preview_labels(data.index[d.isna()])}")
    values = set(pd.unique(d.astype(float)))
    if not values <= {0.0, 1.0}:
        raise MethodInputError(f"{treatment}: expected 0/1, found values {preview_labels(sorted(values))}")
    ordered = data.sort_values([unit, time])
    dd = ordered[treatment].astype(float)
    drops = dd.groupby(ordered[unit], sort=False).diff() < 0
    if drops.any():
        units = ordered.loc[drops, unit].unique()
        raise MethodInputError(
            f"{treatment}: treatment switches off for {unit} {preview_labels(units)} (1 followed by 0); "
            "the staggered DID estimators need an absorbing treatment")
    first = ordered.loc[dd == 1].groupby(unit)[time].min()
    return data[unit].map(first).astype(float).rename("cohort")


def relative_period_name(e: int) -> str:
    """Name of the event-time term for relative period ``e``: ``rel_<e>``, as reported by the
    event-study estimators and :func:`~cityclusters.models.callaway_santanna.callaway_santanna`.

    Examples
    --------
    >>> from cityclusters.models.did_data import relative_period_name
    >>> relative_period_name(-1), relative_period_name(2)
    ('rel_-1', 'rel_2')
    """
    return f"rel_{int(e)}"


def event_window(leads: int, lags: int, reference: int) -> list[int]:
    """Relative periods −leads … lags of an event study, without the ``reference`` period.

    ``leads`` ≥ 1 and ``lags`` ≥ 0 are integers and ``reference`` is a pre-period in
    [−leads, −1]; anything else raises a ``MethodInputError``.

    Examples
    --------
    >>> from cityclusters.models.did_data import event_window
    >>> event_window(leads=2, lags=1, reference=-1)
    [-2, 0, 1]
    """
    for arg, value in (("leads", leads), ("lags", lags), ("reference", reference)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise MethodInputError(f"{arg}: expected an integer, got {value!r}")
    if leads < 1 or lags < 0:
        raise MethodInputError(f"leads={leads}, lags={lags}: need leads ≥ 1 and lags ≥ 0")
    if not (-leads <= reference < 0):
        raise MethodInputError(f"reference={reference}: must be a pre-period in [-{leads}, -1]")
    return [e for e in range(-leads, lags + 1) if e != reference]
