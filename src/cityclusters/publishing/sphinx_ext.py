"""Sphinx extension of the book (listed under ``sphinx.extra_extensions`` in ``_config.yml``).

It does a few small things that Jupyter Book does not:

- **Student build.** With ``cityclusters_hide_solutions`` true (``make html-student``, or the
  environment variable ``CITYCLUSTERS_HIDE_SOLUTIONS=1``), every admonition with the class
  ``solution`` is removed from the pages, in HTML and PDF alike. Exercises stay.
- **Pages built from the chapters.** The claims ledger and the reproducibility page (in
  ``summary/``, which Sphinx reads after ``notebooks/``: it reads in sorted order) read the
  executed chapters. Sphinx would not re-read them when only a chapter changed, so they are
  declared outdated whenever any chapter is (``env-get-outdated``).
- **Hidden code stays out of print.** The chapters show only the cells that compute their
  headline numbers; every other code cell is tagged ``hide-input``. In HTML myst-nb puts such an
  input behind a "Show code cell source" toggle, but it does so in an HTML-only post-transform,
  so the LaTeX builder would print all of them (some 140 listings) in the PDF. For every builder
  other than HTML the hidden inputs are removed (:func:`drop_hidden_inputs`); their outputs
  (tables, figures) and the shown cells stay.
- **Launch and download buttons.** Colab opens ``.ipynb`` files only, and the chapters are
  MyST ``.md`` files; the Colab button is pointed at the executed ``.ipynb`` copy that the
  theme publishes with the site (``_sources/<page>.ipynb`` on the ``gh-pages`` branch of the
  repository named by ``repository.url``). The download menu of every page gains the book's
  PDF (``_static/book.pdf``, copied there by ``make pdf``).
- **Parallel execution, and executed notebooks with their outputs**
  (:mod:`cityclusters.publishing.execution_cache`): before Sphinx reads the pages, every
  notebook except the pages built from the chapters is executed in parallel into myst-nb's
  cache; after myst-nb has written a page's executed notebook, the cached outputs are merged
  into it (myst-nb 1.4 writes it without them when they came from the cache), and it is made
  to stand on its own as a download (:mod:`cityclusters.publishing.downloads`: values instead
  of glue markup, figures, a setup cell; no solutions in the student edition).
- **A CSV behind every table and figure** (:mod:`cityclusters.publishing.data_downloads`): on
  the HTML site each table and glued figure of an executed page gets a "Data (CSV)" link to the
  data it shows.
- **Tables that fit the PDF** (:mod:`cityclusters.publishing.latex_tables`): every table of the
  LaTeX build gets column widths from its contents, and a long one may break across pages.
- **Numbered exercises.** On a chapter page, "Exercise k: …" becomes "Exercise <chapter>.k: …"
  with the anchor ``exercise-<chapter>-k``, and its solution "Solution to exercise <chapter>.k";
  numbers out of order are a build warning (an error under ``-W``).
- **Prose that cannot go stale** (:mod:`cityclusters.publishing.prose_check`): a sentence whose
  universal word ("everywhere", "in no cluster") contradicts a glued count beside it, a sentence
  saying claims are missing from the ledger, a count that does not fit its words ("1 clusters",
  "1 of 1", "0 of 6", as a one-cluster rerun once printed), and a typed count of claims are
  build warnings.
- **A search index built in linear time** (:mod:`cityclusters.publishing.search_index`): the
  Chinese indexer of Sphinx 7.4 with its Latin-term lookup in a set instead of a list.
- **Where the executed chapters are.** The kernels that execute those pages inherit the
  environment variable ``CITYCLUSTERS_EXECUTED_DIR`` = ``<build>/jupyter_execute`` (where
  myst-nb writes every executed notebook while it reads it).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

from cityclusters.publishing import data_downloads, downloads, execution_cache, latex_tables, prose_check
from cityclusters.publishing.search_index import setup_search

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


_EXERCISE_TITLE = re.compile(r"^Exercise (?P<number>\d+)(?P<rest>(?::.*)?)$", re.S)


def chapter_number(docname: str) -> int | None:
    """The chapter number of a chapter page (``notebooks/05_linkages`` → 5), else None.

    >>> chapter_number("notebooks/05_linkages"), chapter_number("book/intro")
    (5, None)
    """
    match = re.fullmatch(re.escape(CHAPTER_PREFIX) + r"(\d{2})_\w+", docname)
    return int(match.group(1)) if match else None


def number_exercises(doctree: nodes.document, chapter: int) -> list[str]:
    """Give the exercises of chapter ``chapter`` the book's numbers: the admonition titled
    "Exercise k: …" becomes "Exercise <chapter>.k: …" with the anchor ``exercise-<chapter>-k``
    (what an instructor assigns and links to), and the solution that follows it "Solution to
    exercise <chapter>.k". Returns problems: numbers that are not 1, 2, … in page order."""
    problems, expected, last = [], 1, None
    for node in list(doctree.findall(nodes.Admonition)):
        classes = node.get("classes", [])
        titles = [t for t in node.children if isinstance(t, nodes.title)]
        if not titles:
            continue
        title = titles[0]
        if "exercise" in classes:
            match = _EXERCISE_TITLE.match(title.astext())
            if not match:
                problems.append(f"exercise without a number: {title.astext()!r}")
                continue
            number = int(match["number"])
            if number != expected:
                problems.append(f"exercise {number} where {expected} was expected")
            expected, last = number + 1, f"{chapter}.{number}"
            title.children = [nodes.Text(f"Exercise {last}{match['rest']}")]
            node["ids"] = [*node.get("ids", []), f"exercise-{chapter}-{number}"]
        elif "solution" in classes and last is not None and title.astext().strip() == "Solution":
            title.children = [nodes.Text(f"Solution to exercise {last}")]
    return problems


