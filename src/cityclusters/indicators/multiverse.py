"""A multiverse of the coupling-coordination index, and the global sensitivity of its results.

The coupling-coordination degree D = √(C·T) of a city-year depends on choices the literature
makes in many defensible ways: which indicators enter, how they are scaled, how they are
weighted within a subsystem, how they are combined into a subsystem score U, and which
coupling degree C is used. This module computes D under every combination of those choices
(a *multiverse*: Steegen, Tuerlinckx, Gelman & Vanpaemel 2016, Perspectives on Psychological
Science 11(5): 702–712; for composite indicators the uncertainty analysis of Saisana,
Saltelli & Tarantola 2005, J. R. Stat. Soc. A 168(2): 307–323, and of the OECD/JRC
*Handbook on Constructing Composite Indicators*, 2008, step 7), then summarises how far the
results move: rank intervals per unit, and variance-based (Sobol') sensitivity indices of each
choice.

The choices (factors) and their levels
--------------------------------------
``indicator_set``
    ``"all"``; ``"drop indicator <name>"`` (one per indicator whose subsystem keeps at least
    one other); ``"drop subsystem <name>"`` (one per subsystem, when at least two remain).
``scaling`` (:data:`SCALINGS`), applied to each indicator after orienting it so that larger
    is better (a negative indicator is multiplied by −1 first; for every scaling except
    ``percentile`` this is exactly x' ↦ 1 − x', and for ``percentile`` it ranks the best value
    highest too):

    - ``minmax_panel``: (x − min)/(max − min), min and max over the whole panel (years stay
      comparable);
    - ``minmax_year``: the same within each year's cross-section;
    - ``zscore_logistic``: z = (x − mean)/sd over the panel (sd with n − 1, as in Table 15 of
      the Handbook), then the logistic 1/(1 + e^{−z}). We chose the logistic over rescaling z
      to [0, 1] by its own min and max, because that rescaling is a linear map of x and gives
      exactly ``minmax_panel`` again;
    - ``percentile``: rank/m over the m observed panel values, ties at the lowest rank (the
      "percentile" column of Table 15 of the Handbook);
    - ``winsor_minmax``: values clipped to the 1st and 99th panel percentiles, then min–max
      between them (trimming as in the Handbook, §5.1, which cites the Environmental
      Sustainability Index's 2.5/97.5 trim);
    - ``log_minmax``: natural log of the indicators flagged as skewed (by default those with
      sample skewness above 1 and only positive values, :func:`flag_skewed`), then
      ``minmax_panel`` (Handbook §5.1: log-transform positively skewed indicators before
      normalising).

    Every scaled value is then shifted to ``shift + (1 − shift)·x'`` (default 1e-4, the
    literature's small shift, see :func:`cityclusters.indicators.weights.min_max_normalise`)
    so that logarithms (geometric aggregation) stay finite and U stays in [0, 1].
``weighting`` within each subsystem (:data:`WEIGHTINGS`), estimated from the scaled panel
    values of the subsystem's indicators, over the rows where all of them are observed:

    - ``entropy``: :func:`cityclusters.indicators.weights.entropy_weights` (Shannon 1948; Zou,
      Yun & Sun 2006);
    - ``equal``: 1/k;
    - ``critic``: :func:`critic_weights` (Diakoulaki, Mavrotas & Papayannakis 1995);
    - ``pca``: :func:`pca_weights`, the squared loadings of the first principal component
      scaled to unit sum (OECD/JRC Handbook 2008, step 6.1, without rotation).
``aggregation`` of a subsystem's scaled indicators into U (:data:`AGGREGATIONS`):
    ``arithmetic`` U = Σ w_j x'_j, or ``geometric`` U = Π x'_j^{w_j} (Handbook 2008, §6.11).
``coupling``: ``classic`` or ``modified`` C, from
    :func:`cityclusters.indicators.coupling.coupling_degree` (Wang et al. 2021).

T is the equal-weight mean of the subsystem scores
(:func:`cityclusters.indicators.coupling.comprehensive_index`) and D = √(C·T), as in
:func:`cityclusters.indicators.coupling.coupling_coordination`.

Missing values
--------------
An indicator missing in a row is left out of its subsystem's mean for that row: the weights
of the observed indicators are rescaled to sum to 1 there (arithmetic Σ_obs w x' / Σ_obs w,
geometric exp[Σ_obs w ln x' / Σ_obs w]). A subsystem none of whose indicators is observed in
a row is missing there, and so are that row's C, T and D (no imputation). Scaling uses the
observed values only; weights use the rows where the subsystem is complete.
"""

from __future__ import annotations

import time
import warnings
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import astuple, dataclass
from itertools import product

import numpy as np
import pandas as pd

from cityclusters.checks import preview_labels
from cityclusters.errors import MethodInputError
from cityclusters.indicators.coupling import (
    COUPLING_METHODS,
    comprehensive_index,
    coupling_degree,
)
from cityclusters.indicators.weights import AGGREGATIONS, DIRECTIONS, entropy_weights

SCALINGS = ("minmax_panel", "minmax_year", "zscore_logistic", "percentile", "winsor_minmax",
            "log_minmax")
WEIGHTINGS = ("entropy", "equal", "critic", "pca")
FACTORS = ("indicator_set", "scaling", "weighting", "coupling", "aggregation")

#: Panel percentiles at which ``winsor_minmax`` clips.
WINSOR_PERCENTILES = (1.0, 99.0)
#: Sample skewness above which :func:`flag_skewed` flags an indicator for ``log_minmax``.
SKEW_THRESHOLD = 1.0
#: Lower end of every scaled indicator (see the module docstring).
DEFAULT_SHIFT = 1e-4
TINY = np.finfo(float).tiny

ALL = "all"
DROP_INDICATOR = "drop indicator "
DROP_SUBSYSTEM = "drop subsystem "


