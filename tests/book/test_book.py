"""The built book (``make book`` runs first in ``make test``): HTML pages, links and anchors,
glued numbers, no execution errors, and the PDF with Chinese text."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from cityclusters.paths import repo_root

BUILD = repo_root() / "_build"
HTML = BUILD / "html"
PDF = BUILD / "latex" / "book.pdf"
CHAPTER = HTML / "notebooks" / "01_clusters_and_data.html"

pytestmark = [pytest.mark.slow, pytest.mark.book,
              pytest.mark.skipif(not (HTML / "index.html").exists(), reason="book not built: run `make book`")]


class LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("id", "name"):
            if attributes.get(name):
                self.ids.add(attributes[name])
        for name in ("href", "src"):
            if attributes.get(name) and not (tag == "link" and attributes.get("rel") == "preconnect"):
                self.links.append(attributes[name])


def parse(path: Path) -> LinkParser:
    parser = LinkParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def text_of(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", raw))


def test_pages_exist():
    for page in ["book/intro.html", "book/papers.html", "book/data.html", "book/bibliography.html",
                 "notebooks/01_clusters_and_data.html", "summary/claims_ledger.html",
                 "summary/reproducibility.html", "book/glossary.html", "book/course_guide.html"]:
        assert (HTML / page).is_file(), page


def test_internal_links_and_anchors_resolve():
    pages = [p for p in HTML.rglob("*.html") if "_static" not in p.parts]
    parsed = {p.resolve(): parse(p) for p in pages}
    broken = []
    for page, parser in parsed.items():
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("//", "mailto:", "javascript:", "data:")):
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(HTML.resolve())}: {link}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(HTML.resolve())}: {link} (no anchor)")
    assert broken == []


def test_no_execution_errors_in_pages():
    for page in HTML.rglob("*.html"):
        raw = page.read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" not in raw, page
        assert 'class="output stderr' not in raw, page
        assert "glue:" not in text_of(page), f"unrendered glue role in {page}"


def test_glued_numbers_are_the_computed_ones():
    from cityclusters.data import compare, tables

    text = text_of(CHAPTER)
    panel = tables.city_year()
    assert f"{len(panel):,} rows" in text
    matched = compare.source_agreement(panel[panel["year"].between(2000, 2021)],
                                       tables.csmar_city_gdp(), tolerance=0.005)
    assert f"{matched['within'].mean():.1%} of them agree" in text
    assert f"{len(matched):,} city-years" in text
    by = compare.table1_comparison(tables.paper000_table1(), panel).set_index(["indicator_id", "city"])
    assert f"{by.loc[('population', 'chengdu'), 'relative_difference']:.1%} (Chengdu)" in text


def test_pdf_exists_with_chinese_and_no_missing_glyphs():
    assert PDF.is_file() and PDF.stat().st_size > 100_000
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    text = subprocess.run(["pdftotext", str(PDF), "-"], capture_output=True, text=True, check=True).stdout
    assert "成都" in text
    assert "The clusters and the data" in text
    log = (BUILD / "latex" / "book.log").read_text(encoding="utf-8", errors="replace")
    assert "Missing character" not in log


def pdf_image_resolutions(listing: str) -> list[tuple[int, int, int]]:
    """(page, x-ppi, y-ppi) of every image in the output of ``pdfimages -list`` (soft masks
    left out: they share their image's resolution)."""
    rows = []
    for line in listing.splitlines()[2:]:
        fields = line.split()
        if len(fields) >= 14 and fields[2] == "image":
            rows.append((int(fields[0]), int(fields[12]), int(fields[13])))
    return rows


def test_pdf_image_listing_is_read():
    listing = ("page   num  type   width height color comp bpc  enc interp  object ID x-ppi y-ppi size ratio\n"
               + "-" * 92 + "\n"
               "  21     0 image    1030  1049  rgb     3   8  image  no       428  0   164   164  328K  10%\n"
               "  21     1 smask    1030  1049  gray    1   8  image  no       428  0   164   164 2392B 0.2%\n"
               "  25     2 image     671   605  index   1   8  image  no       445  0   110   110 38.4K 3.2%\n")
    assert pdf_image_resolutions(listing) == [(21, 164, 164), (25, 110, 110)]


def test_every_figure_in_the_pdf_has_at_least_150_dpi():
    """Figures are printed at their size in inches (the PNG records its dpi) or smaller (a figure
    wider than the text block is scaled down), so each prints at ≥ the dpi it was rendered at."""
    if shutil.which("pdfimages") is None:
        pytest.skip("pdfimages (poppler-utils) not installed")
    listing = subprocess.run(["pdfimages", "-list", str(PDF)], capture_output=True, text=True, check=True).stdout
    images = pdf_image_resolutions(listing)
    assert len(images) >= 30  # the chapters' figures
    low = [image for image in images if min(image[1:]) < 150]
    assert low == [], f"images below 150 dpi (page, x-ppi, y-ppi): {low}"


STUDENT = BUILD / "student" / "_build" / "html"


@pytest.mark.skipif(not (STUDENT / "index.html").exists(), reason="student book not built: make html-student")
def test_student_build_has_the_exercises_but_no_solutions():
    chapters = sorted((HTML / "notebooks").glob("[0-9][0-9]_*.html"))
    assert len(chapters) == 12
    for chapter in chapters:
        full = chapter.read_text(encoding="utf-8")
        student = (STUDENT / "notebooks" / chapter.name).read_text(encoding="utf-8")
        n_exercises = full.count('class="exercise admonition"')
        assert n_exercises >= 2 and student.count('class="exercise admonition"') == n_exercises, chapter.name
        assert full.count('class="dropdown solution admonition"') == n_exercises, chapter.name
        assert "solution admonition" not in student, chapter.name


def test_download_and_launch_buttons():
    import yaml

    config = yaml.safe_load((repo_root() / "_config.yml").read_text(encoding="utf-8"))
    org_repo = config["repository"]["url"].removeprefix("https://github.com/")
    page = (HTML / "notebooks" / "02_synergetics_to_measurement.html").read_text(encoding="utf-8")
    assert f"mybinder.org/v2/gh/{org_repo}/" in page
    assert f"colab.research.google.com/github/{org_repo}/blob/gh-pages/_sources/notebooks/02_synergetics_to_measurement.ipynb" in page
    for download in ("_sources/notebooks/02_synergetics_to_measurement.ipynb",
                     "_sources/notebooks/02_synergetics_to_measurement.md", "_static/book.pdf"):
        assert download in page, download
        assert (HTML / download).is_file(), download


def test_reproducibility_page_lists_versions_hashes_times_and_dependencies():
    text = text_of(HTML / "summary" / "reproducibility.html")
    from importlib.metadata import version

    assert f"jupyter-book {version('jupyter-book')}" in text
    from cityclusters.data.registry import load_registry

    registry = load_registry()
    used = [sha[:16] for sha in registry["sha256"] if sha[:16] in text]
    assert len(used) >= 5
    assert "03_development_gaps" in text  # the execution-time table names every chapter
    assert "china-prefecture-crosswalk" in text


def test_every_chapter_figure_has_a_real_alt_text():
    image = re.compile(r"<figure[^>]*>(?:(?!</figure>).)*?<img[^>]*alt=\"(?P<alt>[^\"]*)\"", re.S)
    chapters = sorted((HTML / "notebooks").glob("*.html"))
    assert chapters
    for page in chapters:
        for match in image.finditer(page.read_text(encoding="utf-8")):
            alt = match.group("alt")
            assert len(alt) > 20 and not alt.endswith((".png", ".svg")), (page.name, alt[:80])


_FIGURE_AND_LINK = re.compile(r"<figure[^>]*>.*?</figure>\s*(?P<link><p class=\"cc-data-download\">.*?</p>)?", re.S)
_DATA_HREF = re.compile(r'<p class="cc-data-download"><a href="(?P<href>[^"]+)"')


def test_every_chapter_figure_and_table_has_a_csv_link_that_returns_data():
    """Issue 16: a reader takes the numbers away. Every figure of a chapter is followed by its
    "Data (CSV)" link, every table output (a Markdown table in a code cell's output) carries
    one, and every link opens a CSV with a header and at least one row."""
    import pandas as pd

    chapters = sorted((HTML / "notebooks").glob("[01][0-9]_*.html")) + [HTML / "summary" / "claims_ledger.html"]
    n_links = 0
    for page in chapters:
        html = page.read_text(encoding="utf-8")
        figures = list(_FIGURE_AND_LINK.finditer(html))
        assert all(m.group("link") for m in figures), (page.name, [m.group(0)[:120] for m in figures if not m.group("link")])
        outputs = html.count('<div class="cell_output docutils container">')
        tables_in_outputs = len(re.findall(r'<div class="cell_output docutils container">\s*(?:<p>.*?</p>\s*)?'
                                           r'<div class="pst-scrollable-table-container"><table', html))
        links = _DATA_HREF.findall(html)
        assert tables_in_outputs or page.name.startswith("claims"), page.name  # the pattern still finds tables
        assert len(links) >= len(figures) + tables_in_outputs, (page.name, len(links), len(figures), tables_in_outputs, outputs)
        for href in links:
            target = (page.parent / unquote(href)).resolve()
            frame = pd.read_csv(target)
            assert len(frame.columns) >= 1 and len(frame) >= 1, (page.name, href)
        n_links += len(links)
    assert n_links >= 100  # 46 figures and about 75 tables


def test_the_ledger_page_offers_the_whole_ledger_as_csv():
    import pandas as pd

    page = HTML / "summary" / "claims_ledger.html"
    hrefs = _DATA_HREF.findall(page.read_text(encoding="utf-8"))
    frames = [pd.read_csv((page.parent / unquote(h)).resolve()) for h in hrefs]
    whole = [f for f in frames if {"claim_id", "verdict", "evidence"} <= set(f.columns)]
    assert whole and max(len(f) for f in whole) >= 40  # all claims in one table


def pdf_page_label_starts(pdf: bytes) -> list[tuple[int, str]]:
    """(first page index, numbering style) of each range of the PDF's page labels (its
    ``/PageLabels`` number tree, in the catalog, possibly inside a compressed object stream)."""
    import zlib

    texts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", match.end())
        try:
            texts.append(zlib.decompress(pdf[match.end():end]))
        except zlib.error:
            continue
    for text in texts:
        found = re.search(rb"/PageLabels\s*<<\s*/Nums\s*\[(.*?)\]", text, re.S)
        if found:
            return [(int(k), style.decode()) for k, style in
                    re.findall(rb"(\d+)\s*<<\s*/S\s*/(\w)", found.group(1))]
    return []


@pytest.mark.parametrize("folder", [BUILD / "latex", BUILD / "student" / "_build" / "latex"],
                         ids=["book", "student edition"])
def test_the_pdf_numbers_its_pages_as_its_last_latex_pass_laid_them_out(folder):
    """The table of contents moves where the arabic page numbers start once it exists, so a PDF
    written before the last XeTeX pass numbers its pages wrong (the Makefile's `-xelatex`
    converts only the last pass). The page labels in the PDF are those the last pass recorded
    (``\\HyPL@Entry`` in ``book.aux``): roman front matter, then arabic from chapter 1."""
    pdf, aux = folder / "book.pdf", folder / "book.aux"
    if not (pdf.is_file() and aux.is_file()):
        pytest.skip("no PDF: run `make pdf` and `make html-student`")
    recorded = [(int(k), style) for k, style in
                re.findall(r"\\HyPL@Entry\{(\d+)<</S/(\w)>>\}", aux.read_text(encoding="utf-8", errors="replace"))]
    labels = pdf_page_label_starts(pdf.read_bytes())
    assert labels == recorded, (labels, recorded)
    assert [style for _, style in labels] == ["D", "r", "D"] and labels[2][0] > labels[1][0] + 1


def test_the_pdf_log_has_no_overfull_vbox_and_at_most_ten_overfull_hboxes():
    """Issue 16: tables fit the page (cityclusters.publishing.latex_tables) and none runs over
    the footer. The few hboxes left are long identifiers in running text."""
    log = (BUILD / "latex" / "book.log")
    if not log.is_file():
        pytest.skip("no PDF log: run `make pdf`")
    text = log.read_text(encoding="utf-8", errors="replace")
    assert text.count("Overfull \\vbox") == 0
    assert text.count("Overfull \\hbox") <= 10, re.findall(r"Overfull \\hbox.*\n.*", text)[:20]


_SOLUTION = re.compile(r"^(:{3,})\{admonition\}[^\n]*\n:class:[^\n]*\bsolution\b[^\n]*\n(.*?)^\1\s*$", re.S | re.M)
_PLAIN = re.compile(r"[A-Za-z][A-Za-z ,;]{40,}")


def _solution_phrases() -> list[str]:
    """Plain-text stretches (≥ 40 letters, no markup) of the chapters' solutions that the
    teacher's site shows: what must appear nowhere in the student edition."""
    teacher = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in (HTML / "notebooks").glob("*.html"))
    phrases = []
    for source in sorted((repo_root() / "notebooks").glob("*.md")):
        for match in _SOLUTION.finditer(source.read_text(encoding="utf-8")):
            for line in match.group(2).splitlines():
                phrases += [p.strip() for p in _PLAIN.findall(line) if p.strip() in teacher]
    return phrases


