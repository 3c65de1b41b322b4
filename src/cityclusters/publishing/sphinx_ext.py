"""Sphinx extension of the book (listed under ``sphinx.extra_extensions`` in ``_config.yml``).

It does three small things that Jupyter Book does not:

- **Student build.** With ``cityclusters_hide_solutions`` true (``make html-student``, or the
  environment variable ``CITYCLUSTERS_HIDE_SOLUTIONS=1``), every admonition with the class
  ``solution`` is removed from the pages, in HTML and PDF alike. Exercises stay.
- **Pages built from the chapters.** The claims ledger and the reproducibility page (in
  ``summary/``, which Sphinx reads after ``notebooks/``: it reads in sorted order) read the
  executed chapters. Sphinx would not re-read them when only a chapter changed, so they are
  declared outdated whenever any chapter is (``env-get-outdated``).
- **Launch and download buttons.** Colab opens ``.ipynb`` files only, and the chapters are
  MyST ``.md`` files; the Colab button is pointed at the executed ``.ipynb`` copy that the
  theme publishes with the site (``_sources/<page>.ipynb`` on the ``gh-pages`` branch of the
  repository named by ``repository.url``). The download menu of every page gains the book's
  PDF (``_static/book.pdf``, copied there by ``make pdf``).
- **Where the executed chapters are.** The kernels that execute those pages inherit the
  environment variable ``CITYCLUSTERS_EXECUTED_DIR`` = ``<build>/jupyter_execute`` (where
  myst-nb writes every executed notebook while it reads it).
"""

from __future__ import annotations

import os
from pathlib import Path

from docutils import nodes

#: Pages assembled from the executed chapters (docnames): re-read whenever a chapter changes.
AGGREGATE_PAGES = ("summary/claims_ledger", "summary/reproducibility")
#: Docname prefix of the chapters.
CHAPTER_PREFIX = "notebooks/"

_TRUE = {"1", "true", "yes", "on"}


def hide_solutions_requested(value) -> bool:
    """Whether a config value (bool, or a string from ``-D`` / the environment) asks to hide."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def remove_solutions(doctree: nodes.document) -> int:
    """Remove every admonition whose classes include ``solution``; return how many."""
    found = [node for node in doctree.findall(nodes.Element)
             if isinstance(node, nodes.Admonition) and "solution" in node.get("classes", [])]
    for node in found:
        node.parent.remove(node)
    return len(found)


def _on_doctree_read(app, doctree) -> None:
    if hide_solutions_requested(app.config.cityclusters_hide_solutions):
        remove_solutions(doctree)


def _on_outdated(app, env, added, changed, removed) -> list[str]:
    touched = {d for d in (*added, *changed, *removed) if d.startswith(CHAPTER_PREFIX)}
    return [page for page in AGGREGATE_PAGES
            if page in env.found_docs and page not in added | changed and touched - {page}]


def colab_notebook_url(colab_url: str, repository_url: str, branch: str, pagename: str) -> str:
    """Colab link to the executed notebook published with the site on ``branch``."""
    org, repo = repository_url.rstrip("/").split("/")[-2:]
    return f"{colab_url.rstrip('/')}/github/{org}/{repo}/blob/{branch}/_sources/{pagename}.ipynb"


def _buttons(context):
    for group in context.get("header_buttons", []):
        yield group
        yield from group.get("buttons", [])


def _on_page_context(app, pagename, templatename, context, doctree) -> None:
    options = app.config.html_theme_options
    colab = options.get("launch_buttons", {}).get("colab_url")
    repository = options.get("repository_url", "")
    for button in _buttons(context):
        if colab and button.get("text") == "Colab" and repository:
            button["url"] = colab_notebook_url(colab, repository, app.config.cityclusters_pages_branch,
                                               pagename)
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons" and "buttons" in group:
            group["buttons"].append({
                "type": "link", "text": "book.pdf", "tooltip": "Download the whole book (PDF)",
                "icon": "fas fa-book", "url": context["pathto"]("_static/book.pdf", 1),
                "label": "download-book-pdf-button"})


def _on_builder_inited(app) -> None:
    os.environ["CITYCLUSTERS_EXECUTED_DIR"] = str(Path(app.outdir).parent / "jupyter_execute")


def setup(app):
    default = hide_solutions_requested(os.environ.get("CITYCLUSTERS_HIDE_SOLUTIONS", ""))
    app.add_config_value("cityclusters_hide_solutions", default, "env")
    app.add_config_value("cityclusters_pages_branch", "gh-pages", "html")
    app.connect("builder-inited", _on_builder_inited)
    app.connect("html-page-context", _on_page_context, priority=900)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("env-get-outdated", _on_outdated)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
