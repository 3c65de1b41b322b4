"""What every chapter notebook needs before and after it computes.

- :func:`glue` stores a value for the prose (numpy scalars as Python numbers) or a figure
  (as the book's PNG, :class:`PublishedFigure`);
- :func:`glue_verdict` records the verdict on a claim of the seed papers in the executed
  notebook (as glue values named ``verdict__<claim_id>`` etc.), so that the claims ledger can
  be assembled from the chapters instead of being typed;
- :func:`markdown_table` shows a table as Markdown (a real table in HTML and PDF);
- :func:`glue_provenance` records the raw files a chapter used, for the reproducibility page.

Only this layer talks to myst-nb: nothing below :mod:`cityclusters.publishing` glues.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
from IPython.display import Markdown  # noqa: F401  (kept for callers)

from cityclusters.display import CSV_MIME, DataTable

from cityclusters.analysis.verdicts import Verdict, verdict_category
from cityclusters.data import tables
from cityclusters.data.provenance import used


def claim_ids() -> list[str]:
    """The ids of the seed papers' claims (``data/facts/seed_claims.csv``)."""
    return tables.seed_claims()["claim_id"].tolist()


def glue_verdict(claim_id: str, verdict: str, evidence: str, section: str,
                 claim: str | None = None, rule: str | None = None,
                 would_change: str | None = None) -> dict:
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
    rule, would_change : str, optional
        The name of the decision rule the verdict was taken under and what would change it
        (:class:`~cityclusters.analysis.verdicts.Verdict`); glued as ``rule__<claim_id>`` and
        ``change__<claim_id>`` for the ledger.
    """
    from myst_nb import glue  # imported here: the package is usable without myst-nb

    known = tables.seed_claims().set_index("claim_id")
    if claim_id not in known.index:
        raise ValueError(f"unknown claim_id {claim_id!r}; add it to data/facts/seed_claims.csv "
                         f"first. Known: {list(known.index)}")
    verdict_category(verdict)
    glue(f"verdict__{claim_id}", verdict, display=False)
    glue(f"evidence__{claim_id}", evidence, display=False)
    glue(f"section__{claim_id}", section, display=False)
    if rule:
        glue(f"rule__{claim_id}", rule, display=False)
    if would_change:
        glue(f"change__{claim_id}", would_change, display=False)
    return {"paper": known.at[claim_id, "paper"],
            "claim (our words)": claim or known.at[claim_id, "claim_en"],
            "evidence": evidence, "verdict": verdict}


class PublishedFigure:
    """A matplotlib figure as the book publishes it: one PNG rendered by
    :func:`cityclusters.figures.style.figure_png` at
    :data:`~cityclusters.figures.style.FIGURE_DPI`, with the width to show it at
    (:func:`~cityclusters.figures.style.site_width`) in its output metadata.

    How it reaches the book: the glue record holds ``image/png``, ``text/plain`` and the figure's
    data as ``text/csv`` (:func:`cityclusters.figures.plotted_data.figure_csv`), so
    myst-nb's default MIME priorities (``_config.yml`` sets none) pick the PNG for the HTML and
    for the LaTeX builder alike. myst-nb writes it to ``_build/jupyter_execute`` and makes an
    image node with the metadata's ``width`` (in px): the site shows ``width: Npx`` (shrunk to
    the column when it is narrower), LaTeX prints ``width=N\\sphinxpxdimen``, 1/110 in by
    ``pxunit`` in ``_config.yml``, so the figure's size in inches (shrunk to the text width
    when wider). Without this class IPython's inline backend would render the figure at
    ``figure.dpi`` with no width.
    """

    def __init__(self, fig):
        from cityclusters.figures.plotted_data import figure_csv
        from cityclusters.figures.style import FIGURE_DPI, figure_png, site_width

        self.csv = figure_csv(fig)  # the figure's data, its download on the site
        self.png, self.width = None, None
        if os.environ.get(NUMBERS_ONLY_ENV) != "1":
            self.png = figure_png(fig)
            self.width = site_width(self.png)
        width, height = fig.get_size_inches()
        self.text = f"<Figure {width:.2f} × {height:.2f} in, PNG at {FIGURE_DPI} dpi>"

    def _repr_png_(self) -> tuple[bytes, dict] | None:
        return None if self.png is None else (self.png, {"width": self.width})

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        # only the CSV: IPython adds the PNG (with its width) and the text from the other methods
        return {CSV_MIME: self.csv}

    def __repr__(self) -> str:
        return self.text


#: Set to "1" in the kernels of a run that reads only numbers and tables (the determinism
#: check and the chapters' parameter tests: ``run_chapter(..., render_figures=False)``): figures
#: keep their data and text but are not rasterised, a fifth of a chapter's time. Never set in a
#: book build or a reviewer's rerun.
NUMBERS_ONLY_ENV = "CITYCLUSTERS_NUMBERS_ONLY"


def glue(name: str, value, display: bool = False):
    """myst-nb ``glue`` that stores numpy scalars as Python numbers and figures as the book's
    PNG with their data (:class:`PublishedFigure`).

    ``{glue:text}`name:.2f``` formats the stored plain-text value; a numpy 2 scalar is stored as
    ``np.float64(0.5)``, which cannot be formatted, so it is converted first. A matplotlib
    figure's record also carries its data as CSV (under :data:`CSV_MIME`), which the book's
    Sphinx extension offers under the pasted figure. Not displayed by default: chapters place
    glued values in the prose.
    """
    import numpy as np
    from matplotlib.figure import Figure
    from myst_nb import glue as myst_glue

    if isinstance(value, np.generic):
        value = value.item()
    elif isinstance(value, Figure):
        value = PublishedFigure(value)
    return myst_glue(name, value, display=display)



#: Prefix of the hidden glue records of every coordination degree a chapter prints.
D_RECORD_PREFIX = "Drecord__"


def glue_d(name: str, value: float, *, unit: str, year: int) -> float:
    """Glue a coordination degree D that the prose prints (``name``, as :func:`glue`) and a
    hidden record ``Drecord__<unit>__<year>__<name>`` of it, where ``unit`` is a cluster id
    (D is then the cluster's mean over its member cities) or a city code. The book's test
    reads every record of every executed chapter and checks that a unit-year has one D in
    the whole book, the yardstick's (:mod:`cityclusters.analysis.coordination_index`).
    Returns ``value``."""
    if not str(unit) or "__" in str(unit) or "__" in name:
        raise ValueError(f"glue_d: unit {unit!r} and name {name!r} must be non-empty and free of '__'")
    value = float(value)
    glue(name, value, display=False)
    glue(f"{D_RECORD_PREFIX}{unit}__{int(year)}__{name}", value, display=False)
    return value


def glue_d_records(records: pd.DataFrame) -> None:
    """:func:`glue_d` for every row of ``records`` (columns name, cluster_id, year, D, as built
    by :func:`cityclusters.analysis.coordination_index.d_records`; ``cluster_id`` may hold a
    city code)."""
    for row in records.itertuples(index=False):
        glue_d(row.name, row.D, unit=row.cluster_id, year=row.year)


def glue_d_frame(frame: pd.DataFrame, name: str, unit: str = "cluster_id", column: str = "D") -> None:
    """Hidden D records (no prose value) for every row of ``frame`` (columns ``unit``, year,
    ``column``): for D values a chapter shows in a table or figure rather than in a sentence."""
    for row in frame[[unit, "year", column]].dropna().itertuples(index=False):
        glue(f"{D_RECORD_PREFIX}{row[0]}__{int(row[1])}__{name}", float(row[2]), display=False)


def markdown_table(frame: pd.DataFrame, formats: dict[str, str] | None = None,
                   index: bool = False) -> DataTable:
    """A DataFrame as a Markdown table (rendered as a real table in HTML and PDF), carrying
    ``frame`` itself, unformatted, as the table's CSV download (:class:`DataTable`).

    ``formats`` maps column → format spec (e.g. ``{"share": "{:.1%}"}``); missing values
    are shown as an en dash.
    """
    formats = formats or {}
    shown = frame.copy()
    for column in shown.columns:
        spec = formats.get(column)
        shown[column] = [
            "–" if (value is None or (isinstance(value, float) and np.isnan(value)))
            else (spec.format(value) if spec else str(value))
            for value in shown[column]
        ]
    return DataTable(shown.to_markdown(index=index, disable_numparse=True), frame, index)


def glue_provenance(name: str = "provenance__raw_files") -> list[str]:
    """Glue (without display) the sorted list of raw-file keys used so far, as JSON text."""
    keys = used()
    glue(name, json.dumps(keys), display=False)
    return keys


def glue_all(values: dict) -> None:
    """Glue (without display) every ``name → value`` of ``values``: the numbers and sentences
    an analysis function computed for the prose."""
    for name, value in values.items():
        glue(name, value, display=False)


def record_verdict(verdict: Verdict, section: str, claim: str | None = None) -> dict:
    """:func:`glue_verdict` for a :class:`~cityclusters.analysis.verdicts.Verdict` returned by
    an analysis function; returns the chapter's table row."""
    return glue_verdict(verdict.claim_id, verdict.verdict, verdict.evidence, section, claim,
                        rule=verdict.rule_name, would_change=verdict.change)
