"""Which code the chapters show, checked on the sources (no build needed; issue 16).

A reader sees every chapter's computation on demand and its headline computation at once:

- every code cell of a chapter is *shown* (no tag: the 3–5 cells that compute the numbers the
  chapter's findings and verdicts rest on), the ``parameters`` cell, or ``hide-input`` (its
  input behind the "Show code cell source" toggle in HTML, left out of the PDF by
  ``cityclusters.publishing.sphinx_ext.drop_hidden_inputs``; its output, a table or a figure
  glued into the text, stays visible);
- a shown cell is short (at most :data:`MAX_SHOWN_LINES` lines) and only calls the package: no
  import, no function or class, no loop (the logic lives in ``src/cityclusters``);
- nothing is removed (``remove-cell``, ``remove-input``, ``remove-output``, ``hide-cell``)
  except the one plumbing cell of :func:`is_plumbing`.
"""

from __future__ import annotations

import re

import pytest

from cityclusters.paths import repo_root

CHAPTERS = sorted((repo_root() / "notebooks").glob("[0-9][0-9]_*.md"))

#: Longest shown cell, in lines of code (blank lines at either end not counted).
MAX_SHOWN_LINES = 12
#: How many cells each chapter shows besides its parameters cell.
SHOWN_PER_CHAPTER = range(3, 6)
HIDDEN = "hide-input"
PARAMETERS = "parameters"
#: Tags that hide a cell or an output altogether: allowed on plumbing only.
REMOVING = {"remove-cell", "remove_cell", "remove-input", "remove_input", "remove-output",
            "remove_output", "hide-cell", "hide-output"}
#: An import, a function or class definition, or a compound statement (a loop, a branch).
NOT_IN_A_SHOWN_CELL = re.compile(r"^\s*(import\s|from\s+\S+\s+import\s|(def|class|for|while|with|if|try)\b.*:\s*(#.*)?$)",
                                 re.M)


def is_plumbing(source: str) -> bool:
    """The last cell of every chapter, ``glue_provenance()``, and nothing else.

    It stays ``remove-cell``: it records which raw files the chapter's kernel read, for the
    reproducibility page, and has no output; a reader learns nothing about the chapter's
    computation from it (the page it feeds lists the files, with their hashes), and it would add
    a toggle with an import and one call after the exercises of every chapter.
    """
    code = [line.strip() for line in source.splitlines()
            if line.strip() and not line.strip().startswith("#")]
    return code == ["from cityclusters.publishing.notebook import glue_provenance", "glue_provenance();"]


def code_cells(path):
    """(tags, source) of every code cell of a MyST chapter, read as the book reads it."""
    from myst_nb.core.read import read_myst_markdown_notebook

    notebook = read_myst_markdown_notebook(path.read_text(encoding="utf-8"), path=str(path))
    return [(list(cell.metadata.get("tags", [])), cell.source.strip("\n"))
            for cell in notebook.cells if cell.cell_type == "code"]


def test_twelve_chapters_are_checked():
    assert len(CHAPTERS) == 12


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_shows_its_headline_cells_and_hides_the_rest_behind_a_toggle(path):
    cells = code_cells(path)
    shown = [source for tags, source in cells if not tags]
    hidden = [source for tags, source in cells if tags == [HIDDEN]]
    parameters = [source for tags, source in cells if tags == [PARAMETERS]]
    plumbing = [(tags, source) for tags, source in cells if is_plumbing(source)]
    others = [(tags, source.splitlines()[0]) for tags, source in cells
              if tags not in ([], [HIDDEN], [PARAMETERS]) and not is_plumbing(source)]
    assert len(parameters) == 1
    assert len(shown) in SHOWN_PER_CHAPTER, f"{len(shown)} shown cells"
    assert len(hidden) >= 1
    assert others == [], "cells with other tags (removed or hidden otherwise)"
    assert [tags for tags, _ in plumbing] == [["remove-cell"]]
    assert is_plumbing(cells[-1][1]), "the plumbing cell comes last"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_shown_cells_are_short_calls_into_the_package(path):
    for tags, source in code_cells(path):
        if tags:
            continue
        lines = source.splitlines()
        assert len(lines) <= MAX_SHOWN_LINES, f"{len(lines)} lines: {lines[0]}"
        assert not NOT_IN_A_SHOWN_CELL.search(source), lines[0]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_code_cell_is_removed_except_the_plumbing(path):
    for tags, source in code_cells(path):
        if is_plumbing(source):
            continue
        assert not REMOVING & set(tags), (tags, source.splitlines()[0])


def test_shown_cell_rule_allows_comprehensions_but_not_statements():
    assert not NOT_IN_A_SHOWN_CELL.search("rows = [record(v)\n        for v in verdicts]")
    assert not NOT_IN_A_SHOWN_CELL.search("x = a if b else c  # from the index")
    for statement in ("import pandas as pd", "from cityclusters import config", "def f(x):",
                      "for cluster in CLUSTERS:", "if fig_c is not None:  # a comment"):
        assert NOT_IN_A_SHOWN_CELL.search("glue_all(values)\n" + statement), statement


def test_plumbing_rule_recognises_only_the_provenance_cell():
    assert is_plumbing("# The raw data files this chapter used, for the reproducibility page\n"
                       "from cityclusters.publishing.notebook import glue_provenance\n\nglue_provenance();")
    assert not is_plumbing("from cityclusters.publishing.notebook import glue_provenance\n"
                           "glue_provenance();\nglue_all(values)")
    assert not is_plumbing("glue_all(values)")
