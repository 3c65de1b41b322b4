"""The coupling-coordination multiverse: scalings, weights, the vectorised engine against the
book's own pipeline (weights.py and coupling.py), rank intervals, the exact factorial
sensitivity indices against closed forms and SALib, and published worked examples."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cityclusters.errors import MethodInputError
from cityclusters.indicators import multiverse
from cityclusters.indicators.coupling import coupling_coordination
from cityclusters.indicators.multiverse import (
    FACTORS,
    Specification,
    bench,
    block_weights,
    critic_weights,
    factorial_sobol_indices,
    flag_skewed,
    indicator_sets,
    pca_weights,
    principal_components,
    rank_intervals,
    run,
    scale,
    sensitivity,
    specifications,
    synthetic_panel,
)
from cityclusters.indicators.weights import (
    entropy_weights,
    min_max_normalise,
    subsystem_scores,
)

SHIFT = 1e-4


# ------------------------------------------------------------------------------------------
# Published worked examples
# ------------------------------------------------------------------------------------------

# OECD/JRC Handbook (2008), Appendix Table A.2: the first 23 countries ("used as case study in
# the Handbook"); columns patents, royalties, internet, tech exports, telephones (log),
# electricity (log), schooling, university. Transcribed once, with its citation, in
# tests/fixtures/tai_handbook_2008.csv (also used by test_published_sensitivity_example.py).
TAI_FRAME = pd.read_csv(Path(__file__).resolve().parents[1] / "fixtures" / "tai_handbook_2008.csv",
                        comment="#", index_col="country")
TAI_COUNTRIES = TAI_FRAME.index.tolist()
TAI = TAI_FRAME[["patents", "royalties", "internet", "exports", "telephones_log",
                 "electricity_log", "schooling", "university"]].to_numpy(dtype=float)


def test_reproduces_handbook_table15_normalisations():
    """OECD/JRC (2008), *Handbook on Constructing Composite Indicators: Methodology and User
    Guide*, OECD Publishing, Step 5, Table 15 ("Examples of normalisation techniques using TAI
    data", p. 87): the mean years of schooling of the 23 TAI countries of Table A.2 under
    z-score, min–max and percentile normalisation, printed to 2 and 1 decimals. Our
    ``zscore_logistic`` is the logistic of that z-score, so the logit of it returns z; the
    percentile is rank/23 with ties at the lowest rank (Netherlands, UK and Ireland at 9.4 all
    get 39.1). Read in a stored copy of the Handbook's full text."""
    school = TAI[:, [6]]
    printed_z = [0.26, 1.52, 1.14, -0.06, 0.76, -0.12, -0.12, 1.27, 0.83, -1.58, 0.38, 1.46,
                 -0.12, -0.19, 1.33, -0.76, -1.08, 0.00, -1.46, -1.52, -0.06, -0.31, -1.58]
    printed_minmax = [0.59, 1.00, 0.88, 0.49, 0.76, 0.47, 0.47, 0.92, 0.78, 0.00, 0.63, 0.98,
                      0.47, 0.45, 0.94, 0.27, 0.16, 0.51, 0.04, 0.02, 0.49, 0.41, 0.00]
    printed_percentile = [65.2, 100, 82.6, 52.2, 73.9, 39.1, 39.1, 87.0, 78.3, 4.3, 69.6, 95.7,
                          39.1, 34.8, 91.3, 26.1, 21.7, 60.9, 17.4, 13.0, 52.2, 30.4, 4.3]
    logistic = scale(school, "zscore_logistic").ravel()
    z = np.log(logistic / (1 - logistic))
    assert np.round(z, 2).tolist() == pytest.approx(printed_z, abs=1e-9)
    assert np.round(scale(school, "minmax_panel").ravel(), 2).tolist() == printed_minmax
    percentile = 100 * scale(school, "percentile").ravel()
    assert np.round(percentile, 1).tolist() == printed_percentile


def test_reproduces_handbook_table16_eigenvalues():
    """OECD/JRC (2008) Handbook, Step 6.1, Table 16 ("Eigenvalues of TAI data set", p. 90):
    eigenvalues 3.3, 1.7, 1.0, 0.9, 0.5, 0.3, 0.2, 0.1 and variance shares 41.9, 21.8, 12.3,
    11.1, 6.0, 3.7, 2.2, 0.9 % of the correlation matrix of the eight TAI indicators for the
    23 countries of Table A.2. From the printed (rounded) data we get 3.35, 1.75, 0.98, 0.89,
    0.47, 0.30, 0.17, 0.08 and 41.9, 21.8, 12.3, 11.2, 5.9, 3.7, 2.2, 0.9 %: six shares equal
    the table and two differ by 0.1 pp (11.2 vs 11.1, 5.9 vs 6.0), as the printed inputs are
    rounded (the logs to 2 decimals); the eigenvalue column looks truncated (3.35 → 3.3)."""
    values, vectors = principal_components(TAI)
    printed_share = [41.9, 21.8, 12.3, 11.1, 6.0, 3.7, 2.2, 0.9]
    printed_values = [3.3, 1.7, 1.0, 0.9, 0.5, 0.3, 0.2, 0.1]
    assert values.sum() == pytest.approx(8.0)
    shares = np.round(100 * values / 8, 1)
    assert (shares == printed_share).sum() == 6
    assert shares == pytest.approx(printed_share, abs=0.1 + 1e-9)
    assert values == pytest.approx(printed_values, abs=0.06)
    assert np.cumsum(100 * values / 8)[3] == pytest.approx(87.2, abs=0.05)  # "about 87%"
    # the PCA weights are the squared first eigenvector, summing to 1
    assert pca_weights(TAI) == pytest.approx(vectors[:, 0] ** 2)
    assert pca_weights(TAI).sum() == pytest.approx(1.0)


def test_critic_weights_of_tus_and_aytac_adali_2019():
    """Tuş, A. & Aytaç Adalı, E. (2019), The new combination with CRITIC and WASPAS methods for
    the time and attendance software selection problem, Opsearch 56(2): 528–538: CRITIC
    weights 0.157, 0.249, 0.168, 0.121, 0.154, 0.151 of six criteria over five alternatives.
    Second-hand: the decision matrix and weights were transcribed from the test suite of
    pyrepo-mcda (energyinpython/pyrepo-mcda, tests/test_weighting_methods.py), not read in the
    paper. They are reproduced with min–max scaling of every criterion as it stands; reversing
    the first criterion (price, a cost) before the correlations gives different weights
    (0.184, 0.213, 0.142, 0.158, 0.168, 0.134), so the printed weights imply that it was not
    reversed."""
    matrix = np.array([[5000, 3, 3, 4, 3, 2], [680, 5, 3, 2, 2, 1], [2000, 3, 2, 3, 4, 3],
                       [600, 4, 3, 1, 2, 2], [800, 2, 4, 3, 3, 4]], dtype=float)
    weights = critic_weights(scale(matrix, "minmax_panel"))
    assert np.round(weights, 3).tolist() == [0.157, 0.249, 0.168, 0.121, 0.154, 0.151]
    reversed_price = critic_weights(scale(matrix, "minmax_panel",
                                          directions=["negative"] + ["positive"] * 5))
    assert np.round(reversed_price, 3).tolist() == [0.184, 0.213, 0.142, 0.158, 0.168, 0.134]


# ------------------------------------------------------------------------------------------
# Scaling
# ------------------------------------------------------------------------------------------

def complete_panel(seed: int = 3) -> dict:
    return synthetic_panel(n_rows=120, n_indicators=6, n_subsystems=3, n_years=4, missing=0.0,
                           seed=seed)


def as_frame(panel: dict) -> pd.DataFrame:
    index = pd.MultiIndex.from_arrays([np.arange(len(panel["years"])), panel["years"]],
                                      names=["row", "year"])
    return pd.DataFrame(panel["values"], columns=panel["names"], index=index)


@pytest.mark.parametrize("scope, method", [("panel", "minmax_panel"), ("per_year", "minmax_year")])
def test_min_max_agrees_with_weights_module(scope, method):
    panel = complete_panel()
    directions = dict(zip(panel["names"], panel["directions"]))
    expected = min_max_normalise(as_frame(panel), directions, scope=scope, shift=SHIFT)
    got = scale(panel["values"], method, years=panel["years"], directions=panel["directions"],
                shift=SHIFT)
    assert got == pytest.approx(expected.to_numpy(), abs=1e-12)


def test_direction_flips_the_scaled_value():
    x = np.array([[1.0], [4.0], [2.0], [10.0], [3.0]])
    for method in ("minmax_panel", "zscore_logistic", "winsor_minmax", "log_minmax"):
        up = scale(x, method, skewed=[True])
        down = scale(x, method, directions=["negative"], skewed=[True])
        assert down == pytest.approx(1 - up), method
    # percentile ranks the oriented values, so the best value scores 1 either way
    assert scale(x, "percentile").ravel().tolist() == [0.2, 0.8, 0.4, 1.0, 0.6]
    assert scale(x, "percentile", directions=["negative"]).ravel().tolist() == [
        1.0, 0.4, 0.8, 0.2, 0.6]


def test_log_winsor_and_shift():
    x = np.column_stack([[1.0, 10.0, 100.0, 1000.0], [1.0, 2.0, 3.0, 4.0]])
    # log10 steps are equal, so the logged column is evenly spaced; column 2 is not logged
    out = scale(x, "log_minmax", skewed=[True, False])
    assert out[:, 0] == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert out[:, 1] == pytest.approx([0, 1 / 3, 2 / 3, 1])
    # winsorising at the 1st/99th percentiles clips an outlier to the 99th percentile
    y = np.arange(101.0)[:, None]
    y[-1] = 1e6
    w = scale(y, "winsor_minmax").ravel()
    assert w.min() == 0 and w.max() == 1
    assert np.nanpercentile(y, 99) < 1e6 and w[-1] == w[-2] == 1.0
    # the shift maps [0, 1] onto [shift, 1]
    assert scale(x, "minmax_panel", shift=0.1)[:, 1] == pytest.approx([0.1, 0.4, 0.7, 1.0])
    assert 0 < scale(x, "zscore_logistic").min() < scale(x, "zscore_logistic").max() < 1


def test_flag_skewed_and_missing_values_in_scaling():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=500), rng.lognormal(0, 1, 500)])
    assert flag_skewed(x).tolist() == [False, True]
    x[3, 1] = np.nan
    out = scale(x, "percentile")
    assert np.isnan(out[3, 1]) and not np.isnan(out).sum() > 1
    assert np.nanmax(out[:, 1]) == 1.0


