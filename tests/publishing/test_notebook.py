"""Chapter helpers: parameter validation, the cluster panel and verdict recording."""

from __future__ import annotations

import pytest

from cityclusters import checks
from cityclusters.data import tables
from cityclusters.publishing import notebook
from tests.conftest import requires_mirror


@pytest.mark.parametrize("clusters, first, last, message", [
    (["chengdu"], 2000, 2010, "unknown or empty: \\['chengdu'\\]"),
    ([], 2000, 2010, "non-empty"),
    ("chengyu", 2000, 2010, "must be a list"),
    (["chengyu", "chengyu"], 2000, 2010, "twice"),
    (["chengyu"], 2010, 2005, "FIRST_YEAR=2010, LAST_YEAR=2005"),
    (["chengyu"], 1990, 2005, "2000 <= FIRST_YEAR"),
    (["chengyu"], 2000, 2030, "<= 2023"),
    (["chengyu"], "2000", 2005, "must be an integer"),
    (["chengyu"], 2000.0, 2005, "must be an integer"),
])
def test_bad_parameters_name_the_valid_values(clusters, first, last, message):
    with pytest.raises(ValueError, match=message):
        checks.validate_parameters(clusters, first, last)


def test_minimum_span_and_cluster_count():
    with pytest.raises(ValueError, match="at least 5 years"):
        checks.validate_parameters(["chengyu"], 2010, 2012, min_years=5)
    with pytest.raises(ValueError, match="at most 1"):
        checks.validate_parameters(["chengyu", "yrd26"], max_clusters=1)
    checks.validate_parameters(["chengyu", "yrd26"], 2000, 2023)


def test_verdicts_must_be_known(monkeypatch):
    glued = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display=True: glued.update({name: value}))
    with pytest.raises(ValueError, match="unknown claim_id"):
        notebook.glue_verdict("p999_made_up", "supported", "x", "sec-x")
    with pytest.raises(ValueError, match="must start with one of"):
        notebook.glue_verdict("p000_guiyang_gdp_ratio", "probably", "x", "sec-x")
    row = notebook.glue_verdict("p000_guiyang_gdp_ratio", "supported: both ratios hold",
                               "0.24 and 0.17 in 2019", "sec-gaps")
    assert row["verdict"].startswith("supported")
    assert glued == {"verdict__p000_guiyang_gdp_ratio": "supported: both ratios hold",
                     "evidence__p000_guiyang_gdp_ratio": "0.24 and 0.17 in 2019",
                     "section__p000_guiyang_gdp_ratio": "sec-gaps"}


@pytest.mark.slow
@requires_mirror
def test_cluster_city_year_keeps_one_row_per_cluster_city_year():
    panel = tables.cluster_city_year(["chengyu", "chengyugui"], 2015, 2019)
    assert not panel.duplicated(["cluster_id", "city_code", "year"]).any()
    counts = panel.groupby("cluster_id")["city_code"].nunique()
    assert counts.to_dict() == {"chengyu": 16, "chengyugui": 22}
    assert panel["year"].between(2015, 2019).all()
    assert list(panel["cluster_id"].unique()) == ["chengyu", "chengyugui"]


def test_glue_stores_numpy_scalars_as_python_numbers(monkeypatch):
    import numpy as np

    stored = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display=True: stored.update({name: value}))
    notebook.glue("share", np.float64(0.25))
    notebook.glue("count", np.int64(3))
    notebook.glue("label", "成都")
    assert stored == {"share": 0.25, "count": 3, "label": "成都"}
    assert type(stored["share"]) is float and type(stored["count"]) is int


def test_d_records_are_read_back_and_checked(tmp_path, monkeypatch):
    import json

    import pandas as pd

    from cityclusters.publishing import d_records as records_mod

    outputs = {
        "Drecord__yrd26__2019__d_yrd": {"data": {"text/plain": "0.61"}, "metadata": {"scrapbook": {"name": "Drecord__yrd26__2019__d_yrd"}}},
        "Drecord__510100__2019__d_cd": {"data": {"text/plain": "0.7"}, "metadata": {"scrapbook": {"name": "Drecord__510100__2019__d_cd"}}},
        "other": {"data": {"text/plain": "1"}, "metadata": {"scrapbook": {"name": "other"}}},
    }
    (tmp_path / "10_benchmarks.glue.json").write_text(json.dumps(outputs), encoding="utf-8")
    records = records_mod.d_records(tmp_path)
    assert records.to_dict("records") == [
        {"chapter": "10_benchmarks", "unit": "yrd26", "year": 2019, "name": "d_yrd", "value": 0.61},
        {"chapter": "10_benchmarks", "unit": "510100", "year": 2019, "name": "d_cd", "value": 0.7}]
    truth = pd.Series([0.61, 0.71], index=pd.MultiIndex.from_tuples([("yrd26", 2019), ("510100", 2019)]))
    monkeypatch.setattr(records_mod, "yardstick_values", lambda units, years: truth.reindex(list(zip(units, years))))
    off = records_mod.disagreements(records)
    assert off["unit"].tolist() == ["510100"] and off["yardstick"].tolist() == [0.71]


