"""σ- and β-convergence of per-capita values across regional units.

σ-convergence: the cross-sectional dispersion of log per-capita values falls over time.
β-convergence: units that start lower grow faster. Absolute β-convergence is estimated on a
cross-section of growth rates over one period; conditional β-convergence on a panel of
(annual or ``window``-year) growth rates with unit and year fixed effects.

Regression outputs are :class:`~cityclusters.models.results.RegressionResult` objects. The
speed of convergence and half-life implied by the slope are reported in ``statistics``; they
are ``None`` (with ``converging=False`` and a ``note``) whenever the slope implies no
convergence, never NaN.

All functions take a long panel: one row per unit and year, a numeric (integer) year column,
and a column of strictly positive per-capita values (logarithms are taken).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cityclusters.checks import (
    as_frame,
    as_series,
    require_columns,
    require_finite,
    require_positive,
    require_unique_index,
)
from cityclusters.errors import MethodInputError
from cityclusters.indicators.inequality import coefficient_of_variation
from cityclusters.models.results import RegressionResult, tidy_coefficients

__all__ = [
    "sigma_convergence",
    "sigma_trend",
    "newey_west_lags",
    "HAC_MIN_YEARS",
    "beta_convergence",
    "panel_beta_convergence",
    "convergence_speed",
]

LOG_INITIAL = "log_initial"


# ---------------------------------------------------------------------------------------------
# input preparation
# ---------------------------------------------------------------------------------------------

def _log_panel(panel: pd.DataFrame, value: str, unit: str, year: str,
               extra: Sequence[str] = ()) -> pd.DataFrame:
    """Panel indexed by (unit, year) with integer years and positive ``value``; ``log_value``
    added. Missing columns, missing keys, duplicates and bad values are refused."""
    if not isinstance(panel, pd.DataFrame):
        raise MethodInputError(f"panel: expected a DataFrame, got {type(panel).__name__}")
    require_columns(panel, [unit, year, value, *extra], "panel")
    for key in (unit, year):
        if panel[key].isna().any():
            raise MethodInputError(f"panel[{key!r}]: {int(panel[key].isna().sum())} row(s) "
                                   "have no label; every row needs a unit and a year")
    years = panel[year]
    if not pd.api.types.is_numeric_dtype(years) or not np.all(np.mod(years, 1) == 0):
        raise MethodInputError(f"panel[{year!r}]: years must be integers (e.g. 2015), "
                               f"got dtype {years.dtype}")
    keyed = panel.assign(**{year: years.astype(int)}).set_index([unit, year]).sort_index()
    require_unique_index(keyed, f"panel (duplicated ({unit}, {year}) rows)")
    values = as_series(keyed[value], f"panel[{value!r}]")
    require_positive(values, f"panel[{value!r}]",
                     why="convergence is measured on logarithms (labels are (unit, year))")
    return keyed.assign(log_value=np.log(values))


def convergence_speed(slope: float, slope_se: float, horizon: float) -> dict:
    """Speed of convergence and half-life implied by a β slope, with delta-method SEs.

    For growth g = ln(y_T / y_0) / T regressed on ln y_0 with slope b (Barro & Sala-i-Martin
    1992)::

        b = −(1 − e^{−λT}) / T   ⇔   λ = −ln(1 + bT) / T           (per year)
        half-life h = ln 2 / λ                                       (years)
        SE(λ) = |dλ/db| · SE(b) = SE(b) / |1 + bT|,   dλ/db = −1 / (1 + bT)
        SE(h) = (ln 2 / λ²) · SE(λ)

    Parameters
    ----------
    slope, slope_se : float
        Estimated b (per year, since g is per year) and its standard error.
    horizon : float
        T, the length in years of the period over which growth is measured.

    Returns
    -------
    dict
        ``converging`` (bool), ``speed`` and ``speed_se`` (per year), ``half_life`` and
        ``half_life_se`` (years), ``note`` (str). When b ≥ 0 (no convergence or divergence) or
        1 + bT ≤ 0 (the fitted adjustment overshoots, ln undefined) the four numbers are
        ``None``, ``converging`` is False and ``note`` says why.

    References
    ----------
    Barro, R. J. & Sala-i-Martin, X. (1992). Convergence. *Journal of Political Economy*
    100(2), 223–251. Oehlert, G. W. (1992). A note on the delta method. *The American
    Statistician* 46(1), 27–29.

    Examples
    --------
    b = −0.02 per year over T = 10 years: 1 + bT = 0.8, λ = −ln 0.8 / 10 = 0.02231 per year,
    h = ln 2 / λ = 31.06 years, SE(λ) = 0.005 / 0.8 = 0.00625.

    >>> from cityclusters.indicators.convergence import convergence_speed
    >>> s = convergence_speed(-0.02, 0.005, horizon=10)
    >>> round(s["speed"], 5), round(s["speed_se"], 5), round(s["half_life"], 2)
    (0.02231, 0.00625, 31.06)
    >>> convergence_speed(0.01, 0.005, horizon=10)["converging"]
    False
    """
    factor = 1.0 + slope * horizon
    undefined = {"speed": None, "speed_se": None, "half_life": None, "half_life_se": None,
                 "converging": False}
    if slope >= 0:
        return {**undefined, "note": (
            f"b = {slope:.4g} ≥ 0: growth does not fall with the initial level (no "
            "β-convergence; divergence if b > 0), so speed and half-life are undefined")}
    if factor <= 0:
        return {**undefined, "note": (
            f"1 + bT = {factor:.4g} ≤ 0: the fitted slope implies that units overshoot the "
            "common level, so λ = −ln(1 + bT)/T is undefined")}
    speed = -np.log(factor) / horizon
    speed_se = abs(slope_se / factor)
    half_life = np.log(2.0) / speed
    return {"speed": float(speed), "speed_se": float(speed_se),
            "half_life": float(half_life),
            "half_life_se": float(np.log(2.0) / speed**2 * speed_se),
            "converging": True,
            "note": "b < 0: β-convergence; speed and half-life by the delta method"}


# ---------------------------------------------------------------------------------------------
# σ-convergence
# ---------------------------------------------------------------------------------------------

def sigma_convergence(panel: pd.DataFrame, value: str, unit: str = "city_code",
                      year: str = "year", population: str | None = None) -> pd.DataFrame:
    """Cross-sectional dispersion of a per-capita value, one row per year.

    For the N_t units observed in year t::

        sd_log_t = sqrt((1/N_t) Σ_i (ln y_it − mean_t ln y)²)     (ddof = 0)
        cv_t     = σ(y_t) / mean(y_t)                             (ddof = 0)
        cv_weighted_t = Williamson's population-weighted CV (if ``population`` is given)

    σ-convergence holds when these decline over time (Barro & Sala-i-Martin 1992; Sala-i-
    Martin 1996). The standard deviation uses ddof = 0 (the units are all cities, not a
    sample), consistent with :func:`~cityclusters.indicators.inequality.coefficient_of_variation`;
    the sample version (ddof = 1) is larger by sqrt(N/(N−1)), 0.2 % for N = 280. In an
    unbalanced panel a change in dispersion can come from units entering or leaving; compare
    ``n_units`` across years or pass a balanced panel.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long table, one row per unit and year.
    value : str
        Column of strictly positive per-capita values (e.g. real GDP per capita, 元/person).
    unit, year : str
        Columns identifying the unit and the (integer) year.
    population : str, optional
        Column of population, for the weighted CV.

    Returns
    -------
    pandas.DataFrame
        Columns ``year``, ``n_units``, ``mean_log``, ``sd_log``, ``cv`` and, with population,
        ``cv_weighted``; sorted by year. ``sd_log`` is in log points (0.1 ≈ 10 %).

    References
    ----------
    Sala-i-Martin, X. (1996). The classical approach to convergence analysis. *Economic
    Journal* 106(437), 1019–1036.

    Examples
    --------
    In 2000 the two cities have 1 and 4 (sd of logs = ln 4 / 2 = ln 2 = 0.6931); in 2001, 2 and
    4 (ln 2 / 2 = 0.3466): σ-convergence.

    >>> import pandas as pd
    >>> from cityclusters.indicators.convergence import sigma_convergence
    >>> panel = pd.DataFrame({"city_code": [1, 2, 1, 2], "year": [2000, 2000, 2001, 2001],
    ...                       "gdp_pc": [1.0, 4.0, 2.0, 4.0]})
    >>> sigma_convergence(panel, "gdp_pc")[["year", "n_units", "sd_log", "cv"]].round(4)
       year  n_units  sd_log      cv
    0  2000        2  0.6931  0.6000
    1  2001        2  0.3466  0.3333
    """
    keyed = _log_panel(panel, value, unit, year, extra=[population] if population else ())
    if population is not None:
        require_positive(as_series(keyed[population], f"panel[{population!r}]"),
                         f"panel[{population!r}]", why="population weights must be positive")
    rows = []
    for period, frame in keyed.groupby(level=year, sort=True):
        if len(frame) < 2:
            raise MethodInputError(f"panel: year {period} has {len(frame)} unit(s); "
                                   "dispersion needs at least 2")
        logs = frame["log_value"].to_numpy()
        row = {"year": int(period), "n_units": len(frame), "mean_log": float(logs.mean()),
               "sd_log": float(logs.std(ddof=0)),
               "cv": coefficient_of_variation(frame[value].to_numpy())}
        if population is not None:
            row["cv_weighted"] = coefficient_of_variation(frame[value].to_numpy(),
                                                          frame[population].to_numpy())
        rows.append(row)
    return pd.DataFrame(rows)


#: Fewest years for a trend test: below this the Newey–West variance rests on too few
#: autocovariances to be trusted (a choice of the book), and a trend is described, not tested.
HAC_MIN_YEARS = 10


def newey_west_lags(n_years: int) -> int:
    """Lag truncation of the Newey–West variance: floor(4 (T/100)^(2/9)) (Newey & West 1994's
    rule of thumb for the Bartlett kernel), at least 1 and at most T − 2.

    >>> [newey_west_lags(t) for t in (5, 10, 24, 100)]
    [2, 2, 2, 4]
    """
    if n_years < 3:
        raise MethodInputError(f"n_years={n_years}: a trend needs at least 3 years")
    return int(min(max(np.floor(4 * (n_years / 100) ** (2 / 9)), 1), n_years - 2))


def sigma_trend(sigma_table: pd.DataFrame, column: str = "sd_log", year: str = "year",
                cov_type: str = "HAC", level: float = 0.95) -> RegressionResult:
    """Linear time trend of a dispersion measure: OLS of ``column`` on a constant and year.

    ::

        D_t = a + c · t + e_t

    Yearly dispersion is serially correlated (a city's position moves slowly), so OLS or HC1
    errors understate the uncertainty of c. The default errors are Newey–West HAC (Bartlett
    kernel, statsmodels ``cov_type="HAC"``) with L = floor(4 (T/100)^(2/9)) lags
    (:func:`newey_west_lags`; Newey & West 1987, 1994) and the small-sample factor T/(T − 2)
    (``use_correction=True``); p-values and intervals use Student's t with T − 2 degrees of
    freedom. ``cov_type="HC1"`` gives the heteroskedasticity-robust errors (MacKinnon & White
    1985) for comparison only. With fewer than :data:`HAC_MIN_YEARS` years
    ``statistics["testable"]`` is False: describe such a trend, do not test it.

    Parameters
    ----------
    sigma_table : pandas.DataFrame
        Output of :func:`sigma_convergence` (or any table with ``year`` and ``column``).
    column : str
        Dispersion column, e.g. ``sd_log``, ``cv`` or ``cv_weighted``.
    year : str
        Year column (consecutive years: the HAC weights treat rows as adjacent periods).
    cov_type : {"HAC", "HC1"}
    level : float
        Confidence level of the interval.

    Returns
    -------
    RegressionResult
        Terms ``const`` and ``year`` (change of ``column`` per year); ``statistics`` hold
        ``n_obs``, ``r2``, ``cov_type`` (e.g. "HAC (Newey–West, 2 lags)"), ``hac_lags``,
        ``slope``, ``slope_se``, ``slope_p_value``, ``slope_ci_low``, ``slope_ci_high``,
        ``testable`` (T ≥ :data:`HAC_MIN_YEARS`).

    References
    ----------
    Newey, W. K. & West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity and
    autocorrelation consistent covariance matrix. *Econometrica* 55(3), 703–708. Newey, W. K. &
    West, K. D. (1994). Automatic lag selection in covariance matrix estimation. *Review of
    Economic Studies* 61(4), 631–653.

    Examples
    --------
    The OLS slope through (−1, 0.5), (0, 0.45), (1, 0.3) (years centred) is (0.3 − 0.5)/2:

    >>> import pandas as pd
    >>> from cityclusters.indicators.convergence import sigma_trend
    >>> table = pd.DataFrame({"year": [2000, 2001, 2002], "sd_log": [0.5, 0.45, 0.3]})
    >>> s = sigma_trend(table).statistics
    >>> round(s["slope"], 4), s["cov_type"], s["testable"]
    (-0.1, 'HAC (Newey–West, 1 lags)', False)
    """
    if not isinstance(sigma_table, pd.DataFrame):
        raise MethodInputError("sigma_table: expected a DataFrame from sigma_convergence")
    if cov_type not in ("HAC", "HC1"):
        raise MethodInputError(f"cov_type={cov_type!r} is not valid; choose 'HAC' or 'HC1'")
    require_columns(sigma_table, [year, column], "sigma_table")
    data = as_frame(sigma_table[[year, column]], "sigma_table")
    require_finite(data, "sigma_table")
    if len(data) < 3:
        raise MethodInputError(f"sigma_table: needs at least 3 years for a trend with a "
                               f"standard error, got {len(data)}")
    if data[year].duplicated().any():
        raise MethodInputError(f"sigma_table[{year!r}]: duplicated years "
                               f"{sorted(data.loc[data[year].duplicated(), year].unique())}")
    # statsmodels takes over half a second to import; only the chapters that fit this load it
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    data = data.sort_values(year)
    exog = add_constant(data[[year]].rename(columns={year: "year"}), has_constant="add")
    n_years = len(data)
    if cov_type == "HAC":
        lags = newey_west_lags(n_years)
        fit = OLS(data[column], exog).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
        label = f"HAC (Newey–West, {lags} lags)"
    else:
        lags = None
        fit = OLS(data[column], exog).fit(cov_type="HC1")
        label = "HC1"
    coefficients = tidy_coefficients(fit.params, fit.bse, dof=fit.df_resid, level=level)
    row = coefficients.set_index("term").loc["year"]
    return RegressionResult(
        name=f"trend of {column}",
        coefficients=coefficients,
        level=level,
        statistics={"n_obs": int(fit.nobs), "r2": float(fit.rsquared), "r2_within": None,
                    "fixed_effects": (), "cov_type": label, "hac_lags": lags, "n_clusters": None,
                    "dependent": column, "slope": float(row["estimate"]),
                    "slope_se": float(row["std_error"]),
                    "slope_p_value": float(row["p_value"]),
                    "slope_ci_low": float(row["ci_low"]), "slope_ci_high": float(row["ci_high"]),
                    "testable": n_years >= HAC_MIN_YEARS},
    )


# ---------------------------------------------------------------------------------------------
# absolute β-convergence (cross-section)
# ---------------------------------------------------------------------------------------------

def beta_convergence(panel: pd.DataFrame, value: str, start: int, end: int,
                     unit: str = "city_code", year: str = "year") -> RegressionResult:
    """Absolute β-convergence over one period, estimated on the cross-section of units.

    With T = end − start (years)::

        g_i = ln(y_i,end / y_i,start) / T = a + b · ln y_i,start + u_i

    estimated by OLS with heteroskedasticity-robust HC1 standard errors (MacKinnon & White
    1985); p-values and intervals use Student's t with N − 2 degrees of freedom. b < 0 means
    poorer units grow faster. The implied speed of convergence and half-life::

        λ = −ln(1 + bT) / T   (per year),   half-life = ln 2 / λ   (years)

    with delta-method standard errors (see :func:`convergence_speed`).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long table, one row per unit and year.
    value : str
        Column of strictly positive per-capita values; use real (deflated) values so that
        growth is not inflation.
    start, end : int
        First and last year; every unit in ``panel`` must be observed in both.
    unit, year : str
        Columns identifying the unit and the (integer) year.

    Returns
    -------
    RegressionResult
        Terms ``const`` and ``log_initial`` (b, per year). ``statistics``: ``n_obs``,
        ``n_units``, ``r2``, ``cov_type`` "HC1", ``start``, ``end``, ``horizon`` (T), ``b``,
        ``b_se``, ``speed``, ``speed_se``, ``half_life``, ``half_life_se``, ``converging``,
        ``note``.

    Raises
    ------
    MethodInputError
        start or end not an integer; start ≥ end; a unit not observed in ``start`` or ``end``
        (named); fewer than 3 units; duplicated unit–year rows; zero, negative or missing
        values; unknown columns.

    References
    ----------
    Barro, R. J. & Sala-i-Martin, X. (1992). Convergence. *Journal of Political Economy*
    100(2), 223–251 (equation for the average growth rate over T years and λ).

    Examples
    --------
    Three cities with ln y = 0, 1, 2 in 2000 grow by 5, 4 and 3 % a year for ten years, so
    g = 0.05 − 0.01 ln y exactly: b = −0.01, λ = −ln(0.9)/10 = 0.0105, h = 65.79 years.

    >>> import math
    >>> import pandas as pd
    >>> from cityclusters.indicators.convergence import beta_convergence
    >>> logs = [0.0, 1.0, 2.0, 0.5, 1.4, 2.3]
    >>> panel = pd.DataFrame({"city_code": [1, 2, 3] * 2, "year": [2000] * 3 + [2010] * 3,
    ...                       "gdp_pc": [math.exp(v) for v in logs]})
    >>> s = beta_convergence(panel, "gdp_pc", start=2000, end=2010).statistics
    >>> round(s["b"], 4), round(s["speed"], 4), round(s["half_life"], 2)
    (-0.01, 0.0105, 65.79)
    """
    for name, given in (("start", start), ("end", end)):
        if isinstance(given, bool) or not isinstance(given, (int, np.integer)):
            raise MethodInputError(f"{name}={given!r} must be an integer year")
    if not start < end:
        raise MethodInputError(f"start={start!r} must be earlier than end={end!r}")
    keyed = _log_panel(panel, value, unit, year)
    logs = keyed["log_value"].unstack(year)
    for label, period in (("start", start), ("end", end)):
        if period not in logs.columns:
            raise MethodInputError(f"{label}={period!r}: no rows in that year; years in panel: "
                                   f"{int(logs.columns.min())}–{int(logs.columns.max())}")
        missing = logs.index[logs[period].isna()]
        if len(missing):
            shown = ", ".join(repr(u) for u in list(missing)[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            raise MethodInputError(
                f"panel: {len(missing)} unit(s) not observed in the {label} year {period}: "
                f"{shown}{more}; keep only units observed in both {start} and {end}"
            )
    if len(logs) < 3:
        raise MethodInputError(f"panel: needs at least 3 units for a slope with a standard "
                               f"error, got {len(logs)}")
    horizon = end - start
    data = pd.DataFrame({"growth": (logs[end] - logs[start]) / horizon,
                         LOG_INITIAL: logs[start]})
    if np.ptp(data[LOG_INITIAL].to_numpy()) == 0:
        raise MethodInputError(f"panel: all units have the same {value} in {start}; the slope "
                               "on the initial level is not identified")
    # imported here, not at the top: see sigma_trend
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    fit = OLS(data["growth"], add_constant(data[[LOG_INITIAL]])).fit(cov_type="HC1")
    coefficients = tidy_coefficients(fit.params, fit.bse, dof=fit.df_resid)
    slope, slope_se = float(fit.params[LOG_INITIAL]), float(fit.bse[LOG_INITIAL])
    return RegressionResult(
        name=f"absolute β {start}–{end}",
        coefficients=coefficients,
        statistics={"n_obs": int(fit.nobs), "n_units": int(fit.nobs),
                    "r2": float(fit.rsquared), "r2_within": None, "fixed_effects": (),
                    "cov_type": "HC1", "n_clusters": None,
                    "dependent": f"average annual log growth of {value}, {start}–{end}",
                    "start": int(start), "end": int(end), "horizon": int(horizon),
                    "b": slope, "b_se": slope_se,
                    **convergence_speed(slope, slope_se, horizon)},
    )


# ---------------------------------------------------------------------------------------------
# conditional β-convergence (panel, fixed effects)
# ---------------------------------------------------------------------------------------------

def panel_beta_convergence(panel: pd.DataFrame, value: str, unit: str = "city_code",
                           year: str = "year", window: int = 1, entity_effects: bool = True,
                           time_effects: bool = True,
                           controls: Sequence[str] | None = None) -> RegressionResult:
    """Conditional β-convergence with unit and year fixed effects (panel growth regression).

    Growth over non-overlapping windows of ``window`` years, t = t₀ + window, t₀ + 2·window, …
    (t₀ the first year in the panel)::

        [ln y_i,t − ln y_i,t−w] / w = α_i + γ_t + b · ln y_i,t−w + θ' x_i,t−w + ε_it

    estimated by least squares with fixed effects (linearmodels ``PanelOLS``). Standard errors
    are clustered by unit (``cov_type="clustered", cluster_entity=True``, with linearmodels'
    small-sample correction ``debiased=True``; p-values use t with the residual degrees of
    freedom). Controls x are taken at the start of each window, t − w. Windows with a missing
    endpoint are skipped (``statistics["n_windows_skipped"]``). The speed of convergence and
    half-life use the window length::

        λ = −ln(1 + b·w) / w,   half-life = ln 2 / λ,   delta-method SEs (convergence_speed)

    With unit effects, b measures convergence of each unit to its *own* steady state
    (conditional convergence), and is usually much more negative than the absolute
    cross-section b (Islam 1995). Caveat: the regression contains the lagged dependent
    variable with unit fixed effects, so with few periods the within estimator of b is biased
    downward (too negative; speed overstated) by roughly −(1 + ρ)/(T − 1) with ρ = 1 + b·w
    (Nickell 1981). Prefer long panels, longer windows with care, or GMM estimators for
    inference on the exact speed.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long table, one row per unit and year.
    value : str
        Column of strictly positive per-capita values (real terms).
    unit, year : str
        Columns identifying the unit (entity and cluster) and the (integer) year.
    window : int
        Length of the growth windows in years (1 = annual growth).
    entity_effects, time_effects : bool
        Include unit (α_i) and year (γ_t) fixed effects. Without both, a constant is added.
    controls : sequence of str, optional
        Numeric columns used as controls (their start-of-window values).

    Returns
    -------
    RegressionResult
        Terms ``log_initial`` (b, per year), controls, and ``const`` when no effects are used.
        ``statistics``: ``n_obs``, ``n_units``, ``n_periods``, ``r2`` (linearmodels
        ``rsquared``: fit after the effects are removed), ``r2_within``, ``fixed_effects``
        (e.g. ``("city_code", "year")``), ``cov_type`` "clustered by <unit>", ``n_clusters``,
        ``window``, ``n_windows_skipped``, ``b``, ``b_se``, ``speed``, ``speed_se``,
        ``half_life``, ``half_life_se``, ``converging``, ``note``.

    References
    ----------
    Islam, N. (1995). Growth empirics: a panel data approach. *Quarterly Journal of
    Economics* 110(4), 1127–1170. Nickell, S. (1981). Biases in dynamic models with fixed
    effects. *Econometrica* 49(6), 1417–1426. Cameron, A. C. & Miller, D. L. (2015). A
    practitioner's guide to cluster-robust inference. *Journal of Human Resources* 50(2),
    317–372.

    Examples
    --------
    Log levels generated by Δ ln y_it = α_i + γ_t − 0.2 ln y_i,t−1 without noise; the
    two-way fixed-effects slope recovers b = −0.2 (λ = −ln 0.8 = 0.2231) from the 3 × 3 growth
    observations.

    >>> import math
    >>> import pandas as pd
    >>> from cityclusters.indicators.convergence import panel_beta_convergence
    >>> rows = []
    >>> for city, alpha, log_y in ((1, 0.10, 0.0), (2, 0.30, 1.0), (3, 0.20, 2.0)):
    ...     for year, gamma in ((2000, 0.0), (2001, 0.01), (2002, 0.03), (2003, 0.02)):
    ...         if year > 2000:
    ...             log_y += alpha + gamma - 0.2 * log_y
    ...         rows.append({"city_code": city, "year": year, "gdp_pc": math.exp(log_y)})
    >>> s = panel_beta_convergence(pd.DataFrame(rows), "gdp_pc").statistics
    >>> round(s["b"], 4), round(s["speed"], 4), s["n_obs"]
    (-0.2, 0.2231, 9)
    """
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise MethodInputError(f"window={window!r} is not valid; give a whole number of years "
                               "≥ 1")
    window = int(window)
    controls = list(controls or [])
    duplicated = sorted({c for c in controls if controls.count(c) > 1})
    if duplicated:
        raise MethodInputError(f"controls: listed more than once: {duplicated}")
    clash = [c for c in controls if c in (unit, year, value)]
    if clash:
        raise MethodInputError(f"controls: {clash} are the unit, year or value column")
    keyed = _log_panel(panel, value, unit, year, extra=controls)
    control_frame = as_frame(keyed[controls], "controls") if controls else None

    first = int(keyed.index.get_level_values(year).min())
    last = int(keyed.index.get_level_values(year).max())
    grid = list(range(first, last + 1, window))
    if len(grid) < 2:
        raise MethodInputError(f"panel: years {first}–{last} give no complete window of "
                               f"{window} year(s)")
    logs = keyed["log_value"].unstack(year)
    unit_first = logs.apply(lambda row: row.first_valid_index(), axis=1)
    unit_last = logs.apply(lambda row: row.last_valid_index(), axis=1)
    logs = logs.reindex(columns=grid)
    control_wide = {c: control_frame[c].unstack(year).reindex(index=logs.index, columns=grid)
                    for c in controls}
    pieces = []
    for begin, finish in zip(grid[:-1], grid[1:]):
        piece = pd.DataFrame({
            "growth": (logs[finish] - logs[begin]) / window,
            LOG_INITIAL: logs[begin],
            "year_end": finish,
            # a missing endpoint inside the unit's observed span is a gap, not entry or exit
            "gap": (unit_first <= begin) & (unit_last >= finish),
        })
        for c in controls:
            # controls at the start of the window: known when the growth begins
            piece[c] = control_wide[c][begin]
        pieces.append(piece)
    stacked = pd.concat(pieces)
    stacked.index.name = unit
    stacked = stacked.reset_index()
    skipped = int((stacked["gap"] & stacked["growth"].isna()).sum())
    stacked = stacked.loc[stacked["growth"].notna()]
    if controls:
        bad = stacked[controls].isna().any(axis=1)
        if bad.any():
            rows = stacked.loc[bad, [unit, "year_end"]]
            shown = ", ".join(f"({u!r}, {t - window})" for u, t in rows.head(5).itertuples(
                index=False))
            raise MethodInputError(
                f"controls: {int(bad.sum())} window(s) lack a control value at their start "
                f"year, at ({unit}, {year}) {shown}; fill or drop them explicitly"
            )
    n_units = int(stacked[unit].nunique())
    n_periods = int(stacked["year_end"].nunique())
    if n_units < 2:
        raise MethodInputError(f"panel: needs at least 2 units with complete windows, got "
                               f"{n_units}")
    n_parameters = 1 + len(controls) + (n_units if entity_effects else 0) + (
        n_periods - 1 if time_effects else 0) + (0 if entity_effects or time_effects else 1)
    if len(stacked) <= n_parameters:
        raise MethodInputError(
            f"panel: {len(stacked)} growth observation(s) cannot identify {n_parameters} "
            "parameters (slope, controls and fixed effects); use more years or a shorter window"
        )

    data = stacked.set_index([unit, "year_end"])
    exog = data[[LOG_INITIAL, *controls]]
    if not (entity_effects or time_effects):
        exog = exog.assign(const=1.0)
    from linearmodels import PanelOLS  # here: half a second of imports for kernels that never use it
    from linearmodels.panel.utility import AbsorbingEffectError

    try:
        fit = PanelOLS(data["growth"], exog, entity_effects=entity_effects,
                       time_effects=time_effects).fit(cov_type="clustered",
                                                      cluster_entity=True, debiased=True)
    except (AbsorbingEffectError, ValueError) as exc:  # absorbed or collinear regressors
        message = " ".join(str(exc).split())
        raise MethodInputError(f"controls/log_initial: the regressors cannot be estimated with "
                               f"these fixed effects ({message})") from exc
    coefficients = tidy_coefficients(fit.params, fit.std_errors, dof=fit.df_resid)
    slope = float(fit.params[LOG_INITIAL])
    slope_se = float(fit.std_errors[LOG_INITIAL])
    fixed_effects = tuple(name for name, used in ((unit, entity_effects),
                                                  (year, time_effects)) if used)
    return RegressionResult(
        name=f"conditional β ({window}-year windows)",
        coefficients=coefficients,
        statistics={"n_obs": int(fit.nobs), "n_units": n_units, "n_periods": n_periods,
                    "r2": float(fit.rsquared), "r2_within": float(fit.rsquared_within),
                    "fixed_effects": fixed_effects, "cov_type": f"clustered by {unit}",
                    "n_clusters": n_units,
                    "dependent": f"average annual log growth of {value} over {window}-year "
                                 "windows",
                    "window": window, "n_windows_skipped": skipped,
                    "b": slope, "b_se": slope_se,
                    **convergence_speed(slope, slope_se, window)},
    )