def test_scaling_refuses_bad_input():
    with pytest.raises(MethodInputError, match="constant"):
        scale(np.array([[1.0, 2.0], [1.0, 3.0]]), "minmax_panel")
    with pytest.raises(MethodInputError, match="constant within the year"):
        scale(np.array([[1.0], [1.0], [2.0], [3.0]]), "minmax_year", years=[1, 1, 2, 2])
    with pytest.raises(MethodInputError, match="zero or negative"):
        scale(np.array([[0.0], [1.0], [5.0]]), "log_minmax", skewed=[True])
    with pytest.raises(MethodInputError, match="method"):
        scale(np.array([[0.0], [1.0]]), "rank")
    with pytest.raises(MethodInputError, match="directions"):
        scale(np.array([[0.0], [1.0]]), "minmax_panel", directions=["up"])
    with pytest.raises(MethodInputError, match="no observed value"):
        scale(np.array([[np.nan, 1.0], [np.nan, 2.0]]), "minmax_panel")


# ------------------------------------------------------------------------------------------
# Weights
# ------------------------------------------------------------------------------------------

def test_critic_by_hand_and_scale_free():
    # a and b opposite (r = −1), same σ: Σ(1 − r) = 2 each → equal weights
    x = np.column_stack([[0.0, 0.5, 1.0], [1.0, 0.5, 0.0]])
    assert critic_weights(x).tolist() == pytest.approx([0.5, 0.5])
    # doubling a column doubles its σ, hence its weight relative to the others
    y = np.column_stack([[0.0, 1, 0, 1], [0.0, 1, 0, 1], [0.0, 0, 1, 1]])
    y2 = y * np.array([2.0, 1.0, 1.0])
    assert critic_weights(y2).tolist() == pytest.approx([2 / 5, 1 / 5, 2 / 5])
    assert critic_weights(y[:, :1]).tolist() == [1.0]
    with pytest.raises(MethodInputError, match="perfectly correlated"):
        critic_weights(y[:, :2])


