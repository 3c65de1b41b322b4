"""Regression tables in the classic layout, for the HTML and the PDF book.

:func:`regression_table` lays out several :class:`~cityclusters.models.results.RegressionResult`
objects side by side — one column per model, a coefficient row with significance stars and a
row below with the standard error in parentheses, then fixed-effect (Yes/No) and statistics
rows. :func:`to_markdown` turns that table into a Markdown pipe table, which MyST renders
both as an HTML table and as a LaTeX ``tabular`` (unlike ``DataFrame.to_html`` output, which
the PDF build drops).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from cityclusters.errors import MethodInputError
from cityclusters.models.results import RegressionResult

__all__ = ["regression_table", "to_markdown", "STATISTIC_LABELS"]

STATISTIC_LABELS = {
    "n_obs": "N",
    "r2": "R²",
    "r2_within": "Within R²",
    "r2_adj": "Adjusted R²",
    "n_clusters": "Clusters",
    "n_units": "Units",
    "n_periods": "Periods",
}


MINUS = "\u2212"  # a true minus sign: LaTeX does not break a table cell after it, as after "-"


def _number(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    # "-0.000" reads as a sign where there is none
    if float(text) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", MINUS)


def _stars(p: float, thresholds: Sequence[float]) -> str:
    if p is None or not math.isfinite(p):
        return ""
    return "*" * sum(p < t for t in thresholds)


def _statistic(value, key: str, digits: int) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, tuple):  # two-way clusters
        return " × ".join(_statistic(v, key, digits) for v in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int) or (isinstance(value, float) and key.startswith("n_")
                                  and float(value).is_integer()):
        return f"{int(value):,}"
    if isinstance(value, float):
        return _number(value, digits)
    return str(value)


def regression_table(results: Sequence[RegressionResult], terms: Sequence[str] | None = None,
                     term_labels: Mapping[str, str] | None = None,
                     stars: Sequence[float] = (0.1, 0.05, 0.01), digits: int = 3,
                     statistics: Sequence[str] = ("n_obs", "r2_within", "n_clusters"),
                     fixed_effects_rows: bool = True,
                     statistic_labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Side-by-side regression table (one column per model).

    Layout, top to bottom: for each term a row ``estimate`` + stars and a row
    ``(std_error)`` (label ""); one ``<effect> FE`` row per fixed effect found in any model
    (``Yes``/``No``); one row per entry of ``statistics`` (N, within R², clusters …). A term
    a model does not have is blank. Stars: one per threshold that p is strictly below, so
    with the default thresholds ``*`` p < 0.1, ``**`` p < 0.05, ``***`` p < 0.01.

    Parameters
    ----------
    results : list of RegressionResult
        The models; their ``name`` is the column header (repeated names get " (2)", …).
    terms : list of str, optional
        Terms to show, in order (default: every term, in order of first appearance).
    term_labels : dict, optional
        Display labels for terms (default: the term itself).
    stars : tuple of float
        p-value thresholds for stars; empty for no stars.
    digits : int
        Decimals for estimates, standard errors and R².
    statistics : tuple of str
        Keys of ``RegressionResult.statistics`` shown at the bottom.
    fixed_effects_rows : bool
        Show the Yes/No rows for fixed effects.
    statistic_labels : dict, optional
        Labels for statistics rows (defaults in :data:`STATISTIC_LABELS`).

    Returns
    -------
    DataFrame
        Strings only; index = row labels (standard-error rows have the label ""). The
        attributes ``table.attrs["stars"]`` and ``table.attrs["cov_types"]`` feed the note of
        :func:`to_markdown`.

    Examples
    --------
    x in model (1): t = 0.5/0.1 = 5, p < 0.01, three stars; in model (2): t = 1.5, no star.
    z: t = −2, p = 0.046 < 0.05, two stars.

    >>> import pandas as pd
    >>> from cityclusters.models.regression_table import regression_table
    >>> from cityclusters.models.results import RegressionResult, tidy_coefficients
    >>> m1 = RegressionResult("(1)", tidy_coefficients(pd.Series({"x": 0.5}),
    ...                                                pd.Series({"x": 0.1})), {"n_obs": 120})
    >>> m2 = RegressionResult("(2)", tidy_coefficients(pd.Series({"x": 0.3, "z": -0.2}),
    ...                                                pd.Series({"x": 0.2, "z": 0.1})),
    ...                       {"n_obs": 120})
    >>> table = regression_table([m1, m2], statistics=("n_obs",))
    >>> table.index.tolist()
    ['x', '', 'z', '', 'N']
    >>> table["(1)"].tolist()
    ['0.500***', '(0.100)', '', '', '120']
    >>> table["(2)"].tolist()
    ['0.300', '(0.200)', '−0.200**', '(0.100)', '120']
    """
    results = list(results)
    if not results or not all(isinstance(r, RegressionResult) for r in results):
        raise MethodInputError("results: expected a non-empty list of RegressionResult")
    if not isinstance(digits, int) or digits < 0:
        raise MethodInputError(f"digits={digits!r}: need a non-negative integer")
    thresholds = sorted(stars, reverse=True)
    if any(not (0 < t < 1) for t in thresholds):
        raise MethodInputError(f"stars={tuple(stars)!r}: thresholds must lie in (0, 1)")
    term_labels = dict(term_labels or {})
    labels = {**STATISTIC_LABELS, **dict(statistic_labels or {})}

    headers, seen = [], {}
    for r in results:
        seen[r.name] = seen.get(r.name, 0) + 1
        headers.append(r.name if seen[r.name] == 1 else f"{r.name} ({seen[r.name]})")

    tables = [r.coefficients.set_index("term") for r in results]
    if terms is None:
        terms = list(dict.fromkeys(t for table in tables for t in table.index))
    else:
        terms = list(terms)
        unknown = [t for t in terms if not any(t in table.index for table in tables)]
        if unknown:
            raise MethodInputError(f"terms: {unknown} appear in none of the models")

    rows, index = [], []
    for term in terms:
        coef, se = [], []
        for table in tables:
            if term not in table.index:
                coef.append("")
                se.append("")
                continue
            row = table.loc[term]
            est, err, p = float(row["estimate"]), float(row["std_error"]), float(row["p_value"])
            coef.append(_number(est, digits) + _stars(p, thresholds) if math.isfinite(est) else "")
            se.append(f"({_number(err, digits)})" if math.isfinite(err) else "")
        rows += [coef, se]
        index += [term_labels.get(term, term), ""]

    if fixed_effects_rows:
        effects = list(dict.fromkeys(fe for r in results
                                     for fe in r.statistics.get("fixed_effects", ()) or ()))
        for fe in effects:
            rows.append(["Yes" if fe in (r.statistics.get("fixed_effects", ()) or ()) else "No"
                         for r in results])
            index.append(f"{term_labels.get(fe, fe)} FE")
    for key in statistics:
        rows.append([_statistic(r.statistics.get(key), key, digits) for r in results])
        index.append(labels.get(key, key))

    table = pd.DataFrame(rows, index=pd.Index(index, name=""), columns=headers)
    table.attrs["stars"] = tuple(thresholds)
    table.attrs["cov_types"] = tuple(dict.fromkeys(str(r.statistics.get("cov_type", ""))
                                                   for r in results if r.statistics.get("cov_type")))
    return table


