"""Page weight of the built HTML book, and helpers for looking at the built book.

A reader who opens a page downloads the HTML file, the images it shows and any other file the
page itself loads or offers for download; the theme's CSS, JavaScript and fonts under
``_static`` are the same on every page and are cached by the browser after the first page.
:func:`page_weights` measures these parts for every page of a built book (``_build/html``)
from the files on disk, so that a page that grew too heavy (large PNGs, embedded data) is
found before it is published. The budget is :data:`PAGE_LIMIT_BYTES` (1.5 MiB) for the
page-specific part.

The other helpers serve ``scripts/site_artifacts.py``, which takes screenshots of key pages
and renders pages of the PDF: which PDF pages to render (:func:`pdf_pages_to_render`,
:func:`figure_pages_from_pdfimages`, :func:`table_pages_from_text`) and whether a screenshot
is blank (:func:`is_blank_image`).

Only static references are followed. Files that scripts load at run time (MathJax loads its
own fonts and extensions, the search page loads ``searchindex.js``) are not counted, except
when a page also names them in an element.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd

from cityclusters.errors import SiteReportError

#: Budget for one page: HTML + images + page-specific assets (bytes; 1.5 MiB).
PAGE_LIMIT_BYTES = int(1.5 * 1024 * 1024)

#: Folders of the HTML output that are not pages.
NON_PAGE_DIRS = ("_static", "_sources", "_images", "_downloads")

#: Columns of :func:`page_weights`, in order.
PAGE_COLUMNS = [
    "page", "html_bytes", "inline_data_bytes", "inline_svg_bytes", "image_bytes", "n_images",
    "page_asset_bytes", "n_page_assets", "total_page_bytes", "shared_bytes", "n_shared",
    "n_external", "over_limit",
]

#: Columns of :func:`static_summary`.
STATIC_COLUMNS = ["static_files", "static_bytes", "shared_referenced_files",
                  "shared_referenced_bytes"]

# ``<link rel=...>`` values that make the browser fetch the target (others, such as next,
# prev, index or search, are navigation).
_FETCHING_RELS = {"stylesheet", "preload", "modulepreload", "icon", "shortcut",
                  "apple-touch-icon", "manifest", "prefetch"}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"""@import\s+(['"])(.*?)\1""", re.IGNORECASE)
_FONT_FACE = re.compile(r"@font-face\s*\{(.*?)\}", re.IGNORECASE | re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_INLINE_SVG = re.compile(r"<svg\b.*?</svg\s*>", re.IGNORECASE | re.DOTALL)


@dataclass
class _Refs:
    """References found in one HTML page, by category (values: (tag, attribute, url))."""

    images: list[tuple[str, str, str]] = field(default_factory=list)
    page_assets: list[tuple[str, str, str]] = field(default_factory=list)
    shared: list[tuple[str, str, str]] = field(default_factory=list)
    inline_data_bytes: int = 0


class _RefParser(HTMLParser):
    """Collect the URLs an HTML page loads or offers for download."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs = _Refs()

    def _add(self, bucket: list, tag: str, attr: str, url: str | None) -> None:
        if url is None:
            return
        url = url.strip()
        if url and not url.lower().startswith("data:"):  # data: URIs are counted by the caller
            bucket.append((tag, attr, url))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for value in a.values():
            # inline data (img src, SVG image href, ...) is part of the HTML file's bytes;
            # remember how much for diagnosis
            if value and value.lstrip().lower().startswith("data:"):
                self.refs.inline_data_bytes += len(value.strip().encode("utf-8"))
        if tag == "img":
            self._add(self.refs.images, tag, "src", a.get("src"))
            for url in _srcset_urls(a.get("srcset")):
                self._add(self.refs.images, tag, "srcset", url)
        elif tag == "source":
            bucket = self.refs.page_assets
            self._add(bucket, tag, "src", a.get("src"))
            for url in _srcset_urls(a.get("srcset")):
                self._add(self.refs.images, tag, "srcset", url)
        elif tag == "script":
            self._add(self.refs.shared, tag, "src", a.get("src"))
        elif tag == "link":
            rels = set((a.get("rel") or "").lower().split())
            if rels & _FETCHING_RELS:
                self._add(self.refs.shared, tag, "href", a.get("href"))
        elif tag in ("iframe", "embed", "video", "audio", "track"):
            self._add(self.refs.page_assets, tag, "src", a.get("src"))
            if tag == "video":
                self._add(self.refs.images, tag, "poster", a.get("poster"))
        elif tag == "object":
            self._add(self.refs.page_assets, tag, "data", a.get("data"))
        elif tag == "a":
            href = a.get("href")
            if href and not href.lower().startswith("data:"):
                parts = Path(unquote(urlsplit(href).path)).parts
                # downloads and full-size images are part of what the page offers
                if "_downloads" in parts or "_images" in parts:
                    self._add(self.refs.page_assets, tag, "href", href)


def _srcset_urls(srcset: str | None) -> list[str]:
    if not srcset:
        return []
    return [item.strip().split()[0] for item in srcset.split(",") if item.strip()]


def _is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme and parts.scheme.lower() != "file") or url.startswith("//")


def _resolve(html_dir: Path, base: Path, url: str, where: str, tag: str, attr: str) -> Path:
    """The file a local URL points to; raise :class:`SiteReportError` when it is missing."""
    path = unquote(urlsplit(url).path)
    target = (html_dir / path.lstrip("/")) if path.startswith("/") else (base.parent / path)
    target = Path(_normalise(target))
    root = html_dir.resolve()
    if root != target and root not in target.parents:
        raise SiteReportError(
            f"{where}: <{tag} {attr}=\"{url}\"> points outside the site ({html_dir})")
    if not target.is_file():
        raise SiteReportError(
            f"{where}: <{tag} {attr}=\"{url}\"> names a file that does not exist "
            f"({target.relative_to(root).as_posix()} under {html_dir})")
    return target


def _normalise(path: Path) -> str:
    return os.path.normpath(os.path.abspath(path))


def _css_references(css_file: Path, html_dir: Path, seen: set[Path]) -> set[Path]:
    """Files a stylesheet loads through ``url()`` or ``@import`` (recursively).

    In an ``@font-face`` rule only the first source is counted: a browser downloads the first
    format it supports (here ``woff2``), not every alternative.
    """
    if css_file in seen:
        return set()
    seen.add(css_file)
    text = _CSS_COMMENT.sub("", css_file.read_text(encoding="utf-8", errors="replace"))
    urls: list[str] = []
    for block in _FONT_FACE.findall(text):
        found = [m.group(2) for m in _CSS_URL.finditer(block)]
        urls += found[:1]
    rest = _FONT_FACE.sub("", text)
    urls += [m.group(2) for m in _CSS_URL.finditer(rest)]
    urls += [m.group(2) for m in _CSS_IMPORT.finditer(rest)]
    where = css_file.relative_to(html_dir.resolve()).as_posix()
    found_files: set[Path] = set()
    for url in urls:
        url = url.strip()
        if not url or url.lower().startswith("data:") or url.startswith("#") or _is_external(url):
            continue
        target = _resolve(html_dir, css_file, url, where, "css", "url")
        found_files.add(target)
        if target.suffix.lower() == ".css":
            found_files |= _css_references(target, html_dir, seen)
    return found_files


@dataclass
class _PageFiles:
    html: Path
    inline_data_bytes: int
    inline_svg_bytes: int
    images: set[Path]
    page_assets: set[Path]
    shared: set[Path]
    n_external: int


def html_pages(html_dir: Path) -> list[Path]:
    """Every ``*.html`` page of a built book, sorted (files under ``_static``, ``_sources``,
    ``_images``, ``_downloads`` and hidden folders such as ``.pytest_cache`` are not
    pages)."""
    html_dir = Path(html_dir)
    if not html_dir.is_dir():
        raise SiteReportError(f"{html_dir}: no built HTML here (run `make html` first)")
    pages = []
    for path in html_dir.rglob("*.html"):
        folders = path.relative_to(html_dir).parts[:-1]
        if set(folders) & set(NON_PAGE_DIRS) or any(f.startswith(".") for f in folders):
            continue
        pages.append(path)
    return sorted(pages)


def _page_files(html_dir: Path, page: Path) -> _PageFiles:
    root = html_dir.resolve()
    page = page.resolve()
    where = page.relative_to(root).as_posix()
    parser = _RefParser()
    text = page.read_text(encoding="utf-8", errors="replace")
    parser.feed(text)
    parser.close()
    refs = parser.refs
    n_external = 0
    static = root / "_static"
    images: set[Path] = set()
    page_assets: set[Path] = set()
    shared: set[Path] = set()
    for bucket, kind in ((refs.shared, "shared"), (refs.images, "images"),
                         (refs.page_assets, "page_assets")):
        for tag, attr, url in bucket:
            if url.startswith("#"):
                continue
            if _is_external(url):
                n_external += 1
                continue
            if tag == "a" and not urlsplit(url).path:
                continue
            target = _resolve(root, page, url, where, tag, attr)
            if target == page:
                continue
            if static in target.parents:
                shared.add(target)
            elif kind == "shared":
                shared.add(target)
            elif kind == "images":
                images.add(target)
            else:
                page_assets.add(target)
    page_assets -= images
    page_assets -= shared
    images -= shared
    seen: set[Path] = set()
    for css in sorted(p for p in shared if p.suffix.lower() == ".css"):
        shared |= _css_references(css, root, seen)
    svg_bytes = sum(len(m.group(0).encode("utf-8")) for m in _INLINE_SVG.finditer(text))
    return _PageFiles(page, refs.inline_data_bytes, svg_bytes, images, page_assets, shared,
                      n_external)


def _size(files: set[Path]) -> int:
    return sum(f.stat().st_size for f in files)


def page_weights(html_dir: Path) -> pd.DataFrame:
    """Bytes a reader downloads for every page of a built HTML book.

    Parameters
    ----------
    html_dir : pathlib.Path
        The HTML output (``_build/html``).

    Returns
    -------
    pandas.DataFrame
        One row per page, sorted by ``page`` (path relative to ``html_dir``). Sizes are in
        bytes, read from the files on disk:

        ``html_bytes``
            The HTML file itself. Inline ``data:`` URIs (e.g. images embedded by
            ``<img src="data:...">``, in any attribute of any element) and inline ``<svg>``
            figures are part of it; ``inline_data_bytes`` and ``inline_svg_bytes`` say how
            many of its bytes they take (for diagnosis; they can overlap when an SVG holds a
            data URI).
        ``image_bytes``, ``n_images``
            Distinct local files named by ``<img src/srcset>`` (and ``<source srcset>``,
            ``<video poster>``) outside ``_static``.
        ``page_asset_bytes``, ``n_page_assets``
            Other distinct local files the page loads (``iframe``, ``embed``, ``object``,
            ``video``, ``audio``, ``source``) or offers (``<a href>`` into ``_images/`` or
            ``_downloads/``), outside ``_static`` and not already counted as images.
        ``total_page_bytes``
            ``html_bytes + image_bytes + page_asset_bytes``: what the page costs once the
            shared assets are cached.
        ``shared_bytes``, ``n_shared``
            Files under ``_static`` the page references, files loaded by ``<script src>`` or
            a fetching ``<link>`` (stylesheet, preload, icon), and what those stylesheets load
            through ``url()``/``@import`` (only the first source of an ``@font-face``).
            Shown separately: browsers cache them across pages.
        ``n_external``
            References to other sites (not measured).
        ``over_limit``
            ``total_page_bytes > PAGE_LIMIT_BYTES`` (1.5 × 1024 × 1024 bytes).

    Raises
    ------
    SiteReportError
        When ``html_dir`` has no pages, or a page (or a stylesheet it loads) names a local
        file that does not exist; the message names the page, the element and the URL.

    Notes
    -----
    Navigation links (``<a href>`` to other pages or to ``_sources``) are not page weight.
    Files loaded only by scripts at run time (MathJax's fonts and extensions) are not seen.
    """
    html_dir = Path(html_dir)
    pages = html_pages(html_dir)
    if not pages:
        raise SiteReportError(f"{html_dir}: no *.html pages found")
    rows = []
    for page in pages:
        files = _page_files(html_dir, page)
        html_bytes = page.stat().st_size
        image_bytes = _size(files.images)
        asset_bytes = _size(files.page_assets)
        total = html_bytes + image_bytes + asset_bytes
        rows.append({
            "page": page.relative_to(html_dir).as_posix(),
            "html_bytes": html_bytes,
            "inline_data_bytes": files.inline_data_bytes,
            "inline_svg_bytes": files.inline_svg_bytes,
            "image_bytes": image_bytes,
            "n_images": len(files.images),
            "page_asset_bytes": asset_bytes,
            "n_page_assets": len(files.page_assets),
            "total_page_bytes": total,
            "shared_bytes": _size(files.shared),
            "n_shared": len(files.shared),
            "n_external": files.n_external,
            "over_limit": total > PAGE_LIMIT_BYTES,
        })
    return pd.DataFrame(rows, columns=PAGE_COLUMNS)


def static_summary(html_dir: Path) -> pd.DataFrame:
    """One row: all of ``_static`` (``static_files``, ``static_bytes``) and the union of the
    shared assets that at least one page references (``shared_referenced_files``,
    ``shared_referenced_bytes``; see :func:`page_weights`). Bytes, from the files on disk."""
    html_dir = Path(html_dir)
    static = html_dir / "_static"
    static_files = [p for p in static.rglob("*") if p.is_file()] if static.is_dir() else []
    shared: set[Path] = set()
    for page in html_pages(html_dir):
        shared |= _page_files(html_dir, page).shared
    return pd.DataFrame([{
        "static_files": len(static_files),
        "static_bytes": sum(p.stat().st_size for p in static_files),
        "shared_referenced_files": len(shared),
        "shared_referenced_bytes": _size(shared),
    }], columns=STATIC_COLUMNS)


def _kb(n: int) -> str:
    return f"{n / 1024:,.1f}"


def page_weight_markdown(weights: pd.DataFrame, summary: pd.DataFrame) -> str:
    """The report as Markdown: pages sorted by ``total_page_bytes`` (heaviest first), sizes in
    KB (1 KB = 1024 bytes), with the limit and the shared ``_static`` summary stated."""
    limit_kb = PAGE_LIMIT_BYTES / 1024
    over = weights[weights["over_limit"]]
    lines = [
        "# Page weight of the built HTML book",
        "",
        f"Limit: {limit_kb:,.0f} KB (1.5 MB = 1.5 × 1024 × 1024 bytes) per page for HTML + "
        "images + page-specific assets. 1 KB = 1024 bytes. Shared assets (theme CSS, "
        "JavaScript, fonts) are cached by the browser after the first page and are listed "
        "separately.",
        "",
        f"Pages: {len(weights)}; over the limit: {len(over)}"
        + (" (" + ", ".join(over["page"]) + ")" if len(over) else "") + ".",
        "",
        "| Page | HTML KB | of which inline data / SVG KB | Images KB (n) "
        "| Page assets KB (n) | Total KB | Shared KB (n) | Over limit |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    ordered = weights.sort_values(["total_page_bytes", "page"], ascending=[False, True])
    for row in ordered.itertuples(index=False):
        lines.append(
            f"| {row.page} | {_kb(row.html_bytes)} "
            f"| {_kb(row.inline_data_bytes)} / {_kb(row.inline_svg_bytes)} "
            f"| {_kb(row.image_bytes)} ({row.n_images}) "
            f"| {_kb(row.page_asset_bytes)} ({row.n_page_assets}) | {_kb(row.total_page_bytes)} "
            f"| {_kb(row.shared_bytes)} ({row.n_shared}) "
            f"| {'**yes**' if row.over_limit else 'no'} |")
    s = summary.iloc[0]
    lines += [
        "",
        "## Shared assets (`_static`)",
        "",
        "| Files in _static | _static KB | Referenced by pages (files) | Referenced KB |",
        "|---:|---:|---:|---:|",
        f"| {s.static_files} | {_kb(s.static_bytes)} | {s.shared_referenced_files} "
        f"| {_kb(s.shared_referenced_bytes)} |",
        "",
    ]
    return "\n".join(lines)


def write_page_weight_report(html_dir: Path, out_dir: Path) -> Path:
    """Write ``page_weights.csv`` (one row per page, bytes; see :func:`page_weights`),
    ``static_summary.csv`` and ``page_weights.md`` (Markdown, sorted by total, KB) into
    ``out_dir`` (created if needed). Returns the path of the Markdown file."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = page_weights(html_dir)
    summary = static_summary(html_dir)
    weights.to_csv(out_dir / "page_weights.csv", index=False)
    summary.to_csv(out_dir / "static_summary.csv", index=False)
    md = out_dir / "page_weights.md"
    md.write_text(page_weight_markdown(weights, summary), encoding="utf-8")
    return md


# --- looking at the built book ---------------------------------------------------------------

def is_blank_image(path: Path) -> bool:
    """True when every pixel of the image has the same colour (e.g. a screenshot taken
    before anything was drawn). Uses PIL's per-band extrema."""
    from PIL import Image

    with Image.open(path) as img:
        extrema = img.convert("RGBA").getextrema()
    return all(low == high for low, high in extrema)


def figure_pages_from_pdfimages(listing: str) -> list[int]:
    """Pages that hold a raster image, from the output of ``pdfimages -list`` (sorted,
    distinct; the two header lines are skipped)."""
    pages = set()
    for line in listing.splitlines():
        fields = line.split()
        if fields and fields[0].isdigit():
            pages.add(int(fields[0]))
    return sorted(pages)


_NUMBER_CELL = re.compile(r"(?:^|\s{2,})[-−+]?[\d][\d.,]*%?(?=\s{2,}|$)")


def table_pages_from_text(page_texts: list[str], min_rows: int = 4) -> list[int]:
    """Pages (1-based) that look like they carry a table: at least ``min_rows`` lines of the
    page's ``pdftotext -layout`` text with three or more numeric cells separated by two or
    more spaces. A heuristic for choosing a page to look at, not a test."""
    pages = []
    for number, text in enumerate(page_texts, start=1):
        rows = sum(1 for line in text.splitlines() if len(_NUMBER_CELL.findall(line)) >= 3)
        if rows >= min_rows:
            pages.append(number)
    return pages


def _nearest(target: int, candidates: list[int], taken: set[int]) -> int | None:
    free = [c for c in candidates if c not in taken]
    if not free:
        return None
    return min(free, key=lambda c: (abs(c - target), c))


def pdf_pages_to_render(n_pages: int, figure_pages: list[int] | None = None,
                        table_pages: list[int] | None = None, first: int = 4,
                        spread: int = 4) -> list[tuple[int, str]]:
    """Which PDF pages to render for a look: the first ``first`` pages (title page, table of
    contents) and ``spread`` pages spread through the book at proportions
    ``k / (spread + 1)`` of ``n_pages`` (k = 1..spread). When pages with a figure (or a
    table) are known, the second spread page moves to the nearest figure page and the third
    to the nearest table page, so that both kinds are seen.

    Returns ``(page, reason)`` pairs, 1-based, sorted by page, without duplicates.
    """
    if n_pages < 1:
        raise ValueError(f"the PDF has no pages (n_pages={n_pages})")
    chosen: dict[int, str] = {}
    for p in range(1, min(first, n_pages) + 1):
        chosen[p] = "title page" if p == 1 else "front matter"
    for k in range(1, spread + 1):
        target = max(1, min(n_pages, round(n_pages * k / (spread + 1))))
        reason = f"{k}/{spread + 1} through the book"
        taken = set(chosen)
        if k == 2 and figure_pages:
            page = _nearest(target, [p for p in figure_pages if 1 <= p <= n_pages], taken)
            if page is not None:
                chosen[page] = f"figure (near {reason})"
                continue
        if k == 3 and table_pages:
            page = _nearest(target, [p for p in table_pages if 1 <= p <= n_pages], taken)
            if page is not None:
                chosen[page] = f"table (near {reason})"
                continue
        while target in chosen and target < n_pages:
            target += 1
        chosen.setdefault(target, reason)
    return sorted(chosen.items())
