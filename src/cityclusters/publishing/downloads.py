"""The executed notebook a reader downloads (``.ipynb`` button) or opens in Colab, made to stand
on its own (issue 16).

myst-nb writes each executed page to ``jupyter_execute/<page>.ipynb`` and the theme publishes it
as the page's download and Colab target. As written, its prose shows the MyST glue markup
(``{glue:text}`key```) instead of the numbers, its figures are ``{glue:figure}`` directives that
no notebook viewer draws, and its first import fails outside the book's repository.
:func:`self_sufficient` rewrites it:

- every glue role is replaced by the text the site shows (myst-nb's own formatting of the glued
  ``text/plain`` with the role's format specification), and every glue figure by its image (a
  cell attachment, the notebook format's way of carrying an image in Markdown) and caption;
- a first code cell sets the notebook up where the repository is absent (Colab, a download
  folder): it clones the repository, installs the package and runs the data step, as Binder's
  ``postBuild`` does, then works from the clone's ``notebooks/`` folder;
- in the student edition, the solution admonitions are removed from the prose, as they are
  from the pages.
"""

from __future__ import annotations

import re

import nbformat

#: Tag of the setup cell (the site does not show it: it exists only in the downloaded notebook).
SETUP_TAG = "setup-outside-the-repository"

SETUP_SOURCE = """\
# Setup, needed only outside the book's repository (Colab, a downloaded notebook): clone the
# repository, install its pinned requirements and package, and run the data step, which
# fetches every raw file from its origin and checks its SHA-256 (as Binder's postBuild does).
import os, pathlib, subprocess, sys
if not pathlib.Path("../_toc.yml").is_file():
    if not pathlib.Path("cityclusters-book").is_dir():
        subprocess.run(["git", "clone", "--depth", "1", "--branch", {branch!r}, {url!r},
                        "cityclusters-book"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-r",
                    "cityclusters-book/requirements.txt"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "-e",
                    "cityclusters-book"], check=True)
    subprocess.run([sys.executable, "-m", "cityclusters", "data"], cwd="cityclusters-book", check=True)
    os.chdir("cityclusters-book/notebooks")
"""

_ROLE = re.compile(r"\{glue(?::text)?\}`(?P<content>[^`]+)`")
_FIGURE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{glue(?::figure)?\}[ \t]+(?P<key>\S+)[ \t]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
                     re.M | re.S)
_ADMONITION = re.compile(r"^(?P<fence>:{3,}|`{3,})\{admonition\}[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*\n?",
                         re.M | re.S)
_OPTION = re.compile(r"^:(?P<name>[\w-]+):[ \t]*(?P<value>.*)$")


def glue_text(output: dict, fmt_spec: str) -> str:
    """The text myst-nb pastes for a glued output and a format specification.

    >>> glue_text({"data": {"text/plain": "0.12345"}}, ".1%")
    '12.3%'
    >>> glue_text({"data": {"text/plain": "'Chengdu–Chongqing'"}}, "s")
    'Chengdu–Chongqing'
    """
    from myst_nb.core.variables import format_plain_text

    return format_plain_text(output["data"]["text/plain"], fmt_spec)


def fill_glue_roles(text: str, glue: dict) -> tuple[str, list[str]]:
    """``text`` with every local ``{glue:text}`` / ``{glue}`` role replaced by its value; the keys
    not found (left as they were) are returned too.

    >>> fill_glue_roles("D is {glue:text}`d:.2f` in {glue}`year`.",
    ...                 {"d": {"data": {"text/plain": "0.4567"}}, "year": {"data": {"text/plain": "2019"}}})
    ('D is 0.46 in 2019.', [])
    """
    missing: list[str] = []

    def paste(match: re.Match) -> str:
        content = match.group("content")
        key, fmt_spec = content.rsplit(":", 1) if ":" in content else (content, "s")  # as myst-nb
        output = None if "::" in content else glue.get(key)  # another page's glue: left as is
        if output is None or "text/plain" not in output.get("data", {}):
            missing.append(key)
            return match.group(0)
        return glue_text(output, fmt_spec)

    return _ROLE.sub(paste, text), missing


def fill_glue_figures(cell, glue: dict) -> list[str]:
    """Replace each ``{glue:figure}`` or ``{glue}`` directive of a Markdown cell by its image and
    caption (or, for an output with HTML only, such as an interactive SVG, by that HTML)."""
    missing: list[str] = []
    attachments = dict(cell.get("attachments", {}))

    def paste(match: re.Match) -> str:
        key = match.group("key")
        output = glue.get(key)
        image = next((mime for mime in ("image/png", "image/svg+xml", "image/jpeg")
                      if output is not None and mime in output.get("data", {})), None)
        if image is None:
            html = None if output is None else output.get("data", {}).get("text/html")
            if html is None:  # nothing a notebook viewer can draw: left as it was, and reported
                missing.append(key)
                return match.group(0)
            return (html if isinstance(html, str) else "".join(html)) + "\n"  # e.g. an interactive SVG
        options, caption = {}, []
        for line in match.group("body").splitlines():
            option = _OPTION.match(line)
            if option and not caption:
                options[option.group("name")] = option.group("value")
            elif line.strip() or caption:
                caption.append(line)
        name = f"{key}.{image.split('/')[1].split('+')[0]}"
        attachments[name] = {image: output["data"][image]}
        alt = options.get("alt") or " ".join(caption).strip() or key
        return f"![{alt}](attachment:{name})\n\n" + "\n".join(caption).strip() + "\n"

    cell.source = _FIGURE.sub(paste, cell.source)
    if attachments:
        cell["attachments"] = attachments
    return missing


def remove_solutions(text: str) -> str:
    """``text`` without its admonitions of class ``solution`` (the student edition).

    >>> remove_solutions(":::{admonition} Exercise\\nDo it.\\n:::\\n:::{admonition} Solution\\n"
    ...                  ":class: dropdown solution\\nIt is 4.\\n:::\\nAfter.")
    ':::{admonition} Exercise\\nDo it.\\n:::\\nAfter.'
    """
    def keep(match: re.Match) -> str:
        for line in match.group("body").splitlines():
            option = _OPTION.match(line)
            if option is None:
                break
            if option.group("name") == "class" and "solution" in option.group("value").split():
                return ""
        return match.group(0)

    return _ADMONITION.sub(keep, text)


def setup_cell(repository_url: str, branch: str) -> nbformat.NotebookNode:
    """The first code cell of a downloaded notebook (see the module docstring)."""
    cell = nbformat.v4.new_code_cell(SETUP_SOURCE.format(url=repository_url, branch=branch))
    cell.metadata["tags"] = [SETUP_TAG]
    return cell


def self_sufficient(notebook: nbformat.NotebookNode, glue: dict, repository_url: str, branch: str,
                    hide_solutions: bool = False) -> list[str]:
    """Rewrite ``notebook`` in place for download (module docstring); return glue keys not found."""
    missing: list[str] = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        if hide_solutions:
            cell.source = remove_solutions(cell.source)
        missing += fill_glue_figures(cell, glue)
        cell.source, lost = fill_glue_roles(cell.source, glue)
        missing += lost
    has_setup = any(SETUP_TAG in cell.metadata.get("tags", []) for cell in notebook.cells)
    if repository_url and not has_setup:  # after the title cell, before any code
        first_code = next((i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"),
                          len(notebook.cells))
        notebook.cells.insert(min(1, first_code), setup_cell(repository_url, branch))
    return missing