def test_block_weights_dispatch_and_entropy_reuse():
    rng = np.random.default_rng(1)
    block = rng.uniform(0.1, 1.0, (50, 3))
    assert block_weights(block, "entropy") == pytest.approx(
        entropy_weights(pd.DataFrame(block)).to_numpy())
    assert block_weights(block, "critic") == pytest.approx(critic_weights(block))
    assert block_weights(block, "pca") == pytest.approx(pca_weights(block))
    for method in ("entropy", "equal", "critic", "pca"):
        assert block_weights(block, method).sum() == pytest.approx(1.0)
    with pytest.raises(MethodInputError, match="missing"):
        block_weights(np.array([[0.1, np.nan], [0.2, 0.3]]), "critic")


# ------------------------------------------------------------------------------------------
# Specifications
# ------------------------------------------------------------------------------------------

def test_grid_size_and_sampling():
    panel = synthetic_panel(n_rows=50, n_indicators=20, n_subsystems=5, n_years=25)
    grid = specifications(panel["subsystem_of"], panel["names"])
    assert len(grid) == 26 * 6 * 4 * 2 * 2 == 2496
    assert len(set(grid)) == len(grid)
    sample = specifications(panel["subsystem_of"], panel["names"], sample=1000, seed=4)
    assert len(sample) == len(set(sample)) == 1000 and set(sample) <= set(grid)
    assert sample == specifications(panel["subsystem_of"], panel["names"], sample=1000, seed=4)
    with pytest.raises(MethodInputError, match="sample"):
        specifications(panel["subsystem_of"], sample=5000)
    with pytest.raises(MethodInputError, match="scalings"):
        specifications(panel["subsystem_of"], scalings=["robust"])


