"""A CSV behind every figure and table of the site (issue 16).

The chapters' tables (:class:`cityclusters.display.DataTable`) and glued figures
(:func:`cityclusters.publishing.notebook.glue`) carry their data as CSV text
(:data:`cityclusters.display.CSV_MIME`) in the executed notebook, next to what the
page shows. When Sphinx reads a page for the HTML site, the book's extension calls
:func:`add_data_links`: each CSV is written to ``_static/data/<page>/<name>.csv`` in the site
and a "Data (CSV)" link is placed under its table or figure. The link is raw HTML, so the PDF,
which has no files to offer, is left as it is. Since the CSV travels inside the executed
notebook, a page whose outputs come from the execution cache gets its files as well.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes

from cityclusters.display import CSV_MIME

#: Folder of the CSV files in the built site.
DATA_FOLDER = "_static/data"
#: Class of the link's paragraph (the browser tests and the stylesheet find it by this class).
LINK_CLASS = "cc-data-download"
#: Glue records of figures (myst-nb prefixes the media types of a glued, undisplayed output).
GLUE_CSV = "application/papermill.record/" + CSV_MIME

_FIGURE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{glue:figure\}[ \t]+(?P<key>\S+)[ \t]*\n(?P<options>(?::[\w-]+:.*\n)*)",
                     re.M)
_NAME = re.compile(r"^:name:[ \t]*(?P<name>\S+)", re.M)


def figure_names(source: str) -> dict[str, str]:
    """``{figure name: glue key}`` of every ``{glue:figure}`` directive with a ``:name:`` option.

    >>> figure_names("```{glue:figure} fig_decay\\n:name: fig-ch5-decay\\n\\nCaption.\\n```\\n")
    {'fig-ch5-decay': 'fig_decay'}
    """
    names = {}
    for match in _FIGURE.finditer(source):
        name = _NAME.search(match["options"])
        if name:
            names[nodes.fully_normalize_name(name["name"])] = match["key"]
    return names


def table_csvs(notebook) -> dict[int, list[str]]:
    """``{cell index: [CSV text, …]}`` of the displayed outputs that carry a CSV (tables)."""
    found: dict[int, list[str]] = {}
    for index, cell in enumerate(notebook.get("cells", [])):
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get(CSV_MIME)
            if output.get("output_type") in ("display_data", "execute_result") and text:
                found.setdefault(index, []).append(text if isinstance(text, str) else "".join(text))
    return found


def figure_csvs(glue: dict) -> dict[str, str]:
    """``{glue key: CSV text}`` of the glued outputs that carry a CSV (figures), from myst-nb's
    ``<page>.glue.json`` (media types without the glue prefix) or from an executed notebook's
    glue outputs (with it)."""
    found = {}
    for key, output in glue.items():
        data = output.get("data", {}) if isinstance(output, dict) else {}
        text = data.get(CSV_MIME) or data.get(GLUE_CSV)
        if text:
            found[key] = text if isinstance(text, str) else "".join(text)
    return found


def _link(href: str, what: str) -> nodes.raw:
    html = (f'<p class="{LINK_CLASS}"><a href="{href}" download>Data (CSV)</a>'
            f'<span class="cc-data-what"> of this {what}</span></p>')
    return nodes.raw("", html, format="html")


def _write(outdir: Path, docname: str, name: str, text: str) -> str:
    """Write ``text`` to ``<outdir>/_static/data/<docname>/<name>.csv``; the href from the page."""
    target = Path(outdir, DATA_FOLDER, *docname.split("/"), f"{name}.csv")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    depth = docname.count("/")
    return "../" * depth + f"{DATA_FOLDER}/{docname}/{name}.csv"


def add_data_links(doctree: nodes.document, docname: str, outdir: Path, tables: dict[int, list[str]],
                   glue: dict, source: str) -> int:
    """Write the page's CSVs into the site and link each under its table or figure; returns the
    number of links. ``tables``: :func:`table_csvs` of the executed notebook (cell indices as the
    page's); ``glue``: the page's glue records; ``source``: the page's MyST text (it names the
    glue key of each figure)."""
    count = 0
    for cell in list(doctree.findall(nodes.container)):
        if cell.get("nb_element") != "cell_code" or cell.get("cell_index") not in tables:
            continue
        outputs = [c for c in cell.findall(nodes.container) if c.get("nb_element") == "cell_code_output"]
        anchor = outputs[-1] if outputs else cell
        for k, text in enumerate(tables[cell["cell_index"]], start=1):
            suffix = "" if len(tables[cell["cell_index"]]) == 1 else f"-{k}"
            href = _write(outdir, docname, f"table-cell{cell['cell_index']}{suffix}", text)
            anchor.parent.insert(anchor.parent.index(anchor) + 1, _link(href, "table"))
            count += 1
    figures, keys = figure_csvs(glue), figure_names(source)
    for figure in list(doctree.findall(nodes.figure)):
        name = next((n for n in figure.get("names", []) if keys.get(n) in figures), None)
        if name is None:
            continue
        href = _write(outdir, docname, name, figures[keys[name]])
        figure.parent.insert(figure.parent.index(figure) + 1, _link(href, "figure"))
        count += 1
    return count
