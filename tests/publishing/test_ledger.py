"""The claims ledger is assembled from the chapters' glue values, and is complete."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from cityclusters.paths import repo_root
from cityclusters.publishing import ledger


def _glue_json(path: Path, values: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        name: {"output_type": "display_data", "metadata": {"scrapbook": {"name": name, "mime_prefix": "x/"}},
               "data": {"text/plain": repr(value)}} for name, value in values.items()}), encoding="utf-8")


def _claims(*ids):
    return pd.DataFrame({"claim_id": list(ids), "paper": ["000"] * len(ids),
                         "section": "s", "claim_en": "c", "year": "2019", "stated_value": "1"})


def _verdict(cid, verdict="supported", label="sec-a"):
    return {f"verdict__{cid}": verdict, f"evidence__{cid}": "x = 1.0 (2019)", f"section__{cid}": label}


def test_ledger_joins_claims_and_verdicts_from_executed_chapters(tmp_path):
    _glue_json(tmp_path / "notebooks/01_a.glue.json", {**_verdict("c1"), "other": "ignored"})
    _glue_json(tmp_path / "notebooks/02_b.glue.json", _verdict("c2", "partly supported: before 2014", "sec-b"))
    (tmp_path / "notebooks/02_b.ipynb").write_text("{}")  # the .glue.json wins over the notebook
    table = ledger.claims_ledger(tmp_path, _claims("c1", "c2"))
    assert table[["claim_id", "chapter", "category", "label"]].values.tolist() == [
        ["c1", "01_a", "supported", "sec-a"], ["c2", "02_b", "partly supported", "sec-b"]]
    rows = ledger.ledger_rows_markdown(table)
    assert rows["Where"].tolist() == ["{ref}`ch. 1 <sec-a>`", "{ref}`ch. 2 <sec-b>`"]
    assert rows["Verdict"].tolist()[1] == "**partly supported**: before 2014"


def test_papermill_notebooks_are_read_too(tmp_path):
    outputs = [{"output_type": "display_data",
                "metadata": {"scrapbook": {"name": k, "mime_prefix": "application/papermill.record/"}},
                "data": {"application/papermill.record/text/plain": repr(v)}} for k, v in _verdict("c1").items()]
    path = tmp_path / "notebooks/05_c.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": outputs}]}))
    assert ledger.collect_verdicts(tmp_path)["chapter"].tolist() == ["05_c"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"01_a": _verdict("c1")}, r"no chapter gives a verdict on \['c2'\]"),
        ({"01_a": {**_verdict("c1"), **_verdict("c2"), **_verdict("c9")}}, r"not in data/facts/seed_claims.csv: \['c9'\]"),
        ({"01_a": {**_verdict("c1"), **_verdict("c2")}, "02_b": _verdict("c2")}, "more than one chapter"),
        ({"01_a": {**_verdict("c1"), **_verdict("c2", "probably")}}, "does not start with one of"),
        ({"01_a": {**_verdict("c1"), "verdict__c2": "supported"}}, r"claim 'c2' lacks glue values \['evidence', 'section'\]"),
    ],
)
def test_incomplete_or_inconsistent_ledgers_stop_the_build(tmp_path, files, message):
    for stem, values in files.items():
        _glue_json(tmp_path / f"notebooks/{stem}.glue.json", values)
    with pytest.raises(ledger.LedgerError, match=message):
        ledger.claims_ledger(tmp_path, _claims("c1", "c2"))


def test_no_executed_chapters_says_build_first(tmp_path):
    with pytest.raises(ledger.LedgerError, match="build the book first"):
        ledger.collect_verdicts(tmp_path)


# ----------------------------------------------------------------------------- the built book
BUILD = repo_root() / "_build"
LEDGER_PAGE = BUILD / "html" / "summary" / "claims_ledger.html"


@pytest.mark.slow
@pytest.mark.book
@pytest.mark.skipif(not LEDGER_PAGE.exists(), reason="book not built: run `make book`")
def test_built_ledger_has_every_claim_with_a_verdict_and_a_working_link():
    from cityclusters.data import tables

    table = ledger.claims_ledger(BUILD / "jupyter_execute")
    claims = tables.seed_claims()
    assert list(table["claim_id"]) == list(claims["claim_id"])
    assert table["verdict"].str.len().gt(0).all() and table["evidence"].str.len().gt(0).all()
    html = LEDGER_PAGE.read_text(encoding="utf-8")
    links = re.findall(r'href="\.\./notebooks/([0-9]{2}_[a-z_]+)\.html#([^"]+)"', html)
    assert len(links) == len(claims)
    # the page groups claims by paper: compare as multisets
    assert sorted(links) == sorted(zip(table["chapter"], table["label"]))
    for page, anchor in set(links):
        target = (BUILD / "html" / "notebooks" / f"{page}.html").read_text(encoding="utf-8")
        assert f'id="{anchor}"' in target, f"{page}#{anchor} missing"