def test_indicator_sets_skip_redundant_levels():
    # a one-indicator subsystem is only dropped as a subsystem; with two subsystems none is
    assert indicator_sets(["a", "a", "b"]) == ["all", "drop indicator x0", "drop indicator x1"]
    assert "drop subsystem c" in indicator_sets(["a", "b", "c"])


# ------------------------------------------------------------------------------------------
# The engine against the book's pipeline
# ------------------------------------------------------------------------------------------

def reference_d(panel: dict, spec: Specification) -> np.ndarray:
    """D by the book's own functions, one specification at a time (complete data only)."""
    frame = as_frame(panel)
    subsystem_of = dict(zip(panel["names"], panel["subsystem_of"]))
    directions = dict(zip(panel["names"], panel["directions"]))
    if spec.indicator_set.startswith("drop indicator "):
        frame = frame.drop(columns=spec.indicator_set.removeprefix("drop indicator "))
    if spec.indicator_set.startswith("drop subsystem "):
        gone = spec.indicator_set.removeprefix("drop subsystem ")
        frame = frame[[c for c in frame.columns if subsystem_of[c] != gone]]
    scope = {"minmax_panel": "panel", "minmax_year": "per_year"}[spec.scaling]
    normalised = min_max_normalise(frame, {c: directions[c] for c in frame.columns},
                                   scope=scope, shift=SHIFT)
    mapping = {c: subsystem_of[c] for c in frame.columns}
    if spec.weighting == "entropy":
        weights = None
    elif spec.weighting == "equal":
        weights = {c: 1.0 for c in frame.columns}
    else:  # CRITIC by its formula, written out here independently of the module
        weights = {}
        for s in dict.fromkeys(mapping.values()):
            cols = [c for c in frame.columns if mapping[c] == s]
            block = normalised[cols]
            info = block.std() * (1 - block.corr()).sum() if len(cols) > 1 else pd.Series(1.0, cols)
            weights.update((info / info.sum()).to_dict())
    if spec.aggregation == "arithmetic":
        scores = subsystem_scores(normalised, mapping, weights=weights)
    else:
        scores = {}
        for s in dict.fromkeys(mapping.values()):
            cols = [c for c in frame.columns if mapping[c] == s]
            w = (entropy_weights(normalised[cols]) if weights is None
                 else pd.Series(weights)[cols] / pd.Series(weights)[cols].sum())
            scores[s] = np.exp((np.log(normalised[cols]) * w).sum(axis=1))
        scores = pd.DataFrame(scores)
    return coupling_coordination(scores, method=spec.coupling)["coordination_degree"].to_numpy()