@dataclass(frozen=True)
class Specification:
    """One combination of choices; the defaults are the book's main specification.

    Examples
    --------
    >>> from cityclusters.indicators.multiverse import Specification
    >>> Specification().label
    'all | minmax_panel | entropy | classic | arithmetic'
    >>> Specification(scaling="percentile", coupling="modified").coupling
    'modified'
    """

    indicator_set: str = ALL
    scaling: str = "minmax_panel"
    weighting: str = "entropy"
    coupling: str = "classic"
    aggregation: str = "arithmetic"

    @property
    def label(self) -> str:
        return " | ".join(astuple(self))


def indicator_names(n_indicators: int) -> list[str]:
    """Default indicator names ``x0, x1, …`` used when none are given.

    Examples
    --------
    >>> from cityclusters.indicators.multiverse import indicator_names
    >>> indicator_names(3)
    ['x0', 'x1', 'x2']
    """
    return [f"x{j}" for j in range(n_indicators)]


def _names(subsystem_of: Sequence[str], names: Sequence[str] | None) -> list[str]:
    names = indicator_names(len(subsystem_of)) if names is None else [str(n) for n in names]
    if len(names) != len(subsystem_of):
        raise MethodInputError(f"names: {len(names)} names for {len(subsystem_of)} indicators")
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise MethodInputError(f"names: duplicated indicator name(s) {preview_labels(duplicated)}")
    return names


def indicator_sets(subsystem_of: Sequence[str], names: Sequence[str] | None = None) -> list[str]:
    """The levels of the ``indicator_set`` choice: all, drop one indicator, drop one subsystem.

    An indicator is dropped on its own only if its subsystem keeps another indicator (else
    the level would repeat "drop subsystem"); a subsystem is dropped only if two remain, as
    coupling needs two.

    Examples
    --------
    >>> from cityclusters.indicators.multiverse import indicator_sets
    >>> indicator_sets(["eco", "eco", "env", "soc"], ["gdp", "wage", "green", "doctors"])
    ... # doctest: +NORMALIZE_WHITESPACE
    ['all', 'drop indicator gdp', 'drop indicator wage', 'drop subsystem eco',
     'drop subsystem env', 'drop subsystem soc']
    """
    subsystem_of = [str(s) for s in subsystem_of]
    names = _names(subsystem_of, names)
    subsystems = list(dict.fromkeys(subsystem_of))
    sizes = {s: subsystem_of.count(s) for s in subsystems}
    levels = [ALL]
    levels += [DROP_INDICATOR + n for n, s in zip(names, subsystem_of) if sizes[s] > 1]
    if len(subsystems) > 2:
        levels += [DROP_SUBSYSTEM + s for s in subsystems]
    return levels


def specifications(subsystem_of: Sequence[str], names: Sequence[str] | None = None, *,
                   scalings: Sequence[str] = SCALINGS, weightings: Sequence[str] = WEIGHTINGS,
                   couplings: Sequence[str] = COUPLING_METHODS,
                   aggregations: Sequence[str] = AGGREGATIONS,
                   sets: Sequence[str] | None = None, sample: int | None = None,
                   seed: int = 0) -> list[Specification]:
    """The full factorial grid of specifications, or a random sample of it.

    The grid is the product of the levels of :data:`FACTORS` in that order: indicator sets
    (:func:`indicator_sets`, or ``sets``), ``scalings``, ``weightings``, ``couplings`` and
    ``aggregations``. With 20 indicators in 5 subsystems that is 26 × 6 × 4 × 2 × 2 = 2 496
    specifications. ``sample`` draws that many without replacement (seeded by ``seed``),
    kept in grid order. :func:`sensitivity` needs the full grid (or a full grid over fewer
    levels), not a sample.

    Examples
    --------
    >>> from cityclusters.indicators.multiverse import specifications
    >>> grid = specifications(["eco", "eco", "env", "env", "soc"])
    >>> len(grid)  # (1 + 4 + 3) indicator sets × 6 × 4 × 2 × 2
    768
    >>> grid[0].label
    'all | minmax_panel | entropy | classic | arithmetic'
    >>> len(specifications(["eco", "eco", "env", "env", "soc"], sample=100, seed=1))
    100
    """
    subsystem_of = [str(s) for s in subsystem_of]
    levels = {
        "indicator_set": list(indicator_sets(subsystem_of, names) if sets is None else sets),
        "scaling": list(scalings), "weighting": list(weightings),
        "coupling": list(couplings), "aggregation": list(aggregations),
    }
    for factor, allowed in (("scaling", SCALINGS), ("weighting", WEIGHTINGS),
                            ("coupling", COUPLING_METHODS), ("aggregation", AGGREGATIONS)):
        bad = [v for v in levels[factor] if v not in allowed]
        if bad or not levels[factor]:
            raise MethodInputError(f"{factor}s: {bad or 'none given'}; choose from {list(allowed)}")
    if not levels["indicator_set"]:
        raise MethodInputError("sets: no indicator set given")
    grid = [Specification(*combo) for combo in product(*(levels[f] for f in FACTORS))]
    if sample is None:
        return grid
    if not 1 <= sample <= len(grid):
        raise MethodInputError(f"sample={sample} must lie between 1 and the grid size {len(grid)}")
    chosen = np.sort(np.random.default_rng(seed).choice(len(grid), size=sample, replace=False))
    return [grid[i] for i in chosen]


# --------------------------------------------------------------------------------------------
# Scaling
# --------------------------------------------------------------------------------------------

