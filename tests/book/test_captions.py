"""Figure captions that the PDF can typeset: a citation role inside a ``glue:figure`` caption
becomes a hyperlink inside LaTeX's \\caption, which stops xelatex ("Argument of \\Hy@tempa has
an extra }"). Cite in the paragraph next to the figure instead."""

from __future__ import annotations

import re

import pytest

from cityclusters.paths import repo_root

PAGES = sorted([*(repo_root() / "notebooks").glob("*.md"), *(repo_root() / "book").glob("*.md"),
                *(repo_root() / "summary").glob("*.md")])
FIGURE = re.compile(r"^```\{(?:glue:figure|figure)\}.*?^```", re.S | re.M)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_no_citation_inside_a_figure_caption(page):
    blocks = FIGURE.findall(page.read_text(encoding="utf-8"))
    assert not [b for b in blocks if "{cite" in b], f"{page.name}: a figure caption cites; move it to the text"
