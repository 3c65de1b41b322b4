"""Urban hierarchy of a cluster: primacy indices and the rank–size (Zipf) exponent.

Both describe how unequal the sizes of the cities in one cluster are. ``sizes`` is a Series
indexed by city (population in 万人, GDP in 亿元, or any positive size measure); the
indices are ratios, so they carry no unit and do not depend on the unit of ``sizes``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cityclusters.checks import (
    as_series,
    require_choice,
    require_nonempty,
    require_positive,
    require_unique_index,
)
from cityclusters.errors import MethodInputError
from cityclusters.models.results import RegressionResult, tidy_coefficients

#: Cities an index needs: two-city S2, four-city S4, eleven-city S11.
PRIMACY_MINIMUM = {"s2": 2, "s4": 4, "s11": 11}
RANK_SIZE_METHODS = ("ols", "gabaix_ibragimov")


def sorted_sizes(sizes, name: str = "sizes", minimum: int = 2) -> pd.Series:
    """Validate ``sizes`` and return them sorted from largest to smallest.

    Refuses (``MethodInputError``) duplicated city labels, fewer than ``minimum`` cities, and
    missing, zero or negative sizes. A stable sort keeps the input order among tied sizes, so
    ranks are reproducible. Used by :func:`primacy_indices` and :func:`rank_size_fit`.

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.indicators.hierarchy import sorted_sizes
    >>> ranked = sorted_sizes(pd.Series({"a": 2.0, "b": 5.0, "c": 1.0}))
    >>> ranked.index.tolist(), ranked.tolist()
    (['b', 'a', 'c'], [5.0, 2.0, 1.0])
    """
    series = as_series(sizes, name)
    require_unique_index(series, name)
    require_nonempty(series, name, minimum=minimum, what="cities")
    require_positive(series, name, why="city sizes must be positive for ratios and logarithms")
    # a stable sort keeps the input order among tied sizes, so ranks are reproducible
    return series.sort_values(ascending=False, kind="mergesort")


@dataclass(frozen=True)
class PrimacyIndices:
    """The primacy indices of one cluster.

    Attributes
    ----------
    s2, s4, s11 : float or None
        Two-, four- and eleven-city indices; ``None`` when the cluster has fewer cities
        than the index needs (then ``not_computed`` says why).
    n_cities : int
        Number of cities used.
    primate_city : hashable
        Index label of the largest city.
    ranked_sizes : pandas.Series
        The sizes sorted from largest to smallest (rank 1 first).
    not_computed : dict
        Index name → reason it is ``None`` (empty when all three were computed).
    """

    s2: float | None
    s4: float | None
    s11: float | None
    n_cities: int
    primate_city: Hashable
    ranked_sizes: pd.Series
    not_computed: dict = field(default_factory=dict)

    def to_series(self) -> pd.Series:
        """The three indices as an object Series (``None`` kept, never NaN)."""
        return pd.Series({"s2": self.s2, "s4": self.s4, "s11": self.s11}, dtype=object)


def primacy_indices(sizes) -> PrimacyIndices:
    """Two-, four- and eleven-city primacy indices of a set of cities.

    With :math:`P_1 \\ge P_2 \\ge \\dots` the sizes sorted in decreasing order,

    .. math::

        S_2 = \\frac{P_1}{P_2},\\qquad
        S_4 = \\frac{P_1}{P_2 + P_3 + P_4},\\qquad
        S_{11} = \\frac{2 P_1}{P_2 + P_3 + \\dots + P_{11}} .

    Under an exact rank–size rule :math:`P_r = P_1 / r` the values are
    :math:`S_2 = 2`, :math:`S_4 = 12/13 \\approx 0.92` and
    :math:`S_{11} = 2/(H_{11} - 1) \\approx 0.99`, so the textbook reference values are
    :math:`S_2 \\approx 2` and :math:`S_4 \\approx S_{11} \\approx 1`; larger values mean a
    more dominant largest city.

    Parameters
    ----------
    sizes : pandas.Series
        Positive city sizes indexed by city (population in 万人, GDP in 亿元, ...). At least
        two cities. The indices are unit-free ratios.

    Returns
    -------
    PrimacyIndices
        ``s4`` needs at least 4 cities and ``s11`` at least 11; for a smaller cluster the
        index is ``None`` and ``not_computed`` records why (never NaN). Beyond the 11
        largest, the remaining cities do not enter any index.

    Raises
    ------
    MethodInputError
        Fewer than two cities, a missing, zero or negative size, or duplicated labels.

    Notes
    -----
    Source: the two-city index follows Jefferson (1939), "The law of the primate city",
    *Geographical Review* 29(2): 226–232. The four- and eleven-city forms and their
    reference values (S2 ≈ 2, S4 ≈ S11 ≈ 1) are as commonly stated in Chinese
    urban-geography textbooks (e.g. 许学强, 周一星, 宁越敏, 《城市地理学》); their original
    attribution is unverified.

    Examples
    --------
    Four cities on an exact rank–size rule P_r = 1200/r: S₂ = 2 and S₄ = 1200/1300 = 12/13;
    S₁₁ needs eleven cities.

    >>> import pandas as pd
    >>> from cityclusters.indicators.hierarchy import primacy_indices
    >>> p = primacy_indices(pd.Series({"A": 1200.0, "B": 600.0, "C": 400.0, "D": 300.0}))
    >>> p.s2, round(p.s4, 4), p.s11, p.primate_city
    (2.0, 0.9231, None, 'A')
    >>> p.not_computed["s11"]
    'needs at least 11 cities, the cluster has 4'
    """
    ranked = sorted_sizes(sizes, "sizes", minimum=PRIMACY_MINIMUM["s2"])
    p = ranked.to_numpy()
    n = len(p)
    not_computed: dict[str, str] = {}

    s2 = float(p[0] / p[1])
    s4 = s11 = None
    if n >= PRIMACY_MINIMUM["s4"]:
        s4 = float(p[0] / p[1:4].sum())
    else:
        not_computed["s4"] = f"needs at least 4 cities, the cluster has {n}"
    if n >= PRIMACY_MINIMUM["s11"]:
        s11 = float(2 * p[0] / p[1:11].sum())
    else:
        not_computed["s11"] = f"needs at least 11 cities, the cluster has {n}"
    return PrimacyIndices(s2=s2, s4=s4, s11=s11, n_cities=n, primate_city=ranked.index[0],
                          ranked_sizes=ranked, not_computed=not_computed)


def _select(ranked: pd.Series, min_size, top) -> pd.Series:
    if min_size is not None:
        if (isinstance(min_size, bool) or not isinstance(min_size, (int, float, np.number))
                or not np.isfinite(min_size) or min_size <= 0):
            raise MethodInputError(f"min_size={min_size!r} must be a positive number")
        ranked = ranked[ranked >= min_size]
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 3:
            raise MethodInputError(f"top={top!r} must be an integer of at least 3")
        ranked = ranked.iloc[:top]
    return ranked


def rank_size_fit(sizes, min_size: float | None = None, top: int | None = None,
                  method: str = "ols", level: float = 0.95) -> RegressionResult:
    """Fit the rank–size rule (Zipf's law) to a set of city sizes.

    ``method="ols"`` (default) regresses log size on log rank,

    .. math:: \\ln P_r = \\ln P_1 - q \\ln r + \\varepsilon_r ,

    and reports :math:`q = -\\hat\\beta` with its conventional OLS standard error and a
    Student-t interval (n − 2 degrees of freedom). :math:`q \\approx 1` is Zipf's law,
    :math:`q > 1` a concentrated (steep) hierarchy, :math:`q < 1` a flat one.

    ``method="gabaix_ibragimov"`` uses the rank − 1/2 regression of Gabaix & Ibragimov,

    .. math:: \\ln (r - \\tfrac12) = c - \\zeta \\ln P_r + \\varepsilon_r ,

    and reports the Pareto exponent :math:`\\zeta = -\\hat\\beta` with their asymptotic
    standard error :math:`|\\hat\\beta| \\sqrt{2/n}` and a normal interval. The shift of 1/2
    removes the leading small-sample bias of the OLS rank regression. Note the reversed
    reading: :math:`\\zeta \\approx 1` is Zipf, :math:`\\zeta > 1` a *flat* hierarchy,
    :math:`\\zeta < 1` a concentrated one; ``statistics["q_equivalent"]`` gives
    :math:`1/\\zeta` on the scale of ``q``.

    Parameters
    ----------
    sizes : pandas.Series
        Positive city sizes indexed by city (any unit; the exponent is unit-free).
    min_size : float, optional
        Keep only cities with size ≥ ``min_size`` (same unit as ``sizes``) before ranking.
    top : int, optional
        Keep only the ``top`` largest cities (applied after ``min_size``); at least 3.
    method : {"ols", "gabaix_ibragimov"}
    level : float
        Confidence level of the interval (default 0.95).

    Returns
    -------
    RegressionResult
        ``coefficients`` has the terms ``ln_P1`` and ``q`` (OLS) or the single term
        ``zeta`` (Gabaix–Ibragimov; their paper gives no standard error for the intercept,
        which is in ``statistics["intercept"]``). ``statistics`` holds ``n_obs``, ``r2``,
        ``method``, ``exponent_term``, ``q_equivalent``, ``zipf_value`` (1.0), and the
        size range used. Ranks are 1 for the largest city; tied sizes get consecutive ranks
        in input order.

    Raises
    ------
    MethodInputError
        Fewer than 3 cities after selection, missing/zero/negative sizes, duplicated labels,
        an invalid ``min_size``/``top``/``level`` or an unknown ``method``.

    Notes
    -----
    Sources: rank–size rule, Zipf (1949), *Human Behavior and the Principle of Least
    Effort*, Addison-Wesley; rank − 1/2 estimator and its standard error, Gabaix &
    Ibragimov (2011), "Rank − 1/2: a simple way to improve the OLS estimation of tail
    exponents", *Journal of Business & Economic Statistics* 29(1): 24–39.

    Examples
    --------
    The exact rank–size rule P_r = 1200/r gives q = 1 and P₁ = 1200:

    >>> import math
    >>> import pandas as pd
    >>> from cityclusters.indicators.hierarchy import rank_size_fit
    >>> fit = rank_size_fit(pd.Series({"A": 1200.0, "B": 600.0, "C": 400.0, "D": 300.0}))
    >>> round(float(fit.coefficient("q")["estimate"]), 4)
    1.0
    >>> round(math.exp(fit.coefficient("ln_P1")["estimate"]), 1)
    1200.0
    """
    require_choice(method, RANK_SIZE_METHODS, "method")
    if not 0 < level < 1:
        raise MethodInputError(f"level={level!r} must be between 0 and 1")
    ranked = _select(sorted_sizes(sizes, "sizes", minimum=3), min_size, top)
    # three points leave one residual degree of freedom for the OLS standard error
    require_nonempty(ranked, "sizes (after min_size/top selection)", minimum=3, what="cities")
    n = len(ranked)
    rank = np.arange(1, n + 1, dtype=float)
    # statsmodels takes over half a second to import; only the chapters that fit this load it
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    log_size = np.log(ranked.to_numpy())
    common = {"n_obs": n, "r2_within": None, "fixed_effects": (), "n_clusters": None,
              "method": method, "zipf_value": 1.0, "size_min": float(ranked.iloc[-1]),
              "size_max": float(ranked.iloc[0]), "largest_city": ranked.index[0]}

    if method == "ols":
        fit = OLS(log_size, add_constant(np.log(rank))).fit()
        intercept, slope = fit.params
        se_intercept, se_slope = fit.bse
        estimates = pd.Series({"ln_P1": intercept, "q": -slope})
        errors = pd.Series({"ln_P1": se_intercept, "q": se_slope})
        table = tidy_coefficients(estimates, errors, dof=n - 2, level=level)
        statistics = {**common, "r2": float(fit.rsquared), "cov_type": "nonrobust",
                      "dependent": "ln_size", "exponent_term": "q", "q_equivalent": float(-slope)}
        return RegressionResult(name="rank-size (OLS)", coefficients=table,
                                statistics=statistics, level=level)

    if ranked.nunique() == 1:
        # ln P is the regressor here: with all sizes equal the slope is not identified
        raise MethodInputError("sizes: all cities have the same size, so the Gabaix–Ibragimov "
                               "regression of ln(rank − 1/2) on ln size has no slope")
    fit = OLS(np.log(rank - 0.5), add_constant(log_size)).fit()
    intercept, slope = fit.params
    zeta = -slope
    # Gabaix & Ibragimov (2011): the asymptotic standard error is |ζ|·sqrt(2/n), not OLS's
    se_zeta = abs(slope) * np.sqrt(2.0 / n)
    table = tidy_coefficients(pd.Series({"zeta": zeta}), pd.Series({"zeta": se_zeta}),
                              dof=None, level=level)
    statistics = {**common, "r2": float(fit.rsquared), "cov_type": "gabaix_ibragimov_asymptotic",
                  "dependent": "ln_rank_minus_half", "exponent_term": "zeta",
                  "intercept": float(intercept), "q_equivalent": float(1.0 / zeta)}
    return RegressionResult(name="rank-size (Gabaix-Ibragimov)", coefficients=table,
                            statistics=statistics, level=level)