@pytest.mark.skipif(not (STUDENT / "index.html").exists(), reason="student book not built: make html-student")
def test_student_site_serves_no_solution_in_any_file():
    phrases = _solution_phrases()
    assert len(phrases) >= 20  # the check has something to find
    leaks = []
    for path in STUDENT.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".js", ".txt", ".md", ".json"):
            text = " ".join(path.read_text(encoding="utf-8", errors="ignore").split())
            leaks += [(str(path.relative_to(STUDENT)), p) for p in phrases if p in text]
    assert not leaks, leaks[:5]
    assert not list((STUDENT / "_sources").rglob("*.md"))
    assert (STUDENT / "_static" / "book.pdf").is_file()


@pytest.mark.skipif(not (STUDENT / "index.html").exists(), reason="student book not built: make html-student")
def test_student_pdf_has_no_solution():
    pdf = STUDENT.parent / "latex" / "book.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(text.split())
    phrases = _solution_phrases()
    leaks = [p for p in phrases if p in text]
    assert not leaks, leaks[:5]
    assert "Exercise" in text
    if PDF.is_file():  # the same phrases are found in the teacher's PDF: the check can see them
        teacher = " ".join(subprocess.run(["pdftotext", str(PDF), "-"], capture_output=True, text=True,
                                          check=True).stdout.split())
        assert sum(p in teacher for p in phrases) >= len(phrases) // 3


