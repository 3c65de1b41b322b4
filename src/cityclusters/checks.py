"""Input checks shared by the indicator and model functions.

Every public method validates its inputs with these helpers, so that bad input ends in a
:class:`MethodInputError` (a ``ValueError``) that names the argument and says why, instead
of a silent ``NaN`` or ``inf`` in a result. Messages list at most a few offending labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from cityclusters.config import CLUSTER_IDS, FIRST_YEAR, LAST_YEAR
from cityclusters.errors import MethodInputError

MAX_LISTED = 5


def preview_labels(index: Iterable, limit: int = MAX_LISTED) -> str:
    items = list(index)
    shown = ", ".join(repr(i) for i in items[:limit])
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return f"{shown}{more}"


def as_series(values, name: str) -> pd.Series:
    """Return ``values`` as a float Series; scalars and 2-D input are refused."""
    if isinstance(values, pd.DataFrame):
        raise MethodInputError(f"{name}: expected a one-dimensional Series, got a DataFrame")
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if series.ndim != 1:
        raise MethodInputError(f"{name}: expected one-dimensional values")
    try:
        return series.astype(float)
    except (TypeError, ValueError) as exc:
        raise MethodInputError(f"{name}: values must be numeric ({exc})") from exc


def as_frame(values, name: str) -> pd.DataFrame:
    """Return ``values`` as a float DataFrame (columns kept); non-numeric columns are refused."""
    frame = values if isinstance(values, pd.DataFrame) else pd.DataFrame(values)
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise MethodInputError(f"{name}: columns must be numeric; not numeric: {preview_labels(bad)}")
    return frame.astype(float)


def require_nonempty(values, name: str, minimum: int = 1, what: str = "rows") -> None:
    """Refuse fewer than ``minimum`` rows (e.g. a single unit where dispersion is computed)."""
    n = len(values)
    if n < minimum:
        raise MethodInputError(f"{name}: needs at least {minimum} {what}, got {n}")


def require_finite(values, name: str) -> None:
    """Refuse NaN or infinite entries, naming the first offending rows (and columns)."""
    array = np.asarray(values, dtype=float)
    bad = ~np.isfinite(array)
    if not bad.any():
        return
    if isinstance(values, pd.DataFrame):
        rows = values.index[bad.any(axis=1)]
        cols = values.columns[bad.any(axis=0)]
        raise MethodInputError(
            f"{name}: {int(bad.sum())} missing or infinite value(s) in rows {preview_labels(rows)} "
            f"of columns {preview_labels(cols)}; drop or fill them explicitly before calling"
        )
    index = values.index if isinstance(values, pd.Series) else range(len(array))
    rows = [label for label, flag in zip(index, bad.ravel()) if flag]
    raise MethodInputError(
        f"{name}: {int(bad.sum())} missing or infinite value(s) at {preview_labels(rows)}; "
        "drop or fill them explicitly before calling"
    )


def require_positive(values, name: str, why: str = "logarithms are taken",
                     strict: bool = True) -> None:
    """Refuse zero (if ``strict``) or negative entries, naming them and the reason."""
    require_finite(values, name)
    array = np.asarray(values, dtype=float)
    bad = array <= 0 if strict else array < 0
    if not bad.any():
        return
    kind = "zero or negative" if strict else "negative"
    if isinstance(values, pd.DataFrame):
        rows = values.index[bad.any(axis=1)]
        cols = values.columns[bad.any(axis=0)]
        where = f"rows {preview_labels(rows)} of columns {preview_labels(cols)}"
    else:
        index = values.index if isinstance(values, pd.Series) else range(len(array))
        where = preview_labels([label for label, flag in zip(index, bad.ravel()) if flag])
    raise MethodInputError(f"{name}: {kind} value(s) at {where}, but {why}")


def require_unit_interval(values, name: str) -> None:
    """Refuse entries outside [0, 1] (scores and shares)."""
    require_finite(values, name)
    array = np.asarray(values, dtype=float)
    bad = (array < 0) | (array > 1)
    if bad.any():
        raise MethodInputError(
            f"{name}: {int(bad.sum())} value(s) outside [0, 1] "
            f"(min {array.min():.4g}, max {array.max():.4g}); expected normalised scores"
        )


def require_positive_totals(totals: pd.Series, name: str, what: str, why: str) -> None:
    """Refuse units whose total is zero (e.g. a city with no linkage, or no output in any
    sector), since their shares are undefined; ``what`` names the units, ``why`` the total."""
    empty = totals.index[totals <= 0]
    if len(empty):
        raise MethodInputError(f"{name}: {what} {preview_labels(empty)} {why}, so their shares are "
                               "undefined; drop them first")


def require_columns(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    """Refuse a frame that lacks any of ``columns``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MethodInputError(
            f"{name}: missing column(s) {preview_labels(missing)}; has {preview_labels(frame.columns, 12)}"
        )