@pytest.mark.parametrize("spec", [
    Specification(),
    Specification(coupling="modified"),
    Specification(scaling="minmax_year", weighting="equal"),
    Specification(weighting="critic", coupling="modified"),
    Specification(aggregation="geometric"),
    Specification(indicator_set="drop indicator x0", weighting="critic", aggregation="geometric"),
    Specification(indicator_set="drop subsystem s1", scaling="minmax_year"),
], ids=lambda s: s.label)
def test_run_matches_the_books_pipeline(spec):
    panel = complete_panel()
    d = run(panel["values"], panel["subsystem_of"], panel["directions"], panel["years"], [spec],
            names=panel["names"], shift=SHIFT)
    assert d[:, 0] == pytest.approx(reference_d(panel, spec), abs=1e-10)


def test_run_batches_equal_single_runs_and_components():
    panel = synthetic_panel(n_rows=100, n_indicators=8, n_subsystems=3, n_years=4, seed=5)
    specs = specifications(panel["subsystem_of"], panel["names"], sample=60, seed=2)
    args = (panel["values"], panel["subsystem_of"], panel["directions"], panel["years"])
    d, t, c = run(*args, specs, names=panel["names"], components=True, chunk_cells=250)
    assert d.shape == t.shape == c.shape == (100, 60)
    assert np.allclose(d, np.sqrt(c * t), equal_nan=True)
    for s in (0, 17, 59):
        single = run(*args, [specs[s]], names=panel["names"])
        assert np.allclose(single[:, 0], d[:, s], equal_nan=True)
    finite = d[np.isfinite(d)]
    assert ((finite >= 0) & (finite <= 1)).all()


def test_missing_indicator_left_out_and_missing_subsystem_gives_missing_d():
    # eco = {a, b}, env = {c}; equal weights, min–max over the panel, no shift
    values = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.5, np.nan, 0.5],
                       [0.25, 0.75, np.nan], [0.2, 0.4, 0.6]])
    spec = Specification(weighting="equal")
    d, t, c = run(values, ["eco", "eco", "env"], ["positive"] * 3, [2000] * 5, [spec],
                  shift=0.0, components=True)
    # row 2: U_eco = a alone = 0.5, U_env = 0.5 → C = 1, T = 0.5
    assert (c[2, 0], t[2, 0]) == pytest.approx((1.0, 0.5))
    # row 3: env missing → C, T and D missing
    assert np.isnan([d[3, 0], t[3, 0], c[3, 0]]).all()
    # row 4: U_eco = 0.3, U_env = 0.6 → C = 2√0.18/0.9, T = 0.45
    assert c[4, 0] == pytest.approx(2 * math.sqrt(0.18) / 0.9)
    assert d[4, 0] == pytest.approx(math.sqrt(2 * math.sqrt(0.18) / 0.9 * 0.45))
    # row 0: every score 0 → C is 0/0, D missing
    assert np.isnan(d[0, 0])


