#!/usr/bin/env python3
"""Artifacts for looking at the built book without a browser or PDF viewer.

Writes into ``_build/artifacts/`` (by default):

- ``page_weights.csv``, ``static_summary.csv``, ``page_weights.md``: bytes per HTML page
  (see ``cityclusters.publishing.site_report.page_weights``); the budget is 1.5 MB per page;
- ``screenshots/*.png``: headless-Chromium screenshots (1280 × 1600, 5 s of virtual time so
  that MathJax has typeset the formulas) of the introduction, chapter 2 and the claims ledger
  (chapter 3 while the ledger does not exist);
- ``pdf_pages/page-NNN.png``: ``pdftoppm -r 60`` renders of the first four pages of
  ``_build/latex/book.pdf`` and of four pages spread through it (one with a figure, one with
  a table when such pages are found).

Exit code 1, with a message naming the page or file, when a page is over the budget, when
chromium or pdftoppm fail, when a screenshot is blank (one colour) or an input is missing.

Usage: ``python scripts/site_artifacts.py [--html-dir DIR] [--pdf FILE] [--out DIR]``
(``make artifacts``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from cityclusters.paths import repo_root
from cityclusters.publishing.site_report import (
    PAGE_LIMIT_BYTES,
    SiteReportError,
    figure_pages_from_pdfimages,
    is_blank_image,
    pdf_pages_to_render,
    table_pages_from_text,
    write_page_weight_report,
)

WINDOW = "1280,1600"
VIRTUAL_TIME_MS = 5000
TIMEOUT_S = 180
PDF_DPI = 60


def key_pages(html_dir: Path) -> list[str]:
    """The pages to screenshot (relative to ``html_dir``)."""
    ledger = "summary/claims_ledger.html"
    third = ledger if (html_dir / ledger).is_file() else "notebooks/03_development_gaps.html"
    return ["book/intro.html", "notebooks/02_synergetics_to_measurement.html", third]


def run(cmd: list[str], what: str) -> subprocess.CompletedProcess:
    """Run a command; raise RuntimeError naming ``what`` when it fails or times out."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{what}: `{cmd[0]}` did not finish within {TIMEOUT_S} s") from None
    except FileNotFoundError:
        raise RuntimeError(f"{what}: `{cmd[0]}` is not installed (run `make sysdeps`)") from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise RuntimeError(f"{what}: `{cmd[0]}` exited with {done.returncode}\n{tail}")
    return done


def page_weight_step(html_dir: Path, out: Path, failures: list[str]) -> None:
    try:
        md = write_page_weight_report(html_dir, out)
    except SiteReportError as err:
        failures.append(f"page weights: {err}")
        return
    weights = pd.read_csv(out / "page_weights.csv")
    heaviest = weights.sort_values("total_page_bytes", ascending=False)
    print(f"page weights: {len(weights)} pages -> {md}")
    for row in heaviest.head(5).itertuples(index=False):
        print(f"  {row.total_page_bytes / 1024:8.1f} KB  {row.page}  "
              f"(html {row.html_bytes / 1024:.1f} KB, {row.n_images} images "
              f"{row.image_bytes / 1024:.1f} KB)")
    for row in heaviest[heaviest["over_limit"]].itertuples(index=False):
        failures.append(f"page weight: {row.page} is {row.total_page_bytes / 1024 / 1024:.2f} MB, "
                        f"over the {PAGE_LIMIT_BYTES / 1024 / 1024:.1f} MB limit "
                        f"(html {row.html_bytes} B of which inline data {row.inline_data_bytes} B "
                        f"and inline SVG {row.inline_svg_bytes} B, "
                        f"images {row.image_bytes} B, page assets {row.page_asset_bytes} B)")


def screenshot_step(html_dir: Path, out: Path, failures: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    for rel in key_pages(html_dir):
        page = html_dir / rel
        if not page.is_file():
            failures.append(f"screenshot: {page} does not exist (build the HTML first)")
            continue
        png = out / f"{Path(rel).stem}.png"
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--no-first-run", "--disable-quic", "--hide-scrollbars",
                   f"--user-data-dir={profile}", f"--window-size={WINDOW}",
                   f"--virtual-time-budget={VIRTUAL_TIME_MS}",
                   f"--screenshot={png}", page.resolve().as_uri()]
            try:
                run(cmd, f"screenshot of {rel}")
            except RuntimeError as err:
                failures.append(str(err))
                continue
        if not png.is_file():
            failures.append(f"screenshot of {rel}: chromium wrote no file {png}")
        elif is_blank_image(png):
            failures.append(f"screenshot of {rel}: {png} is blank (every pixel one colour)")
        else:
            print(f"screenshot: {rel} -> {png}")


def pdf_step(pdf: Path, out: Path, failures: list[str]) -> None:
    if not pdf.is_file():
        failures.append(f"PDF pages: {pdf} does not exist (run `make pdf` first)")
        return
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    try:
        info = run(["pdfinfo", str(pdf)], f"page count of {pdf}").stdout
        n_pages = int(next(line.split()[1] for line in info.splitlines()
                           if line.startswith("Pages:")))
    except (RuntimeError, StopIteration, ValueError) as err:
        failures.append(f"PDF pages: cannot read the page count of {pdf}: {err}")
        return
    figure_pages: list[int] = []
    table_pages: list[int] = []
    try:
        figure_pages = figure_pages_from_pdfimages(
            run(["pdfimages", "-list", str(pdf)], f"images of {pdf}").stdout)
        text = run(["pdftotext", "-layout", str(pdf), "-"], f"text of {pdf}").stdout
        table_pages = table_pages_from_text(text.split("\f"))
    except RuntimeError as err:  # only the choice of pages suffers: say so, go on
        print(f"warning: {err}; choosing PDF pages by proportion only")
    for number, reason in pdf_pages_to_render(n_pages, figure_pages, table_pages):
        stem = out / f"page-{number:03d}"
        try:
            run(["pdftoppm", "-png", "-r", str(PDF_DPI), "-f", str(number), "-l", str(number),
                 "-singlefile", str(pdf), str(stem)], f"render of PDF page {number}")
        except RuntimeError as err:
            failures.append(str(err))
            continue
        png = stem.with_suffix(".png")
        if not png.is_file():
            failures.append(f"render of PDF page {number}: pdftoppm wrote no file {png}")
            continue
        note = " (blank page)" if is_blank_image(png) else ""
        print(f"PDF page {number:3d}/{n_pages} ({reason}) -> {png}{note}")


def main(argv: list[str] | None = None) -> int:
    root = repo_root()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html-dir", type=Path, default=root / "_build" / "html")
    parser.add_argument("--pdf", type=Path, default=root / "_build" / "latex" / "book.pdf")
    parser.add_argument("--out", type=Path, default=root / "_build" / "artifacts")
    args = parser.parse_args(argv)
    failures: list[str] = []
    page_weight_step(args.html_dir, args.out, failures)
    screenshot_step(args.html_dir, args.out / "screenshots", failures)
    pdf_step(args.pdf, args.out / "pdf_pages", failures)
    if failures:
        print(f"\n{len(failures)} problem(s):", file=sys.stderr)
        for failure in failures:
            print(f"- {failure}", file=sys.stderr)
        return 1
    print(f"\nall artifacts in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
