"""Page weight of the built HTML book and the helpers of scripts/site_artifacts.py.

The unit tests build a tiny fake site in tmp_path whose byte sums are computed by hand; the
slow test measures the real build (``_build/html``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from cityclusters.paths import repo_root
from cityclusters.publishing.site_report import (
    PAGE_COLUMNS,
    PAGE_LIMIT_BYTES,
    SiteReportError,
    figure_pages_from_pdfimages,
    html_pages,
    is_blank_image,
    page_weight_markdown,
    page_weights,
    pdf_pages_to_render,
    static_summary,
    table_pages_from_text,
    write_page_weight_report,
)

REPO = repo_root()
BUILT_HTML = REPO / "_build" / "html"


def write(path: Path, data: bytes | str | int) -> Path:
    """Write ``data`` (bytes, text, or a number of filler bytes) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, int):
        data = b"x" * data
    elif isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


DATA_URI = "data:image/png;base64,AAAABBBB"  # 30 characters, all ASCII

PAGE_A = f"""<!DOCTYPE html><html><head>
<link rel="stylesheet" type="text/css" href="../_static/theme.css?v=1" />
<link rel="preload" as="script" href="../_static/app.js?digest=9" />
<link rel="next" title="B" href="b.html" />
<link rel="index" title="Index" href="../genindex.html" />
<script src="../_static/app.js?v=2"></script>
<script src="../searchindex.js"></script>
<script src="https://cdn.example.org/lib.js"></script>
</head><body>
<a href="../_images/fig%201.png"><img alt="one" src="../_images/fig%201.png" /></a>
<img alt="inline" src="{DATA_URI}" />
<img alt="remote" src="https://example.org/x.png" />
<a href="../_downloads/abc/data.csv">data</a>
<a href="b.html#sec">next</a> <a href="#top">top</a> <a href="../_sources/chap/a.md">source</a>
</body></html>
"""

PAGE_B = """<html><head><link rel="stylesheet" href="../_static/theme.css" /></head><body>
<img src="../_images/fig2.png" /><img src="../_images/fig2.png" />
<img src="../_images/fig2.png" srcset="../_images/fig2.png 1x, ../_images/fig2@2x.png 2x" />
<img src="/_static/logo.png" />
</body></html>
"""

CSS = """/* url(commented-out.png) must not count */
@font-face { font-family: A; src: url(fonts/a.woff2) format("woff2"), url("fonts/a.ttf") format("truetype"); }
body { background: url('img/bg.png'); }
.icon { background-image: url("data:image/svg+xml;charset=utf-8,%3Csvg%3E"); }
"""


@pytest.fixture
def site(tmp_path):
    """A fake built book with known sizes; returns the html dir and the expected bytes."""
    html = tmp_path / "html"
    sizes = {
        "_static/theme.css": write(html / "_static/theme.css", CSS).stat().st_size,
        "_static/fonts/a.woff2": write(html / "_static/fonts/a.woff2", 100).stat().st_size,
        "_static/fonts/a.ttf": write(html / "_static/fonts/a.ttf", 300).stat().st_size,
        "_static/img/bg.png": write(html / "_static/img/bg.png", 50).stat().st_size,
        "_static/app.js": write(html / "_static/app.js", 200).stat().st_size,
        "_static/logo.png": write(html / "_static/logo.png", 40).stat().st_size,
        "_static/unused.js": write(html / "_static/unused.js", 7).stat().st_size,
        "searchindex.js": write(html / "searchindex.js", 70).stat().st_size,
        "_images/fig 1.png": write(html / "_images/fig 1.png", 1000).stat().st_size,
        "_images/fig2.png": write(html / "_images/fig2.png", 2000).stat().st_size,
        "_images/fig2@2x.png": write(html / "_images/fig2@2x.png", 4000).stat().st_size,
        "_downloads/abc/data.csv": write(html / "_downloads/abc/data.csv", 500).stat().st_size,
        "chap/a.html": write(html / "chap/a.html", PAGE_A).stat().st_size,
        "chap/b.html": write(html / "chap/b.html", PAGE_B).stat().st_size,
    }
    # not pages: theme templates, sources, hidden folders
    sizes["_static/webpack-macros.html"] = write(html / "_static/webpack-macros.html",
                                                 "<html></html>").stat().st_size
    write(html / "_sources/chap/a.md", "# A")
    write(html / ".pytest_cache/README.html", "<html></html>")
    return html, sizes