def test_geometric_aggregation_by_hand():
    # eco = {a, b} with equal weights: U = √(a·b); env = c
    values = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.25, 1.0, 0.5]])
    _, t, _ = run(values, ["eco", "eco", "env"], ["positive"] * 3, [1] * 3,
                  [Specification(weighting="equal", aggregation="geometric")], shift=0.0,
                  components=True)
    assert t[2, 0] == pytest.approx((math.sqrt(0.25) + 0.5) / 2)


def test_run_refuses_bad_input():
    panel = complete_panel()
    args = (panel["values"], panel["subsystem_of"], panel["directions"], panel["years"])
    with pytest.raises(MethodInputError, match="indicator_set"):
        run(*args, [Specification(indicator_set="drop indicator gdp")])
    with pytest.raises(MethodInputError, match="leaves 1 subsystem"):
        run(panel["values"][:, :4], ["a", "a", "b", "b"], ["positive"] * 4, panel["years"],
            [Specification(indicator_set="drop subsystem a")])
    with pytest.raises(MethodInputError, match="scaling"):
        run(*args, [Specification(scaling="robust")])
    with pytest.raises(MethodInputError, match="years"):
        run(*args[:3], [2000], [Specification()])
    with pytest.raises(MethodInputError, match="no specification"):
        run(*args, [])


# ------------------------------------------------------------------------------------------
# Summaries
# ------------------------------------------------------------------------------------------

def test_rank_intervals_rows_and_groups():
    d = np.array([[0.9, 0.2, 0.9], [0.5, 0.5, np.nan], [0.1, 0.8, 0.3]])
    rows = rank_intervals(d, lower=0, upper=100)
    assert rows["median_rank"].tolist() == [1.0, 2.0, 2.0]
    assert rows["specs"].tolist() == [3, 2, 3]
    # groups: city X = rows 0 and 1 averaged (NaN ignored), city Y = row 2
    grouped = rank_intervals(d, ["X", "X", "Y"], lower=0, upper=100)
    assert grouped.loc["X", "rank_low"] == 1 and grouped.loc["X", "rank_high"] == 2
    assert grouped.loc["Y", "median_rank"] == 2
    with pytest.raises(MethodInputError, match="groups"):
        rank_intervals(d, ["X"])


def test_factorial_indices_closed_forms():
    design = pd.DataFrame([(a, b) for a in (0, 1, 2) for b in (0, 3)], columns=["a", "b"])
    out = factorial_sobol_indices(design["a"] + design["b"], design)
    assert out["first_order"].tolist() == pytest.approx([8 / 35, 27 / 35])
    assert out["total_order"].tolist() == pytest.approx([8 / 35, 27 / 35])
    # pure interaction: Y = a·b with a, b = ±1 has no first-order effect, total 1 each
    signs = pd.DataFrame([(a, b) for a in (-1, 1) for b in (-1, 1)], columns=["a", "b"])
    out = factorial_sobol_indices(signs["a"] * signs["b"], signs)
    assert out["first_order"].tolist() == pytest.approx([0, 0])
    assert out["total_order"].tolist() == pytest.approx([1, 1])
    # a replicated full factorial is still balanced; a partial one is refused
    twice = pd.concat([design, design], ignore_index=True)
    assert factorial_sobol_indices(twice["a"] + twice["b"], twice)["first_order"].tolist() == \
        pytest.approx([8 / 35, 27 / 35])
    with pytest.raises(MethodInputError, match="full factorial"):
        factorial_sobol_indices(design["a"][:5], design[:5])
    with pytest.raises(MethodInputError, match="constant"):
        factorial_sobol_indices(np.ones(6), design)


ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(x: np.ndarray) -> np.ndarray:
    return (np.sin(x[:, 0]) + ISHIGAMI_A * np.sin(x[:, 1]) ** 2
            + ISHIGAMI_B * x[:, 2] ** 4 * np.sin(x[:, 0]))


