"""Fixed-effects panel regressions and cross-section OLS in one result format.

:func:`fixed_effects_regression` wraps :class:`linearmodels.panel.PanelOLS` (the within
estimator with unit and/or period effects); :func:`ols_regression` wraps statsmodels OLS
(used for the border regression of :mod:`cityclusters.indicators.market`). Both return a
:class:`~cityclusters.models.results.RegressionResult` with the covariance matrix of the
reported terms attached, so that joint tests (pre-trends) and delta-method quantities can be
computed afterwards.

Small-sample conventions (stated once, used everywhere)
-------------------------------------------------------
* Clustered covariance: CRV1 with the factor G/(G−1)·(n−1)/(n−K) of Stata and statsmodels,
  where K counts the regressors and — when the model has two sets of effects, or one set
  not nested in the clusters — the estimated effects too (linearmodels ``debiased=True,
  group_debias=True`` and its automatic effect counting). p-values and intervals use
  Student's t with G−1 degrees of freedom (G = the smaller number of clusters for two-way
  clustering), as Stata and statsmodels do.
* Without clusters: heteroskedasticity-robust covariance scaled by n/(n−K) (HC1), t with
  n−K degrees of freedom.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cityclusters.checks import (
    preview_labels,
    require_columns,
    require_finite,
    require_frame,
    require_numeric_columns,
)
from cityclusters.errors import MethodInputError
from cityclusters.models.results import RegressionResult, tidy_coefficients

__all__ = ["fixed_effects_regression", "ols_regression"]

PANEL_CLUSTERS = ("unit", "time", "unit_time", None)
ROBUST_TYPES = ("HC0", "HC1", "HC2", "HC3", "nonrobust")


# ---------------------------------------------------------------------------------------
# shared input handling
# ---------------------------------------------------------------------------------------

def _as_list(names, argument: str) -> list[str]:
    if names is None:
        return []
    if isinstance(names, str):
        return [names]
    names = list(names)
    if len(set(names)) != len(names):
        raise MethodInputError(f"{argument}: names repeated in {names}")
    return names


def drop_missing(frame: pd.DataFrame, columns: Sequence[str], dropna: bool,
                    argument: str) -> tuple[pd.DataFrame, int]:
    """Refuse NaN/inf in ``columns`` or, with ``dropna=True``, drop those rows and count them.

    The libraries would drop such rows silently; the count goes into the statistics so that
    a reader sees how many observations were lost.

    Returns the frame (unchanged, or without the rows that have a NaN or ±inf in ``columns``)
    and the number of rows dropped. Used by the estimators of :mod:`cityclusters.models`.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from cityclusters.models.panel import drop_missing
    >>> frame = pd.DataFrame({"y": [1.0, np.nan, 3.0], "x": [0.5, 1.0, 2.0]})
    >>> kept, n_dropped = drop_missing(frame, ["y", "x"], dropna=True, argument="data")
    >>> kept.index.tolist(), n_dropped
    ([0, 2], 1)
    >>> drop_missing(frame, ["y", "x"], dropna=False, argument="data")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    cityclusters.errors.MethodInputError: data: 1 missing or infinite value(s) ... dropna=True ...
    """
    values = frame[list(columns)].astype(float)
    bad = ~np.isfinite(values.to_numpy())
    if not bad.any():
        return frame, 0
    if not dropna:
        try:
            require_finite(values, argument)
        except MethodInputError as exc:
            raise MethodInputError(f"{exc}, or pass dropna=True to drop (and count) those rows") from None
    keep = ~bad.any(axis=1)
    if not keep.any():
        raise MethodInputError(f"{argument}: every row has a missing value in {preview_labels(columns)}")
    return frame.loc[keep], int((~keep).sum())


def _require_varying(frame: pd.DataFrame, columns: Sequence[str], argument: str) -> None:
    constant = [c for c in columns if frame[c].nunique(dropna=True) <= 1]
    if constant:
        raise MethodInputError(
            f"{argument}: regressor(s) {preview_labels(constant)} are constant in the estimation "
            "sample, so their coefficient is not identified (a constant is collinear with "
            "the intercept or the fixed effects); drop them")


def _inference_dof(cov_type: str, n_clusters, df_resid: int):
    if cov_type.startswith("clustered") or cov_type.startswith("dyadic"):
        g = min(n_clusters) if isinstance(n_clusters, tuple) else n_clusters
        return max(g - 1, 1)
    return max(df_resid, 1)


# ---------------------------------------------------------------------------------------
# fixed effects
# ---------------------------------------------------------------------------------------

def fixed_effects_regression(data: pd.DataFrame, dependent: str, regressors, unit: str,
                             time: str, entity_effects: bool = True, time_effects: bool = True,
                             cluster: str | None = "unit", name: str | None = None,
                             dropna: bool = False, level: float = 0.95) -> RegressionResult:
    r"""Linear panel regression with unit and/or period fixed effects (within estimator).

    Model::

        y_it = x_it' β + α_i + λ_t + ε_it

    with α_i (``entity_effects``) and λ_t (``time_effects``) removed by demeaning; β is the
    within (two-way fixed-effects) estimator, identical to OLS with a full set of unit and
    period dummies (Frisch–Waugh–Lovell). Without any effects an intercept is added.

    Parameters
    ----------
    data : DataFrame
        Long panel with one row per unit and period; ``unit`` and ``time`` are columns (or
        index levels).
    dependent : str
        Outcome column.
    regressors : str or list of str
        Regressor columns (numeric; finite unless ``dropna``; not constant; not absorbed by
        the effects).
    unit, time : str
        Columns identifying the unit (e.g. city code) and the period (e.g. year).
    entity_effects, time_effects : bool
        Include unit and period fixed effects.
    cluster : {"unit", "time", "unit_time", None} or str
        ``"unit"`` clusters by unit, ``"time"`` by period, ``"unit_time"`` two-way by unit
        and period (Cameron, Gelbach & Miller 2011), any other string names a column of
        ``data`` to cluster on (e.g. province); ``None`` gives the heteroskedasticity-robust
        covariance.
    name : str, optional
        Label of the model in tables (default: the dependent variable).
    dropna : bool
        If False (default) missing values in the outcome or regressors raise; if True those
        rows are dropped and their number is reported as ``statistics["n_dropped"]``.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    RegressionResult
        Coefficients of ``regressors`` (the effects are not reported) with covariance;
        statistics ``n_obs, n_units, n_periods, r2`` (R² of the full model including the
        effects), ``r2_within`` (R² after the effects are partialled out, Stata's reghdfe
        "within R²"), ``fixed_effects`` (tuple of the effect columns), ``entity_effects``,
        ``time_effects``, ``cov_type``, ``n_clusters``, ``dependent``, ``df_resid``,
        ``df_inference``, ``n_dropped``.

    Notes
    -----
    Clustered covariance: CRV1, ``PanelOLS.fit(cov_type="clustered", debiased=True,
    group_debias=True)``, i.e. the factor G/(G−1)·(n−1)/(n−K). linearmodels counts the
    estimated effects in K except when there is a single set of effects nested in the
    clusters (unit effects, unit clusters: Stata ``xtreg, fe vce(cluster)``); with unit and
    year effects it counts both, which reproduces OLS on unit and year dummies with
    statsmodels' cluster covariance exactly (tested). Inference uses t(G−1).
    Units: coefficients are in units of ``dependent`` per unit of each regressor.

    Source: Wooldridge (2010), *Econometric Analysis of Cross Section and Panel Data*,
    2nd ed., MIT Press, ch. 10; Cameron & Miller (2015), *Journal of Human Resources*
    50(2):317–372 (cluster-robust inference).

    Examples
    --------
    y = 2x + α_i + λ_t without noise in a 3 × 3 panel: the within estimator returns 2.

    >>> import pandas as pd
    >>> from cityclusters.models.panel import fixed_effects_regression
    >>> data = pd.DataFrame({"city": list("AAABBBCCC"), "year": [2000, 2001, 2002] * 3,
    ...                      "x": [0.0, 1.0, 3.0, 2.0, 2.0, 0.0, 1.0, 4.0, 2.0]})
    >>> data["y"] = (2 * data["x"] + data["city"].map({"A": 1.0, "B": 0.0, "C": 2.0})
    ...              + data["year"].map({2000: 0.0, 2001: 0.5, 2002: 2.0}))
    >>> fit = fixed_effects_regression(data, "y", "x", unit="city", time="year")
    >>> round(float(fit.coefficient("x")["estimate"]), 4), fit.statistics["fixed_effects"]
    (2.0, ('city', 'year'))
    """
    from linearmodels import PanelOLS
    from linearmodels.panel.utility import AbsorbingEffectError

    data = require_frame(data)
    regressors = _as_list(regressors, "regressors")
    if not regressors:
        raise MethodInputError("regressors: at least one regressor is needed")
    for arg, value in (("unit", unit), ("time", time), ("dependent", dependent)):
        if not isinstance(value, str):
            raise MethodInputError(f"{arg}: expected a column name, got {value!r}")
    if not isinstance(data.index, pd.RangeIndex) and {unit, time} <= set(data.index.names) \
            and not {unit, time} <= set(data.columns):
        data = data.reset_index()
    if dependent in regressors:
        raise MethodInputError(f"regressors: the dependent variable {dependent!r} is also a regressor")
    cluster_column = None
    if cluster not in PANEL_CLUSTERS:
        if not isinstance(cluster, str):
            raise MethodInputError(f"cluster={cluster!r} is not valid; choose one of "
                                   f"{list(PANEL_CLUSTERS)} or a column name")
        cluster_column = cluster
    needed = [unit, time, dependent, *regressors] + ([cluster_column] if cluster_column else [])
    require_columns(data, needed, "data")
    require_numeric_columns(data, [dependent, *regressors], "data")
    frame, n_dropped = drop_missing(data, [dependent, *regressors], dropna, "data")
    for col in [unit, time] + ([cluster_column] if cluster_column else []):
        if frame[col].isna().any():
            rows = frame.index[frame[col].isna()]
            raise MethodInputError(f"data: column {col!r} (identifier/cluster) is missing at "
                                   f"rows {preview_labels(rows)}")
    dup = frame.duplicated([unit, time], keep=False)
    if dup.any():
        pairs = frame.loc[dup, [unit, time]].drop_duplicates().itertuples(index=False)
        raise MethodInputError(f"data: duplicated {unit}-{time} combination(s) "
                               f"{preview_labels([tuple(p) for p in pairs])}; the panel needs one "
                               "row per unit and period")
    _require_varying(frame, regressors, "regressors")

    # Integer codes for both index levels: PanelOLS needs a numeric or date time level, and
    # string city codes or years stored as text should work too.
    unit_codes = pd.factorize(frame[unit], sort=True)[0]
    time_codes = pd.factorize(frame[time], sort=True)[0]
    index = pd.MultiIndex.from_arrays([unit_codes, time_codes], names=["_unit", "_time"])
    y = pd.Series(frame[dependent].to_numpy(dtype=float), index=index, name=dependent)
    x = pd.DataFrame(frame[regressors].to_numpy(dtype=float), index=index, columns=regressors)
    if not (entity_effects or time_effects):
        x.insert(0, "const", 1.0)

    n_obs = len(frame)
    n_units = int(frame[unit].nunique())
    n_periods = int(frame[time].nunique())
    # effects counted as linearmodels does (no intercept when effects are present)
    n_effects = (n_units if entity_effects else 0) + \
        ((n_periods - (1 if entity_effects else 0)) if time_effects else 0)
    df_resid = n_obs - x.shape[1] - n_effects

    fit_kw: dict = {}
    if cluster == "unit":
        fit_kw = {"cov_type": "clustered", "cluster_entity": True, "group_debias": True}
        cov_label, n_clusters = f"clustered ({unit})", n_units
    elif cluster == "time":
        fit_kw = {"cov_type": "clustered", "cluster_time": True, "group_debias": True}
        cov_label, n_clusters = f"clustered ({time})", n_periods
    elif cluster == "unit_time":
        fit_kw = {"cov_type": "clustered", "cluster_entity": True, "cluster_time": True,
                  "group_debias": True}
        cov_label, n_clusters = f"clustered two-way ({unit}, {time})", (n_units, n_periods)
    elif cluster is None:
        fit_kw = {"cov_type": "robust"}
        cov_label, n_clusters = "robust (HC1)", None
    else:
        codes = pd.factorize(frame[cluster_column], sort=True)[0]
        fit_kw = {"cov_type": "clustered", "group_debias": True,
                  "clusters": pd.DataFrame({cluster_column: codes}, index=index)}
        cov_label, n_clusters = f"clustered ({cluster_column})", int(frame[cluster_column].nunique())

    degenerate = df_resid <= 0
    try:
        model = PanelOLS(y, x, entity_effects=entity_effects, time_effects=time_effects)
        if degenerate:
            # Exactly identified (e.g. a 2×2 DID): the estimate exists, its variance does not.
            res = model.fit(cov_type="unadjusted", debiased=False, auto_df=False,
                            count_effects=False)
        else:
            res = model.fit(debiased=True, **fit_kw)
    except AbsorbingEffectError as exc:
        absorbed = [r for r in regressors if r in str(exc)]
        raise MethodInputError(
            f"regressors: {preview_labels(absorbed) or 'some regressors'} are absorbed by the fixed "
            "effects (they do not vary within units or periods) or are collinear with them "
            "after demeaning; drop them") from None
    except ValueError as exc:
        if "full column rank" in str(exc):
            raise MethodInputError(
                f"regressors: {preview_labels(regressors)} are perfectly collinear (the design matrix "
                "does not have full column rank); drop redundant regressors") from None
        raise MethodInputError(f"fixed_effects_regression: {exc}") from None

    params = res.params
    if degenerate:
        warnings.warn(f"fixed_effects_regression: {n_obs} observations and "
                      f"{x.shape[1] + n_effects} parameters leave no residual degrees of "
                      "freedom; standard errors are undefined (NaN)", RuntimeWarning, stacklevel=2)
        std_errors = pd.Series(np.nan, index=params.index)
        covariance = pd.DataFrame(np.nan, index=params.index, columns=params.index)
        cov_label, dof = "none (no residual degrees of freedom)", None
    else:
        std_errors = res.std_errors
        covariance = res.cov
        dof = _inference_dof(fit_kw["cov_type"], n_clusters, df_resid)

    coefficients = tidy_coefficients(params, std_errors, dof=dof, level=level)
    y_values = y.to_numpy()
    ssr = float(res.resid_ss)
    tss = float(((y_values - y_values.mean()) ** 2).sum())
    fixed = tuple(c for c, flag in ((unit, entity_effects), (time, time_effects)) if flag)
    statistics = {
        "n_obs": n_obs,
        "n_units": n_units,
        "n_periods": n_periods,
        "r2": 1 - ssr / tss if tss > 0 else None,
        # R² of the regression after the effects are partialled out (reghdfe's "within")
        "r2_within": float(res.rsquared) if fixed else None,
        "fixed_effects": fixed,
        "entity_effects": bool(entity_effects),
        "time_effects": bool(time_effects),
        "cov_type": cov_label,
        "n_clusters": n_clusters,
        "dependent": dependent,
        "df_resid": int(df_resid),
        "df_inference": dof,
        "n_dropped": n_dropped,
        "estimator": "PanelOLS (within)",
    }
    return RegressionResult(name=name or dependent, coefficients=coefficients,
                            statistics=statistics, level=level, covariance=covariance)


# ---------------------------------------------------------------------------------------
# OLS
# ---------------------------------------------------------------------------------------

def _dyadic_covariance(x: np.ndarray, resid: np.ndarray, member_i: np.ndarray,
                       member_j: np.ndarray) -> tuple[np.ndarray, int]:
    """Dyadic-robust sandwich (Aronow, Samii & Assenova 2015; Cameron & Miller 2014).

    Allows correlation between any two dyads that share a member. With u_p = x_p e_p and
    s_c = Σ_{p ∋ c} u_p, the meat Σ_{p,q share a member} u_p u_q' equals
    Σ_c s_c s_c' − Σ_p u_p u_p' (each dyad is counted once through each of its two
    members; distinct unordered dyads share at most one member), which avoids the n × n
    adjacency matrix. Scaled by G/(G−1)·(n−1)/(n−K), G = number of distinct members.
    """
    n, k = x.shape
    codes, members = pd.factorize(np.concatenate([member_i, member_j]), sort=True)
    ci, cj = codes[:n], codes[n:]
    g = len(members)
    u = x * resid[:, None]
    s = np.zeros((g, k))
    np.add.at(s, ci, u)
    np.add.at(s, cj, u)
    meat = s.T @ s - u.T @ u
    bread = np.linalg.inv(x.T @ x)
    scale = g / (g - 1) * (n - 1) / (n - k)
    cov = scale * bread @ meat @ bread
    return (cov + cov.T) / 2, g


def ols_regression(data: pd.DataFrame, dependent: str, regressors, cluster=None,
                   robust: str = "HC1", name: str | None = None, add_constant: bool = True,
                   dyadic: tuple[str, str] | None = None, dropna: bool = False,
                   level: float = 0.95, report_terms=None) -> RegressionResult:
    r"""Ordinary least squares with robust, clustered or dyadic-robust standard errors.

    Model::

        y_i = α + x_i' β + u_i,        β̂ = (X'X)⁻¹ X'y

    Parameters
    ----------
    data : DataFrame
    dependent : str
        Outcome column.
    regressors : str or list of str
        Numeric regressor columns (finite unless ``dropna``; not constant; not collinear).
    cluster : str or list of two str, optional
        Column to cluster on (CRV1, statsmodels ``cov_type="cluster"`` with
        G/(G−1)·(n−1)/(n−K)); two columns give two-way clustering (Cameron, Gelbach &
        Miller 2011). Inference uses t(G−1), G the smaller number of clusters.
    robust : {"HC0", "HC1", "HC2", "HC3", "nonrobust"}
        Covariance when neither ``cluster`` nor ``dyadic`` is given (default HC1).
    name : str, optional
        Model label (default: the dependent variable).
    add_constant : bool
        Add an intercept, reported as term ``const``.
    dyadic : tuple of two str, optional
        For dyadic data (one row per pair i–j): the two columns naming the members. The
        covariance then allows correlation between any two pairs that share a member
        (Aronow, Samii & Assenova 2015), scaled by G/(G−1)·(n−1)/(n−K) with G the number
        of distinct members; inference uses t(G−1). Exclusive with ``cluster``.
    dropna : bool
        Refuse (False) or drop and count (True) rows with missing values.
    level : float
        Confidence level.
    report_terms : list of str, optional
        Terms kept in the coefficient table and covariance (default all); e.g. leave out
        fixed-effect dummies. The fit always uses every regressor.

    Returns
    -------
    RegressionResult
        statistics: ``n_obs, r2, r2_adj, r2_within`` (None), ``fixed_effects`` (empty),
        ``cov_type, n_clusters, dependent, df_resid, df_inference, n_dropped``.

    Source: statsmodels OLS; Cameron & Miller (2015), *Journal of Human Resources*
    50(2):317–372; Aronow, Samii & Assenova (2015), *Political Analysis* 23(4):564–577.

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.models.panel import ols_regression
    >>> data = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    >>> data["y"] = 1 + 2 * data["x"]
    >>> ols_regression(data, "y", "x").coefficients[["term", "estimate"]].round(4)
        term  estimate
    0  const       1.0
    1      x       2.0
    """
    import statsmodels.api as sm

    data = require_frame(data)
    regressors = _as_list(regressors, "regressors")
    if not regressors and not add_constant:
        raise MethodInputError("regressors: no regressors and no constant")
    if robust not in ROBUST_TYPES:
        raise MethodInputError(f"robust={robust!r} is not valid; choose one of {list(ROBUST_TYPES)}")
    cluster_cols = _as_list(cluster, "cluster")
    if len(cluster_cols) > 2:
        raise MethodInputError(f"cluster: at most two columns (two-way clustering), got {cluster_cols}")
    dyad_cols = _as_list(dyadic, "dyadic")
    if dyad_cols and len(dyad_cols) != 2:
        raise MethodInputError(f"dyadic: expected the two member columns, got {dyadic!r}")
    if dyad_cols and cluster_cols:
        raise MethodInputError("cluster and dyadic are exclusive; choose one covariance")
    if dependent in regressors:
        raise MethodInputError(f"regressors: the dependent variable {dependent!r} is also a regressor")
    require_columns(data, [dependent, *regressors, *cluster_cols, *dyad_cols], "data")
    require_numeric_columns(data, [dependent, *regressors], "data")
    frame, n_dropped = drop_missing(data, [dependent, *regressors], dropna, "data")
    for col in cluster_cols + dyad_cols:
        if frame[col].isna().any():
            raise MethodInputError(f"data: cluster column {col!r} is missing at rows "
                                   f"{preview_labels(frame.index[frame[col].isna()])}")
    _require_varying(frame, regressors, "regressors")

    x = frame[regressors].astype(float)
    if add_constant:
        x.insert(0, "const", 1.0)
    y = frame[dependent].astype(float)
    n, k = x.shape
    if n <= k:
        raise MethodInputError(f"data: {n} observations for {k} parameters; need more rows")
    # statsmodels would use a pseudo-inverse and return arbitrary coefficients silently
    if np.linalg.matrix_rank(x.to_numpy()) < k:
        raise MethodInputError(f"regressors: {preview_labels(regressors)} are perfectly collinear "
                               "(with each other or the constant); drop redundant regressors")
    model = sm.OLS(y.to_numpy(), x.to_numpy())
    df_resid = n - k
    if cluster_cols:
        groups = np.column_stack([pd.factorize(frame[c], sort=True)[0] for c in cluster_cols])
        groups = groups[:, 0] if groups.shape[1] == 1 else groups
        res = model.fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": True,
                                                      "df_correction": True})
        counts = tuple(int(frame[c].nunique()) for c in cluster_cols)
        n_clusters = counts[0] if len(counts) == 1 else counts
        cov_label = ("clustered (" if len(counts) == 1 else "clustered two-way (") + \
            ", ".join(cluster_cols) + ")"
        params, cov = res.params, res.cov_params()
        dof = _inference_dof("clustered", n_clusters, df_resid)
    elif dyad_cols:
        res = model.fit()
        cov, n_clusters = _dyadic_covariance(x.to_numpy(), res.resid,
                                             frame[dyad_cols[0]].to_numpy(),
                                             frame[dyad_cols[1]].to_numpy())
        params = res.params
        cov_label = f"dyadic-robust ({', '.join(dyad_cols)})"
        dof = _inference_dof("dyadic", n_clusters, df_resid)
    else:
        res = model.fit(cov_type=robust)
        params, cov = res.params, res.cov_params()
        n_clusters = None
        cov_label = "homoskedastic" if robust == "nonrobust" else f"robust ({robust})"
        dof = df_resid

    terms = list(x.columns)
    shown = terms if report_terms is None else _as_list(report_terms, "report_terms")
    unknown = [t for t in shown if t not in terms]
    if unknown:
        raise MethodInputError(f"report_terms: {preview_labels(unknown)} are not terms of the model "
                               f"({preview_labels(terms, 12)})")
    position = [terms.index(t) for t in shown]
    cov = np.asarray(cov, dtype=float)[np.ix_(position, position)]
    variances = np.diag(cov).copy()
    if (variances < 0).any():
        # possible for the dyadic meat in small samples (it is not PSD by construction)
        bad = [t for t, v in zip(shown, variances) if v < 0]
        warnings.warn(f"ols_regression: negative variance estimate(s) for {preview_labels(bad)} set to "
                      "NaN", RuntimeWarning, stacklevel=2)
        variances[variances < 0] = np.nan
    estimates = pd.Series(np.asarray(params, dtype=float)[position], index=shown)
    std_errors = pd.Series(np.sqrt(variances), index=shown)
    coefficients = tidy_coefficients(estimates, std_errors, dof=dof, level=level)
    statistics = {
        "n_obs": int(n),
        "r2": float(res.rsquared),
        "r2_adj": float(res.rsquared_adj),
        "r2_within": None,
        "fixed_effects": (),
        "cov_type": cov_label,
        "n_clusters": n_clusters,
        "dependent": dependent,
        "df_resid": int(df_resid),
        "df_inference": dof,
        "n_dropped": n_dropped,
        "estimator": "OLS",
    }
    covariance = pd.DataFrame(cov, index=shown, columns=shown)
    return RegressionResult(name=name or dependent, coefficients=coefficients,
                            statistics=statistics, level=level, covariance=covariance)


def within_fits(frame: pd.DataFrame, outcomes: np.ndarray, regressors: Sequence[str],
                unit: str = "city_code", time: str = "year", level: float = 0.95) -> dict[str, np.ndarray]:
    r"""The two-way fixed-effects regression of :func:`fit` for many outcome columns at once.

    For each column s of ``outcomes`` (rows aligned with ``frame``):
    y_s = Xβ_s + α_i + λ_t + ε on the rows where y_s and every regressor have a value. The
    year effects enter as dummies and the city effects by demeaning within city (exact by
    Frisch–Waugh–Lovell); standard errors CRV1 clustered by ``unit``, factor
    G/(G − 1)·(n − 1)/(n − K) with K = regressors + cities + years − 1, intervals t(G − 1):
    the same numbers as :func:`fixed_effects_regression` (tested).
    Columns with the same missing rows are solved together, so hundreds of outcomes cost about
    as much as a few regressions.

    Returns arrays ``estimate``, ``std_error``, ``ci_low``, ``ci_high`` (regressors × columns)
    and ``n_obs``, ``n_clusters`` (per column; 0 and NaN estimates where fewer than 3 cities
    or no residual degrees of freedom remain).

    Examples
    --------
    Two outcomes built without noise from city and year effects: 2x and −x are recovered
    exactly, with zero standard error.

    >>> import numpy as np, pandas as pd
    >>> from cityclusters.models.panel import within_fits
    >>> f = pd.DataFrame({"city_code": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4], "year": [1, 2, 3] * 4,
    ...                   "x": [0.0, 1, 3, 2, 2, 5, 1, 0, 4, 3, 1, 1]})
    >>> city, year = f["city_code"].map({1: 0.0, 2: 5, 3: -1, 4: 2}), f["year"].map({1: 0.0, 2: 1, 3: 3})
    >>> fits = within_fits(f, np.column_stack([2 * f["x"] + city + year, -f["x"] + city]), ["x"])
    >>> fits["estimate"].round(6).tolist(), fits["std_error"].round(6).tolist(), fits["n_clusters"].tolist()
    ([[2.0, -1.0]], [[0.0, 0.0]], [4, 4])
    """
    y = np.asarray(outcomes, dtype=float)
    if y.ndim != 2 or len(y) != len(frame):
        raise MethodInputError(f"outcomes: need a 2-d array with {len(frame)} rows, got shape {y.shape}")
    x_all = frame[list(regressors)].to_numpy(dtype=float)
    base = ~np.isnan(x_all).any(axis=1)
    k, n_cols = len(regressors), y.shape[1]
    out = {name: np.full((k, n_cols), np.nan) for name in ("estimate", "std_error", "ci_low", "ci_high")}
    out["n_obs"], out["n_clusters"] = np.zeros(n_cols, dtype=int), np.zeros(n_cols, dtype=int)
    present = ~np.isnan(y) & base[:, None]
    patterns: dict[bytes, list[int]] = {}
    for s in range(n_cols):
        patterns.setdefault(present[:, s].tobytes(), []).append(s)
    for columns in patterns.values():
        rows = present[:, columns[0]]
        _within_block(frame.loc[rows, unit].to_numpy(), frame.loc[rows, time].to_numpy(), x_all[rows],
                      y[np.ix_(rows, columns)], columns, level, out)
    return out


def within_design(units, times, x: np.ndarray, y: np.ndarray):
    """The two-way fixed-effects design by Frisch–Waugh–Lovell: period dummies (the first period
    dropped) appended to the regressors ``x``, then ``x`` and the outcome(s) ``y`` demeaned within
    units, which absorbs the unit effects exactly. Used by :func:`within_fits` and by the wild
    bootstrap (:func:`cityclusters.models.wild_bootstrap.wild_bootstrap_fe`).

    Returns ``(xd, yd, unit_index, n_units, periods)``: the demeaned design (regressors first),
    the demeaned outcome(s), each row's unit number, the number of units and the sorted periods.

    >>> import numpy as np
    >>> xd, yd, _, n_units, periods = within_design([1, 1, 2, 2], [0, 1, 0, 1], np.array([[1.0], [3.0], [0.0], [4.0]]),
    ...                                              np.array([1.0, 2.0, 3.0, 5.0]))
    >>> xd.tolist(), yd.tolist(), n_units, periods.tolist()
    ([[-1.0, -0.5], [1.0, 0.5], [-2.0, -0.5], [2.0, 0.5]], [-0.5, 0.5, -1.0, 1.0], 2, [0, 1])
    """
    unit_codes, unit_index = np.unique(units, return_inverse=True)
    periods, time_index = np.unique(times, return_inverse=True)
    n_units = len(unit_codes)
    design = np.column_stack([x, np.eye(len(periods))[time_index][:, 1:]])
    counts = np.bincount(unit_index, minlength=n_units)

    def demean(a):
        a = np.asarray(a, dtype=float)
        flat = a.reshape(len(a), -1)
        sums = np.zeros((n_units, flat.shape[1]))
        np.add.at(sums, unit_index, flat)
        return (flat - (sums / counts[:, None])[unit_index]).reshape(a.shape)

    return demean(design), demean(y), unit_index, n_units, periods


def _within_block(units, times, x, y, columns, level, out) -> None:
    if len(np.unique(units)) < 3:
        return
    xd, yd, unit_index, n_units, periods = within_design(units, times, x, y)
    n = len(y)
    n_par = x.shape[1] + n_units + len(periods) - 1
    if n - n_par <= 0:
        return
    inverse = np.linalg.pinv(xd.T @ xd)
    beta = inverse @ xd.T @ yd
    resid = yd - xd @ beta
    factor = n_units / (n_units - 1) * (n - 1) / (n - n_par)
    crit = stats.t.ppf(0.5 + level / 2, n_units - 1)
    for j in range(x.shape[1]):
        h = xd @ inverse[j]
        sums = np.zeros((n_units, len(columns)))
        np.add.at(sums, unit_index, h[:, None] * resid)
        se = np.sqrt(factor * (sums ** 2).sum(axis=0))
        out["estimate"][j, columns] = beta[j]
        out["std_error"][j, columns] = se
        out["ci_low"][j, columns] = beta[j] - crit * se
        out["ci_high"][j, columns] = beta[j] + crit * se
    out["n_obs"][columns] = n
    out["n_clusters"][columns] = n_units
