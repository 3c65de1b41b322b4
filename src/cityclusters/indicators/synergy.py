"""Composite-system synergy degree (复合系统协同度模型).

A composite system (a city cluster) has subsystems (economy, society, ...); each subsystem
has order parameters e_j (indicators) with lower and upper bounds β_j ≤ e_j ≤ α_j.

- Order degree of an order parameter: u_j = (e_j − β_j)/(α_j − β_j) if larger is better,
  (α_j − e_j)/(α_j − β_j) if smaller is better; u_j ∈ [0, 1].
- Order degree of a subsystem: the geometric mean of its order parameters' order degrees
  (or a weighted sum).
- Synergy between a base time t0 and a later time t1 of k subsystems:
  SD = θ · [Π_s |u_s(t1) − u_s(t0)|]^{1/k},  θ = 1 if min_s [u_s(t1) − u_s(t0)] > 0 else −1.
  SD ∈ [−1, 1]; it is positive only if every subsystem became more ordered.

Source: Meng Qingsong & Han Wenxiu (2000), 复合系统协调度模型研究, 天津大学学报 33(4):
444–446 (volume and pages as commonly cited; details unverified).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cityclusters.checks import (
    as_frame,
    require_choice,
    require_finite,
    require_unit_interval,
)
from cityclusters.errors import MethodInputError

AGGREGATIONS = ("geometric", "weighted")


def sample_bounds(values: pd.DataFrame, margin: float = 0.1) -> pd.DataFrame:
    """Bounds from the sample: β = min − margin·range, α = max + margin·range, per column.

    Widening by a margin keeps order degrees away from exactly 0 and 1 (a common practice;
    the margin is the caller's choice and should be reported). Constant columns are refused.

    Examples
    --------
    Range 3 − 1 = 2, widened by 10 % of it on each side:

    >>> import pandas as pd
    >>> from cityclusters.indicators.synergy import sample_bounds
    >>> sample_bounds(pd.DataFrame({"gdp": [1.0, 3.0]}), margin=0.1)
         lower  upper
    gdp    0.8    3.2
    """
    frame = as_frame(values, "values")
    require_finite(frame, "values")
    if margin < 0:
        raise MethodInputError(f"margin={margin} must be non-negative")
    low, high = frame.min(), frame.max()
    spread = high - low
    flat = list(spread.index[spread <= 0])
    if flat:
        raise MethodInputError(f"values: column(s) {flat} are constant, so bounds collapse")
    return pd.DataFrame({"lower": low - margin * spread, "upper": high + margin * spread})


def order_degree(values: pd.DataFrame, bounds: pd.DataFrame,
                 directions: Mapping[str, str]) -> pd.DataFrame:
    """Order degree u_j of each order parameter (column) for each row, in [0, 1].

    ``bounds`` is indexed by column with ``lower`` (β) and ``upper`` (α); values outside
    their bounds are refused (name the rows), since u would leave [0, 1].

    Examples
    --------
    With bounds [0, 10]: e = 2 gives u = 0.2 if larger is better and 0.8 if smaller is better.

    >>> import pandas as pd
    >>> from cityclusters.indicators.synergy import order_degree
    >>> bounds = pd.DataFrame({"lower": [0.0, 0.0], "upper": [10.0, 10.0]},
    ...                       index=["gdp", "pollution"])
    >>> values = pd.DataFrame({"gdp": [2.0, 5.0], "pollution": [2.0, 5.0]})
    >>> order_degree(values, bounds, {"gdp": "positive", "pollution": "negative"})
       gdp  pollution
    0  0.2        0.8
    1  0.5        0.5
    """
    frame = as_frame(values, "values")
    require_finite(frame, "values")
    missing = [c for c in frame.columns if c not in bounds.index or c not in directions]
    if missing:
        raise MethodInputError(f"bounds or directions missing for column(s) {missing}")
    lower = bounds.loc[frame.columns, "lower"].astype(float)
    upper = bounds.loc[frame.columns, "upper"].astype(float)
    if (upper <= lower).any():
        raise MethodInputError(f"bounds: upper <= lower for {list(upper.index[upper <= lower])}")
    outside = frame.lt(lower) | frame.gt(upper)
    if outside.to_numpy().any():
        rows = list(frame.index[outside.any(axis=1)][:5])
        cols = list(frame.columns[outside.any(axis=0)])
        raise MethodInputError(f"values outside their bounds in rows {rows}, columns {cols}")
    degree = (frame - lower) / (upper - lower)
    for column in frame.columns:
        require_choice(directions[column], ("positive", "negative"), f"directions[{column!r}]")
        if directions[column] == "negative":
            degree[column] = 1.0 - degree[column]
    return degree


def subsystem_order(order_degrees: pd.DataFrame, subsystem_of: Mapping[str, str],
                    aggregation: str = "geometric", weights=None) -> pd.DataFrame:
    """Order degree of each subsystem from its order parameters' order degrees.

    ``"geometric"``: u_s = (Π_{j∈s} u_j)^{1/|s|}; ``"weighted"``: u_s = Σ_{j∈s} λ_j u_j with
    ``weights`` λ renormalised to sum to 1 within s (equal if None).

    Examples
    --------
    Geometric mean √(0.25·1) = 0.5, weighted (equal) mean 0.625:

    >>> import pandas as pd
    >>> from cityclusters.indicators.synergy import subsystem_order
    >>> u = pd.DataFrame({"gdp": [0.25], "income": [1.0], "green": [0.5]})
    >>> of = {"gdp": "economy", "income": "economy", "green": "environment"}
    >>> subsystem_order(u, of)
       economy  environment
    0      0.5          0.5
    >>> subsystem_order(u, of, aggregation="weighted")
       economy  environment
    0    0.625          0.5
    """
    require_choice(aggregation, AGGREGATIONS, "aggregation")
    frame = as_frame(order_degrees, "order_degrees")
    require_unit_interval(frame, "order_degrees")
    missing = [c for c in frame.columns if c not in subsystem_of]
    if missing:
        raise MethodInputError(f"subsystem_of: no subsystem for column(s) {missing}")
    result = {}
    for subsystem in dict.fromkeys(subsystem_of[c] for c in frame.columns):
        columns = [c for c in frame.columns if subsystem_of[c] == subsystem]
        block = frame[columns]
        if aggregation == "geometric":
            result[subsystem] = np.prod(block.to_numpy(), axis=1) ** (1.0 / len(columns))
        else:
            given = pd.Series(1.0, index=columns) if weights is None else \
                pd.Series(weights, dtype=float).reindex(columns)
            if given.isna().any() or given.sum() <= 0:
                raise MethodInputError(f"weights missing or zero for subsystem {subsystem!r}")
            result[subsystem] = (block * (given / given.sum())).sum(axis=1).to_numpy()
    return pd.DataFrame(result, index=frame.index)


def synergy_degree(base: pd.Series, later: pd.Series) -> float:
    """Synergy SD between two states of the subsystems' order degrees (Meng & Han 2000).

    SD = θ·[Π_s |u_s(t1) − u_s(t0)|]^{1/k}, θ = 1 if every subsystem's order rose
    (min change > 0), else −1; in [−1, 1]. ``base`` and ``later`` are indexed by subsystem.

    Examples
    --------
    Both subsystems gain 0.2: SD = √(0.2·0.2) = 0.2. If the environment falls by 0.1 instead,
    θ = −1 and SD = −√(0.2·0.1) = −0.1414.

    >>> import pandas as pd
    >>> from cityclusters.indicators.synergy import synergy_degree
    >>> base = pd.Series({"economy": 0.2, "environment": 0.3})
    >>> round(synergy_degree(base, pd.Series({"economy": 0.4, "environment": 0.5})), 4)
    0.2
    >>> round(synergy_degree(base, pd.Series({"economy": 0.4, "environment": 0.2})), 4)
    -0.1414
    """
    u0 = pd.Series(base, dtype=float)
    u1 = pd.Series(later, dtype=float)
    if set(u0.index) != set(u1.index):
        raise MethodInputError(
            f"base and later must cover the same subsystems; got {list(u0.index)} and "
            f"{list(u1.index)}")
    require_unit_interval(u0, "base")
    require_unit_interval(u1, "later")
    change = u1.loc[u0.index] - u0
    theta = 1.0 if change.min() > 0 else -1.0
    return float(theta * np.prod(np.abs(change.to_numpy())) ** (1.0 / len(change)))


def synergy_series(orders: pd.DataFrame, time: str = "year", unit: str | None = None,
                   base: str = "previous") -> pd.DataFrame:
    """Synergy degree over time, per unit.

    Parameters
    ----------
    orders : DataFrame
        Subsystem order degrees, one row per (unit, time); ``time`` (and ``unit``) are
        columns, the other columns are subsystems.
    base : {"previous", "first"}
        Compare each time with the previous one, or with the first time of the unit.

    Returns
    -------
    DataFrame with ``unit`` (if given), ``base_time``, ``time``, ``synergy``.

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.indicators.synergy import synergy_series
    >>> orders = pd.DataFrame({"year": [2020, 2021, 2022], "economy": [0.2, 0.4, 0.5],
    ...                        "environment": [0.3, 0.5, 0.4]})
    >>> synergy_series(orders).round(4)
       base_time  time  synergy
    0       2020  2021      0.2
    1       2021  2022     -0.1
    """
    require_choice(base, ("previous", "first"), "base")
    keys = [unit, time] if unit else [time]
    missing = [k for k in keys if k not in orders.columns]
    if missing:
        raise MethodInputError(f"orders: missing column(s) {missing}")
    if orders.duplicated(keys).any():
        dupes = orders.loc[orders.duplicated(keys), keys].head().to_dict("records")
        raise MethodInputError(f"orders: duplicated {keys}: {dupes}")
    subsystems = [c for c in orders.columns if c not in keys]
    rows = []
    groups = orders.groupby(unit, sort=True) if unit else [(None, orders)]
    for label, block in groups:
        block = block.sort_values(time)
        if len(block) < 2:
            raise MethodInputError(f"orders: unit {label!r} has fewer than two times")
        values = block[subsystems]
        times = block[time].to_list()
        for position in range(1, len(block)):
            reference = position - 1 if base == "previous" else 0
            row = {"base_time": times[reference], "time": times[position],
                   "synergy": synergy_degree(values.iloc[reference], values.iloc[position])}
            if unit:
                row = {unit: label, **row}
            rows.append(row)
    return pd.DataFrame(rows)
