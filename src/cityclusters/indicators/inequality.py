"""Regional inequality: Theil index (plain and population-weighted) and its decomposition,
coefficient of variation (plain and Williamson's population-weighted), and the Gini coefficient.

All measures are unit-free: multiplying every value by the same positive number (yuan →
10⁴ yuan, or a price deflator common to all units) leaves them unchanged. They describe a
cross-section of regional units (cities, prefectures), not of persons; the population-weighted
variants treat each unit as its population of people who all earn the unit's per-capita value.

Conventions
-----------
* Fewer than two units are refused: dispersion across one unit is not informative.
* Missing or infinite values, and zero or negative values where logarithms or shares are
  taken, raise :class:`~cityclusters.errors.MethodInputError`; nothing is
  dropped silently.
* ``values`` and ``population``/``groups`` are matched by index label; their indexes must hold
  the same labels (order does not matter).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cityclusters.checks import (
    as_series,
    require_columns,
    require_nonempty,
    require_positive,
    require_same_index,
    require_unique_index,
)
from cityclusters.errors import MethodInputError

__all__ = [
    "TheilDecomposition",
    "theil",
    "theil_decomposition",
    "coefficient_of_variation",
    "gini",
    "inequality_by_year",
]

GROUP_TABLE_COLUMNS = ["group", "n_units", "income_share", "population_share", "theil_within",
                       "contribution", "share_of_total"]


# ---------------------------------------------------------------------------------------------
# input preparation
# ---------------------------------------------------------------------------------------------

def _units(values, name: str, why: str, strict: bool = True) -> pd.Series:
    """Float Series of one value per unit: at least two units, unique labels, positive."""
    series = as_series(values, name)
    require_nonempty(series, name, minimum=2, what="units (dispersion across one unit is "
                     "not defined)")
    require_unique_index(series, name)
    require_positive(series, name, why=why, strict=strict)
    return series


def _aligned_population(population, values: pd.Series) -> pd.Series:
    """Population matched to ``values`` by label; zero or negative population is refused."""
    population = as_series(population, "population")
    require_unique_index(population, "population")
    require_same_index(values, population, "values", "population")
    population = population.reindex(values.index)
    require_positive(population, "population", why="population shares must be positive "
                     "(a unit with no population carries no weight and should be dropped)")
    return population


def _aligned_groups(groups, values: pd.Series) -> pd.Series:
    """Group labels matched to ``values`` by label; missing labels are refused."""
    if isinstance(groups, pd.DataFrame):
        raise MethodInputError("groups: expected a one-dimensional Series, got a DataFrame")
    groups = groups if isinstance(groups, pd.Series) else pd.Series(groups)
    if groups.ndim != 1:
        raise MethodInputError("groups: expected one-dimensional group labels")
    require_unique_index(groups, "groups")
    require_same_index(values, groups, "values", "groups")
    groups = groups.reindex(values.index)
    missing = groups.index[groups.isna()]
    if len(missing):
        shown = ", ".join(repr(label) for label in list(missing)[:5])
        raise MethodInputError(
            f"groups: {len(missing)} unit(s) have no group label ({shown}); every unit must "
            "belong to exactly one group for the decomposition to add up"
        )
    return groups


def _relative_entropy(income_shares: np.ndarray, population_shares: np.ndarray) -> float:
    """Σ s ln(s/p): Theil's T of income shares s against population shares p (≥ 0)."""
    value = float(np.sum(income_shares * np.log(income_shares / population_shares)))
    # Gibbs' inequality makes this non-negative; clip rounding noise of order 1e-17
    return max(value, 0.0)


def _shares(values: pd.Series, population: pd.Series | None) -> tuple[np.ndarray, np.ndarray]:
    """Income shares and population shares (equal shares 1/N when population is None)."""
    totals = values.to_numpy(dtype=float)
    income_shares = totals / totals.sum()
    if population is None:
        population_shares = np.full(len(totals), 1.0 / len(totals))
    else:
        weights = population.to_numpy(dtype=float)
        population_shares = weights / weights.sum()
    return income_shares, population_shares


# ---------------------------------------------------------------------------------------------
# Theil index
# ---------------------------------------------------------------------------------------------

