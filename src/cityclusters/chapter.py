"""What every chapter notebook needs before and after it computes.

- :func:`validate_parameters` checks a chapter's ``parameters`` cell (clusters and years)
  before anything runs, and says which values are valid;
- :func:`cluster_city_year` returns the city–year panel of the chosen clusters, one row per
  (cluster, city, year), so chapters never re-implement the membership join;
- :func:`glue_verdict` records the verdict on a claim of the seed papers in the executed
  notebook (as glue values named ``verdict__<claim_id>`` etc.), so that the claims ledger can
  be assembled from the chapters instead of being typed.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cityclusters import tables
from cityclusters.schemas import CLUSTER_IDS, FIRST_YEAR, LAST_YEAR

#: The verdicts a claim can receive (the first word is what the ledger sorts on).
VERDICTS = ("supported", "partly supported", "not supported", "not testable with our data")


def validate_parameters(clusters: Sequence[str] | None = None, first_year: int | None = None,
                        last_year: int | None = None, *, min_years: int = 1,
                        max_clusters: int | None = None) -> None:
    """Refuse invalid chapter parameters with a message that lists the valid values.

    ``clusters`` must be a non-empty list of ids of :data:`cityclusters.tables.CLUSTERS`
    (no duplicates); years must be integers with FIRST_YEAR ≤ first_year ≤ last_year ≤
    LAST_YEAR of the panel and span at least ``min_years`` years.
    """
    if clusters is not None:
        if isinstance(clusters, str) or not isinstance(clusters, Sequence):
            raise ValueError(f"CLUSTERS must be a list of cluster ids such as ['chengyu']; got "
                             f"{clusters!r}. Valid ids: {list(CLUSTER_IDS)}")
        unknown = [c for c in clusters if c not in CLUSTER_IDS]
        if unknown or not clusters:
            raise ValueError(f"CLUSTERS must be a non-empty list of {list(CLUSTER_IDS)}; "
                             f"unknown or empty: {unknown or clusters!r}")
        if len(set(clusters)) != len(clusters):
            raise ValueError(f"CLUSTERS lists a cluster twice: {list(clusters)}")
        if max_clusters is not None and len(clusters) > max_clusters:
            raise ValueError(f"this chapter compares at most {max_clusters} clusters; got "
                             f"{len(clusters)}")
    years = {"FIRST_YEAR": first_year, "LAST_YEAR": last_year}
    for name, value in years.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"{name} must be an integer year between {FIRST_YEAR} and "
                             f"{LAST_YEAR}; got {value!r}")
    if first_year is not None and last_year is not None:
        if not FIRST_YEAR <= first_year <= last_year <= LAST_YEAR:
            raise ValueError(f"need {FIRST_YEAR} <= FIRST_YEAR <= LAST_YEAR <= {LAST_YEAR}; got "
                             f"FIRST_YEAR={first_year}, LAST_YEAR={last_year}")
        if last_year - first_year + 1 < min_years:
            raise ValueError(f"this chapter needs at least {min_years} years; got "
                             f"{first_year}–{last_year}")


def cluster_city_year(clusters: Sequence[str], first_year: int = FIRST_YEAR,
                      last_year: int = LAST_YEAR) -> pd.DataFrame:
    """The city–year panel of the chosen clusters, one row per (cluster_id, city, year).

    Columns: ``cluster_id``, ``partial`` (the plan includes the city only in part) and every
    column of :func:`cityclusters.tables.city_year`. A city in two chosen clusters (e.g.
    Chengdu in ``chengyu`` and ``chengyugui``) appears once per cluster.

    Raises ``ValueError`` naming the cluster(s) when a chosen cluster has no row in
    ``first_year``–``last_year``, instead of returning a panel without them.
    """
    validate_parameters(clusters, first_year, last_year)
    members = tables.clusters()
    members = members.loc[members["cluster_id"].isin(clusters), ["cluster_id", "city_code", "partial"]]
    panel = tables.city_year()
    panel = panel[panel["year"].between(first_year, last_year)]
    merged = members.merge(panel, on="city_code", how="inner", validate="many_to_many")
    empty = [c for c in clusters if not merged["cluster_id"].eq(c).any()]
    if empty:
        raise ValueError(f"CLUSTERS: {empty} have no member city with data in FIRST_YEAR–LAST_YEAR "
                         f"= {first_year}–{last_year}; choose other years or clusters")
    order = {c: i for i, c in enumerate(clusters)}
    return merged.sort_values(["cluster_id", "city_code", "year"], key=lambda s: s.map(order)
                              if s.name == "cluster_id" else s).reset_index(drop=True)


def claim_ids() -> list[str]:
    """The ids of the seed papers' claims (``data/facts/seed_claims.csv``)."""
    return tables.seed_claims()["claim_id"].tolist()


def glue_verdict(claim_id: str, verdict: str, evidence: str, section: str,
                 claim: str | None = None) -> dict:
    """Record a verdict on a seed claim in the executed notebook and return its table row.

    Glues (without display) ``verdict__<claim_id>``, ``evidence__<claim_id>`` and
    ``section__<claim_id>`` (the label of the section that computes it, for links), so the
    claims ledger can collect them from executed chapters.

    Parameters
    ----------
    claim_id : str
        An id of ``data/facts/seed_claims.csv``.
    verdict : str
        One of :data:`VERDICTS`, optionally followed by ": reason" (e.g. "partly supported:
        holds before 2014").
    evidence : str
        The computed evidence in words, with its numbers and years.
    section : str
        The MyST label of the section that computes the evidence.
    claim : str, optional
        The claim in our words for the chapter's table (default: the ledger's wording).
    """
    from myst_nb import glue  # imported here: the package is usable without myst-nb

    known = tables.seed_claims().set_index("claim_id")
    if claim_id not in known.index:
        raise ValueError(f"unknown claim_id {claim_id!r}; add it to data/facts/seed_claims.csv "
                         f"first. Known: {list(known.index)}")
    head = verdict.split(":", 1)[0].strip()
    if head not in VERDICTS:
        raise ValueError(f"verdict {verdict!r} must start with one of {list(VERDICTS)}")
    glue(f"verdict__{claim_id}", verdict, display=False)
    glue(f"evidence__{claim_id}", evidence, display=False)
    glue(f"section__{claim_id}", section, display=False)
    return {"paper": known.at[claim_id, "paper"],
            "claim (our words)": claim or known.at[claim_id, "claim_en"],
            "evidence": evidence, "verdict": verdict}


def glue(name: str, value, display: bool = False):
    """myst-nb ``glue`` that stores numpy scalars as Python numbers.

    ``{glue:text}`name:.2f``` formats the stored plain-text value; a numpy 2 scalar is stored as
    ``np.float64(0.5)``, which cannot be formatted, so it is converted first. Not displayed by
    default: chapters place glued values in the prose.
    """
    import numpy as np
    from myst_nb import glue as myst_glue

    return myst_glue(name, value.item() if isinstance(value, np.generic) else value, display=display)
