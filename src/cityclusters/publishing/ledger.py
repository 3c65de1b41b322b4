"""The claims ledger: every claim of the seed papers with the verdict a chapter computed.

Chapters record their verdicts with :func:`cityclusters.publishing.notebook.glue_verdict`, which glues
``verdict__<claim_id>``, ``evidence__<claim_id>`` and ``section__<claim_id>`` into the
executed notebook. The executed notebooks (``_build/jupyter_execute/notebooks/*.ipynb``,
written by myst-nb while it builds the book) are therefore the data file the chapters fill;
this module reads them back and joins them to the claim list
``data/facts/seed_claims.csv``. Nothing in the ledger is typed by hand.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pandas as pd

from cityclusters.errors import LedgerError
from cityclusters.paths import repo_root
from cityclusters.publishing.runner import glue_outputs, output_text

#: The glue prefixes written by ``glue_verdict`` for every verdict.
FIELDS = ("verdict", "evidence", "section")
#: The glue prefixes of the decision rule's name and of what would change the verdict.
RULE_FIELDS = ("rule", "change")


def executed_dir() -> Path:
    """Folder of the executed chapters: ``$CITYCLUSTERS_EXECUTED_DIR`` (set by the book's
    Sphinx extension during a build) or ``_build/jupyter_execute``."""
    return Path(os.environ.get("CITYCLUSTERS_EXECUTED_DIR") or repo_root() / "_build" / "jupyter_execute")


def glued_strings(path: Path, prefixes: tuple[str, ...] = FIELDS + RULE_FIELDS) -> dict[str, str]:
    """The string glue values of an executed chapter whose names start with ``<prefix>__``.

    ``path`` is a ``.glue.json`` written by myst-nb or an ``.ipynb`` executed by papermill.
    Values are stored as their Python ``repr`` (``'supported'``) and decoded with
    :func:`ast.literal_eval`; a value that is not a string literal raises
    :class:`LedgerError` naming the file and the glue name.
    """
    values = {}
    for output in glue_outputs(Path(path)):
        name = output["metadata"]["scrapbook"]["name"]
        if name.split("__", 1)[0] not in prefixes or "__" not in name:
            continue
        text = output_text(output)
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError) as exc:
            raise LedgerError(f"{path}: glue value {name!r} is not a string literal: {text!r}") from exc
        if not isinstance(value, str):
            raise LedgerError(f"{path}: glue value {name!r} must be a string, got {value!r}")
        values[name] = value
    return values


def chapter_glue_files(folder: Path) -> list[Path]:
    """Per executed chapter ``NN_*`` in ``folder/notebooks``: its ``.glue.json`` if there is
    one, else its ``.ipynb``."""
    notebooks = Path(folder) / "notebooks"
    stems = sorted({p.name.split(".")[0] for pattern in ("[0-9][0-9]_*.ipynb", "[0-9][0-9]_*.glue.json")
                    for p in notebooks.glob(pattern)})
    files = []
    for stem in stems:
        glue = notebooks / f"{stem}.glue.json"
        files.append(glue if glue.is_file() else notebooks / f"{stem}.ipynb")
    return files


def collect_verdicts(folder: Path | None = None) -> pd.DataFrame:
    """One row per (chapter, claim) verdict found in the executed chapters under ``folder``.

    ``folder`` defaults to :func:`executed_dir`; chapters are ``notebooks/NN_*.ipynb`` in it.
    Columns: ``claim_id``, ``chapter`` (notebook stem), ``verdict``, ``evidence``,
    ``section`` (the MyST label of the section that computes the evidence).
    """
    folder = Path(folder) if folder is not None else executed_dir()
    chapters = chapter_glue_files(folder)
    if not chapters:
        raise LedgerError(f"no executed chapters in {folder / 'notebooks'}: build the book first "
                          "(`make html`)")
    rows = []
    for notebook in chapters:
        values = glued_strings(notebook)
        ids = sorted({name.split("__", 1)[1] for name in values})
        for claim_id in ids:
            missing = [f for f in FIELDS if f"{f}__{claim_id}" not in values]
            if missing:
                raise LedgerError(f"{notebook.name}: claim {claim_id!r} lacks glue values {missing}")
            rows.append({"claim_id": claim_id, "chapter": notebook.name.split(".")[0],
                         **{f: values[f"{f}__{claim_id}"] for f in FIELDS},
                         **{f: values.get(f"{f}__{claim_id}") for f in RULE_FIELDS}})
    return pd.DataFrame(rows, columns=["claim_id", "chapter", *FIELDS, *RULE_FIELDS])


def verdict_category(verdict: str) -> str:
    """The verdict's category: the text before the first colon (e.g. 'partly supported')."""
    from cityclusters.analysis.verdicts import VERDICTS

    head = verdict.split(":", 1)[0].strip()
    if head not in VERDICTS:
        raise LedgerError(f"verdict {verdict!r} does not start with one of {list(VERDICTS)}")
    return head