def theil(values, population=None) -> float:
    """Theil's T index of inequality across regional units.

    Plain (``population=None``): ``values`` are **per-capita** values, one per unit (e.g. GDP
    per capita of each city, any currency unit)::

        T = (1/N) Σ_i (y_i / ȳ) ln(y_i / ȳ) = Σ_i s_i ln(N s_i),   s_i = y_i / Σ_j y_j

    Every unit counts once, whatever its size.

    Population-weighted (``population`` given): ``values`` are **totals** (e.g. GDP of each
    city) and ``population`` the units' populations (any unit: persons, 万人)::

        T_w = Σ_i s_i ln(s_i / p_i),   s_i = Y_i / Σ_j Y_j,   p_i = P_i / Σ_j P_j

    i.e. the divergence of GDP shares from population shares; equivalently the Theil T of the
    per-capita values y_i = Y_i / P_i across the *persons* of all units. Passing per-capita
    values together with population would be a mistake (it compares per-capita shares with
    population shares); use ``values = gdp_per_capita * population`` if only per-capita data
    are at hand.

    Parameters
    ----------
    values : array-like or pandas.Series
        Per-capita values (plain) or totals (weighted); strictly positive (logarithms).
    population : array-like or pandas.Series, optional
        Population of each unit, same index labels as ``values``; strictly positive.

    Returns
    -------
    float
        T ≥ 0, dimensionless (nats); 0 when all units are equal (plain) or when every unit's
        share of the total equals its share of population (weighted). Upper bound ln N
        (plain) or ln(1/min p_i) (weighted).

    Raises
    ------
    MethodInputError
        Fewer than two units, missing/infinite/zero/negative values or population, duplicated
        or mismatched index labels.

    References
    ----------
    Theil, H. (1967). *Economics and Information Theory*. Amsterdam: North-Holland.
    Conceição, P. & Ferreira, P. (2000). The young person's guide to the Theil index. UTIP
    Working Paper 14, University of Texas at Austin. The plain form equals PySAL's
    ``inequality.theil.Theil``.

    Examples
    --------
    Two cities with 1 and 3 元 per head (ȳ = 2): T = ½[0.5 ln 0.5 + 1.5 ln 1.5] = 0.1308.
    Weighted, with GDP totals (1, 3): equal to population shares (1, 3) gives 0; population
    (3, 1) gives T_w = 0.25 ln(1/3) + 0.75 ln 3 = ½ ln 3 = 0.5493.

    >>> from cityclusters.indicators.inequality import theil
    >>> round(theil([1.0, 3.0]), 4)
    0.1308
    >>> round(theil([1.0, 3.0], population=[1.0, 3.0]), 4)
    0.0
    >>> round(theil([1.0, 3.0], population=[3.0, 1.0]), 4)
    0.5493
    """
    values = _units(values, "values", why="the Theil index takes logarithms of income shares")
    population = None if population is None else _aligned_population(population, values)
    return _relative_entropy(*_shares(values, population))


@dataclass(frozen=True)
class TheilDecomposition:
    """Theil's T split into inequality between groups and within groups.

    Attributes
    ----------
    total : float
        Theil T over all units (as :func:`theil`).
    between : float
        Σ_g s_g ln(s_g / p_g): inequality if every unit had its group's per-capita value.
    within : float
        Σ_g s_g T_g: income-share-weighted sum of the within-group Theil indices.
        ``between + within == total`` up to floating-point rounding (≈ 1e-15).
    groups : pandas.DataFrame
        One row per group, sorted by label: ``group``, ``n_units``, ``income_share`` (s_g),
        ``population_share`` (p_g; only when population weights were given), ``theil_within``
        (T_g), ``contribution`` (s_g · T_g) and ``share_of_total`` (contribution / total; 0 when
        total is 0, i.e. perfect equality, where there is nothing to share out).
    weighted : bool
        True when population weights were used.
    """

    total: float
    between: float
    within: float
    groups: pd.DataFrame
    weighted: bool

    @property
    def between_share(self) -> float:
        """Share of the total due to differences between group means (0 if total is 0)."""
        return self.between / self.total if self.total > 0 else 0.0

    @property
    def within_share(self) -> float:
        """Share of the total due to differences inside groups (0 if total is 0)."""
        return self.within / self.total if self.total > 0 else 0.0