def test_pages_are_found_and_non_pages_skipped(site):
    html, _ = site
    assert [p.relative_to(html).as_posix() for p in html_pages(html)] == ["chap/a.html",
                                                                        "chap/b.html"]


def test_page_weights_hand_computed(site):
    html, s = site
    w = page_weights(html).set_index("page")
    assert list(page_weights(html).columns) == PAGE_COLUMNS
    shared_a = (s["_static/theme.css"] + s["_static/app.js"] + s["searchindex.js"]
                + s["_static/fonts/a.woff2"] + s["_static/img/bg.png"])  # not a.ttf
    a = w.loc["chap/a.html"]
    assert a.html_bytes == s["chap/a.html"]
    assert a.inline_data_bytes == len(DATA_URI)
    # the linked full-size image is the shown image: counted once, as an image
    assert (a.image_bytes, a.n_images) == (1000, 1)
    assert (a.page_asset_bytes, a.n_page_assets) == (500, 1)
    assert a.total_page_bytes == s["chap/a.html"] + 1000 + 500
    assert (a.shared_bytes, a.n_shared) == (shared_a, 5)
    assert a.n_external == 2
    assert not a.over_limit

    b = w.loc["chap/b.html"]
    # fig2.png three times and fig2@2x.png in a srcset: two distinct files; the logo is shared
    assert (b.image_bytes, b.n_images) == (2000 + 4000, 2)
    assert b.page_asset_bytes == 0
    assert b.total_page_bytes == s["chap/b.html"] + 6000
    assert b.shared_bytes == (s["_static/theme.css"] + s["_static/fonts/a.woff2"]
                              + s["_static/img/bg.png"] + s["_static/logo.png"])
    assert b.n_external == 0


def test_static_summary(site):
    html, s = site
    summary = static_summary(html)
    assert len(summary) == 1
    row = summary.iloc[0]
    static = {k: v for k, v in s.items() if k.startswith("_static/")}
    assert row.static_files == len(static)
    assert row.static_bytes == sum(static.values())
    # union over both pages: everything but a.ttf and unused.js, plus searchindex.js
    referenced = (sum(static.values()) - s["_static/fonts/a.ttf"] - s["_static/unused.js"]
                  - s["_static/webpack-macros.html"] + s["searchindex.js"])
    assert (row.shared_referenced_files, row.shared_referenced_bytes) == (6, referenced)


def test_over_limit_boundary(tmp_path):
    html = tmp_path / "html"
    page = write(html / "p.html", '<img src="big.png">')
    write(html / "big.png", PAGE_LIMIT_BYTES - page.stat().st_size)
    assert PAGE_LIMIT_BYTES == 1572864
    w = page_weights(html)
    assert w.loc[0, "total_page_bytes"] == PAGE_LIMIT_BYTES
    assert not w.loc[0, "over_limit"]  # exactly at the limit is allowed
    write(html / "big.png", PAGE_LIMIT_BYTES - page.stat().st_size + 1)
    assert page_weights(html).loc[0, "over_limit"]


def test_inline_data_counts_in_the_html(tmp_path):
    html = tmp_path / "html"
    uri = "data:image/png;base64," + "A" * 1000
    page = write(html / "p.html", f'<p>x</p><img src="{uri}"><img src="{uri}">')
    row = page_weights(html).iloc[0]
    assert row.html_bytes == page.stat().st_size
    assert row.inline_data_bytes == 2 * len(uri)
    assert row.image_bytes == 0 and row.n_images == 0
    assert row.total_page_bytes == page.stat().st_size


def test_inline_svg_and_data_in_other_attributes(tmp_path):
    html = tmp_path / "html"
    uri = "data:image/png;base64,QUJD"
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{uri}"/><title>成都</title></svg>'
    page = write(html / "p.html", f"<div>{svg}</div><a href=\"{uri}\">x</a>")
    row = page_weights(html).iloc[0]
    assert row.inline_svg_bytes == len(svg.encode("utf-8"))
    assert row.inline_data_bytes == 2 * len(uri)
    assert row.total_page_bytes == row.html_bytes == page.stat().st_size