#: myst-nb's ``hide_mode`` of a code cell (from its tags) whose input the reader must ask for.
HIDDEN_INPUT_MODES = ("input", "input+output", "all")


def drop_hidden_inputs(doctree: nodes.document) -> int:
    """Remove the source of every code cell whose input is hidden in HTML; return how many.

    A myst-nb code cell is a container (``nb_element="cell_code"``) holding its source
    (``cell_code_source``) and its outputs (``cell_code_output``); the tags ``hide-input``,
    ``hide-cell`` (and both ``hide-input`` and ``hide-output``) set its ``hide_mode``. The outputs
    are kept except for ``hide-cell``, which hides the whole cell: then the cell goes. Cells
    without a hide mode (the parameters cells and the chapters' headline cells) are untouched.
    """
    dropped = 0
    for cell in list(doctree.findall(nodes.container)):
        if cell.get("nb_element") != "cell_code" or cell.get("hide_mode") not in HIDDEN_INPUT_MODES:
            continue
        sources = [child for child in cell.children if child.get("nb_element") == "cell_code_source"]
        for source in sources:
            cell.remove(source)
        dropped += len(sources)
        if cell.get("hide_mode") == "all" or not cell.children:
            cell.parent.remove(cell)
    return dropped


class DropHiddenInputs(SphinxPostTransform):
    """:func:`drop_hidden_inputs` for every builder but HTML (LaTeX: the PDF)."""

    default_priority = 199  # as myst-nb's HTML toggles (HideInputCells)

    def is_supported(self) -> bool:
        return self.app.builder.format != "html"

    def run(self, **kwargs) -> None:
        drop_hidden_inputs(self.document)


def describe_figures(doctree: nodes.document) -> int:
    """Give every image of a captioned figure that lacks a real alt text its caption as alt text.

    Without one, the HTML writer uses the image's file path (``_images/3f2a….png``), which is
    what a screen reader would read out. Returns how many images were described.
    """
    described = 0
    for figure in doctree.findall(nodes.figure):
        image = next(iter(figure.findall(nodes.image)), None)
        caption = next(iter(figure.findall(nodes.caption)), None)
        if image is None or caption is None:
            continue
        alt = image.get("alt", "")
        if not alt or alt == image.get("uri") or alt.endswith((".png", ".svg", ".jpg")):
            image["alt"] = " ".join(caption.astext().split())
            described += 1
    return described


def _on_doctree_read(app, doctree) -> None:
    _warn_prose(app, doctree, resolved=False)
    chapter = chapter_number(app.env.docname)
    if chapter is not None:
        from sphinx.util import logging

        for problem in number_exercises(doctree, chapter):
            logging.getLogger(__name__).warning(f"{app.env.docname}: {problem}")
    executed = _prepare_download(app)
    if hide_solutions_requested(app.config.cityclusters_hide_solutions):
        remove_solutions(doctree)
    if executed is not None and app.builder.format == "html":
        tables, glue = executed
        source = Path(app.env.doc2path(app.env.docname)).read_text(encoding="utf-8")
        data_downloads.add_data_links(doctree, app.env.docname, Path(app.outdir), tables, glue, source)