def theil_decomposition(values, groups, population=None) -> TheilDecomposition:
    """Decompose Theil's T into between-group and within-group inequality.

    With income shares s_i, population shares p_i (p_i = 1/N in the plain case), group sums
    s_g = Σ_{i∈g} s_i and p_g = Σ_{i∈g} p_i::

        T = T_between + T_within
        T_between = Σ_g s_g ln(s_g / p_g)
        T_within  = Σ_g s_g T_g,   T_g = Σ_{i∈g} (s_i/s_g) ln[(s_i/s_g) / (p_i/p_g)]

    In the plain case p_g = n_g/N, so T_between = Σ_g s_g ln(N s_g / n_g) (as PySAL's
    ``inequality.theil.TheilD``) and T_g is the plain Theil index of the units of group g. In
    the weighted case T_g is the population-weighted Theil index of group g.

    Parameters
    ----------
    values : array-like or pandas.Series
        Per-capita values (plain) or totals such as GDP (weighted); see :func:`theil`.
    groups : array-like or pandas.Series
        Group label of every unit (e.g. city cluster or province); same index as ``values``;
        no missing labels.
    population : array-like or pandas.Series, optional
        Population of each unit, for the population-weighted decomposition.

    Returns
    -------
    TheilDecomposition
        ``total``, ``between``, ``within`` (dimensionless) and a per-group table.

    Raises
    ------
    MethodInputError
        As :func:`theil`, and when a unit has no group label or ``groups`` does not hold the
        same index labels as ``values``.

    References
    ----------
    Shorrocks, A. F. (1980). The class of additively decomposable inequality measures.
    *Econometrica* 48(3), 613–626. Conceição, P. & Ferreira, P. (2000), UTIP Working Paper 14,
    section on the between/within decomposition.

    Examples
    --------
    Groups A = (1, 3) and B = (2, 2) have the same mean, so the between term is 0 and all
    inequality is A's: T_within = s_A·T_A = 0.5 × 0.1308 = 0.0654 = T.

    >>> import pandas as pd
    >>> from cityclusters.indicators.inequality import theil_decomposition
    >>> d = theil_decomposition(pd.Series([1.0, 3.0, 2.0, 2.0]), pd.Series(["A", "A", "B", "B"]))
    >>> round(d.total, 4), round(d.between, 4), round(d.within, 4)
    (0.0654, 0.0, 0.0654)
    >>> d.groups[["group", "theil_within", "contribution", "share_of_total"]].round(4)
      group  theil_within  contribution  share_of_total
    0     A        0.1308        0.0654             1.0
    1     B        0.0000        0.0000             0.0
    """
    values = _units(values, "values", why="the Theil index takes logarithms of income shares")
    groups = _aligned_groups(groups, values)
    population = None if population is None else _aligned_population(population, values)
    income_shares, population_shares = _shares(values, population)
    total = _relative_entropy(income_shares, population_shares)

    shares = pd.DataFrame({"group": groups.to_numpy(), "income": income_shares,
                           "population": population_shares})
    rows = []
    for label, members in shares.groupby("group", sort=True):
        group_income = float(members["income"].sum())
        group_population = float(members["population"].sum())
        theil_within = _relative_entropy(members["income"].to_numpy() / group_income,
                                         members["population"].to_numpy() / group_population)
        rows.append({"group": label, "n_units": len(members), "income_share": group_income,
                     "population_share": group_population, "theil_within": theil_within,
                     "contribution": group_income * theil_within})
    table = pd.DataFrame(rows)
    between = _relative_entropy(table["income_share"].to_numpy(),
                                table["population_share"].to_numpy())
    within = float(table["contribution"].sum())
    table["share_of_total"] = table["contribution"] / total if total > 0 else 0.0
    columns = GROUP_TABLE_COLUMNS if population is not None else [
        c for c in GROUP_TABLE_COLUMNS if c != "population_share"]
    return TheilDecomposition(total=total, between=between, within=within,
                              groups=table[columns], weighted=population is not None)


# ---------------------------------------------------------------------------------------------
# coefficient of variation and Gini
# ---------------------------------------------------------------------------------------------