def test_missing_image_names_page_and_src(tmp_path):
    html = tmp_path / "html"
    write(html / "notebooks/ch.html", '<img alt="x" src="../_images/gone.png?v=3">')
    expected = (r"notebooks/ch\.html.*img src=\"\.\./_images/gone\.png\?v=3\".*"
                r"does not exist.*_images/gone\.png")
    with pytest.raises(SiteReportError, match=expected):
        page_weights(html)


def test_missing_css_target_names_the_stylesheet(tmp_path):
    html = tmp_path / "html"
    write(html / "_static/t.css", "a { background: url(missing.png) }")
    write(html / "p.html", '<link rel="stylesheet" href="_static/t.css">')
    with pytest.raises(SiteReportError, match=r"_static/t\.css.*missing\.png"):
        page_weights(html)


def test_reference_outside_the_site_is_refused(tmp_path):
    html = tmp_path / "html"
    write(tmp_path / "secret.png", 10)
    write(html / "p.html", '<img src="../secret.png">')
    with pytest.raises(SiteReportError, match=r"p\.html.*outside the site"):
        page_weights(html)


def test_no_pages_is_an_error(tmp_path):
    (tmp_path / "html").mkdir()
    with pytest.raises(SiteReportError, match="no \\*.html pages"):
        page_weights(tmp_path / "html")
    with pytest.raises(SiteReportError, match="no built HTML"):
        page_weights(tmp_path / "nowhere")


def test_write_report(site, tmp_path):
    html, s = site
    md = write_page_weight_report(html, tmp_path / "out")
    assert md == tmp_path / "out" / "page_weights.md"
    csv = pd.read_csv(tmp_path / "out" / "page_weights.csv")
    assert list(csv.columns) == PAGE_COLUMNS
    assert len(csv) == 2
    assert (tmp_path / "out" / "static_summary.csv").is_file()
    text = md.read_text(encoding="utf-8")
    assert "1,536 KB" in text and "1.5 × 1024 × 1024 bytes" in text
    # sorted by total: b (6 KB of images) before a
    assert text.index("| chap/b.html |") < text.index("| chap/a.html |")
    total_b = (s["chap/b.html"] + 6000) / 1024
    assert f"| {total_b:,.1f} |" in text


def test_markdown_flags_pages_over_the_limit():
    weights = pd.DataFrame([{"page": "big.html", "html_bytes": 2_000_000,
                             "inline_data_bytes": 1_900_000,
                             "image_bytes": 0, "n_images": 0, "page_asset_bytes": 0,
                             "n_page_assets": 0, "total_page_bytes": 2_000_000,
                             "shared_bytes": 0, "n_shared": 0, "n_external": 0,
                             "over_limit": True}], columns=PAGE_COLUMNS)
    summary = pd.DataFrame([{"static_files": 0, "static_bytes": 0, "shared_referenced_files": 0,
                             "shared_referenced_bytes": 0}])
    text = page_weight_markdown(weights, summary)
    assert "over the limit: 1 (big.html)" in text
    assert "**yes**" in text