def claims_ledger(folder: Path | None = None, claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """The claims ledger: every claim of ``seed_claims.csv`` with its computed verdict.

    One row per claim, in the order of the claim list, with the claim's ``paper``, ``section``
    (of the paper), ``claim_en``, ``year``, ``stated_value`` and the chapter's ``chapter``,
    ``verdict``, ``category`` (see :func:`verdict_category`), ``evidence`` and ``label``
    (section label for links). Raises :class:`LedgerError` listing the claims that no chapter
    judged, the verdicts for claims not in the list, and claims judged by two chapters.
    """
    from cityclusters.data import tables

    claims = tables.seed_claims() if claims is None else claims
    verdicts = collect_verdicts(folder)
    unknown = sorted(set(verdicts["claim_id"]) - set(claims["claim_id"]))
    missing = [c for c in claims["claim_id"] if c not in set(verdicts["claim_id"])]
    twice = verdicts[verdicts.duplicated("claim_id", keep=False)]
    problems = []
    if missing:
        problems.append(f"no chapter gives a verdict on {missing}")
    if unknown:
        problems.append(f"verdicts on claims not in data/facts/seed_claims.csv: {unknown}")
    if not twice.empty:
        pairs = twice.groupby("claim_id")["chapter"].apply(list).to_dict()
        problems.append(f"claims judged by more than one chapter: {pairs}")
    if problems:
        raise LedgerError("claims ledger incomplete: " + "; ".join(problems))
    ledger = claims.merge(verdicts.rename(columns={"section": "label"}), on="claim_id",
                          how="left", validate="one_to_one")
    ledger["category"] = ledger["verdict"].map(verdict_category)
    return ledger


def verdict_counts(ledger: pd.DataFrame) -> pd.DataFrame:
    """Claims per paper (rows) and verdict category (columns, in the order of VERDICTS)."""
    from cityclusters.analysis.verdicts import VERDICTS

    table = pd.crosstab(ledger["paper"], pd.Categorical(ledger["category"], categories=VERDICTS),
                        dropna=False)
    table.columns = list(table.columns)
    table.index.name = "paper"
    return table


#: The five seed papers: id → (BibTeX key in book/references.bib, short English label).
SEED_PAPERS = {
    "000": ("liu_deng_2021", "000 Liu & Deng 2021 (成渝贵)"),
    "001": ("li_2018_chengyu", "001 Li 2018 (成渝)"),
    "002": ("li_xiao_ma_2020", "002 Li, Xiao & Ma 2020 (ten clusters)"),
    "003": ("chen_wang_2016", "003 Chen & Wang 2016 (large clusters)"),
    "004": ("liu_chen_2021", "004 Liu & Chen 2021 (YRD lessons)"),
}


def chapter_number(chapter: str) -> int:
    """The chapter number of a notebook stem such as ``04_urban_hierarchy`` (→ 4)."""
    head = chapter.split("_", 1)[0]
    if not head.isdigit():
        raise LedgerError(f"chapter {chapter!r} does not start with its number (NN_topic)")
    return int(head)


def _cell(text) -> str:
    """Text for one cell of a Markdown table: pipes escaped, on one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def rules_table():
    """The ledger's decision rules (:data:`cityclusters.analysis.verdicts.RULES`) as a table:
    the rule's name, how the verdict follows from the evidence, what would change it."""
    from cityclusters.analysis.verdicts import RULES
    from cityclusters.publishing.notebook import markdown_table

    return markdown_table(pd.DataFrame({
        "Rule": [rule.name for rule in RULES.values()],
        "How the verdict follows from the evidence": [rule.statement for rule in RULES.values()],
        "What would change a verdict": [rule.would_change for rule in RULES.values()]}))


def rule_text(row) -> str:
    """The decision rule and what would change the verdict, as the ledger prints them under the
    verdict (empty when the chapter named no rule)."""
    rule = getattr(row, "rule", None)
    change = getattr(row, "change", None)
    parts = []
    if isinstance(rule, str) and rule:
        parts.append(f" *Rule:* {rule}.")
    if isinstance(change, str) and change:
        parts.append(f" *Would change with:* {change.rstrip('.')}.")
    return _cell("".join(parts))


def ledger_rows_markdown(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger rows of one paper as the columns shown in the book, with MyST links.

    Columns: Claim (our words, with the paper's value and year), Evidence (computed), Verdict,
    Where (a ``{ref}`` link to the section that computes it).
    """
    return pd.DataFrame({
        "Claim (paper's value, year)": [
            _cell(f"{r.claim_en} ({r.stated_value}; {r.year})") for r in ledger.itertuples()],
        "Evidence (computed)": [_cell(e) for e in ledger["evidence"]],
        "Verdict": [f"**{_cell(r.category)}**" + _cell(r.verdict[len(r.category):]) + rule_text(r)
                    for r in ledger.itertuples()],
        "Where": [f"{{ref}}`ch. {chapter_number(ch)} <{label}>`"
                  for ch, label in zip(ledger["chapter"], ledger["label"])],
    })


def whole_ledger(ledger: pd.DataFrame):
    """The whole ledger as one download on its page: a line of text whose output carries every
    claim (the frame of :func:`claims_ledger`, as ``python -m cityclusters ledger --out`` writes
    it) as CSV, offered under the line by the book's Sphinx extension."""
    from cityclusters.publishing.notebook import DataTable

    return DataTable(f"All {len(ledger)} claims in one table, one row per claim with its verdict, evidence "
                     "and chapter (the same table as `python -m cityclusters ledger --out ledger.csv`):", ledger)


def paper_table(ledger: pd.DataFrame, paper: str):
    """The ledger table of one paper (a Markdown display object) with its citation line."""
    from cityclusters.publishing.notebook import DataTable, markdown_table

    if paper not in SEED_PAPERS:
        raise LedgerError(f"unknown paper {paper!r}; papers: {list(SEED_PAPERS)}")
    rows = ledger[ledger["paper"] == paper]
    key = SEED_PAPERS[paper][0]
    table = markdown_table(ledger_rows_markdown(rows)).data
    return DataTable(f"{{cite:t}}`{key}`: {len(rows)} claims.\n\n{table}", rows)