def coefficient_of_variation(values, population=None) -> float:
    """Coefficient of variation of per-capita values across units, plain or Williamson's.

    Plain (``population=None``), population standard deviation (ddof = 0, dividing by N)::

        CV = σ / ȳ,   σ = sqrt((1/N) Σ_i (y_i − ȳ)²),   ȳ = (1/N) Σ_i y_i

    Population-weighted (Williamson 1965), with population shares p_i = P_i / Σ_j P_j::

        CV_w = sqrt(Σ_i p_i (y_i − ȳ_w)²) / ȳ_w,   ȳ_w = Σ_i p_i y_i

    (ȳ_w is the per-capita value of all units together when y_i = Y_i / P_i.)

    ddof = 0 treats the units as the whole population of interest (all cities), not a sample.
    ``numpy.std`` also uses ddof = 0, while ``pandas.Series.std`` uses ddof = 1, which gives a
    CV larger by sqrt(N/(N−1)). PySAL's ``inequality`` package (1.1) has no CV function.

    Parameters
    ----------
    values : array-like or pandas.Series
        **Per-capita** values (e.g. GDP per capita, 元/person), one per unit; non-negative with
        a positive mean.
    population : array-like or pandas.Series, optional
        Population of each unit (any unit), same index labels; strictly positive.

    Returns
    -------
    float
        CV ≥ 0, dimensionless.

    References
    ----------
    Williamson, J. G. (1965). Regional inequality and the process of national development:
    a description of the patterns. *Economic Development and Cultural Change* 13(4, Part 2),
    1–84.

    Examples
    --------
    Values (1, 3): σ = 1, ȳ = 2, CV = 0.5. With populations (3, 1): ȳ_w = 1.5,
    σ_w = √(0.75·0.25 + 0.25·2.25) = √0.75, CV_w = 0.5774.

    >>> from cityclusters.indicators.inequality import coefficient_of_variation
    >>> round(coefficient_of_variation([1.0, 3.0]), 4)
    0.5
    >>> round(coefficient_of_variation([1.0, 3.0], population=[3.0, 1.0]), 4)
    0.5774
    """
    values = _units(values, "values", why="the CV divides by the mean of non-negative values",
                    strict=False)
    if population is None:
        weights = np.full(len(values), 1.0 / len(values))
    else:
        population = _aligned_population(population, values)
        weights = population.to_numpy(dtype=float) / float(population.sum())
    array = values.to_numpy(dtype=float)
    mean = float(np.sum(weights * array))
    if mean <= 0:
        raise MethodInputError("values: all values are zero, so the mean is zero and the "
                               "coefficient of variation is undefined")
    return float(np.sqrt(np.sum(weights * (array - mean) ** 2)) / mean)


def gini(values) -> float:
    """Gini coefficient of values across units (each unit counts once).

    Mean-absolute-difference form, computed from the sorted values y_(1) ≤ … ≤ y_(N)::

        G = Σ_i Σ_j |y_i − y_j| / (2 N² ȳ) = Σ_i (2i − N − 1) y_(i) / (N Σ_i y_i)

    Parameters
    ----------
    values : array-like or pandas.Series
        Non-negative values (e.g. GDP per capita), at least two units, positive sum.

    Returns
    -------
    float
        G in [0, (N−1)/N] ⊂ [0, 1), dimensionless; equals PySAL's ``inequality.gini.Gini``.

    References
    ----------
    Cowell, F. A. (2011). *Measuring Inequality*, 3rd ed. Oxford: Oxford University Press
    (Gini coefficient, chapter 2 and Technical Appendix).

    Examples
    --------
    (1, 3): Σ|y_i − y_j| = 4, 2N²ȳ = 16, G = 0.25. One city holding everything among four:
    G = (N − 1)/N = 0.75.

    >>> from cityclusters.indicators.inequality import gini
    >>> round(gini([1.0, 3.0]), 4)
    0.25
    >>> round(gini([0.0, 0.0, 0.0, 1.0]), 4)
    0.75
    """
    values = _units(values, "values", why="the Gini coefficient is defined for non-negative "
                    "values", strict=False)
    ordered = np.sort(values.to_numpy(dtype=float))
    total = ordered.sum()
    if total <= 0:
        raise MethodInputError("values: all values are zero, so the Gini coefficient is "
                               "undefined (0/0)")
    n = len(ordered)
    ranks = np.arange(1, n + 1)
    value = float(np.sum((2 * ranks - n - 1) * ordered) / (n * total))
    # G ≥ 0 by construction; clip rounding noise of order 1e-17 for (nearly) equal values
    return max(value, 0.0)


# ---------------------------------------------------------------------------------------------
# per-year table from a long panel
# ---------------------------------------------------------------------------------------------

