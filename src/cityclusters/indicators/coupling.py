"""Coupling coordination of n subsystems (耦合协调度模型).

Given subsystem scores U_1..U_n in [0, 1] for each unit (a city-year), the model measures
how strongly the subsystems move together (coupling C), how developed they are on average
(comprehensive index T) and combines both into the coordination degree D = √(C·T). D is
then read on a ten-band scale and C on four coupling stages.

Sources
-------
- Classic C in its normative n-system form, and the modified C: Wang Shujia, Kong Wei,
  Ren Liang, Zhi Dandan & Dai Binting (2021), 国内耦合协调度模型的误区及修正, 自然资源学报
  36(3): 793–810.
- Ten D bands and the lagging-subsystem typology: Liao Chongbin (1999), 环境与经济协调发展的
  定量评判及其分类体系——以珠江三角洲城市群为例, 热带地理 19(2): 171–177; the bands as used by
  Wang et al. (2021).
- Four coupling stages (C < 0.3, 0.3–0.5, 0.5–0.8, ≥ 0.8): the convention of the Chinese
  urbanisation–environment literature, e.g. Liu Yaobin, Li Rendong & Song Xuefeng (2005),
  中国城市化与生态环境耦合度分析, 自然资源学报 20(1): 105–112 (details unverified). Their
  intervals are closed on the right; ours are closed on the left, like the D bands.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from cityclusters.checks import (
    as_frame,
    require_choice,
    require_nonempty,
    require_unit_interval,
)
from cityclusters.errors import MethodInputError

COUPLING_METHODS = ("classic", "modified")

# Ten bands of D, each 0.1 wide; the last band is closed at 1.
GRADE_BREAKS = tuple(round(0.1 * k, 1) for k in range(11))
GRADE_LABELS_ZH = ("极度失调", "严重失调", "中度失调", "轻度失调", "濒临失调",
                   "勉强协调", "初级协调", "中级协调", "良好协调", "优质协调")
GRADE_LABELS_EN = ("extreme imbalance", "serious imbalance", "moderate imbalance",
                   "mild imbalance", "verge of imbalance", "barely coordinated",
                   "primary coordination", "intermediate coordination",
                   "good coordination", "high-quality coordination")

STAGE_BREAKS = (0.0, 0.3, 0.5, 0.8, 1.0)
STAGE_LABELS_ZH = ("低水平耦合", "拮抗", "磨合", "高水平耦合")
STAGE_LABELS_EN = ("low coupling", "antagonism", "running-in", "high coupling")


def _scores(scores: pd.DataFrame) -> pd.DataFrame:
    frame = as_frame(scores, "scores")
    require_nonempty(frame, "scores")
    if frame.shape[1] < 2:
        raise MethodInputError(
            f"scores: coupling needs at least 2 subsystem columns, got {list(frame.columns)}")
    require_unit_interval(frame, "scores")
    return frame


def coupling_degree(scores: pd.DataFrame, method: str = "classic") -> pd.Series:
    """Coupling degree C of n subsystems, per row, in [0, 1].

    classic:  C = n·(Π_i U_i)^{1/n} / Σ_i U_i
              (the ratio of geometric to arithmetic mean; equals 1 when all U are equal,
              however low they are, so it bunches near 1 in practice);
    modified: C = √{ [1 − Σ_{i<j} |U_i − U_j| / (n(n−1)/2)] · [Π_i (U_i / max_k U_k)]^{1/(n−1)} }
              (Wang et al. 2021): the first factor penalises the mean pairwise gap, the
              second the ratios to the leading subsystem; it spreads C over [0, 1]. For
              n = 2 it is √{(1 − |U_1 − U_2|)·U_min/U_max}. The exponent 1/(n−1) (the
              leading subsystem's ratio is 1, leaving n−1 ratios) is the n-system form as it
              is usually reproduced; only the two-system case was checked against the paper's
              Table 8 pattern.

    Rows whose scores are all zero are refused (C is 0/0 there).

    Examples
    --------
    Two subsystems, U = (0.2, 0.8): classic C = 2·√(0.2·0.8)/1.0 = 0.8; modified
    C = √[(1 − 0.6)·(0.2/0.8)] = √0.1 = 0.3162.

    >>> import pandas as pd
    >>> from cityclusters.indicators.coupling import coupling_degree
    >>> scores = pd.DataFrame({"economy": [0.2], "society": [0.8]})
    >>> coupling_degree(scores).round(4).tolist()
    [0.8]
    >>> coupling_degree(scores, method="modified").round(4).tolist()
    [0.3162]
    """
    require_choice(method, COUPLING_METHODS, "method")
    frame = _scores(scores)
    n = frame.shape[1]
    values = frame.to_numpy()
    top = values.max(axis=1)
    undefined = frame.index[top <= 0]
    if len(undefined):
        raise MethodInputError(
            f"scores: all subsystem scores are zero in row(s) {list(undefined[:5])}; "
            "coupling is undefined there")
    if method == "classic":
        geometric = np.exp(np.log(np.where(values > 0, values, 1.0)).mean(axis=1))
        geometric = np.where((values > 0).all(axis=1), geometric, 0.0)
        coupling = n * geometric / values.sum(axis=1)
    else:
        gaps = [np.abs(values[:, i] - values[:, j]) for i, j in combinations(range(n), 2)]
        mean_gap = np.mean(gaps, axis=0)
        ratio_product = np.prod(values / top[:, None], axis=1)
        coupling = np.sqrt((1.0 - mean_gap) * ratio_product ** (1.0 / (n - 1)))
    return pd.Series(np.clip(coupling, 0.0, 1.0), index=frame.index, name="coupling")


def comprehensive_index(scores: pd.DataFrame, weights=None) -> pd.Series:
    """Comprehensive development index T = Σ_i α_i U_i (Σ α_i = 1; equal by default).

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.indicators.coupling import comprehensive_index
    >>> scores = pd.DataFrame({"economy": [0.2], "society": [0.8]})
    >>> comprehensive_index(scores).tolist()
    [0.5]
    >>> comprehensive_index(scores, {"economy": 0.25, "society": 0.75}).round(4).tolist()
    [0.65]
    """
    frame = _scores(scores)
    if weights is None:
        alpha = pd.Series(1.0 / frame.shape[1], index=frame.columns)
    else:
        alpha = pd.Series(weights, dtype=float)
        if set(alpha.index) != set(frame.columns):
            raise MethodInputError(
                f"weights must name exactly the subsystems {list(frame.columns)}; "
                f"got {list(alpha.index)}")
        if (alpha < 0).any() or not np.isclose(alpha.sum(), 1.0, atol=1e-9):
            raise MethodInputError(f"weights must be non-negative and sum to 1; got {dict(alpha)}")
        alpha = alpha.loc[frame.columns]
    return (frame * alpha).sum(axis=1).rename("comprehensive_index")


def coordination_grade(degree: pd.Series, language: str = "zh") -> pd.Series:
    """The ten-band grade of D as an ordered categorical (极度失调 … 优质协调).

    Bands [0, 0.1), [0.1, 0.2), …, [0.9, 1.0]; labels in Chinese (``language="zh"``) or
    English (``"en"``). Source: Liao (1999); Wang et al. (2021).

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.indicators.coupling import coordination_grade
    >>> coordination_grade(pd.Series([0.05, 0.55, 0.9])).tolist()
    ['极度失调', '勉强协调', '优质协调']
    >>> coordination_grade(pd.Series([0.05, 0.55, 0.9]), language="en").tolist()
    ['extreme imbalance', 'barely coordinated', 'high-quality coordination']
    """
    require_choice(language, ("zh", "en"), "language")
    labels = GRADE_LABELS_ZH if language == "zh" else GRADE_LABELS_EN
    return _banded(degree, GRADE_BREAKS, labels, "degree", "grade")


def coupling_stage(coupling: pd.Series, language: str = "zh") -> pd.Series:
    """The four coupling stages of C as an ordered categorical.

    C < 0.3 low coupling (低水平耦合); 0.3 ≤ C < 0.5 antagonism (拮抗); 0.5 ≤ C < 0.8
    running-in (磨合); C ≥ 0.8 high coupling (高水平耦合). Source: Liu, Li & Song (2005).

    Examples
    --------
    The bands are closed on the left, so C = 0.3 is antagonism and C = 0.8 high coupling.

    >>> import pandas as pd
    >>> from cityclusters.indicators.coupling import coupling_stage
    >>> coupling_stage(pd.Series([0.2, 0.3, 0.8]), language="en").tolist()
    ['low coupling', 'antagonism', 'high coupling']
    """
    require_choice(language, ("zh", "en"), "language")
    labels = STAGE_LABELS_ZH if language == "zh" else STAGE_LABELS_EN
    return _banded(coupling, STAGE_BREAKS, labels, "coupling", "stage")


def _banded(values, breaks, labels, name: str, out_name: str) -> pd.Series:
    series = pd.Series(values, dtype=float)
    require_unit_interval(series, name)
    codes = np.searchsorted(np.asarray(breaks[1:-1]), series.to_numpy(), side="right")
    dtype = pd.CategoricalDtype(list(labels), ordered=True)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=series.index,
                     name=out_name)


def lagging_subsystem(scores: pd.DataFrame, tolerance: float = 0.1) -> pd.Series:
    """Which subsystem lags (滞后型), per row.

    The subsystem with the lowest U when max U − min U > ``tolerance``; otherwise
    ``"balanced"`` (同步型). Liao (1999) compares U_1 and U_2 with a 0.1 threshold; with n
    subsystems we name the lowest one.

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.indicators.coupling import lagging_subsystem
    >>> scores = pd.DataFrame({"economy": [0.2, 0.5], "society": [0.8, 0.55]})
    >>> lagging_subsystem(scores).tolist()
    ['economy', 'balanced']
    """
    frame = _scores(scores)
    if not 0 <= tolerance < 1:
        raise MethodInputError(f"tolerance={tolerance} must lie in [0, 1)")
    spread = frame.max(axis=1) - frame.min(axis=1)
    lagging = frame.idxmin(axis=1).astype(object)
    lagging[spread <= tolerance] = "balanced"
    return lagging.rename("lagging_subsystem")


def coupling_coordination(scores: pd.DataFrame, weights=None, method: str = "classic",
                          tolerance: float = 0.1) -> pd.DataFrame:
    """C, T, D and their readings for each row of subsystem scores.

    D = √(C·T), with C from :func:`coupling_degree` (``method``) and T from
    :func:`comprehensive_index` (``weights``; equal by default). All three lie in [0, 1].

    Returns
    -------
    DataFrame with columns ``coupling`` (C), ``comprehensive_index`` (T),
    ``coordination_degree`` (D), ``grade`` (ten bands, Chinese), ``stage`` (four coupling
    stages, Chinese) and ``lagging_subsystem``.

    Examples
    --------
    U = (0.2, 0.8): C = 0.8, T = 0.5, D = √0.4 = 0.6325 (初级协调, [0.6, 0.7)).

    >>> import pandas as pd
    >>> from cityclusters.indicators.coupling import coupling_coordination
    >>> scores = pd.DataFrame({"economy": [0.2], "society": [0.8]})
    >>> coupling_coordination(scores).round(4).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'coupling': 0.8, 'comprehensive_index': 0.5, 'coordination_degree': 0.6325,
     'grade': '初级协调', 'stage': '高水平耦合', 'lagging_subsystem': 'economy'}
    """
    coupling = coupling_degree(scores, method=method)
    index = comprehensive_index(scores, weights)
    degree = np.sqrt(coupling * index).clip(0.0, 1.0).rename("coordination_degree")
    return pd.DataFrame({
        "coupling": coupling,
        "comprehensive_index": index,
        "coordination_degree": degree,
        "grade": coordination_grade(degree),
        "stage": coupling_stage(coupling),
        "lagging_subsystem": lagging_subsystem(scores, tolerance),
    })
