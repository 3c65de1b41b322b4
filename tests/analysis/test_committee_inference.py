"""Chapter 9, inference with few treated cities: randomisation inference over joining dates,
the donut control group, Rambachan–Roth bounds and synthetic controls, on simulated panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import committee_did as cd
from cityclusters.errors import MethodInputError
from cityclusters.models.callaway_santanna import callaway_santanna, cs_att_assignments

YEARS = list(range(2001, 2013))


def simulate(effect: float = 0.0, seed: int = 0, cohorts=(2005, 2008), n_per_cohort: int = 5,
             n_controls: int = 20, noise: float = 1.0) -> pd.DataFrame:
    """Exchangeable cities: unit and year effects, iid noise; ``effect`` added from joining."""
    rng = np.random.default_rng(seed)
    cohort = np.r_[np.repeat(np.asarray(cohorts, float), n_per_cohort), np.full(n_controls, np.nan)]
    n = len(cohort)
    alpha, lam = rng.normal(size=n), rng.normal(size=len(YEARS))
    rows = []
    for i in range(n):
        for k, t in enumerate(YEARS):
            treated = np.isfinite(cohort[i]) and t >= cohort[i]
            rows.append({"city_code": i, "year": t, "cohort": cohort[i],
                         "province_zh": "安徽省" if np.isfinite(cohort[i]) else "江西省",
                         "y": alpha[i] + lam[k] + effect * treated + noise * rng.normal()})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- randomisation inference

def test_cs_att_assignments_equals_callaway_santanna_for_every_assignment():
    data = simulate(effect=0.7, seed=3, cohorts=(2004, 2007, 2011))
    wide = data.pivot(index="city_code", columns="year", values="y")
    base = data.groupby("city_code")["cohort"].first().to_numpy()
    rng = np.random.default_rng(1)
    assignments = [base] + [rng.permutation(base) for _ in range(4)]
    # no never-treated city: after 2011 there are no controls, those cells are skipped
    assignments.append(np.where(np.isnan(base), 2011.0, base))
    fast = cs_att_assignments(wide.to_numpy(), np.vstack(assignments), YEARS)
    for a, value in zip(assignments, fast):
        frame = data.assign(cohort=data["city_code"].map(dict(enumerate(a))))
        slow = callaway_santanna(frame, "y", "city_code", "year", "cohort",
                                 control="not_yet_treated", n_boot=2, seed=0)
        assert value == pytest.approx(slow.coefficient("att")["estimate"], abs=1e-10)


def test_randomisation_p_values_are_uniform_under_the_null():
    p = np.array([cd.randomisation_inference(simulate(seed=s), n_perm=99, seed=s)["p_value"]
                  for s in range(200)])
    # exact test: P(p ≤ α) ≤ α; the empirical rates stay within binomial noise of α
    for alpha in (0.1, 0.25, 0.5):
        assert abs((p <= alpha).mean() - alpha) < 3 * np.sqrt(alpha * (1 - alpha) / 200)
    from scipy import stats
    assert stats.kstest(p, "uniform").pvalue > 0.001


def test_randomisation_detects_a_large_effect_and_its_interval_covers_it():
    data = simulate(effect=3.0, seed=5, noise=0.5)
    for pool in cd.RI_POOLS:
        ri = cd.randomisation_inference(data, n_perm=199, seed=2, pool=pool)
        assert ri["p_value"] == pytest.approx(1 / 200)
        assert ri["p_upper"] == pytest.approx(1 / 200)
        assert ri["ri_low"] < 3.0 < ri["ri_high"] and ri["ri_low"] > 0
        assert len(ri["draws"]) == 199
    # 10 members in two cohorts of 5 allow only C(10, 5) = 252 distinct date assignments
    assert cd.randomisation_inference(data, n_perm=199, seed=2)["n_distinct"] <= 252
    assert cd.randomisation_inference(data, n_perm=19, seed=2)["n_pool"] == 10
    assert cd.randomisation_inference(data, n_perm=19, seed=2, pool="all")["n_pool"] == 30
    # the statistic is the Callaway–Sant'Anna ATT; seeded, so reproducible
    cs = callaway_santanna(data, "y", "city_code", "year", "cohort", n_boot=2, seed=0)
    a, b = (cd.randomisation_inference(data, n_perm=49, seed=9) for _ in range(2))
    assert a["estimate"] == pytest.approx(cs.coefficient("att")["estimate"], abs=1e-10)
    assert np.array_equal(a["draws"], b["draws"])


def test_randomisation_inference_refuses_bad_input():
    data = simulate()
    with pytest.raises(MethodInputError, match="pool="):
        cd.randomisation_inference(data, pool="controls")
    with pytest.raises(MethodInputError, match="n_perm="):
        cd.randomisation_inference(data, n_perm=5)
    with pytest.raises(MethodInputError, match="balanced"):
        cd.randomisation_inference(data.iloc[1:])
    with pytest.raises(MethodInputError, match="no treated"):
        cd.randomisation_inference(data.assign(cohort=np.nan))
