"""The book's Sphinx extension: solutions removed in the student build, aggregate pages
re-read when a chapter changes, the Colab link and the PDF download button."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from cityclusters.publishing import sphinx_ext


@pytest.fixture(autouse=True)
def _executed_dir_restored(monkeypatch):
    """A Sphinx build in this process sets $CITYCLUSTERS_EXECUTED_DIR to its own folder
    (sphinx_ext, for the ledger page): restore it after each test, so that later tests in the
    same worker read the real book's executed chapters (a leak once made one skip)."""
    import os

    monkeypatch.setenv("CITYCLUSTERS_EXECUTED_DIR", os.environ.get("CITYCLUSTERS_EXECUTED_DIR", ""))


def _doctree(text: str) -> nodes.document:
    document = new_document("test", get_default_settings(Parser))
    Parser().parse(text, document)
    return document


EXERCISES = """
.. admonition:: Exercise 1
   :class: exercise

   Compute it.

.. admonition:: Solution
   :class: dropdown solution

   The answer.

A paragraph.
"""


def test_solutions_are_removed_and_exercises_kept():
    doctree = _doctree(EXERCISES)
    assert sphinx_ext.remove_solutions(doctree) == 1
    text = doctree.astext()
    assert "Compute it." in text and "A paragraph." in text and "The answer." not in text


@pytest.mark.parametrize(("value", "hidden"), [(True, True), (False, False), ("1", True),
                                               ("yes", True), ("0", False), ("", False)])
def test_hide_solutions_reads_booleans_and_strings(value, hidden):
    assert sphinx_ext.hide_solutions_requested(value) is hidden


def test_aggregate_pages_are_outdated_when_a_chapter_changes():
    env = SimpleNamespace(found_docs={"notebooks/03_x", "summary/claims_ledger",
                                      "summary/reproducibility", "book/intro"})
    outdated = sphinx_ext._on_outdated(None, env, set(), {"notebooks/03_x"}, set())
    assert sorted(outdated) == ["summary/claims_ledger", "summary/reproducibility"]
    assert sphinx_ext._on_outdated(None, env, set(), {"book/intro"}, set()) == []


def test_colab_button_points_at_the_published_notebook():
    url = sphinx_ext.colab_notebook_url("https://colab.research.google.com/",
                                        "https://github.com/org/book/", "gh-pages",
                                        "notebooks/02_x")
    assert url == ("https://colab.research.google.com/github/org/book/blob/gh-pages/"
                   "_sources/notebooks/02_x.ipynb")


def test_figures_get_their_caption_as_alt_text_instead_of_a_file_path():
    document = new_document("page", get_default_settings(Parser))
    path = "../_images/3f2a.png"
    for alt in (None, path, "A map of the five clusters"):
        figure = nodes.figure()
        image = nodes.image(uri=path) if alt is None else nodes.image(uri=path, alt=alt)
        figure += image
        figure += nodes.caption(text="Theil index by cluster, 2000–2019 (unitless).\n Source: yearbook.")
        document += figure
    assert sphinx_ext.describe_figures(document) == 2
    alts = [image["alt"] for image in document.findall(nodes.image)]
    assert alts == ["Theil index by cluster, 2000–2019 (unitless). Source: yearbook."] * 2 + \
        ["A map of the five clusters"]  # a real alt text is kept


def test_student_edition_drops_the_buttons_that_lead_to_solutions():
    context = {"header_buttons": [
        {"label": "launch-buttons", "buttons": [{"text": "Binder", "url": "https://mybinder.org/v2/gh/o/r/main"},
                                                {"text": "Colab", "url": "https://colab.research.google.com/x"}]},
        {"label": "download-buttons", "buttons": [{"text": ".ipynb", "url": "../_sources/notebooks/02.ipynb"},
                                                  {"text": ".md", "url": "../_sources/notebooks/02.md"},
                                                  {"text": ".pdf", "url": "javascript:window.print()"}]},
    ]}
    assert sphinx_ext.drop_solution_bearing_buttons(context) == 2
    kept = [b["text"] for group in context["header_buttons"] for b in group["buttons"]]
    assert kept == ["Colab", ".ipynb", ".pdf"]


def test_student_edition_serves_no_page_source_but_keeps_the_notebooks(tmp_path):
    for name in ("notebooks/02.md", "book/intro.md", "notebooks/02.ipynb", "notebooks/03.ipynb"):
        (tmp_path / "_sources" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "_sources" / name).write_text("x", encoding="utf-8")
    assert sphinx_ext.remove_page_sources(tmp_path) == 2
    assert sorted(p.name for p in (tmp_path / "_sources").rglob("*.*")) == ["02.ipynb", "03.ipynb"]