def _in_cell_output(node: nodes.Node) -> bool:
    """Whether ``node`` sits in a code cell's output (myst-nb's ``cell_output`` container): text
    the code wrote, whose numbers are computed, not prose."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.Element) and "cell_output" in parent.get("classes", []):
            return True
        parent = parent.parent
    return False


def check_prose(doctree: nodes.document, resolved: bool) -> list[tuple[nodes.Node, str]]:
    """Findings of :mod:`cityclusters.publishing.prose_check` on a page: on the resolved page
    (glued values filled in) the contradictions inside each paragraph; on the page as read
    (``resolved`` false: a glued number is not yet text) the typed counts of claims. Text in a
    code cell's output is computed and not checked."""
    found = []
    for paragraph in doctree.findall(nodes.paragraph):
        if _in_cell_output(paragraph):  # computed text (a table's caption, a DataTable line)
            continue
        if resolved:
            found += [(paragraph, m) for m in prose_check.paragraph_problems(paragraph.astext())]
        else:
            own = " ".join(t.astext() for t in paragraph.findall(nodes.Text))
            found += [(paragraph, f"a count of claims is typed, not glued: '{m}'")
                      for m in prose_check.typed_counts(own)]
    return found


def _warn_prose(app, doctree, resolved: bool) -> None:
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    for node, message in check_prose(doctree, resolved):
        logger.warning(message, location=node, type="cityclusters", subtype="prose")


def _on_doctree_resolved(app, doctree, docname) -> None:
    if app.builder.format == "html":  # once per build is enough; HTML is always built
        _warn_prose(app, doctree, resolved=True)
        mark_glued_sentences(doctree)
    describe_figures(doctree)
    if app.builder.format == "latex":
        latex_tables.fit_tables(doctree)


#: A glued value with at least this many words is a generated sentence, not a number or a name.
SENTENCE_WORDS = 8


def mark_glued_sentences(doctree: nodes.document) -> int:
    """Add the class ``glued-sentence`` to every glued text (myst-nb's ``pasted-text``, which it
    sets in bold) of at least :data:`SENTENCE_WORDS` words: a sentence generated from the
    numbers reads in the body's weight (``_static/glued-sentences.css``), while a glued number or
    name stays bold. Returns how many were marked.

    >>> from docutils import nodes
    >>> doc = nodes.document(None, None)
    >>> doc += nodes.paragraph("", "", nodes.inline("", "2023", classes=["pasted-text"]),
    ...                        nodes.inline("", "None of the 6 clusters reach the rank-size value S2 = 2.",
    ...                                     classes=["pasted-text"]))
    >>> mark_glued_sentences(doc), [n["classes"] for n in doc.findall(nodes.inline)]
    (1, [['pasted-text'], ['pasted-text', 'glued-sentence']])
    """
    marked = 0
    for node in doctree.findall(nodes.inline):
        if "pasted-text" in node["classes"] and len(node.astext().split()) >= SENTENCE_WORDS:
            node["classes"].append("glued-sentence")
            marked += 1
    return marked


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


def drop_solution_bearing_buttons(context) -> int:
    """Student edition: remove the buttons that lead to text with the solutions (the ``.md``
    source download, and Binder, which opens the repository's sources); return how many."""
    dropped = 0
    for group in context.get("header_buttons", []):
        if "buttons" not in group:
            continue
        kept = [button for button in group["buttons"]
                if not (str(button.get("url", "")).endswith((".md", ".md.txt"))
                        or button.get("text") in ("Binder", "JupyterHub"))]
        dropped += len(group["buttons"]) - len(kept)
        group["buttons"] = kept
    return dropped


def remove_page_sources(outdir: Path) -> int:
    """Delete the copies of the pages' sources (``_sources/**/*.md`` …) from a built site, keeping
    the executed notebooks (``.ipynb``, already without solutions); return how many went.

    The student edition serves no page source: the MyST sources hold the solutions.
    """
    removed = 0
    for path in sorted(Path(outdir, "_sources").rglob("*")):
        if path.is_file() and path.suffix in (".md", ".txt", ".rst"):
            path.unlink()
            removed += 1
    return removed


def _on_build_finished(app, exception) -> None:
    if exception is None and app.builder.format == "html" and \
            hide_solutions_requested(app.config.cityclusters_hide_solutions):
        remove_page_sources(Path(app.outdir))


