"""Normalisation, entropy weights, composite scores and entropy–TOPSIS.

These are the first steps of every composite index in the coordination literature: put
indicators with different units on [0, 1] (turning "less is better" indicators around),
weight them by how much information they carry (the entropy method), and combine them into
subsystem scores U that feed the coupling-coordination model.

Inputs are wide frames: one row per unit (a city, or a city-year), one column per
indicator. For panel data the rows are usually indexed by ``(city_code, year)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cityclusters.checks import (
    as_frame,
    require_choice,
    require_finite,
    require_nonconstant,
    require_nonempty,
    require_positive,
    require_unit_interval,
)
from cityclusters.errors import MethodInputError

DIRECTIONS = ("positive", "negative")
SCOPES = ("panel", "per_year")
#: Aggregations of :func:`composite_score`, and the levels of the multiverse's
#: ``aggregation`` choice (:mod:`cityclusters.indicators.multiverse`).
AGGREGATIONS = ("arithmetic", "geometric")


def _check_directions(frame: pd.DataFrame, directions: Mapping[str, str]) -> None:
    missing = [c for c in frame.columns if c not in directions]
    extra = [c for c in directions if c not in frame.columns]
    if missing or extra:
        raise MethodInputError(
            f"directions must name every indicator column exactly once; "
            f"missing: {missing or 'none'}; not in the data: {extra or 'none'}"
        )
    bad = {c: d for c, d in directions.items() if d not in DIRECTIONS}
    if bad:
        raise MethodInputError(f"directions: {bad} not in {list(DIRECTIONS)}")


def _min_max(frame: pd.DataFrame, directions: Mapping[str, str], shift: float,
             label: str) -> pd.DataFrame:
    require_nonconstant(frame, label)
    low, high = frame.min(), frame.max()
    scaled = (frame - low) / (high - low)
    negative = [c for c in frame.columns if directions[c] == "negative"]
    scaled[negative] = 1.0 - scaled[negative]
    return shift + (1.0 - shift) * scaled


def min_max_normalise(indicators: pd.DataFrame, directions: Mapping[str, str], *,
                      scope: str, year: str = "year", shift: float = 0.0) -> pd.DataFrame:
    """Min–max normalisation of indicators to [shift, 1] (极差标准化).

    Positive (benefit) indicator: x' = (x − min)/(max − min);
    negative (cost) indicator:    x' = (max − x)/(max − min);
    then x'' = shift + (1 − shift)·x', so that a small ``shift`` (the literature adds about
    1e-4) keeps logarithms in the entropy method finite while scores stay within [0, 1].

    Parameters
    ----------
    indicators : DataFrame
        One row per unit (or unit-year), one numeric column per indicator, any units.
    directions : mapping
        ``{column: "positive" | "negative"}`` for every column.
    scope : {"panel", "per_year"}
        Where min and max are taken. ``"panel"`` uses the whole frame, so scores are
        comparable across years (a city can improve); ``"per_year"`` uses each year's
        cross-section, so scores rank units within a year only. No default: the choice
        changes results and must be visible in the calling code.
    year : str
        Index level (or column) holding the year when ``scope="per_year"``.
    shift : float
        Lower bound of the normalised scale, 0 ≤ shift < 1.

    Returns
    -------
    DataFrame of the same shape with values in [shift, 1].

    Source: the standard range method, e.g. Wang Shujia et al. (2021), 自然资源学报 36(3).
    Constant columns (within the scope) are refused: their range is zero.

    Examples
    --------
    GDP is a benefit indicator, pollution a cost: the lowest pollution scores 1.

    >>> import pandas as pd
    >>> from cityclusters.indicators.weights import min_max_normalise
    >>> x = pd.DataFrame({"gdp": [10.0, 20.0, 30.0], "pollution": [5.0, 1.0, 3.0]})
    >>> min_max_normalise(x, {"gdp": "positive", "pollution": "negative"}, scope="panel")
       gdp  pollution
    0  0.0        0.0
    1  0.5        1.0
    2  1.0        0.5
    """
    require_choice(scope, SCOPES, "scope")
    if not 0.0 <= shift < 1.0:
        raise MethodInputError(f"shift={shift} must satisfy 0 <= shift < 1")
    frame = as_frame(indicators, "indicators")
    require_nonempty(frame, "indicators", minimum=2)
    _check_directions(frame, directions)
    require_finite(frame, "indicators")
    if scope == "panel":
        return _min_max(frame, directions, shift, "indicators")
    if year in frame.index.names:
        keys = frame.index.get_level_values(year)
    elif year in frame.columns:
        raise MethodInputError(
            f"indicators: year column {year!r} must be an index level, not an indicator")
    else:
        raise MethodInputError(
            f"scope='per_year' needs an index level {year!r}; index levels are "
            f"{list(frame.index.names)}")
    parts = []
    for value, block in frame.groupby(keys, sort=False):
        require_nonempty(block, f"indicators in {year} {value}", minimum=2)
        parts.append(_min_max(block, directions, shift, f"indicators in {year} {value}"))
    return pd.concat(parts).loc[frame.index]


def entropy_weight_table(normalised: pd.DataFrame) -> pd.DataFrame:
    """Entropy, divergence and weight of each indicator (熵值法 / 熵权法).

    With m rows and normalised, non-negative indicators x'_ij:
    p_ij = x'_ij / Σ_i x'_ij;  e_j = −(1/ln m) Σ_i p_ij ln p_ij  (0·ln 0 := 0);
    d_j = 1 − e_j;  w_j = d_j / Σ_j d_j.

    An indicator whose values are nearly equal across units has e_j ≈ 1 and gets little
    weight; one concentrated on few units gets much. The rows pooled are whatever the caller
    passes (all city-years for panel weights, or one year).

    Returns
    -------
    DataFrame indexed by indicator with columns ``entropy``, ``divergence``, ``weight``
    (weights sum to 1).

    Source: Shannon (1948); as a weighting method, Zou, Yun & Sun (2006), Journal of
    Environmental Sciences 18(5): 1020–1023.

    Examples
    --------
    Over m = 3 rows, ``a`` is evenly spread (e = 1), ``b`` sits on one row (e = 0) and ``c``
    on two (p = ½, ½: e = ln 2 / ln 3 = 0.6309), so d = (0, 1, 0.3691) and
    w = d / 1.3691 = (0, 0.7304, 0.2696).

    >>> import pandas as pd
    >>> from cityclusters.indicators.weights import entropy_weight_table
    >>> x = pd.DataFrame({"a": [1.0, 1.0, 1.0], "b": [0.0, 0.0, 1.0], "c": [0.0, 1.0, 1.0]})
    >>> entropy_weight_table(x)[["divergence", "weight"]].round(4)
       divergence  weight
    a      0.0000  0.0000
    b      1.0000  0.7304
    c      0.3691  0.2696
    """
    frame = as_frame(normalised, "normalised")
    require_nonempty(frame, "normalised", minimum=2)
    require_positive(frame, "normalised", why="entropy weights need non-negative scores",
                     strict=False)
    totals = frame.sum()
    empty = totals.index[totals <= 0]
    if len(empty):
        raise MethodInputError(
            f"normalised: column(s) {list(empty)} sum to zero, so their shares are undefined")
    shares = frame / totals
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(shares > 0, shares * np.log(shares), 0.0)
    entropy = -terms.sum(axis=0) / np.log(len(frame))
    # an evenly spread column has entropy 1 up to rounding (1 + 4e-12): its divergence is 0
    divergence = np.clip(1.0 - entropy, 0.0, None)
    if not divergence.sum() > 0:
        raise MethodInputError(
            "normalised: every indicator is evenly spread across rows (entropy 1), "
            "so entropy weights are undefined")
    return pd.DataFrame(
        {"entropy": entropy, "divergence": divergence, "weight": divergence / divergence.sum()},
        index=frame.columns,
    )


def entropy_weights(normalised: pd.DataFrame) -> pd.Series:
    """Entropy weights w_j of the indicators (sum to 1); see :func:`entropy_weight_table`.

    Examples
    --------
    The data of :func:`entropy_weight_table`:

    >>> import pandas as pd
    >>> from cityclusters.indicators.weights import entropy_weights
    >>> x = pd.DataFrame({"a": [1.0, 1.0, 1.0], "b": [0.0, 0.0, 1.0], "c": [0.0, 1.0, 1.0]})
    >>> entropy_weights(x).round(4).tolist()
    [0.0, 0.7304, 0.2696]
    """
    return entropy_weight_table(normalised)["weight"].rename("weight")


def aligned_weights(frame: pd.DataFrame, weights) -> pd.Series:
    """Indicator weights checked against the columns of ``frame`` and put in their order.

    ``weights`` (a Series or mapping by column) must name every column of ``frame`` and no
    other, be non-negative and sum to 1 (±1e-9); otherwise a ``MethodInputError`` names the
    missing or extra columns or the sum. Used by :func:`composite_score`,
    :func:`entropy_topsis` and :func:`cityclusters.indicators.obstacle.obstacle_degree`.

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.indicators.weights import aligned_weights
    >>> frame = pd.DataFrame({"a": [0.2], "b": [0.8]})
    >>> aligned_weights(frame, {"b": 0.75, "a": 0.25}).tolist()
    [0.25, 0.75]
    """
    weights = pd.Series(weights, dtype=float)
    missing = [c for c in frame.columns if c not in weights.index]
    extra = [c for c in weights.index if c not in frame.columns]
    if missing or extra:
        raise MethodInputError(
            f"weights must name every indicator column; missing: {missing or 'none'}; "
            f"not in the data: {extra or 'none'}")
    weights = weights.loc[frame.columns]
    require_positive(weights, "weights", why="weights must be non-negative", strict=False)
    if not np.isclose(weights.sum(), 1.0, atol=1e-9):
        raise MethodInputError(f"weights sum to {weights.sum():.6g}, not 1")
    return weights


def composite_score(normalised: pd.DataFrame, weights, *,
                    aggregation: str = "arithmetic") -> pd.Series:
    """Composite U_i of normalised indicators (综合评价指数), in [0, 1].

    ``aggregation="arithmetic"`` (the default): the weighted sum U_i = Σ_j w_j x'_ij;
    ``aggregation="geometric"``: the weighted geometric mean U_i = Π_j x'_ij^{w_j}, which
    compensates less (one indicator at 0 with a positive weight makes U_i = 0) and whose
    ranking of the rows does not change when a column is multiplied by a positive constant
    (OECD/JRC 2008, *Handbook on Constructing Composite Indicators*, §6.11 and equation (40);
    the multiverse's geometric subsystem scores use the same formula). ``weights`` (a Series
    or mapping by column) must cover every column and sum to 1.

    Examples
    --------
    U = 0.25·0 + 0.75·1 = 0.75 and 0.25·1 + 0.75·0.5 = 0.625; geometrically
    0^0.25·1^0.75 = 0 and 1^0.25·0.5^0.75 = 0.5946:

    >>> import pandas as pd
    >>> from cityclusters.indicators.weights import composite_score
    >>> x = pd.DataFrame({"a": [0.0, 1.0], "b": [1.0, 0.5]})
    >>> composite_score(x, {"a": 0.25, "b": 0.75}).tolist()
    [0.75, 0.625]
    >>> composite_score(x, {"a": 0.25, "b": 0.75}, aggregation="geometric").round(4).tolist()
    [0.0, 0.5946]
    """
    require_choice(aggregation, AGGREGATIONS, "aggregation")
    frame = as_frame(normalised, "normalised")
    require_unit_interval(frame, "normalised")
    weights = aligned_weights(frame, weights)
    if aggregation == "geometric":
        return (frame ** weights).prod(axis=1).rename("score")
    return (frame * weights).sum(axis=1).rename("score")


def subsystem_scores(normalised: pd.DataFrame, subsystem_of: Mapping[str, str],
                     weights=None) -> pd.DataFrame:
    """Scores U_s of each subsystem s: entropy-weighted sums of its own indicators.

    U_is = Σ_{j∈s} w_j^{(s)} x'_ij, where the weights w^{(s)} are entropy weights computed
    within subsystem s (or, if ``weights`` is given, the given weights renormalised to sum
    to 1 within s). Each U_s lies in [0, 1], as the coupling model requires.

    Parameters
    ----------
    normalised : DataFrame
        Normalised indicators (rows × indicators) in [0, 1].
    subsystem_of : mapping
        ``{indicator column: subsystem name}`` for every column.
    weights : Series or mapping, optional
        Overall indicator weights; renormalised within each subsystem.

    Returns
    -------
    DataFrame rows × subsystems (in order of first appearance in ``subsystem_of``).

    Examples
    --------
    The given weights 0.2 and 0.6 of the two economic indicators become 0.25 and 0.75 within
    the economy: U = 0.25·0 + 0.75·1 = 0.75 in the first row.

    >>> import pandas as pd
    >>> from cityclusters.indicators.weights import subsystem_scores
    >>> x = pd.DataFrame({"a": [0.0, 1.0], "b": [1.0, 0.5], "c": [0.4, 0.8]})
    >>> subsystem_scores(x, {"a": "economy", "b": "economy", "c": "environment"},
    ...                  weights={"a": 0.2, "b": 0.6, "c": 0.2})
       economy  environment
    0    0.750          0.4
    1    0.625          0.8
    """
    frame = as_frame(normalised, "normalised")
    require_unit_interval(frame, "normalised")
    missing = [c for c in frame.columns if c not in subsystem_of]
    extra = [c for c in subsystem_of if c not in frame.columns]
    if missing or extra:
        raise MethodInputError(
            f"subsystem_of must map every indicator column; missing: {missing or 'none'}; "
            f"not in the data: {extra or 'none'}")
    scores = {}
    for subsystem in dict.fromkeys(subsystem_of[c] for c in frame.columns):
        columns = [c for c in frame.columns if subsystem_of[c] == subsystem]
        block = frame[columns]
        if weights is None:
            within = entropy_weights(block) if len(columns) > 1 else pd.Series(1.0, columns)
        else:
            given = pd.Series(weights, dtype=float).reindex(columns)
            if given.isna().any() or given.sum() <= 0:
                raise MethodInputError(
                    f"weights: missing or zero for subsystem {subsystem!r} ({columns})")
            within = given / given.sum()
        scores[subsystem] = (block * within).sum(axis=1)
    return pd.DataFrame(scores, index=frame.index)


def entropy_topsis(normalised: pd.DataFrame, weights=None) -> pd.DataFrame:
    """Entropy–TOPSIS closeness to the ideal solution (熵权-TOPSIS).

    z_ij = w_j x'_ij (entropy weights unless ``weights`` is given); positive and negative
    ideals z⁺_j = max_i z_ij, z⁻_j = min_i z_ij (x' is already oriented so larger is
    better); distances S⁺_i = ‖z_i − z⁺‖₂, S⁻_i = ‖z_i − z⁻‖₂; closeness
    C_i = S⁻_i / (S⁺_i + S⁻_i) in [0, 1], 1 at the positive ideal.

    Returns
    -------
    DataFrame with columns ``distance_to_best``, ``distance_to_worst``, ``closeness``.

    Source: Hwang & Yoon (1981), *Multiple Attribute Decision Making*, Springer; entropy
    weights as in :func:`entropy_weight_table`; the entropy–TOPSIS combination as in Lei
    Xunping & Qiu Guanghua (2016), 环境科学学报 36(1): 314–323.

    Examples
    --------
    With weights ½, ½ the ideals are z⁺ = (0.5, 0.5) and z⁻ = (0, 0); the middle row is 0.5
    from each, so C = 0.5.

    >>> import pandas as pd
    >>> from cityclusters.indicators.weights import entropy_topsis
    >>> x = pd.DataFrame({"a": [1.0, 0.0, 1.0], "b": [1.0, 0.0, 0.0]},
    ...                  index=["best", "worst", "middle"])
    >>> entropy_topsis(x, weights={"a": 0.5, "b": 0.5}).round(4)
            distance_to_best  distance_to_worst  closeness
    best              0.0000             0.7071        1.0
    worst             0.7071             0.0000        0.0
    middle            0.5000             0.5000        0.5
    """
    frame = as_frame(normalised, "normalised")
    require_nonempty(frame, "normalised", minimum=2)
    require_unit_interval(frame, "normalised")
    require_nonconstant(frame, "normalised")
    weights = entropy_weights(frame) if weights is None else aligned_weights(frame, weights)
    weighted = frame * weights
    to_best = np.sqrt(((weighted - weighted.max()) ** 2).sum(axis=1))
    to_worst = np.sqrt(((weighted - weighted.min()) ** 2).sum(axis=1))
    return pd.DataFrame({
        "distance_to_best": to_best,
        "distance_to_worst": to_worst,
        "closeness": to_worst / (to_best + to_worst),
    }, index=frame.index)