def _code_cell(source: str, output: str, hide_mode: str | None = None) -> nodes.container:
    """A code cell as myst-nb renders it: a container with its source and its output."""
    cell = nodes.container(nb_element="cell_code")
    if hide_mode:
        cell["hide_mode"] = hide_mode
    cell += nodes.container("", nodes.literal_block(source, source), nb_element="cell_code_source")
    cell += nodes.container("", nodes.paragraph(text=output), nb_element="cell_code_output")
    return cell


def test_print_drops_hidden_inputs_and_keeps_their_outputs_and_the_shown_cells():
    document = new_document("page", get_default_settings(Parser))
    document += _code_cell("CLUSTERS = ['yrd26']", "")  # a parameters cell: no hide mode
    document += _code_cell("theil = gaps.theil(panel)", "0.123")  # a headline cell
    document += _code_cell("markdown_table(coverage)", "coverage table", "input")  # hide-input
    document += _code_cell("fig = plot()", "", "input+output")  # hide-input and hide-output
    document += _code_cell("secret()", "secret output", "all")  # hide-cell: nothing printed
    document += _code_cell("print(1)", "1", "output")  # hide-output only: input stays
    assert sphinx_ext.drop_hidden_inputs(document) == 3
    text = document.astext()
    for kept in ("CLUSTERS = ['yrd26']", "theil = gaps.theil(panel)", "0.123", "coverage table",
                 "print(1)"):
        assert kept in text
    for dropped in ("markdown_table(coverage)", "fig = plot()", "secret"):
        assert dropped not in text
    cells = [c for c in document.findall(nodes.container) if c.get("nb_element") == "cell_code"]
    assert len(cells) == 5  # the hide-cell cell is gone
    assert [len(cell.children) for cell in cells] == [2, 2, 1, 1, 2]


NOTEBOOK = {
    "nbformat": 4, "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                 "language_info": {"name": "python"}},
    "cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# A chapter"},
        {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": 1,
         "source": "headline_value = 40 + 2\nheadline_value",
         "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                      "data": {"text/plain": "42"}}]},
        {"cell_type": "code", "id": "c", "metadata": {"tags": ["hide-input"]}, "execution_count": 2,
         "source": "plumbing_value = 4000 + 242\nplumbing_value",
         "outputs": [{"output_type": "execute_result", "execution_count": 2, "metadata": {},
                      "data": {"text/plain": "4242"}}]},
    ],
}


@pytest.mark.parametrize("builder", ["html", "latex"])
def test_hidden_input_is_a_toggle_in_html_and_absent_from_latex(tmp_path, monkeypatch, builder):
    """A real Sphinx build with myst-nb (no execution): the extension's post-transform runs."""
    import json

    from sphinx.application import Sphinx

    monkeypatch.delenv("CITYCLUSTERS_EXECUTED_DIR", raising=False)  # set by the extension
    monkeypatch.delenv("CITYCLUSTERS_HIDE_SOLUTIONS", raising=False)
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(
        'extensions = ["myst_nb", "cityclusters.publishing.sphinx_ext"]\n'
        'nb_execution_mode = "off"\nlatex_documents = [("index", "book.tex", "T", "A", "manual")]\n',
        encoding="utf-8")
    (source / "index.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    out = tmp_path / "out"
    app = Sphinx(str(source), str(source), str(out), str(tmp_path / "doctrees"), builder,
                 status=None, warning=None, freshenv=True)
    app.build()
    written = (out / ("index.html" if builder == "html" else "book.tex")).read_text(encoding="utf-8")
    assert "headline" in written and "42" in written and "4242" in written  # shown cell, both outputs
    if builder == "html":
        assert "plumbing" in written  # inside the toggle
        assert written.count("<details class=\"admonition hide above-input") == 1
    else:
        assert "plumbing" not in written


def test_exercises_get_the_chapters_number_an_anchor_and_their_solution_a_title():
    doctree = _doctree(EXERCISES + """
.. admonition:: Exercise 2: weights
   :class: exercise

   Change them.

.. admonition:: Solution
   :class: dropdown solution

   Done.
""")
    assert sphinx_ext.number_exercises(doctree, 5) == []
    titles = [t.astext() for t in doctree.findall(nodes.title)]
    assert titles == ["Exercise 5.1", "Solution to exercise 5.1", "Exercise 5.2: weights", "Solution to exercise 5.2"]
    ids = [n["ids"] for n in doctree.findall(nodes.Admonition) if "exercise" in n["classes"]]
    assert ids == [["exercise-5-1"], ["exercise-5-2"]]


def test_exercise_numbers_out_of_order_are_reported():
    doctree = _doctree(EXERCISES.replace("Exercise 1", "Exercise 2"))
    assert sphinx_ext.number_exercises(doctree, 3) == ["exercise 2 where 1 was expected"]
