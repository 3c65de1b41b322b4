"""Similarity and specialisation of the sector structures of the units of a cluster.

Input is a units × sectors table: each row a city (or province), each column a sector
(e.g. primary/secondary/tertiary, or manufacturing branches). Values are either *shares*
(fractions of the unit's total, rows summing to 1) or *levels* (value added in 亿元,
employment in 万人, ...) that are turned into shares with ``levels=True``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cityclusters.checks import (
    as_frame,
    as_series,
    preview_labels,
    require_finite,
    require_nonempty,
    require_positive,
    require_positive_totals,
    require_same_index,
    require_unique_index,
)
from cityclusters.errors import MethodInputError

#: How far a row of shares may sum from 1 (published shares are rounded, e.g. to 0.1 %).
SHARE_SUM_TOLERANCE = 0.005


def _sector_shares(values, levels: bool, name: str = "shares",
                   tolerance: float = SHARE_SUM_TOLERANCE) -> pd.DataFrame:
    """Validate a units × sectors table and return row shares that sum exactly to 1."""
    if not isinstance(values, pd.DataFrame):
        raise MethodInputError(f"{name}: expected a DataFrame with units as rows and sectors as columns")
    frame = as_frame(values, name)
    require_unique_index(frame, name)
    require_nonempty(frame, name, minimum=2, what="units (rows)")
    if frame.shape[1] < 2:
        raise MethodInputError(f"{name}: needs at least 2 sectors (columns), got {frame.shape[1]}")
    require_finite(frame, name)
    require_positive(frame, name, why="sector values must be non-negative", strict=False)
    totals = frame.sum(axis=1)
    require_positive_totals(totals, name, "unit(s)", "have zero in every sector")
    if not levels:
        off = totals.index[(totals - 1).abs() > tolerance]
        if len(off):
            raise MethodInputError(
                f"{name}: rows must be shares summing to 1 (±{tolerance:g}), but unit(s) "
                f"{preview_labels(off)} sum to {preview_labels(totals[off].round(4).tolist())}; pass levels=True "
                "if these are levels (value added, employment), or renormalise"
            )
    # rows within the tolerance are rescaled so that K stays within [0, 2]
    return frame.div(totals, axis=0)


def structure_similarity(shares: pd.DataFrame, levels: bool = False) -> pd.DataFrame:
    """Industrial structure similarity coefficient (UNIDO) between every pair of units.

    .. math::

        S_{ij} = \\frac{\\sum_k x_{ik} x_{jk}}{\\sqrt{\\sum_k x_{ik}^2 \\, \\sum_k x_{jk}^2}} ,

    with :math:`x_{ik}` the share of sector *k* in unit *i* — the cosine of the angle
    between the two sector-share vectors. Unit-free, in [0, 1] for non-negative shares:
    1 = identical structures (产业同构), 0 = no sector in common.

    Parameters
    ----------
    shares : pandas.DataFrame
        Units × sectors. Shares (rows sum to 1 within ±0.005) unless ``levels=True``.
    levels : bool
        Treat the values as levels (e.g. value added in 亿元) and convert to row shares.
        The cosine is scale-free, so this only changes the validation.

    Returns
    -------
    pandas.DataFrame
        Symmetric units × units matrix with unit diagonal.

    Raises
    ------
    MethodInputError
        Fewer than 2 units or 2 sectors; missing or negative values; a unit with all zeros;
        rows of shares that do not sum to 1.

    Notes
    -----
    Source: structure similarity coefficient recommended by UNIDO (United Nations
    Industrial Development Organization, 1979) as cited in the Chinese literature on
    industrial isomorphism, e.g. 胡森林 & 滕堂伟 (2016), 江淮城市群产业结构特征及其优化路径研究,
    《华东经济管理》 2016(6), doi:10.3969/j.issn.1007-5097.2016.06.005; the UNIDO original
    is unverified.

    Examples
    --------
    Shares (0.5, 0.5) and (1, 0): S = 0.5 / (√0.5 · 1) = 0.7071.

    >>> import pandas as pd
    >>> from cityclusters.indicators.structure import structure_similarity
    >>> shares = pd.DataFrame({"industry": [0.5, 1.0], "services": [0.5, 0.0]}, index=["A", "B"])
    >>> structure_similarity(shares).round(4)
            A       B
    A  1.0000  0.7071
    B  0.7071  1.0000
    """
    frame = _sector_shares(shares, levels)
    x = frame.to_numpy()
    unit = x / np.sqrt((x ** 2).sum(axis=1, keepdims=True))
    similarity = np.clip(unit @ unit.T, 0.0, 1.0)
    similarity = (similarity + similarity.T) / 2
    np.fill_diagonal(similarity, 1.0)
    return pd.DataFrame(similarity, index=frame.index.copy(), columns=frame.index.copy())


def krugman_specialisation(shares: pd.DataFrame, levels: bool = False) -> pd.DataFrame:
    """Krugman specialisation (dissimilarity) index between every pair of units.

    .. math:: K_{jl} = \\sum_i \\left| s_{ij} - s_{il} \\right| ,

    with :math:`s_{ij}` the share of sector *i* in unit *j*. Unit-free, in [0, 2]:
    0 = identical structures, 2 = no sector in common. Higher values mean a stronger
    division of labour between the two units.

    Parameters
    ----------
    shares : pandas.DataFrame
        Units × sectors; shares (rows sum to 1 within ±0.005, then rescaled to exactly 1)
        unless ``levels=True``, in which case levels are turned into row shares.
    levels : bool

    Returns
    -------
    pandas.DataFrame
        Symmetric units × units matrix with zero diagonal.

    Raises
    ------
    MethodInputError
        As :func:`structure_similarity`.

    Notes
    -----
    Source: Krugman (1991), *Geography and Trade*, MIT Press, p. 76.

    Examples
    --------
    |0.5 − 1| + |0.5 − 0| = 1:

    >>> import pandas as pd
    >>> from cityclusters.indicators.structure import krugman_specialisation
    >>> shares = pd.DataFrame({"industry": [0.5, 1.0], "services": [0.5, 0.0]}, index=["A", "B"])
    >>> krugman_specialisation(shares)
         A    B
    A  0.0  1.0
    B  1.0  0.0
    """
    frame = _sector_shares(shares, levels)
    x = frame.to_numpy()
    distance = np.abs(x[:, None, :] - x[None, :, :]).sum(axis=2)
    distance = np.clip((distance + distance.T) / 2, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    return pd.DataFrame(distance, index=frame.index.copy(), columns=frame.index.copy())


def krugman_to_rest(values: pd.DataFrame, levels: bool = True, weights=None) -> pd.Series:
    """Krugman index of each unit against the rest of the group.

    .. math::

        K_j = \\sum_i \\left| s_{ij} - \\bar s_{i,-j} \\right| ,\\qquad
        \\bar s_{i,-j} = \\frac{\\sum_{l \\ne j} X_{il}}{\\sum_{l \\ne j} \\sum_{i'} X_{i'l}} ,

    where :math:`X_{il}` is the level of sector *i* in unit *l*: the rest of the group is
    the sum of all other units' sector totals, so large units weigh more. In [0, 2].

    Parameters
    ----------
    values : pandas.DataFrame
        Units × sectors. With ``levels=True`` (default) they are levels (value added in 亿元,
        employment, ...). With ``levels=False`` they are shares (rows sum to 1).
    levels : bool
    weights : pandas.Series, optional
        Only with ``levels=False``: the size of each unit (e.g. GDP in 亿元), used to turn
        shares back into levels (:math:`X_{il} = s_{il} w_l`), which reproduces the level
        definition. Without weights the rest of the group is the *unweighted* mean of the
        other units' shares (every unit counts equally).

    Returns
    -------
    pandas.Series
        K per unit (named ``krugman_to_rest``), indexed as ``values``.

    Raises
    ------
    MethodInputError
        As :func:`structure_similarity`; ``weights`` with ``levels=True``; weights missing,
        non-positive or not matching the units.

    Notes
    -----
    Source: Krugman (1991), *Geography and Trade*, MIT Press, p. 76; the unit-versus-rest
    form follows Midelfart-Knarvik, Overman, Redding & Venables (2000), "The location of
    European industry", European Commission, Economic Papers 142 (details unverified).

    Examples
    --------
    A's rest (B + C) has levels (2, 2), the same shares as A: K = 0. B's rest (A + C) has
    shares (0.25, 0.75) against B's (1, 0): K = 0.75 + 0.75 = 1.5.

    >>> import pandas as pd
    >>> from cityclusters.indicators.structure import krugman_to_rest
    >>> levels = pd.DataFrame({"industry": [1.0, 2.0, 0.0], "services": [1.0, 0.0, 2.0]},
    ...                       index=["A", "B", "C"])
    >>> krugman_to_rest(levels).tolist()
    [0.0, 1.5, 1.5]
    """
    if levels and weights is not None:
        raise MethodInputError("weights are only used with levels=False (shares); with levels "
                               "the unit sizes are already in the values")
    shares = _sector_shares(values, levels, name="values")
    if levels:
        level = as_frame(values, "values").loc[shares.index].to_numpy()
    elif weights is not None:
        size = as_series(weights, "weights")
        require_unique_index(size, "weights")
        require_positive(size, "weights", why="unit sizes weight the rest of the group")
        require_same_index(shares, size, "values", "weights")
        level = shares.to_numpy() * size.reindex(shares.index).to_numpy()[:, None]
    else:
        level = shares.to_numpy()  # every unit gets weight 1: the rest is a plain mean

    rest = level.sum(axis=0, keepdims=True) - level  # sector totals of all other units
    rest_shares = rest / rest.sum(axis=1, keepdims=True)
    k = np.abs(shares.to_numpy() - rest_shares).sum(axis=1)
    return pd.Series(np.clip(k, 0.0, 2.0), index=shares.index.copy(), name="krugman_to_rest")


def mean_pairwise(matrix: pd.DataFrame) -> float:
    """Mean of a symmetric pairwise matrix over distinct pairs (cluster-level summary).

    .. math:: \\bar M = \\frac{2}{n(n-1)} \\sum_{i<j} M_{ij} .

    The unit is that of the matrix (e.g. mean similarity S, mean Krugman K).

    Parameters
    ----------
    matrix : pandas.DataFrame
        Square, symmetric, labelled by unit on both axes (e.g. from
        :func:`structure_similarity`); the diagonal is ignored.

    Returns
    -------
    float

    Raises
    ------
    MethodInputError
        Not square, labels differ between rows and columns, asymmetric, missing values,
        or fewer than 2 units.

    Notes
    -----
    Source: simple average of the upper triangle; no external formula.

    Examples
    --------
    The three pairs hold 0.2, 0.4 and 0.6:

    >>> import pandas as pd
    >>> from cityclusters.indicators.structure import mean_pairwise
    >>> m = pd.DataFrame([[1.0, 0.2, 0.4], [0.2, 1.0, 0.6], [0.4, 0.6, 1.0]],
    ...                  index=list("abc"), columns=list("abc"))
    >>> round(mean_pairwise(m), 4)
    0.4
    """
    if not isinstance(matrix, pd.DataFrame):
        raise MethodInputError("matrix: expected a square DataFrame labelled by unit on both axes")
    frame = as_frame(matrix, "matrix")
    if frame.shape[0] != frame.shape[1]:
        raise MethodInputError(f"matrix: must be square, got {frame.shape[0]} × {frame.shape[1]}")
    require_unique_index(frame, "matrix")
    if set(frame.index) != set(frame.columns) or frame.columns.duplicated().any():
        raise MethodInputError("matrix: row and column labels must be the same units")
    require_nonempty(frame, "matrix", minimum=2, what="units")
    frame = frame.loc[:, frame.index]
    n = len(frame)
    upper = np.triu_indices(n, k=1)
    values = frame.to_numpy()
    require_finite(values[upper], "matrix (off-diagonal entries)")
    if not np.allclose(values[upper], values.T[upper], rtol=1e-9, atol=1e-12):
        raise MethodInputError("matrix: must be symmetric (the mean over pairs assumes M_ij = M_ji)")
    return float(values[upper].mean())
