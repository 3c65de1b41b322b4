"""Tables that fit the PDF page: column widths from the contents, long tables that can break."""

from __future__ import annotations

from docutils import nodes
from docutils.core import publish_doctree

from cityclusters.publishing import latex_tables as lt


def table(rows: list[list[str]]) -> nodes.table:
    lines = ["+" + "+".join("-" * 42 for _ in rows[0]) + "+"]
    for i, row in enumerate(rows):
        lines.append("|" + "|".join(f" {cell:<40} " for cell in row) + "|")
        lines.append("+" + "+".join(("=" if i == 0 else "-") * 42 for _ in row) + "+")
    return next(publish_doctree("\n".join(lines)).findall(nodes.table))


def widths(node: nodes.table) -> list[int]:
    return [c["colwidth"] for c in node.findall(nodes.colspec)]


def test_numbers_keep_their_width_and_long_text_wraps():
    rows = [["claim", "verdict", "share"], ["x " * 18 + "end", "partly supported", "100.0%"]] * 2
    node = table(rows)
    assert lt.fit_columns(node)
    assert widths(node) == [43, 20, 10]  # the longest cell up to 40, + 1, + 3 for the separators
    assert "colwidths-given" in node["classes"] and "longtable" not in node["classes"]


def test_a_long_table_may_break_across_pages_and_author_widths_are_kept():
    node = table([["a", "b"]] + [["1", "2"]] * (lt.LONG_TABLE_LINES + 1))
    assert lt.fit_columns(node) and "longtable" in node["classes"]
    raw = [n.astext() for n in node.parent.findall(nodes.raw)]
    assert raw == ["\\begingroup\\small\\setlength{\\tabcolsep}{6pt}\n", "\\endgroup\n"]  # its own layout
    given = table([["a", "b"], ["1", "2"]])
    given["classes"].append("colwidths-given")
    assert not lt.fit_columns(given)


def test_a_table_in_an_admonition_never_becomes_a_longtable():
    node = table([["a", "b"]] + [["1", "2"]] * (lt.LONG_TABLE_LINES + 1))
    box = nodes.admonition()
    node.parent.replace(node, box)
    box += node
    assert lt.fit_columns(node) and "longtable" not in node["classes"]


def test_columns_never_fall_below_their_longest_word_when_the_line_is_full():
    cells = [["education_spending"] + ["长江中游城市群的长句子" * 3] * 4]
    out = lt.column_widths(cells)
    assert out[0] == len("education_spending") + 1 + lt.SEPARATOR
    assert sum(out) <= lt.LINE_CHARACTERS