def require_nonconstant(frame: pd.DataFrame, name: str) -> None:
    """Refuse columns with a single distinct value (min–max and entropy are undefined)."""
    constant = [c for c in frame.columns if frame[c].nunique(dropna=True) <= 1]
    if constant:
        raise MethodInputError(
            f"{name}: column(s) {preview_labels(constant)} are constant, so they carry no "
            "information and cannot be normalised; drop them"
        )


def require_same_index(left, right, left_name: str, right_name: str) -> None:
    """Refuse two objects whose indexes do not hold the same labels."""
    left_only = left.index.difference(right.index)
    right_only = right.index.difference(left.index)
    if len(left_only) or len(right_only):
        raise MethodInputError(
            f"{left_name} and {right_name} have different indexes: "
            f"only in {left_name}: {preview_labels(left_only) or 'none'}; "
            f"only in {right_name}: {preview_labels(right_only) or 'none'}"
        )


def require_unique_index(values, name: str) -> None:
    """Refuse duplicated index labels (e.g. a city listed twice in one year)."""
    duplicated = values.index[values.index.duplicated()]
    if len(duplicated):
        raise MethodInputError(f"{name}: duplicated index label(s) {preview_labels(duplicated)}")


def require_choice(value, options: Sequence, name: str) -> None:
    """Refuse a keyword value not among ``options``, listing the valid ones."""
    if value not in options:
        raise MethodInputError(f"{name}={value!r} is not valid; choose one of {list(options)}")

def require_frame(data, argument: str = "data") -> pd.DataFrame:
    """``data`` as a non-empty DataFrame, or a :class:`MethodInputError` naming ``argument``."""
    if not isinstance(data, pd.DataFrame):
        raise MethodInputError(f"{argument}: expected a pandas DataFrame, got {type(data).__name__}")
    if data.empty:
        raise MethodInputError(f"{argument}: the table has no rows")
    return data


def require_numeric_columns(frame: pd.DataFrame, columns: Sequence[str], argument: str) -> None:
    """Refuse columns of ``frame`` that are neither numeric nor boolean (names them and their dtypes)."""
    bad = [c for c in columns if not (pd.api.types.is_numeric_dtype(frame[c])
                                      or pd.api.types.is_bool_dtype(frame[c]))]
    if bad:
        raise MethodInputError(f"{argument}: column(s) {preview_labels(bad)} are not numeric "
                               f"(dtypes {[str(frame[c].dtype) for c in bad]})")

def validate_parameters(clusters: Sequence[str] | None = None, first_year: int | None = None,
                        last_year: int | None = None, *, min_years: int = 1,
                        max_clusters: int | None = None) -> None:
    """Refuse invalid chapter parameters with a message that lists the valid values.

    ``clusters`` must be a non-empty list of ids of :data:`cityclusters.config.CLUSTERS`
    (no duplicates); years must be integers with FIRST_YEAR ≤ first_year ≤ last_year ≤
    LAST_YEAR of the panel and span at least ``min_years`` years.
    """
    if clusters is not None:
        if isinstance(clusters, str) or not isinstance(clusters, Sequence):
            raise ValueError(f"CLUSTERS must be a list of cluster ids such as ['chengyu']; got "
                             f"{clusters!r}. Valid ids: {list(CLUSTER_IDS)}")
        unknown = [c for c in clusters if c not in CLUSTER_IDS]
        if unknown or not clusters:
            raise ValueError(f"CLUSTERS must be a non-empty list of {list(CLUSTER_IDS)}; "
                             f"unknown or empty: {unknown or clusters!r}")
        if len(set(clusters)) != len(clusters):
            raise ValueError(f"CLUSTERS lists a cluster twice: {list(clusters)}")
        if max_clusters is not None and len(clusters) > max_clusters:
            raise ValueError(f"this chapter compares at most {max_clusters} clusters; got "
                             f"{len(clusters)}")
    years = {"FIRST_YEAR": first_year, "LAST_YEAR": last_year}
    for name, value in years.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"{name} must be an integer year between {FIRST_YEAR} and "
                             f"{LAST_YEAR}; got {value!r}")
    if first_year is not None and last_year is not None:
        if not FIRST_YEAR <= first_year <= last_year <= LAST_YEAR:
            raise ValueError(f"need {FIRST_YEAR} <= FIRST_YEAR <= LAST_YEAR <= {LAST_YEAR}; got "
                             f"FIRST_YEAR={first_year}, LAST_YEAR={last_year}")
        if last_year - first_year + 1 < min_years:
            raise ValueError(f"this chapter needs at least {min_years} years; got "
                             f"{first_year}–{last_year}")
