"""Tables that fit the PDF page (issue 16: overfull boxes).

Without column widths, Sphinx typesets a table with ``tabulary``, which can squeeze a column of
numbers below the width of its longest number ("100%" sticking into the next column: an
overfull box), and which cannot break across pages (the claims ledger ran over the footer).
:func:`fit_columns` gives every table of the LaTeX build column widths in characters:

- each column gets at least its longest word (a number, an identifier) plus one character;
- a column wants its longest cell, up to :data:`WRAP_AT` characters (longer text wraps);
- when the wants exceed the line (:data:`LINE_CHARACTERS`), what is left after the minimums is
  shared in proportion to what each column wants beyond its minimum.

The widths go to Sphinx as ``colwidth`` with the class ``colwidths-given`` (Sphinx then writes
``\\X{w}{total}`` columns, paragraph columns that wrap). A table with more than
:data:`LONG_TABLE_ROWS` body rows gets the class ``longtable`` so that it can continue on the
next page.
"""

from __future__ import annotations

import unicodedata

from docutils import nodes

#: Characters of a line of table text in the PDF (tables are set in \small on A4 with Sphinx's
#: margins: about 100 characters; a little kept back for the column separators).
LINE_CHARACTERS = 92
#: A cell longer than this wraps rather than widening its column.
WRAP_AT = 40
#: Body rows above which a table may break across pages.
LONG_TABLE_ROWS = 12


def text_width(text: str) -> int:
    """Width of ``text`` in Latin characters: a Chinese character is as wide as two.

    >>> text_width("成都 ab")
    7
    """
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def unbreakable_width(word: str) -> int:
    """Width of the longest part of ``word`` that LaTeX cannot break: xeCJK may break a line
    between any two Chinese characters, so only runs of other characters count.

    >>> unbreakable_width("成渝城市群"), unbreakable_width("education_spending"), unbreakable_width("成都(Chengdu)")
    (2, 18, 9)
    """
    runs, current = [], 0
    for c in word:
        if unicodedata.east_asian_width(c) in ("W", "F"):
            runs += [current, 2]
            current = 0
        else:
            current += 1
    return max([*runs, current])


def column_widths(cells: list[list[str]], line: int = LINE_CHARACTERS, wrap_at: int = WRAP_AT) -> list[int]:
    """Widths in characters for the columns of ``cells`` (rows of cell texts).

    >>> column_widths([["city", "share"], ["成都 (Chengdu)", "100.0%"]])
    [15, 7]
    >>> column_widths([["claim", "n"], ["x " * 80, "12"]], line=30)
    [27, 3]
    """
    n = max(len(row) for row in cells)
    minimum, want = [1] * n, [1] * n
    for row in cells:
        for j, text in enumerate(row):
            words = text.split() or [""]
            minimum[j] = max(minimum[j], max(unbreakable_width(w) for w in words) + 1)
            want[j] = max(want[j], min(text_width(text.strip()) + 1, wrap_at))
    want = [max(w, m) for w, m in zip(want, minimum)]
    if sum(want) <= line:
        return want
    spare = line - sum(minimum)
    if spare <= 0:
        return minimum
    extra = [w - m for w, m in zip(want, minimum)]
    return [m + int(round(spare * e / sum(extra))) for m, e in zip(minimum, extra)]


def _cell_texts(table: nodes.table) -> list[list[str]]:
    rows = []
    for row in table.findall(nodes.row):
        rows.append([" ".join(entry.astext().split()) for entry in row.children if isinstance(entry, nodes.entry)])
    return rows


def fit_columns(table: nodes.table) -> bool:
    """Set the column widths (and the ``longtable`` class when long) of one table; False for a
    table whose widths were given by its author or whose cells span columns (left to Sphinx)."""
    if "colwidths-given" in table.get("classes", []):
        return False
    groups = [g for g in table.children if isinstance(g, nodes.tgroup)]
    if len(groups) != 1 or any(entry.get("morecols") for entry in table.findall(nodes.entry)):
        return False
    colspecs = [c for c in groups[0].children if isinstance(c, nodes.colspec)]
    cells = _cell_texts(table)
    if not cells or any(len(row) != len(colspecs) for row in cells):
        return False
    for colspec, width in zip(colspecs, column_widths(cells)):
        colspec["colwidth"] = width
    table["classes"] = [*table.get("classes", []), "colwidths-given"]
    body_rows = sum(len(body.children) for body in groups[0].children if isinstance(body, nodes.tbody))
    if body_rows > LONG_TABLE_ROWS and "longtable" not in table["classes"]:
        table["classes"].append("longtable")
    return True


def fit_tables(doctree: nodes.document) -> int:
    """:func:`fit_columns` for every table of a page; returns how many were set."""
    return sum(fit_columns(table) for table in list(doctree.findall(nodes.table)))