def test_glue_d_refuses_ambiguous_keys():
    from cityclusters.publishing.notebook import glue_d

    with pytest.raises(ValueError, match="free of '__'"):
        glue_d("d__x", 0.5, unit="yrd26", year=2019)


def test_a_glued_figure_is_published_as_a_png_of_at_least_150_dpi_with_its_chinese_text(monkeypatch):
    """The PNG that myst-nb gets for a glued figure (what the site shows and the PDF prints)
    records ≥ 150 dpi, has the pixels of that dpi for the figure's size in inches, is shown at
    that size, and its Chinese text is drawn with Noto Sans CJK (matplotlib warns of every
    glyph its fonts lack)."""
    import base64
    import io
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from IPython.core.formatters import DisplayFormatter
    from matplotlib import font_manager
    from PIL import Image

    from cityclusters.figures import style
    from cityclusters.publishing.interactive import interactive_figure

    style.use_book_style()
    assert "NotoSansCJK" in font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    stored = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display=True: stored.update({name: value}))
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ax.plot([2000, 2023], [0.4, 0.6], label="成渝城市群 Chengdu–Chongqing")
    ax.set(title="协调度 D by year", xlabel="year 年份", ylabel="D 协调度")
    ax.legend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)": tofu
        notebook.glue("fig_d", fig)
    bundle, metadata = DisplayFormatter().format(stored["fig_d"])
    assert set(bundle) == {"image/png", "text/plain", "text/csv"}  # one image type (HTML and LaTeX take the same PNG) and the data
    data = bundle["image/png"]
    png = data if isinstance(data, bytes) else base64.b64decode(data)
    image = Image.open(io.BytesIO(png))
    dpi_x, dpi_y = image.info["dpi"]
    assert min(dpi_x, dpi_y) >= 150 and dpi_x == pytest.approx(style.FIGURE_DPI, abs=0.01)
    tight = fig.get_tightbbox(fig.canvas.get_renderer())  # inches; savefig pads it on each side
    pad = 2 * matplotlib.rcParams["savefig.pad_inches"]
    assert image.width / dpi_x == pytest.approx(tight.width + pad, abs=0.02)
    assert image.height / dpi_y == pytest.approx(tight.height + pad, abs=0.02)
    assert image.mode == "P" and len(png) < 150_000  # a 256-colour palette keeps pages light
    # shown (and printed, via LaTeX's pxunit) at its size in inches, 110 CSS px per inch
    assert metadata == {"image/png": {"width": round(image.width / dpi_x * style.SITE_PX_PER_INCH)}}
    assert stored["fig_d"].png == style.figure_png(fig)  # deterministic
    static = interactive_figure("<svg></svg>", fig)
    assert Image.open(io.BytesIO(static.png)).info["dpi"] == (dpi_x, dpi_y)  # the PDF side of hover figures
    plt.close(fig)


def test_a_numbers_only_run_keeps_a_figures_data_and_text_but_draws_no_png(monkeypatch):
    """The determinism check's kernels (``NUMBERS_ONLY_ENV``) compare numbers, not pixels: a
    glued figure keeps its CSV and its text, and is not rasterised."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from IPython.core.formatters import DisplayFormatter

    stored = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display=True: stored.update({name: value}))
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ax.plot([2000, 2023], [0.4, 0.6], label="D")
    notebook.glue("rendered", fig)
    monkeypatch.setenv(notebook.NUMBERS_ONLY_ENV, "1")
    notebook.glue("numbers_only", fig)
    plt.close(fig)
    rendered, _ = DisplayFormatter().format(stored["rendered"])
    numbers_only, _ = DisplayFormatter().format(stored["numbers_only"])
    assert set(rendered) == {"image/png", "text/plain", "text/csv"}
    assert set(numbers_only) == {"text/plain", "text/csv"}
    assert {k: rendered[k] for k in numbers_only} == numbers_only


def test_the_pdf_prints_a_figure_pixel_as_the_site_shows_it():
    """LaTeX's px (``pxunit`` in ``_config.yml``) is the site's: 1/SITE_PX_PER_INCH inch, so a
    figure glued with its width in px prints at its size in inches."""
    import yaml

    from cityclusters.figures.style import SITE_PX_PER_INCH
    from cityclusters.paths import repo_root

    config = yaml.safe_load((repo_root() / "_config.yml").read_text(encoding="utf-8"))
    pxunit = config["sphinx"]["config"]["latex_elements"]["pxunit"]
    assert pxunit.endswith("bp") and float(pxunit[:-2]) * SITE_PX_PER_INCH == pytest.approx(72, abs=1e-3)