def test_is_blank_image(tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("RGB", (40, 30), "white").save(blank)
    assert is_blank_image(blank)
    drawn = Image.new("RGB", (40, 30), "white")
    drawn.putpixel((5, 5), (0, 0, 0))
    drawn.save(tmp_path / "drawn.png")
    assert not is_blank_image(tmp_path / "drawn.png")


def test_figure_pages_from_pdfimages():
    listing = """page   num  type   width height color comp bpc  enc interp  object ID x-ppi y-ppi size ratio
--------------------------------------------------------------------------------------------
  15     0 image    1773   886  rgb     3   8  image  no        94  0   300   300  172K 3.7%
  15     1 smask    1773   886  gray    1   8  image  no        94  0   300   300 10.1K 0.7%
  18     2 image    1769  1181  rgb     3   8  image  no       101  0   300   300  190K 3.0%
"""
    assert figure_pages_from_pdfimages(listing) == [15, 18]
    assert figure_pages_from_pdfimages("") == []


def test_table_pages_from_text():
    table = "\n".join(f"  city{i}     {i}.5     {i * 3}     {i}%" for i in range(5))
    prose = "In 2019 the 26 cities had 3 lines and 4.5 hours of travel, as in 2020.\n" * 10
    assert table_pages_from_text([prose, table, prose + table]) == [2, 3]
    assert table_pages_from_text([table], min_rows=6) == []


def test_pdf_pages_to_render():
    pages = pdf_pages_to_render(143)
    assert [p for p, _ in pages] == [1, 2, 3, 4, 29, 57, 86, 114]
    assert pages[0] == (1, "title page")
    with_hints = dict(pdf_pages_to_render(143, figure_pages=[15, 60, 100], table_pages=[2, 80]))
    assert with_hints[60].startswith("figure")
    assert with_hints[80].startswith("table")
    assert sorted(with_hints) == [1, 2, 3, 4, 29, 60, 80, 114]
    # a short document: no duplicates, nothing past the end
    short = [p for p, _ in pdf_pages_to_render(3)]
    assert short == sorted(set(short)) and max(short) <= 3 and short[:3] == [1, 2, 3]
    with pytest.raises(ValueError, match="no pages"):
        pdf_pages_to_render(0)


def _load_script():
    spec = importlib.util.spec_from_file_location("site_artifacts",
                                                  REPO / "scripts" / "site_artifacts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_key_pages_prefer_the_claims_ledger(tmp_path):
    script = _load_script()
    html = tmp_path / "html"
    assert script.key_pages(html)[-1] == "notebooks/03_development_gaps.html"
    write(html / "summary/claims_ledger.html", "<html></html>")
    assert script.key_pages(html) == ["book/intro.html",
                                      "notebooks/02_synergetics_to_measurement.html",
                                      "summary/claims_ledger.html"]


def test_script_fails_on_a_heavy_page(tmp_path, capsys):
    script = _load_script()
    html = tmp_path / "html"
    write(html / "notebooks/heavy.html", '<img src="../_images/big.png">')
    write(html / "_images/big.png", PAGE_LIMIT_BYTES + 1)
    failures: list[str] = []
    script.page_weight_step(html, tmp_path / "out", failures)
    assert len(failures) == 1
    assert "notebooks/heavy.html" in failures[0] and "over the 1.5 MB limit" in failures[0]
    # a missing input is a failure with the file's name, not a crash
    failures = []
    script.pdf_step(tmp_path / "missing.pdf", tmp_path / "out" / "pdf", failures)
    assert failures and "missing.pdf does not exist" in failures[0]


def test_script_fails_on_blank_or_failed_screenshots(tmp_path, monkeypatch):
    script = _load_script()
    html = tmp_path / "html"
    for rel in script.key_pages(html):
        write(html / rel, "<html></html>")

    def blank_chromium(cmd, what):  # chromium "succeeds" but draws nothing
        target = next(c.split("=", 1)[1] for c in cmd if c.startswith("--screenshot="))
        Image.new("RGB", (16, 16), "white").save(target)

    monkeypatch.setattr(script, "run", blank_chromium)
    failures: list[str] = []
    script.screenshot_step(html, tmp_path / "shots", failures)
    assert len(failures) == 3
    assert "book/intro.html" in failures[0] and "blank" in failures[0]

    def broken_chromium(cmd, what):
        raise RuntimeError(f"{what}: `chromium` exited with 1")

    monkeypatch.setattr(script, "run", broken_chromium)
    failures = []
    script.screenshot_step(html, tmp_path / "shots", failures)
    assert failures[1] == ("screenshot of notebooks/02_synergetics_to_measurement.html: "
                           "`chromium` exited with 1")


@pytest.mark.slow
@pytest.mark.book
@pytest.mark.skipif(not (BUILT_HTML / "index.html").is_file(),
                    reason="needs the built book (make html)")
def test_real_build_pages_are_under_the_limit():
    weights = page_weights(BUILT_HTML)
    heaviest = weights.sort_values("total_page_bytes", ascending=False).head(5)
    print("\nheaviest pages (KB: total = html + images + page assets):")
    for row in heaviest.itertuples(index=False):
        print(f"  {row.total_page_bytes / 1024:8.1f}  {row.page}  "
              f"(html {row.html_bytes / 1024:.1f}, "
              f"{row.n_images} images {row.image_bytes / 1024:.1f}, "
              f"inline data {row.inline_data_bytes / 1024:.1f})")
    over = weights[weights["over_limit"]]
    assert over.empty, f"pages over {PAGE_LIMIT_BYTES} bytes: " + ", ".join(
        f"{r.page} ({r.total_page_bytes} B)" for r in over.itertuples())
    assert (weights["page"] == "book/intro.html").any()