def ishigami_analytical() -> tuple[list[float], list[float]]:
    """Ishigami & Homma (1990), with the variances in Saltelli et al. (2008, *Global
    Sensitivity Analysis: The Primer*, Wiley, §4.x): S = (0.3139, 0.4424, 0) and
    S_T = (0.5576, 0.4424, 0.2437) for a = 7, b = 0.1 on [−π, π]³."""
    a, b, pi = ISHIGAMI_A, ISHIGAMI_B, math.pi
    v1 = 0.5 * (1 + b * pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * pi ** 8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def test_ishigami_grid_against_analytical_and_salib():
    """The exact factorial indices on a 64-point midpoint grid per input converge to the
    analytical Ishigami indices (S1 ≈ 0.314, S2 ≈ 0.442, S3 = 0), and SALib's Saltelli–Sobol'
    estimate (its worked example) agrees with both within its own confidence intervals."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample
    from SALib.test_functions import Ishigami

    first, total = ishigami_analytical()
    assert first[:2] == pytest.approx([0.3139, 0.4424], abs=5e-5)
    grid = -math.pi + (np.arange(64) + 0.5) * 2 * math.pi / 64
    points = np.array(np.meshgrid(grid, grid, grid, indexing="ij")).reshape(3, -1).T
    assert ishigami(points) == pytest.approx(Ishigami.evaluate(points))
    design = pd.DataFrame(points, columns=["x1", "x2", "x3"])
    exact = factorial_sobol_indices(ishigami(points), design)
    assert exact["first_order"].tolist() == pytest.approx(first, abs=2e-3)
    assert exact["total_order"].tolist() == pytest.approx(total, abs=2e-3)

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    sample = sobol_sample.sample(problem, 2 ** 12, calc_second_order=False, seed=1)
    result = sobol_analyze.analyze(problem, Ishigami.evaluate(sample), calc_second_order=False,
                                   seed=1)
    for estimate, conf, ours in ((result["S1"], result["S1_conf"], exact["first_order"]),
                                 (result["ST"], result["ST_conf"], exact["total_order"])):
        assert np.all(np.abs(estimate - ours.to_numpy()) <= conf + 0.01)
    assert result["S1"] == pytest.approx(first, abs=0.02)


def test_discrete_design_against_salib():
    """Y = a·b + c over independent uniform discrete factors a ∈ {0, 1, 2}, b ∈ {0, 1, 2, 3},
    c ∈ {0, 1}: SALib's Monte Carlo estimate (uniform draws mapped to levels) agrees with
    the exact full-factorial indices."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    levels = (3, 4, 2)

    def model(codes: np.ndarray) -> np.ndarray:
        return codes[:, 0] * codes[:, 1] + codes[:, 2]

    design = pd.DataFrame([(a, b, c) for a in range(3) for b in range(4) for c in range(2)],
                          columns=["a", "b", "c"])
    exact = factorial_sobol_indices(model(design.to_numpy()), design)
    # closed form for c: Var(c) = 1/4 of Var(Y) = Var(ab) + 1/4, Var(ab) = E(a²)E(b²) − (EaEb)²
    var_ab = (5 / 3) * (7 / 2) - (1 * 1.5) ** 2
    assert exact.loc["c", "first_order"] == pytest.approx(0.25 / (var_ab + 0.25))
    assert exact.loc["c", "total_order"] == pytest.approx(0.25 / (var_ab + 0.25))

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    sample = sobol_sample.sample(problem, 2 ** 13, calc_second_order=False, seed=2)
    codes = np.minimum(np.floor(sample * levels), np.array(levels) - 1)
    result = sobol_analyze.analyze(problem, model(codes), calc_second_order=False, seed=2)
    assert result["S1"] == pytest.approx(exact["first_order"].to_numpy(), abs=0.03)
    assert result["ST"] == pytest.approx(exact["total_order"].to_numpy(), abs=0.03)


def test_sensitivity_of_a_multiverse_outcome():
    panel = synthetic_panel(n_rows=100, n_indicators=6, n_subsystems=3, n_years=4, seed=7)
    grid = specifications(panel["subsystem_of"], panel["names"],
                          scalings=["minmax_panel", "percentile", "zscore_logistic"])
    d = run(panel["values"], panel["subsystem_of"], panel["directions"], panel["years"], grid,
            names=panel["names"])
    outcome = np.nanmean(d, axis=0)  # the panel's mean D under each specification
    out = sensitivity(outcome, grid)
    assert out.index.tolist() == list(FACTORS)
    first, total = out["first_order"], out["total_order"]
    assert ((first >= -1e-12) & (first <= total + 1e-12)).all()
    # independent factors: Σ S_i ≤ 1 ≤ Σ S_Ti
    assert out["first_order"].sum() <= 1 + 1e-12 <= out["total_order"].sum() + 2e-12
    design = pd.DataFrame([[getattr(s, f) for f in FACTORS] for s in grid], columns=list(FACTORS))
    assert out.to_numpy() == pytest.approx(factorial_sobol_indices(outcome, design).to_numpy())
    with pytest.raises(MethodInputError, match="full factorial"):
        sensitivity(outcome[:-1], grid[:-1])


def test_bench_smoke():
    result = bench(n_rows=250, n_indicators=10, n_specs=12, seed=1)
    assert result["specs"] == 12 and result["rows"] == 250
    assert result["seconds"] > 0 and result["specs_per_second"] > 0


@pytest.mark.parametrize("spec", [
    multiverse.Specification(),
    multiverse.Specification(indicator_set="drop indicator x1", scaling="percentile", weighting="critic",
                             coupling="modified", aggregation="geometric"),
    multiverse.Specification(indicator_set="drop subsystem s2", scaling="log_minmax", weighting="pca"),
    multiverse.Specification(scaling="minmax_year", weighting="equal", aggregation="geometric"),
])
def test_decompose_opens_up_exactly_what_run_computes(spec):
    panel = multiverse.synthetic_panel(n_rows=300, n_indicators=8, n_subsystems=4, n_years=10, missing=0.05)
    args = (panel["values"], panel["subsystem_of"], panel["directions"], panel["years"])
    parts = multiverse.decompose(*args, spec, names=panel["names"])
    d = multiverse.run(*args, [spec], names=panel["names"])[:, 0]
    assert np.array_equal(np.isnan(parts["degree"]), np.isnan(d))
    assert np.array_equal(parts["degree"][~np.isnan(d)], d[~np.isnan(d)])
    # the parts are consistent: U from the scaled values and weights, T the mean of U
    assert parts["scores"].shape == (300, len(parts["subsystems"]))
    scored = ~np.isnan(parts["degree"])
    assert np.allclose(parts["index"][scored], parts["scores"][scored].mean(axis=1))
    kept = [s in parts["subsystems"] for s in panel["subsystem_of"]]
    assert np.all(parts["within"][np.logical_not(kept)] == 0)
    if spec.indicator_set.startswith("drop indicator"):
        assert parts["within"][panel["names"].index("x1")] == 0
        assert np.isnan(parts["scaled"][:, panel["names"].index("x1")]).all()
