"""Downloaded notebooks stand on their own (issue 16): values instead of glue markup, figures as
attachments, a setup cell, and no solutions in the student edition."""

from __future__ import annotations

import nbformat

from cityclusters.publishing import downloads

GLUE = {
    "share": {"data": {"text/plain": "0.4567"}},
    "n": {"data": {"text/plain": "12345"}},
    "names": {"data": {"text/plain": "'Chengdu–Chongqing and the YRD'"}},
    "fig_map": {"data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}},
}

CHAPTER = """\
# Gaps

The share is {glue:text}`share:.1%` over {glue:text}`n:,` city-years in {glue}`names`.

```{glue:figure} fig_map
:name: fig-map
:alt: Map of the clusters

Clusters of {glue:text}`names`. Source: our computation.
```

:::{admonition} Exercise
How large is the share?
:::

:::{admonition} Solution
:class: dropdown solution
It is {glue:text}`share:.2f`.
:::
"""


def _notebook() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(CHAPTER), nbformat.v4.new_code_cell("x = 1")]
    return notebook


def test_values_figures_and_setup_cell():
    notebook = _notebook()
    missing = downloads.self_sufficient(notebook, GLUE, "https://github.com/o/r", "main")
    assert missing == []
    prose = notebook.cells[0].source
    assert "{glue" not in prose
    assert "The share is 45.7% over 12,345 city-years in Chengdu–Chongqing and the YRD." in prose
    assert "![Map of the clusters](attachment:fig_map.png)" in prose
    assert "Clusters of Chengdu–Chongqing and the YRD. Source: our computation." in prose
    assert notebook.cells[0].attachments == {"fig_map.png": {"image/png": "iVBORw0KGgo="}}
    assert "It is 0.46." in prose  # the teacher's edition keeps the solution
    assert downloads.SETUP_TAG in notebook.cells[1].metadata["tags"]
    assert "git\", \"clone\"" in notebook.cells[1].source and "'https://github.com/o/r'" in notebook.cells[1].source
    # a second pass adds no second setup cell
    downloads.self_sufficient(notebook, GLUE, "https://github.com/o/r", "main")
    assert sum(downloads.SETUP_TAG in c.metadata.get("tags", []) for c in notebook.cells) == 1


def test_student_edition_has_no_solution_and_keeps_the_exercise():
    notebook = _notebook()
    downloads.self_sufficient(notebook, GLUE, "", "main", hide_solutions=True)
    prose = notebook.cells[0].source
    assert "How large is the share?" in prose
    assert "Solution" not in prose and "0.46" not in prose
    assert [c.cell_type for c in notebook.cells] == ["markdown", "code"]  # no repository: no setup cell


def test_unknown_keys_are_left_visible_and_reported():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("A {glue:text}`gone:.2f` and {glue:text}`other::x`.")]
    missing = downloads.self_sufficient(notebook, GLUE, "", "main")
    assert missing == ["gone", "other:"]
    assert notebook.cells[0].source == "A {glue:text}`gone:.2f` and {glue:text}`other::x`."


def test_the_setup_cell_is_valid_python():
    compile(downloads.setup_cell("https://github.com/o/r", "main").source, "<setup>", "exec")


def test_a_glued_html_figure_is_pasted_as_html():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("Before.\n\n```{glue} fig_hover\n```\n\nAfter.")]
    glue = {"fig_hover": {"data": {"text/html": "<svg><title>D by city</title></svg>", "text/plain": "<HTML>"}}}
    assert downloads.self_sufficient(notebook, glue, "", "main") == []
    assert "<svg><title>D by city</title></svg>" in notebook.cells[0].source
    assert "{glue" not in notebook.cells[0].source


def test_the_chapters_cell_tags_leave_the_download_whole():
    """Issue 16's tags (parameters, hide-input, shown, the removed provenance cell): every code
    cell stays in the download with its tags, after the setup cell, and the glue is filled."""
    notebook = nbformat.v4.new_notebook()
    tagged = [["parameters"], ["hide-input"], [], ["hide-input"], ["remove-cell"]]
    notebook.cells = [nbformat.v4.new_markdown_cell("# Gaps")]
    for number, tags in enumerate(tagged):
        cell = nbformat.v4.new_code_cell(f"x{number} = {number}")
        if tags:
            cell.metadata["tags"] = tags
        notebook.cells.append(cell)
        notebook.cells.append(nbformat.v4.new_markdown_cell("Share {glue:text}`share:.0%`."))
    missing = downloads.self_sufficient(notebook, GLUE, "https://github.com/o/book", "main")
    assert missing == []
    assert downloads.SETUP_TAG in notebook.cells[1].metadata["tags"]
    code = [c for c in notebook.cells if c.cell_type == "code"][1:]
    assert [c.source for c in code] == [f"x{n} = {n}" for n in range(5)]
    assert [c.metadata.get("tags", []) for c in code] == tagged
    assert all(c.source == "Share 46%." for c in notebook.cells if c.cell_type == "markdown" and "Share" in c.source)