def _on_page_context(app, pagename, templatename, context, doctree) -> None:
    options = app.config.html_theme_options
    colab = options.get("launch_buttons", {}).get("colab_url")
    repository = options.get("repository_url", "")
    student = hide_solutions_requested(app.config.cityclusters_hide_solutions)
    branch = app.config.cityclusters_student_pages_branch if student else app.config.cityclusters_pages_branch
    if student:
        drop_solution_bearing_buttons(context)
    for button in _buttons(context):
        if colab and button.get("text") == "Colab" and repository:
            button["url"] = colab_notebook_url(colab, repository, branch, pagename)
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons" and "buttons" in group:
            group["buttons"].append({
                "type": "link", "text": "book.pdf", "tooltip": "Download the whole book (PDF)",
                "icon": "fas fa-book", "url": context["pathto"]("_static/book.pdf", 1),
                "label": "download-book-pdf-button"})


def _cache(app):
    from jupyter_cache import get_cache

    return get_cache(app.env.mystnb_config.execution_cache_path)


def _on_before_read_docs(app, env, docnames) -> None:
    """Execute the pages Sphinx is about to read, in parallel, into the execution cache."""
    from sphinx.util import logging

    config = env.mystnb_config
    if config.execution_mode != "cache":
        return
    logger = logging.getLogger(__name__)
    jobs = execution_cache.execution_jobs()
    docs = [(docname, Path(env.doc2path(docname))) for docname in sorted(docnames)]
    pending = execution_cache.pending_notebooks(_cache(app), docs, env.myst_config, config,
                                                skip=AGGREGATE_PAGES)
    if not pending:
        return
    kernels = min(jobs, len(pending))
    logger.info(f"executing {len(pending)} notebook(s) in {kernels} parallel kernel(s)")
    start = time.perf_counter()
    timings = Path(app.outdir).parent / execution_cache.TIMINGS_FILE
    report = execution_cache.execute_into_cache(_cache(app), pending, jobs, config.execution_timeout,
                                                config.execution_allow_errors, log=logger.info,
                                                past_seconds=execution_cache.read_timings(timings))
    execution_cache.write_timings(timings, report.seconds)
    logger.info(f"{execution_cache.WALL_TIME_LINE} {time.perf_counter() - start:.1f} s wall, "
                f"{len(report.seconds)} cached, {len(report.errors)} left to myst-nb, {kernels} kernel(s)")


def _prepare_download(app) -> tuple[dict, dict] | None:
    """The page's executed notebook (its download and Colab target): outputs, values, setup.
    Returns the tables' CSVs (:func:`cityclusters.publishing.data_downloads.table_csvs`) and the
    glue records of the executed page, or None for a page that is not a notebook."""
    import nbformat

    config = app.env.mystnb_config
    ipynb = Path(config.output_folder, *(app.env.docname + ".ipynb").split("/"))
    if not ipynb.is_file():
        return None
    notebook = nbformat.read(ipynb, as_version=4)
    if config.execution_mode == "cache":
        notebook = execution_cache.with_cached_outputs(notebook, _cache(app))
    glue_file = ipynb.with_name(ipynb.stem + ".glue.json")
    glue = json.loads(glue_file.read_text(encoding="utf-8")) if glue_file.is_file() else {}
    tables = data_downloads.table_csvs(notebook)  # before the download is rewritten
    options = app.config.html_theme_options
    downloads.self_sufficient(notebook, glue, options.get("repository_url", ""),
                              options.get("repository_branch") or "main",
                              hide_solutions_requested(app.config.cityclusters_hide_solutions))
    ipynb.write_text(nbformat.writes(notebook), encoding="utf-8")
    return tables, glue


def _on_builder_inited(app) -> None:
    os.environ["CITYCLUSTERS_EXECUTED_DIR"] = str(Path(app.outdir).parent / "jupyter_execute")


def setup(app):
    default = hide_solutions_requested(os.environ.get("CITYCLUSTERS_HIDE_SOLUTIONS", ""))
    app.add_config_value("cityclusters_hide_solutions", default, "env")
    app.add_config_value("cityclusters_pages_branch", "gh-pages", "html")
    # where the student edition is published (its Colab targets are its own solution-free notebooks)
    app.add_config_value("cityclusters_student_pages_branch", "gh-pages-student", "html")
    app.connect("build-finished", _on_build_finished)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("html-page-context", _on_page_context, priority=900)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("doctree-resolved", _on_doctree_resolved)
    app.connect("env-get-outdated", _on_outdated)
    app.connect("env-before-read-docs", _on_before_read_docs)
    app.add_post_transform(DropHiddenInputs)
    setup_search(app)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