def test_downloaded_notebooks_show_values_not_glue_markup():
    import json

    notebooks = sorted((HTML / "_sources" / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == 12
    for path in notebooks:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        prose = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        assert "{glue" not in prose, path.name
        assert any("setup-outside-the-repository" in c["metadata"].get("tags", []) for c in cells), path.name


def _chapter_cells():
    from .test_code_cells import CHAPTERS, code_cells

    return {path.stem: code_cells(path) for path in CHAPTERS}


def test_chapter_pages_show_the_headline_code_and_put_the_rest_behind_toggles():
    """Issue 16: the computing cells are no longer removed. Each ``hide-input`` cell of a chapter
    is a toggle (its code inside a closed <details>), each shown cell and the parameters cell are
    plain code blocks; only the plumbing cell (glue_provenance) leaves no trace."""
    for stem, cells in _chapter_cells().items():
        page = (HTML / "notebooks" / f"{stem}.html").read_text(encoding="utf-8")
        hidden = sum(tags == ["hide-input"] for tags, _ in cells)
        shown = sum(tags in ([], ["parameters"]) for tags, _ in cells)
        assert page.count('<details class="admonition hide above-input">') == hidden, stem
        assert page.count('class="cell_input') == hidden + shown, stem
        assert "glue_provenance" not in page, stem


def test_pdf_prints_the_headline_code_but_not_the_hidden_code():
    """The PDF carries the shown cells' code and none of the ~140 hidden inputs
    (``sphinx_ext.drop_hidden_inputs``): no chapter's import cell, no ``chapter_spec`` check."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    text = subprocess.run(["pdftotext", str(PDF), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "chapter_spec" not in flat and "import matplotlib" not in flat
    for stem, cells in _chapter_cells().items():
        for tags, source in cells:
            if not tags:
                start = " ".join(source.splitlines()[0].split())[:30]
                assert start in flat, (stem, start)
