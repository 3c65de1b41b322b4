"""Tables that fit the PDF page (issue 16: overfull boxes).

Without column widths, Sphinx typesets a table with ``tabulary``, which can squeeze a column of
numbers below the width of its longest number ("100%" sticking into the next column: an
overfull box), and which cannot break across pages (the claims ledger ran over the footer).
:func:`fit_columns` gives every table of the LaTeX build column widths in characters:

- each column gets at least its longest unbreakable word (a number, an identifier; at most
  :data:`LONGEST_WORD`) and its separators;
- a column wants its longest cell, up to :data:`WRAP_AT` characters (longer text wraps);
- the font and column separation are the roomiest of :data:`LAYOUTS` whose line holds every
  column's minimum;
- when the wants exceed the line, what is left after the minimums is shared in proportion to
  what each column wants beyond its minimum.

The widths go to Sphinx as ``colwidth`` with the class ``colwidths-given`` (Sphinx then writes
``\\X{w}{total}`` columns: paragraph columns, a share w/total of the line less the separators).
A table that would fill more than :data:`LONG_TABLE_LINES` lines gets the class ``longtable``
so that it can continue on the next page (not inside an admonition, where LaTeX forbids it).
"""

from __future__ import annotations

import unicodedata

from docutils import nodes

#: Table layouts from roomiest to tightest: LaTeX font size, characters (digits, Latin letters)
#: a line of the PDF's text width (455 pt, A4 with Sphinx's margins) holds in it, and the column
#: separator (2 × \\tabcolsep) in characters of that size. A digit is about half the font size
#: wide; the estimates keep a little in hand, since "%" and capitals are wider.
LAYOUTS = (("small", 94, 3, 6), ("footnotesize", 107, 3, 6), ("scriptsize", 121, 4, 6), ("scriptsize", 121, 2, 2))
#: Characters of a line in the roomiest layout, the default budget of :func:`column_widths`.
LINE_CHARACTERS = LAYOUTS[0][1]
#: Characters taken by a column's separators in the roomiest layout.
SEPARATOR = LAYOUTS[0][2]
#: A longer unbreakable word (a file path) may stick out of its own cell rather than take the
#: width of the others.
LONGEST_WORD = 30
#: A cell longer than this wraps rather than widening its column.
WRAP_AT = 40
#: Estimated lines above which a table may break across pages.
LONG_TABLE_LINES = 40


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


def column_widths(cells: list[list[str]], line: int = LINE_CHARACTERS, wrap_at: int = WRAP_AT,
                  separator: int = SEPARATOR) -> list[int]:
    """Widths in characters for the columns of ``cells`` (rows of cell texts).

    >>> column_widths([["city", "share"], ["成都 (Chengdu)", "100.0%"]])  # 14 and 6 characters, + 1 + 3
    [18, 10]
    >>> column_widths([["claim", "n"], ["x " * 80, "12"]], line=36)
    [30, 6]
    """
    n = max(len(row) for row in cells)
    minimum, want = [1 + separator] * n, [1 + separator] * n
    for j, width in enumerate(minimum_widths(cells)):
        minimum[j] = max(minimum[j], width + separator)
    for row in cells:
        for j, text in enumerate(row):
            want[j] = max(want[j], min(text_width(text.strip()), wrap_at) + 1 + separator)
    want = [max(w, m) for w, m in zip(want, minimum)]
    if sum(want) <= line:
        return want
    spare = line - sum(minimum)
    if spare <= 0:
        return minimum
    extra = [w - m for w, m in zip(want, minimum)]
    return [m + spare * e // sum(extra) for m, e in zip(minimum, extra)]  # rounded down: never over the line


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
    size, line, separator, tabcolsep = layout(cells)
    widths = column_widths(cells, line=line, separator=separator)
    for colspec, width in zip(colspecs, widths):
        colspec["colwidth"] = width
    table["classes"] = [*table.get("classes", []), "colwidths-given"]
    inside_box = any(isinstance(a, (nodes.Admonition, nodes.sidebar, nodes.topic)) for a in _ancestors(table))
    if estimated_lines(cells, widths, separator) > LONG_TABLE_LINES and not inside_box and "longtable" not in table["classes"]:
        table["classes"].append("longtable")
    parent = table.parent
    if parent is not None:  # the table's font size, for the table alone
        index = parent.index(table)
        parent.insert(index + 1, nodes.raw("", "\\endgroup\n", format="latex"))
        parent.insert(index, nodes.raw("", f"\\begingroup\\{size}\\setlength{{\\tabcolsep}}{{{tabcolsep}pt}}\n",
                                       format="latex"))
    return True


def _ancestors(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


def minimum_widths(cells: list[list[str]]) -> list[int]:
    """Per column, its longest unbreakable word (at most :data:`LONGEST_WORD`) plus one character.

    >>> minimum_widths([["100.0%", "a/very/long/path/" * 3]])
    [7, 31]
    """
    n = max(len(row) for row in cells)
    return [min(LONGEST_WORD, max((unbreakable_width(w) for row in cells if j < len(row)
                                   for w in (row[j].split() or [""])), default=0)) + 1 for j in range(n)]


def layout(cells: list[list[str]]) -> tuple[str, int, int, int]:
    """The roomiest of :data:`LAYOUTS` whose line holds every column's minimum width with its
    separators (the tightest when none does): (font size, line, separator, \\tabcolsep in pt).

    >>> layout([["a"] * 4])[:2]
    ('small', 94)
    >>> layout([["1234567"] * 10])  # 10 columns of 7 + 1 characters and their separators
    ('scriptsize', 121, 4, 6)
    >>> layout([["12345678"] * 10])  # one character more: narrower separators
    ('scriptsize', 121, 2, 2)
    """
    minimum = minimum_widths(cells)
    for size, line, separator, tabcolsep in LAYOUTS:
        if sum(minimum) + separator * len(minimum) <= line:
            return size, line, separator, tabcolsep
    return LAYOUTS[-1]


def estimated_lines(cells: list[list[str]], widths: list[int], separator: int = SEPARATOR) -> int:
    """Lines the table fills: per row, its tallest cell (cell width over its column's text
    width, rounded up).

    >>> estimated_lines([["a" * 10, "b"], ["c", "d"]], [8, 6])
    3
    """
    return sum(max(-(-text_width(text) // max(1, w - separator)) for text, w in zip(row, widths)) or 1
               for row in cells)


def fit_tables(doctree: nodes.document) -> int:
    """:func:`fit_columns` for every table of a page; returns how many were set."""
    return sum(fit_columns(table) for table in list(doctree.findall(nodes.table)))