def _keyed_panel(panel: pd.DataFrame, unit: str, year: str, columns: list[str]) -> pd.DataFrame:
    """``panel`` indexed by (unit, year), after checking columns, keys and duplicates."""
    if not isinstance(panel, pd.DataFrame):
        raise MethodInputError(f"panel: expected a DataFrame, got {type(panel).__name__}")
    require_columns(panel, [unit, year, *columns], "panel")
    for key in (unit, year):
        if panel[key].isna().any():
            raise MethodInputError(f"panel[{key!r}]: {int(panel[key].isna().sum())} row(s) "
                                   "have no label; every row needs a unit and a year")
    keyed = panel.set_index([unit, year])
    require_unique_index(keyed, f"panel (duplicated ({unit}, {year}) rows)")
    return keyed


def inequality_by_year(panel: pd.DataFrame, value: str, population: str | None = None,
                       group: str | None = None, unit: str = "city_code",
                       year: str = "year") -> pd.DataFrame:
    """All inequality measures of a long panel, one row per year.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long table with one row per unit and year.
    value : str
        Column of **per-capita** values (e.g. ``gdp_per_capita``, 元/person).
    population : str, optional
        Column of population (any unit). The weighted Theil index uses totals
        ``value × population`` against population shares (see :func:`theil`); the weighted CV
        uses ``value`` with population weights (Williamson).
    group : str, optional
        Column of group labels (e.g. ``cluster_id``) for the Theil decomposition.
    unit, year : str
        Columns identifying the unit and the year.

    Returns
    -------
    pandas.DataFrame
        Sorted by year, columns: ``year``, ``n_units``, ``theil`` (plain), ``cv`` (ddof 0),
        ``gini``; with ``population``: ``theil_weighted``, ``cv_weighted``; with ``group``:
        ``between``, ``within`` (plain Theil decomposition); with both: ``between_weighted``,
        ``within_weighted``. Columns that do not apply are left out rather than filled with NaN.

    Raises
    ------
    MethodInputError
        Missing columns, duplicated unit–year rows, missing/zero/negative values, missing group
        labels, or a year with fewer than two units.

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.indicators.inequality import inequality_by_year
    >>> panel = pd.DataFrame({"city_code": [1, 2, 1, 2], "year": [2000, 2000, 2001, 2001],
    ...                       "gdp_per_capita": [1.0, 3.0, 2.0, 2.0]})
    >>> inequality_by_year(panel, "gdp_per_capita").round(4)
       year  n_units   theil   cv  gini
    0  2000        2  0.1308  0.5  0.25
    1  2001        2  0.0000  0.0  0.00
    """
    keyed = _keyed_panel(panel, unit, year, [c for c in (value, population, group) if c])
    require_positive(as_series(keyed[value], f"panel[{value!r}]"), f"panel[{value!r}]",
                     why="the Theil index takes logarithms (labels are (unit, year))")
    if population is not None:
        require_positive(as_series(keyed[population], f"panel[{population!r}]"),
                         f"panel[{population!r}]", why="population shares must be positive")
    if group is not None:
        missing = keyed.index[keyed[group].isna()]
        if len(missing):
            shown = ", ".join(repr(label) for label in list(missing)[:5])
            raise MethodInputError(f"panel[{group!r}]: {len(missing)} row(s) have no group "
                                   f"label, at ({unit}, {year}) {shown}")
    rows = []
    for period, frame in keyed.groupby(level=year, sort=True):
        frame = frame.droplevel(year)
        if len(frame) < 2:
            raise MethodInputError(f"panel[{value!r}] in {year} {period}: needs at least 2 "
                                   f"units, got {len(frame)}")
        per_capita = frame[value]
        row = {"year": period, "n_units": len(frame), "theil": theil(per_capita),
               "cv": coefficient_of_variation(per_capita), "gini": gini(per_capita)}
        weights = frame[population] if population is not None else None
        if weights is not None:
            totals = per_capita * weights
            row["theil_weighted"] = theil(totals, weights)
            row["cv_weighted"] = coefficient_of_variation(per_capita, weights)
        if group is not None:
            plain = theil_decomposition(per_capita, frame[group])
            row["between"], row["within"] = plain.between, plain.within
            if weights is not None:
                weighted = theil_decomposition(per_capita * weights, frame[group], weights)
                row["between_weighted"] = weighted.between
                row["within_weighted"] = weighted.within
        rows.append(row)
    return pd.DataFrame(rows)