def _matrix(values, name: str = "values") -> np.ndarray:
    try:
        array = np.array(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise MethodInputError(f"{name}: values must be numeric ({exc})") from exc
    if array.ndim != 2 or array.shape[0] < 2 or array.shape[1] < 1:
        raise MethodInputError(f"{name}: expected a 2-D array with at least 2 rows and 1 column, "
                               f"got shape {array.shape}")
    if np.isinf(array).any():
        raise MethodInputError(f"{name}: infinite values; use NaN for missing values")
    return array


def flag_skewed(values, threshold: float = SKEW_THRESHOLD) -> np.ndarray:
    """Which columns to log before scaling: sample skewness above ``threshold`` and all > 0.

    Skewness is the moment coefficient g1 = m3 / m2^{3/2} of the observed values (NaN
    ignored). A threshold of 1 is the usual rule of thumb for "highly skewed" (Bulmer 1979,
    *Principles of Statistics*, p. 63).

    Examples
    --------
    >>> import numpy as np
    >>> from cityclusters.indicators.multiverse import flag_skewed
    >>> x = np.column_stack([[1.0, 2, 3, 4, 5], [1.0, 1, 1, 2, 30], [-1.0, 1, 1, 2, 30]])
    >>> flag_skewed(x).tolist()
    [False, True, False]
    """
    x = _matrix(values)
    centred = x - np.nanmean(x, axis=0)
    m2 = np.nanmean(centred ** 2, axis=0)
    m3 = np.nanmean(centred ** 3, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        skew = np.where(m2 > 0, m3 / m2 ** 1.5, 0.0)
    positive = np.nanmin(x, axis=0) > 0
    return (skew > threshold) & positive


def _refuse_constant(range_: np.ndarray, names: Sequence[str], where: str) -> None:
    bad = [names[j] for j in np.flatnonzero(~(range_ > 0))]
    if bad:
        raise MethodInputError(
            f"values: indicator(s) {preview_labels(bad)} are constant (or unobserved) {where}, "
            "so they cannot be scaled; drop them")


def scale(values, method: str, *, years=None, directions: Sequence[str] | None = None,
          skewed: Sequence[bool] | None = None, shift: float = 0.0,
          names: Sequence[str] | None = None) -> np.ndarray:
    """Scale each column of ``values`` (rows × indicators) to [shift, 1]; NaN stays NaN.

    ``method`` is one of :data:`SCALINGS` (see the module docstring for the formulas).
    ``directions`` (``"positive"``/``"negative"`` per column, default all positive) orient
    the columns so that 1 is best; ``years`` (one per row) is needed by ``minmax_year``;
    ``skewed`` (one flag per column, default :func:`flag_skewed`) selects the columns that
    ``log_minmax`` logs. The result is ``shift + (1 − shift)·x'``.

    Examples
    --------
    Mean years of schooling of Finland, the United States, Sweden and Japan in the TAI data
    of the OECD/JRC Handbook (2008, Table A.2) are 10, 12, 11.4 and 9.5; min–max over these
    four and percentile ranks (rank/m):

    >>> import numpy as np
    >>> from cityclusters.indicators.multiverse import scale
    >>> school = np.array([[10.0], [12.0], [11.4], [9.5]])
    >>> scale(school, "minmax_panel").ravel().round(2).tolist()
    [0.2, 1.0, 0.76, 0.0]
    >>> scale(school, "percentile").ravel().tolist()
    [0.5, 1.0, 0.75, 0.25]
    >>> scale(school, "minmax_panel", directions=["negative"]).ravel().round(2).tolist()
    [0.8, 0.0, 0.24, 1.0]
    """
    if method not in SCALINGS:
        raise MethodInputError(f"method={method!r}; choose from {list(SCALINGS)}")
    if not 0.0 <= shift < 1.0:
        raise MethodInputError(f"shift={shift} must satisfy 0 <= shift < 1")
    x = _matrix(values)
    n_rows, n_cols = x.shape
    names = indicator_names(n_cols) if names is None else list(names)
    if np.isnan(x).all(axis=0).any():
        empty = [names[j] for j in np.flatnonzero(np.isnan(x).all(axis=0))]
        raise MethodInputError(
            f"values: indicator(s) {preview_labels(empty)} have no observed value")
    directions = ["positive"] * n_cols if directions is None else list(directions)
    if len(directions) != n_cols or any(d not in DIRECTIONS for d in directions):
        raise MethodInputError(
            f"directions: need one of {list(DIRECTIONS)} per indicator ({n_cols}), got "
            f"{preview_labels(directions)}")
    sign = np.where(np.array(directions) == "negative", -1.0, 1.0)
    if method == "log_minmax":
        flags = flag_skewed(x) if skewed is None else np.asarray(skewed, dtype=bool)
        if flags.shape != (n_cols,):
            raise MethodInputError(f"skewed: need one flag per indicator ({n_cols})")
        logged = x[:, flags]
        if (logged <= 0).any():
            bad = [names[j] for j in np.flatnonzero(flags) if (x[:, j] <= 0).any()]
            raise MethodInputError(
                f"skewed: indicator(s) {preview_labels(bad)} have zero or negative values, but "
                "log_minmax takes their logarithm")
        x = x.copy()
        x[:, flags] = np.log(logged)
    oriented = x * sign
    if method in ("minmax_panel", "log_minmax", "winsor_minmax"):
        if method == "winsor_minmax":
            low, high = np.nanpercentile(oriented, WINSOR_PERCENTILES, axis=0)
            oriented = np.clip(oriented, low, high)
        else:
            low, high = np.nanmin(oriented, axis=0), np.nanmax(oriented, axis=0)
        _refuse_constant(high - low, names, "over the panel")
        scaled = (oriented - low) / (high - low)
    elif method == "minmax_year":
        if years is None or len(years) != n_rows:
            raise MethodInputError("years: minmax_year needs one year per row")
        grouped = pd.DataFrame(oriented).groupby(np.asarray(years))
        low, high = grouped.transform("min").to_numpy(), grouped.transform("max").to_numpy()
        span = high - low
        flat = np.isfinite(span) & ~(span > 0)
        if flat.any():
            rows, cols = np.nonzero(flat)
            labels = np.asarray(years).tolist()
            pairs = sorted({(names[c], labels[r]) for r, c in zip(rows, cols)})
            raise MethodInputError(
                f"values: (indicator, year) {preview_labels(pairs)} constant within the year, "
                "so min–max per year is undefined there")
        scaled = (oriented - low) / span
    elif method == "zscore_logistic":
        sd = np.nanstd(oriented, axis=0, ddof=1)
        _refuse_constant(sd, names, "over the panel")
        z = (oriented - np.nanmean(oriented, axis=0)) / sd
        scaled = 1.0 / (1.0 + np.exp(-z))
    else:  # percentile
        frame = pd.DataFrame(oriented)
        scaled = (frame.rank(method="min", na_option="keep") / frame.count()).to_numpy()
    return shift + (1.0 - shift) * np.clip(scaled, 0.0, 1.0)


# --------------------------------------------------------------------------------------------
# Weights within a subsystem
# --------------------------------------------------------------------------------------------

def _block(block, name: str = "block") -> np.ndarray:
    x = _matrix(block, name)
    if np.isnan(x).any():
        raise MethodInputError(f"{name}: missing values; pass the complete rows only")
    return x


def critic_weights(block) -> np.ndarray:
    """CRITIC weights of the columns of ``block`` (rows × indicators, already normalised).

    w_j ∝ σ_j Σ_k (1 − r_jk): an indicator gains weight with its contrast (standard deviation
    σ_j) and its conflict with the others (low or negative correlation r_jk). Whether σ uses
    n or n − 1 does not matter, as the weights are scaled to sum to 1. A single column gets
    weight 1.

    Source: Diakoulaki, D., Mavrotas, G. & Papayannakis, L. (1995), Determining objective
    weights in multiple criteria problems: the CRITIC method, Computers & Operations Research
    22(7): 763–770.

    Examples
    --------
    ``a`` and ``b`` are identical (r = 1) and uncorrelated with ``c``; all three have the
    same σ, so Σ(1 − r) = 1, 1 and 2 and the weights are ¼, ¼ and ½: the redundant pair
    shares one share of weight.

    >>> import numpy as np
    >>> from cityclusters.indicators.multiverse import critic_weights
    >>> x = np.column_stack([[0.0, 1, 0, 1], [0.0, 1, 0, 1], [0.0, 0, 1, 1]])
    >>> critic_weights(x).tolist()
    [0.25, 0.25, 0.5]
    """
    x = _block(block)
    if x.shape[1] == 1:
        return np.ones(1)
    sd = x.std(axis=0, ddof=1)
    if not (sd > 0).all():
        raise MethodInputError("block: constant column(s); CRITIC needs correlations")
    information = sd * (1.0 - np.corrcoef(x, rowvar=False)).sum(axis=0)
    if not information.sum() > 0:
        raise MethodInputError("block: all columns are perfectly correlated; CRITIC weights "
                               "are undefined")
    return information / information.sum()


def principal_components(block) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and eigenvectors (columns) of the correlation matrix of ``block``.

    The principal components analysis of standardised indicators of the OECD/JRC Handbook
    (2008), step 6.1 and Table 16; the eigenvalues sum to the number of columns.

    Examples
    --------
    >>> import numpy as np
    >>> from cityclusters.indicators.multiverse import principal_components
    >>> x = np.column_stack([[0.0, 1, 0, 1], [0.0, 1, 0, 1], [0.0, 0, 1, 1]])
    >>> values, vectors = principal_components(x)
    >>> values.round(6).tolist()
    [2.0, 1.0, 0.0]
    """
    x = _block(block)
    if x.shape[1] == 1:
        return np.ones(1), np.ones((1, 1))
    if not (x.std(axis=0) > 0).all():
        raise MethodInputError("block: constant column(s); principal components need correlations")
    values, vectors = np.linalg.eigh(np.corrcoef(x, rowvar=False))
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order]


def pca_weights(block) -> np.ndarray:
    """Weights from the first principal component: its squared loadings, scaled to sum to 1.

    With eigenvector v_1 of the correlation matrix (:func:`principal_components`) the
    loadings are √λ_1·v_1, so the scaled squared loadings are w_j = v_1j². This is the
    Handbook's construction ("weights are normalised squared factor loadings", OECD/JRC 2008,
    step 6.1, Table 17 and endnote 24) for a single retained component, without the varimax
    rotation and the further factors it uses for the whole TAI. Unlike CRITIC, it favours
    indicators that move together.

    Examples
    --------
    The first component of the data of :func:`critic_weights` is (1, 1, 0)/√2, so ``a`` and
    ``b`` get ½ each and ``c`` nothing:

    >>> import numpy as np
    >>> from cityclusters.indicators.multiverse import pca_weights
    >>> x = np.column_stack([[0.0, 1, 0, 1], [0.0, 1, 0, 1], [0.0, 0, 1, 1]])
    >>> pca_weights(x).round(6).tolist()
    [0.5, 0.5, 0.0]
    """
    _, vectors = principal_components(block)
    weights = vectors[:, 0] ** 2
    return weights / weights.sum()


def block_weights(block, method: str) -> np.ndarray:
    """Weights of the columns of a complete, normalised block by one of :data:`WEIGHTINGS`.

    ``entropy`` calls :func:`cityclusters.indicators.weights.entropy_weights`; ``equal`` is
    1/k; ``critic`` and ``pca`` are :func:`critic_weights` and :func:`pca_weights`.

    Examples
    --------
    >>> import numpy as np
    >>> from cityclusters.indicators.multiverse import block_weights
    >>> x = np.column_stack([[1.0, 1, 1], [0.0, 0, 1], [0.0, 1, 1]])
    >>> block_weights(x, "entropy").round(4).tolist()
    [0.0, 0.7304, 0.2696]
    >>> block_weights(x, "equal").round(4).tolist()
    [0.3333, 0.3333, 0.3333]
    """
    if method not in WEIGHTINGS:
        raise MethodInputError(f"method={method!r}; choose from {list(WEIGHTINGS)}")
    x = _block(block)
    if x.shape[1] == 1 or method == "equal":
        return np.full(x.shape[1], 1.0 / x.shape[1])
    if method == "entropy":
        return entropy_weights(pd.DataFrame(x)).to_numpy()
    if method == "critic":
        return critic_weights(x)
    return pca_weights(x)


# --------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------

def _active_columns(label: str, names: list[str], subsystem_of: list[str]) -> np.ndarray:
    if label == ALL:
        return np.ones(len(names), dtype=bool)
    if label.startswith(DROP_INDICATOR) and label[len(DROP_INDICATOR):] in names:
        return np.array([n != label[len(DROP_INDICATOR):] for n in names])
    if label.startswith(DROP_SUBSYSTEM) and label[len(DROP_SUBSYSTEM):] in subsystem_of:
        return np.array([s != label[len(DROP_SUBSYSTEM):] for s in subsystem_of])
    raise MethodInputError(
        f"indicator_set={label!r}: expected 'all', 'drop indicator <name>' or "
        f"'drop subsystem <name>' with a name among {preview_labels(names + subsystem_of, 8)}")


def _check_specs(specs, names, subsystem_of) -> tuple[list[Specification], dict]:
    specs = list(specs)
    if not specs:
        raise MethodInputError("specs: no specification given")
    active = {}
    for spec in specs:
        if not isinstance(spec, Specification):
            raise MethodInputError(
                f"specs: expected Specification objects, got {type(spec).__name__}")
        for factor, allowed in (("scaling", SCALINGS), ("weighting", WEIGHTINGS),
                                ("coupling", COUPLING_METHODS), ("aggregation", AGGREGATIONS)):
            if getattr(spec, factor) not in allowed:
                raise MethodInputError(f"specs: {factor}={getattr(spec, factor)!r} in "
                                       f"{spec.label!r}; choose from {list(allowed)}")
        if spec.indicator_set not in active:
            columns = _active_columns(spec.indicator_set, names, subsystem_of)
            kept = {s for s, keep in zip(subsystem_of, columns) if keep}
            if len(kept) < 2:
                raise MethodInputError(f"specs: indicator_set={spec.indicator_set!r} leaves "
                                       f"{len(kept)} subsystem(s); coupling needs 2")
            active[spec.indicator_set] = columns
    return specs, active


def _coupling_block(flat: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """C and T of the rows of ``flat`` (rows × subsystems); NaN where a score is missing or
    all scores are zero (C is 0/0 there)."""
    coupling = np.full(len(flat), np.nan)
    index = np.full(len(flat), np.nan)
    complete = ~np.isnan(flat).any(axis=1)
    complete[complete] = flat[complete].max(axis=1) > 0
    if complete.any():
        frame = pd.DataFrame(flat[complete])
        coupling[complete] = coupling_degree(frame, method=method).to_numpy()
        index[complete] = comprehensive_index(frame).to_numpy()
    return coupling, index


def _subset_weights(z: np.ndarray, subset: Sequence[int], weighting: str, names: Sequence[str]) -> np.ndarray:
    """Weights of the scaled columns ``subset`` of ``z``, from the rows where all are observed."""
    block = z[:, list(subset)]
    block = block[~np.isnan(block).any(axis=1)]
    if len(block) < 2:
        raise MethodInputError(
            f"values: indicators {preview_labels([names[j] for j in subset])} are observed "
            f"together in {len(block)} row(s); weights need at least 2")
    return block_weights(block, weighting)


def _aggregate(z: np.ndarray, weights: np.ndarray) -> dict[str, np.ndarray]:
    """Subsystem scores U (rows × columns of ``weights``) by both aggregations; the weights of
    the indicators observed in a row are rescaled to sum to 1 there (module docstring)."""
    observed = ~np.isnan(z)
    share = observed.astype(float) @ weights
    filled = np.where(observed, z, 0.0)
    # log of the smallest positive float instead of log 0, so that a zero weight times a
    # zero score stays 0 in the product (geometric aggregation with shift = 0)
    logged = np.where(observed, np.log(np.maximum(np.where(observed, z, 1.0), TINY)), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        bank = {
            "arithmetic": np.where(share > 0, (filled @ weights) / share, np.nan),
            "geometric": np.where(share > 0, np.exp((logged @ weights) / share), np.nan),
        }
    return {aggregation: np.clip(u, 0.0, 1.0) for aggregation, u in bank.items()}


def decompose(values, subsystem_of: Sequence[str], directions: Sequence[str], years,
              spec: Specification, *, names: Sequence[str] | None = None,
              skewed: Sequence[bool] | None = None, shift: float = DEFAULT_SHIFT) -> dict:
    """Every intermediate of one specification: what :func:`run` computes for it, opened up.

    Returns a dict with ``scaled`` (N × K, the oriented scaled indicators x', NaN where
    missing or where the indicator is not in the specification's set), ``within`` (K weights
    within each subsystem, 0 for indicators left out), ``subsystems`` (the names of the
    subsystems kept, in order), ``scores`` (N × S, U), ``coupling``, ``index`` and ``degree``
    (C, T and D, length N). ``degree`` equals ``run(..., [spec])[:, 0]`` exactly (tested); the
    parts are what obstacle degrees and the book's tables need.

    Examples
    --------
    The data of :func:`run`'s example, equal weights: U of the second row is (½, ½).

    >>> import numpy as np
    >>> from cityclusters.indicators.multiverse import Specification, decompose
    >>> values = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [2.0, np.nan]])
    >>> parts = decompose(values, ["eco", "env"], ["positive", "positive"], [2000] * 4,
    ...                   Specification(weighting="equal"), shift=0.0)
    >>> parts["scores"][1].tolist(), parts["subsystems"], round(float(parts["degree"][1]), 4)
    ([0.5, 0.5], ['eco', 'env'], 0.7071)
    """
    x = _matrix(values)
    n_rows, n_cols = x.shape
    subsystem_of = [str(s) for s in subsystem_of]
    if len(subsystem_of) != n_cols:
        raise MethodInputError(f"subsystem_of: {len(subsystem_of)} entries for {n_cols} indicators")
    names = _names(subsystem_of, names)
    years = np.asarray(years)
    if years.shape != (n_rows,):
        raise MethodInputError(f"years: need one year per row ({n_rows}), got shape {years.shape}")
    (spec,), active = _check_specs([spec], names, subsystem_of)
    columns = active[spec.indicator_set]
    if skewed is None and spec.scaling == "log_minmax":
        skewed = flag_skewed(x)
    z = scale(x, spec.scaling, years=years, directions=list(directions), skewed=skewed, shift=shift,
              names=names)
    z[:, ~columns] = np.nan
    kept = [s for s in dict.fromkeys(subsystem_of) if any(c and t == s for c, t in zip(columns, subsystem_of))]
    weights = np.zeros((n_cols, len(kept)))
    for position, subsystem in enumerate(kept):
        subset = [j for j in range(n_cols) if columns[j] and subsystem_of[j] == subsystem]
        weights[subset, position] = _subset_weights(z, subset, spec.weighting, names)
    scores = _aggregate(z, weights)[spec.aggregation]
    coupling, index = _coupling_block(scores, spec.coupling)
    return {"scaled": z, "within": weights.sum(axis=1), "subsystems": kept, "scores": scores,
            "coupling": coupling, "index": index,
            "degree": np.sqrt(np.clip(coupling * index, 0.0, 1.0))}


def run(values, subsystem_of: Sequence[str], directions: Sequence[str], years, specs, *,
        names: Sequence[str] | None = None, skewed: Sequence[bool] | None = None,
        shift: float = DEFAULT_SHIFT, components: bool = False, chunk_cells: int = 1_000_000):
    """D (rows × specifications) of every specification in ``specs``; vectorised with numpy.

    Parameters
    ----------
    values : array (N × K)
        Raw indicators, one row per city-year, NaN where missing.
    subsystem_of, directions : sequences of length K
        Subsystem name and ``"positive"``/``"negative"`` of each indicator.
    years : array (N)
        Year of each row (for ``minmax_year``).
    specs : sequence of :class:`Specification`
        E.g. :func:`specifications`; indicator sets name indicators by ``names`` (default
        ``x0, x1, …``).
    skewed : K flags, optional
        Indicators logged by ``log_minmax`` (default :func:`flag_skewed`).
    shift : float
        Lower end of the scaled indicators (default 1e-4).
    components : bool
        Also return T and C.
    chunk_cells : int
        Rows × specifications handled at once in the coupling step (memory bound).

    Returns
    -------
    D as an array N × S (column s belongs to ``specs[s]``), or the tuple (D, T, C) of such
    arrays if ``components``. Missing values follow the rules of the module docstring.

    How it is vectorised: specifications are grouped by scaling, which is computed once per
    group; within a group every distinct (weighting, subsystem, indicator subset) gets one
    weight vector, and all subsystem scores come from two matrix products (weighted sums of
    observed values and of observation indicators); C and T of all specifications with the
    same number of subsystems, coupling and aggregation are then computed together by
    :func:`~cityclusters.indicators.coupling.coupling_degree` and
    :func:`~cityclusters.indicators.coupling.comprehensive_index` on stacked rows. No loop
    runs over rows.

    Examples
    --------
    Two subsystems of one indicator each: min–max gives U = (0, 1), (½, ½), (1, 0), so
    C = 0, 1, 0, T = ½ and D = 0, √½, 0 with either coupling degree; in the last row the
    second subsystem is missing, and so is D.

    >>> import numpy as np
    >>> from cityclusters.indicators.multiverse import Specification, run
    >>> values = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [2.0, np.nan]])
    >>> specs = [Specification(weighting="equal"),
    ...          Specification(weighting="equal", coupling="modified")]
    >>> run(values, ["eco", "env"], ["positive", "positive"], [2000] * 4, specs,
    ...     shift=0.0).round(4)
    array([[0.    , 0.    ],
           [0.7071, 0.7071],
           [0.    , 0.    ],
           [   nan,    nan]])
    """
    x = _matrix(values)
    n_rows, n_cols = x.shape
    subsystem_of = [str(s) for s in subsystem_of]
    if len(subsystem_of) != n_cols:
        raise MethodInputError(f"subsystem_of: {len(subsystem_of)} entries for {n_cols} indicators")
    names = _names(subsystem_of, names)
    directions = list(directions)
    years = np.asarray(years)
    if years.shape != (n_rows,):
        raise MethodInputError(f"years: need one year per row ({n_rows}), got shape {years.shape}")
    if chunk_cells < 1:
        raise MethodInputError(f"chunk_cells={chunk_cells} must be positive")
    specs, active = _check_specs(specs, names, subsystem_of)
    subsystems = list(dict.fromkeys(subsystem_of))
    member = np.array([subsystems.index(s) for s in subsystem_of])
    if skewed is None and any(s.scaling == "log_minmax" for s in specs):
        skewed = flag_skewed(x)

    n_specs = len(specs)
    out_d = np.full((n_rows, n_specs), np.nan)
    out_t = np.full((n_rows, n_specs), np.nan) if components else None
    out_c = np.full((n_rows, n_specs), np.nan) if components else None
    by_scaling = defaultdict(list)
    for position, spec in enumerate(specs):
        by_scaling[spec.scaling].append(position)

    for scaling, positions in by_scaling.items():
        z = scale(x, scaling, years=years, directions=directions, skewed=skewed, shift=shift,
                  names=names)
        # every distinct (weighting, indicator subset of one subsystem) gets a column of W
        keys: dict[tuple, int] = {}
        columns_of = []
        for position in positions:
            spec = specs[position]
            entries = []
            for s in range(len(subsystems)):
                subset = tuple(np.flatnonzero(active[spec.indicator_set] & (member == s)))
                if subset:
                    entries.append(keys.setdefault((spec.weighting, subset), len(keys)))
            columns_of.append(entries)
        weights = np.zeros((n_cols, len(keys)))
        for (weighting, subset), column in keys.items():
            weights[list(subset), column] = _subset_weights(z, subset, weighting, names)
        bank = _aggregate(z, weights)

        groups = defaultdict(list)
        for position, entries in zip(positions, columns_of):
            spec = specs[position]
            groups[(len(entries), spec.coupling, spec.aggregation)].append((position, entries))
        for (n_sub, coupling, aggregation), members in groups.items():
            where = np.array([position for position, _ in members])
            gather = np.array([entries for _, entries in members])
            step = max(1, chunk_cells // n_rows)
            for start in range(0, len(where), step):
                cols = where[start:start + step]
                scores = bank[aggregation][:, gather[start:start + step]]
                c, t = _coupling_block(scores.reshape(-1, n_sub), coupling)
                c, t = c.reshape(n_rows, -1), t.reshape(n_rows, -1)
                out_d[:, cols] = np.sqrt(np.clip(c * t, 0.0, 1.0))
                if components:
                    out_t[:, cols] = t
                    out_c[:, cols] = c
    if components:
        return out_d, out_t, out_c
    return out_d


# --------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------

def rank_intervals(d, groups: Sequence[Hashable] | None = None, *, lower: float = 5.0,
                   upper: float = 95.0) -> pd.DataFrame:
    """Median rank and rank interval of each row (or group) across specifications.

    In each specification (column of ``d``, rows × specifications) rows are ranked by D,
    rank 1 = highest, ties sharing their mean rank, missing D unranked. With ``groups``
    (one label per row, e.g. the city or the cluster) the rows of a group are first averaged
    (ignoring missing D) and the groups ranked. Pass one year's rows to rank cities within
    that year. The summary across specifications is the median rank and the ``lower`` and
    ``upper`` percentiles of the rank (Saisana, Saltelli & Tarantola 2005; OECD/JRC 2008,
    step 7).

    Returns
    -------
    DataFrame indexed by row position (or group label) with columns ``median_rank``,
    ``rank_low``, ``rank_high`` and ``specs`` (the number of specifications that rank it).

    Examples
    --------
    Three cities, four specifications: A is first in three of them and third in one.

    >>> import numpy as np
    >>> from cityclusters.indicators.multiverse import rank_intervals
    >>> d = np.array([[0.9, 0.8, 0.7, 0.1], [0.5, 0.6, 0.5, 0.5], [0.1, 0.2, 0.3, 0.4]])
    >>> rank_intervals(d, ["A", "B", "C"], lower=0, upper=100)
       median_rank  rank_low  rank_high  specs
    A          1.0       1.0        3.0      4
    B          2.0       1.0        2.0      4
    C          3.0       2.0        3.0      4
    """
    array = _matrix(d, "d")
    if not 0 <= lower <= upper <= 100:
        raise MethodInputError(
            f"lower={lower}, upper={upper} must satisfy 0 <= lower <= upper <= 100")
    frame = pd.DataFrame(array)
    if groups is not None:
        groups = list(groups)
        if len(groups) != len(frame):
            raise MethodInputError(f"groups: {len(groups)} labels for {len(frame)} rows")
        frame = frame.groupby(groups, sort=False).mean()
    ranks = frame.rank(axis=0, ascending=False, method="average", na_option="keep").to_numpy()
    counted = (~np.isnan(ranks)).sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows never ranked: all-NaN slices
        median, low, high = np.nanpercentile(ranks, [50.0, lower, upper], axis=1)
    return pd.DataFrame({"median_rank": median, "rank_low": low, "rank_high": high,
                         "specs": counted}, index=frame.index)


def factorial_sobol_indices(outcome, design: pd.DataFrame) -> pd.DataFrame:
    """Exact first- and total-order variance-based indices over a full factorial design.

    For discrete factors X_1..X_p crossed in a full factorial (every combination of levels
    equally often, so the levels are independent and uniform), with V = Var(Y):

        S_i  = Var(E[Y | X_i]) / V          (first order: the variance of the level means)
        S_Ti = E[Var(Y | X_~i)] / V         (total order: the mean within-cell variance
                                             when all other factors are held fixed)

    (Sobol' 1993; Homma & Saltelli 1996; Saltelli et al. 2008, *Global Sensitivity
    Analysis: The Primer*, ch. 4). Variances are population variances over the design, so
    the indices are exact for the design, not estimates; S_i ≤ S_Ti and Σ S_i ≤ 1, with
    equality for an additive Y.

    Parameters
    ----------
    outcome : array (S)
        One finite value per design row.
    design : DataFrame (S × p)
        The level of each factor in each run.

    Returns
    -------
    DataFrame indexed by factor with columns ``first_order`` and ``total_order``.

    Examples
    --------
    Y = a + b with a uniform on {0, 1, 2} (variance 2/3) and b on {0, 3} (variance 9/4):
    S_a = (2/3)/(2/3 + 9/4) = 8/35 = 0.2286 and S_b = 27/35 = 0.7714; additive, so
    S_T = S.

    >>> import pandas as pd
    >>> from cityclusters.indicators.multiverse import factorial_sobol_indices
    >>> design = pd.DataFrame([(a, b) for a in (0, 1, 2) for b in (0, 3)], columns=["a", "b"])
    >>> factorial_sobol_indices(design["a"] + design["b"], design).round(4)
       first_order  total_order
    a       0.2286       0.2286
    b       0.7714       0.7714
    """
    y = np.asarray(outcome, dtype=float).ravel()
    if not isinstance(design, pd.DataFrame) or design.shape[1] < 1:
        raise MethodInputError("design: expected a DataFrame with one column per factor")
    if len(y) != len(design):
        raise MethodInputError(f"outcome: {len(y)} values for {len(design)} design rows")
    if not np.isfinite(y).all():
        raise MethodInputError("outcome: missing or infinite values; the indices need every run")
    codes = np.column_stack([pd.factorize(design[f])[0] for f in design.columns])
    sizes = codes.max(axis=0) + 1
    cells = np.ravel_multi_index(codes.T, sizes)
    counts = np.bincount(cells, minlength=int(np.prod(sizes)))
    if not (counts == counts[0]).all() or counts[0] == 0:
        raise MethodInputError(
            "design: not a full factorial (some combinations of levels are missing or repeated "
            "unequally); the exact indices need every combination equally often")
    variance = y.var()
    if not variance > 0:
        raise MethodInputError("outcome: constant, so the variance-based indices are undefined")

    def group_means(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _, inverse = np.unique(keys, return_inverse=True)
        n = np.bincount(inverse)
        mean = np.bincount(inverse, weights=y) / n
        return inverse, mean

    rows = {}
    for i, factor in enumerate(design.columns):
        _, level_means = group_means(codes[:, i])
        first = level_means.var() / variance
        others = np.delete(np.arange(codes.shape[1]), i)
        if len(others):
            keys = np.ravel_multi_index(codes[:, others].T, sizes[others])
            inverse, cell_means = group_means(keys)
            total = np.mean((y - cell_means[inverse]) ** 2) / variance
        else:
            total = 1.0
        rows[factor] = (first, total)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["first_order", "total_order"])


def sensitivity(outcome, specs: Sequence[Specification]) -> pd.DataFrame:
    """First- and total-order sensitivity indices of each choice for one scalar outcome.

    ``outcome`` has one value per specification (e.g. a city's D in one year, its rank, or a
    cluster's mean D); ``specs`` must be a full factorial grid (:func:`specifications`
    without ``sample``, possibly over fewer levels). The indices are exact for the grid, by
    :func:`factorial_sobol_indices`; a factor with one level gets 0.

    Examples
    --------
    An outcome that depends only on the coupling formula (0.9 classic, 0.5 modified) over a
    grid of 2 scalings × 2 couplings:

    >>> from cityclusters.indicators.multiverse import sensitivity, specifications
    >>> grid = specifications(["a", "b"], sets=["all"], scalings=["minmax_panel", "percentile"],
    ...                       weightings=["equal"], aggregations=["arithmetic"])
    >>> y = [0.9 if s.coupling == "classic" else 0.5 for s in grid]
    >>> sensitivity(y, grid)  # doctest: +NORMALIZE_WHITESPACE
                   first_order  total_order
    indicator_set          0.0          0.0
    scaling                0.0          0.0
    weighting              0.0          0.0
    coupling               1.0          1.0
    aggregation            0.0          0.0
    """
    specs = list(specs)
    if not specs or not all(isinstance(s, Specification) for s in specs):
        raise MethodInputError("specs: expected a non-empty sequence of Specification objects")
    if len(set(specs)) != len(specs):
        raise MethodInputError("specs: repeated specifications")
    design = pd.DataFrame([astuple(s) for s in specs], columns=list(FACTORS))
    return factorial_sobol_indices(outcome, design)


# --------------------------------------------------------------------------------------------
# Synthetic data and the benchmark
# --------------------------------------------------------------------------------------------

def synthetic_panel(n_rows: int = 7500, n_indicators: int = 20, n_subsystems: int = 5,
                    n_years: int = 25, missing: float = 0.01, seed: int = 0) -> dict:
    """A synthetic city-year panel for tests and :func:`bench` (no real data).

    Rows are ``n_rows / n_years`` cities × ``n_years`` years; indicator j belongs to
    subsystem j mod ``n_subsystems``; every fourth indicator is negative. Values are
    log-normal around a city level, a subsystem factor and a trend, so they are skewed and
    correlated within subsystems; a share ``missing`` of cells is NaN.

    Returns
    -------
    dict with ``values`` (N × K), ``subsystem_of``, ``directions``, ``years``, ``names``.

    Examples
    --------
    >>> from cityclusters.indicators.multiverse import synthetic_panel
    >>> panel = synthetic_panel(n_rows=50, n_indicators=6, n_subsystems=3, n_years=5)
    >>> panel["values"].shape, panel["subsystem_of"][:4], panel["directions"][:4]
    ((50, 6), ['s0', 's1', 's2', 's0'], ['negative', 'positive', 'positive', 'positive'])
    """
    if n_rows < 2 * n_years or n_rows % n_years:
        raise MethodInputError(f"n_rows={n_rows} must be a multiple of n_years={n_years} "
                               "with at least 2 cities")
    if not 2 <= n_subsystems <= n_indicators:
        raise MethodInputError(f"n_subsystems={n_subsystems} must lie in [2, n_indicators]")
    rng = np.random.default_rng(seed)
    n_cities = n_rows // n_years
    city = np.repeat(np.arange(n_cities), n_years)
    year = np.tile(np.arange(n_years), n_cities)
    subsystem = np.arange(n_indicators) % n_subsystems
    level = rng.normal(0, 1, n_cities)[city]
    factor = rng.normal(0, 1, (n_cities, n_subsystems))[city][:, subsystem]
    trend = 0.03 * year[:, None] * rng.uniform(0.5, 1.5, n_indicators)
    noise = rng.normal(0, 0.5, (n_rows, n_indicators))
    values = np.exp(0.5 * level[:, None] + 0.7 * factor + trend + noise)
    values[rng.random(values.shape) < missing] = np.nan
    return {
        "values": values,
        "subsystem_of": [f"s{s}" for s in subsystem],
        "directions": ["negative" if j % 4 == 0 else "positive" for j in range(n_indicators)],
        "years": 2000 + year,
        "names": indicator_names(n_indicators),
    }


def bench(n_rows: int = 7500, n_indicators: int = 20, n_specs: int = 1000, seed: int = 0) -> dict:
    """Time :func:`run` on a synthetic panel (:func:`synthetic_panel`, 5 subsystems, 25 years).

    ``n_specs`` specifications are sampled from the full grid (2 496 for 20 indicators in 5
    subsystems); ``n_specs=None`` runs the whole grid.

    Returns
    -------
    dict with ``rows``, ``indicators``, ``specs``, ``grid``, ``seconds`` (wall time of
    :func:`run`), ``specs_per_second``, ``cells_per_second`` (rows × specs per second) and
    ``missing_d`` (share of D missing).

    Examples
    --------
    >>> from cityclusters.indicators.multiverse import bench
    >>> result = bench(n_rows=100, n_indicators=10, n_specs=20)
    >>> result["rows"], result["specs"], result["grid"]
    (100, 20, 1536)
    """
    panel = synthetic_panel(n_rows, n_indicators, n_subsystems=5, n_years=25, seed=seed)
    grid = specifications(panel["subsystem_of"], panel["names"])
    specs = grid if n_specs is None else specifications(
        panel["subsystem_of"], panel["names"], sample=n_specs, seed=seed)
    start = time.perf_counter()
    d = run(panel["values"], panel["subsystem_of"], panel["directions"], panel["years"], specs,
            names=panel["names"])
    seconds = time.perf_counter() - start
    return {
        "rows": n_rows, "indicators": n_indicators, "specs": len(specs), "grid": len(grid),
        "seconds": seconds, "specs_per_second": len(specs) / seconds,
        "cells_per_second": n_rows * len(specs) / seconds,
        "missing_d": float(np.isnan(d).mean()),
    }
