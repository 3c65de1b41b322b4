"""One D per city-year in the whole book: the coordination degrees every executed chapter
printed, checked against the yardstick.

Chapters glue every coordination degree D they print through
:func:`cityclusters.publishing.notebook.glue_d` (or :func:`~cityclusters.publishing.notebook.glue_d_frame`
for tables and figures), which also glues a hidden record ``Drecord__<unit>__<year>__<name>``.
:func:`d_records` collects the records of every executed chapter; :func:`disagreements` lists
those that differ from :mod:`cityclusters.analysis.coordination_index` (a cluster's mean D
over its member cities, or a city's D) or from another chapter's record of the same unit-year.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cityclusters.publishing.notebook import D_RECORD_PREFIX
from cityclusters.publishing.runner import glued_values

#: Relative tolerance: glue stores Python floats by their repr, so records agree exactly
#: unless a chapter computed D another way.
TOLERANCE = 1e-9


def d_records(executed_dir: Path) -> pd.DataFrame:
    """Every D record of the executed chapters in ``executed_dir`` (``<chapter>.glue.json``
    written by myst-nb, or papermill ``.ipynb``): columns chapter, unit, year, name, value."""
    rows = []
    paths = sorted(Path(executed_dir).glob("*.glue.json")) or sorted(Path(executed_dir).glob("*.ipynb"))
    for path in paths:
        chapter = path.name.split(".")[0]
        for key, text in glued_values(path).items():
            if key.startswith(D_RECORD_PREFIX):
                unit, year, name = key[len(D_RECORD_PREFIX):].split("__", 2)
                rows.append((chapter, unit, int(year), name, float(text)))
    return pd.DataFrame(rows, columns=["chapter", "unit", "year", "name", "value"])


def yardstick_values(units, years) -> pd.Series:
    """The yardstick's D by (unit, year): city codes (digits) are cities, other units are
    cluster ids (mean over the cluster's member cities with a D)."""
    from cityclusters.analysis import coordination_index
    from cityclusters.data.tables import clusters

    panel = coordination_index.panel_index().dropna(subset=["D"])
    by_city = panel.assign(unit=panel["city_code"].astype(str)).set_index(["unit", "year"])["D"]
    means = coordination_index.cluster_means(panel, clusters())
    by_cluster = means.rename(columns={"cluster_id": "unit"}).set_index(["unit", "year"])["D"]
    both = pd.concat([by_city, by_cluster])
    return both.reindex(pd.MultiIndex.from_arrays([list(units), list(years)], names=["unit", "year"]))


def disagreements(records: pd.DataFrame) -> pd.DataFrame:
    """Records whose value differs from the yardstick's D of their unit-year (relative
    :data:`TOLERANCE`), or whose unit-year the yardstick does not know; columns of
    :func:`d_records` plus ``yardstick``. Empty when the book has one D."""
    expected = yardstick_values(records["unit"], records["year"]).to_numpy()
    out = records.assign(yardstick=expected)
    off = out["yardstick"].isna() | ((out["value"] - out["yardstick"]).abs() > TOLERANCE * out["yardstick"].abs())
    return out[off].reset_index(drop=True)
