"""A CSV behind every table and figure: what the outputs carry, and the links the site gets."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from docutils import nodes  # noqa: E402
from docutils.frontend import get_default_settings  # noqa: E402
from docutils.parsers.rst import Parser  # noqa: E402
from docutils.utils import new_document  # noqa: E402

from cityclusters.figures import plotted_data as pdata  # noqa: E402
from cityclusters.publishing import data_downloads as dd  # noqa: E402
from cityclusters.publishing.notebook import CSV_MIME, markdown_table  # noqa: E402


def test_a_table_output_carries_its_unformatted_data():
    frame = pd.DataFrame({"cluster": ["YRD", "CY"], "share": [0.123456, 0.5]})
    bundle = markdown_table(frame, formats={"share": "{:.1%}"})._repr_mimebundle_()
    assert "12.3%" in bundle["text/markdown"]
    assert pd.read_csv(io.StringIO(bundle[CSV_MIME]))["share"].tolist() == [0.123456, 0.5]


def test_plotted_data_reads_lines_points_bars_and_labels_back():
    fig, (left, right) = plt.subplots(1, 2)
    left.plot([1, 2, 3], [4, 5, 6], label="D")
    left.scatter([1.5], [4.5], label="cities")
    left.annotate("成都", (1.5, 4.5))
    left.axhline(5)  # a reference line in axes coordinates: not data
    left.set_title("left")
    right.bar(["a", "b"], [3.0, 7.0], label="share")
    right.set_xlabel("group")
    data = pdata.plotted_data(fig)
    plt.close(fig)
    line = data[data["kind"] == "line"]
    assert line["y"].tolist() == [4, 5, 6] and set(line["series"]) == {"D"}
    assert data.loc[data["kind"] == "point", ["x", "y"]].values.tolist() == [[1.5, 4.5]]
    assert data.loc[data["kind"] == "label", "text"].tolist() == ["成都"]
    bars = data[data["kind"] == "bar"]
    assert bars["y"].tolist() == [3.0, 7.0] and bars["x_category"].tolist() == ["a", "b"]
    assert set(bars["panel"]) == {"panel 2"} and set(bars["x_label"]) == {"group"}


def test_a_heat_map_gives_each_cell_with_its_row_and_column_labels():
    fig, ax = plt.subplots()
    ax.imshow([[1.0, 2.0], [3.0, float("nan")]])
    ax.set_xticks([0, 1], ["成都", "重庆"])
    ax.set_yticks([0, 1], ["2010", "2020"])
    cells = pdata.plotted_data(fig)
    plt.close(fig)
    first = cells.iloc[0]
    assert (first["x_category"], first["y_category"], first["value"]) == ("成都", "2010", 1.0)
    assert cells.set_index(["y_category", "x_category"]).loc[("2020", "成都"), "value"] == 3.0
    assert cells["value"].isna().sum() == 1 and (cells["kind"] == "cell").all()


def test_an_attached_frame_is_the_figures_data_and_must_be_a_frame():
    fig = plt.figure()
    frame = pd.DataFrame({"city": ["成都"], "D": [0.6]})
    assert pdata.plotted_data(pdata.attach_data(fig, frame)) is frame
    with pytest.raises(TypeError, match="expected a DataFrame"):
        pdata.attach_data(fig, [1, 2])
    plt.close(fig)


def test_csvs_are_found_in_displayed_outputs_and_glue_records():
    notebook = {"cells": [
        {"cell_type": "markdown", "source": "x"},
        {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {"text/markdown": "|a|", CSV_MIME: "a\n1\n"}},
                                          {"output_type": "display_data",
                                           "data": {dd.GLUE_CSV: "x\n", "text/plain": "k"}}]}]}
    assert dd.table_csvs(notebook) == {1: ["a\n1\n"]}  # a glue record is not a table
    glue = {"fig_a": {"data": {"image/png": "…", CSV_MIME: "x,y\n1,2\n"}}, "n": {"data": {"text/plain": "3"}}}
    assert dd.figure_csvs(glue) == {"fig_a": "x,y\n1,2\n"}


def _doctree() -> nodes.document:
    document = new_document("test", get_default_settings(Parser))
    section = nodes.section(ids=["s"])
    cell = nodes.container(nb_element="cell_code", cell_index=3)
    cell += nodes.container(nb_element="cell_code_output")
    figure = nodes.figure(names=["fig-ch5-decay"])
    section += [cell, figure]
    document += section
    return document


def test_links_follow_their_table_and_figure_and_point_at_written_files(tmp_path):
    doctree = _doctree()
    source = "```{glue:figure} fig_decay\n:name: fig-ch5-decay\n\nCaption.\n```\n"
    count = dd.add_data_links(doctree, "notebooks/05_linkages", tmp_path, {3: ["a\n1\n"]},
                              {"fig_decay": {"data": {CSV_MIME: "x,y\n1,2\n"}}}, source)
    assert count == 2
    links = [n for n in doctree.findall(nodes.raw) if dd.LINK_CLASS in n.astext()]
    assert len(links) == 2 and all(n["format"] == "html" for n in links)  # the PDF gets none
    table_link = links[0].parent.children[links[0].parent.index(links[0]) - 1]
    assert table_link.get("nb_element") == "cell_code_output"
    assert 'href="../_static/data/notebooks/05_linkages/fig-ch5-decay.csv"' in links[1].astext()
    written = tmp_path / "_static/data/notebooks/05_linkages"
    assert (written / "fig-ch5-decay.csv").read_text(encoding="utf-8") == "x,y\n1,2\n"
    assert (written / "table-cell3.csv").read_text(encoding="utf-8") == "a\n1\n"


def test_a_figure_without_a_name_or_csv_gets_no_link(tmp_path):
    doctree = _doctree()
    assert dd.add_data_links(doctree, "p", tmp_path, {}, {"fig_decay": {"data": {"image/png": "…"}}},
                             "```{glue:figure} fig_decay\n:name: fig-ch5-decay\n```\n") == 0