def _escape(text: str) -> str:
    # Markdown would read "*" as emphasis (or a list bullet at the start of a line) and "|"
    # as a cell border
    return str(text).replace("\\", "\\\\").replace("*", "\\*").replace("|", "\\|")


def table_note(table: pd.DataFrame) -> str:
    """The note under a table: standard-error type and star thresholds (unescaped).

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.models.regression_table import regression_table, table_note
    >>> from cityclusters.models.results import RegressionResult, tidy_coefficients
    >>> fit = RegressionResult("(1)", tidy_coefficients(pd.Series({"x": 0.5}),
    ...                                                 pd.Series({"x": 0.1})),
    ...                        {"n_obs": 120, "cov_type": "robust (HC1)"})
    >>> table_note(regression_table([fit]))
    'Standard errors in parentheses: robust (HC1). * p < 0.1, ** p < 0.05, *** p < 0.01.'
    """
    parts = []
    cov = table.attrs.get("cov_types", ())
    if cov:
        parts.append("Standard errors in parentheses: " + "; ".join(cov) + ".")
    else:
        parts.append("Standard errors in parentheses.")
    thresholds = sorted(table.attrs.get("stars", ()), reverse=True)
    if thresholds:
        parts.append(", ".join(f"{'*' * (i + 1)} p < {t:g}" for i, t in enumerate(thresholds))
                     + ".")
    return " ".join(parts)


def to_markdown(table: pd.DataFrame, caption: str | None = None, note: str | None = None):
    """Render a :func:`regression_table` as Markdown for Jupyter Book (HTML and PDF).

    Output: an optional bold caption line, a pipe table (``DataFrame.to_markdown``, via
    tabulate) and a note line on standard errors and stars (``note`` replaces the
    automatic one). Stars and pipes are escaped so that Markdown shows them literally.

    Returns
    -------
    cityclusters.display.DataTable
        Its ``.data`` is the Markdown string; the output also carries ``table`` as CSV (the
        table's download on the site).

    Examples
    --------
    Without stars (``stars=()``), so that the Markdown shows no escaped asterisks:

    >>> import pandas as pd
    >>> from cityclusters.models.regression_table import regression_table, to_markdown
    >>> from cityclusters.models.results import RegressionResult, tidy_coefficients
    >>> fit = RegressionResult("(1)", tidy_coefficients(pd.Series({"x": 0.5}),
    ...                                                 pd.Series({"x": 0.1})),
    ...                        {"n_obs": 120, "cov_type": "robust (HC1)"})
    >>> print(to_markdown(regression_table([fit], stars=(), statistics=("n_obs",))).data)
    |    |     (1) |
    |:---|--------:|
    | x  |   0.500 |
    |    | (0.100) |
    | N  |     120 |
    <BLANKLINE>
    Standard errors in parentheses: robust (HC1).
    <BLANKLINE>
    """
    from cityclusters.display import DataTable

    if not isinstance(table, pd.DataFrame):
        raise MethodInputError(f"table: expected a DataFrame, got {type(table).__name__}")
    escaped = table.copy()
    escaped.index = [_escape(i) for i in escaped.index]
    escaped.columns = [_escape(c) for c in escaped.columns]
    escaped = escaped.map(_escape)
    colalign = ("left",) + ("right",) * escaped.shape[1]
    body = escaped.to_markdown(tablefmt="pipe", colalign=colalign)
    parts = []
    if caption:
        parts.append(f"**{caption}**")
    parts.append(body)
    parts.append(_escape(note if note is not None else table_note(table)))
    return DataTable("\n\n".join(parts) + "\n", table, index=True)
