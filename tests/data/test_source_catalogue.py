"""The source catalogue (``data/facts/source_catalogue.csv``): one row per registered source,
every cell filled, every citation key in the bibliography and cited in the data appendix."""

from __future__ import annotations

import re

import pytest

from cityclusters.data.facts import FACT_TABLES, read_fact
from cityclusters.data.registry import load_registry
from cityclusters.paths import repo_root

ROOT = repo_root()
NOT_USED = "fetched and verified; not yet used"


@pytest.fixture(scope="module")
def catalogue():
    return read_fact("source_catalogue.csv")


def catalogue_keys(catalogue) -> set[str]:
    """The BibTeX keys of the catalogue (a cell may hold several, separated by ';')."""
    return {key.strip() for cell in catalogue["citation_key"] for key in cell.split(";")}


def bib_keys() -> set[str]:
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    return set(re.findall(r"^@\w+\{([^,\s]+),", text, flags=re.MULTILINE))


def sources_section() -> str:
    """The text of the '## Sources' section of book/data.md (up to the next '## ' heading)."""
    text = (ROOT / "book" / "data.md").read_text(encoding="utf-8")
    match = re.search(r"^## Sources\n(.*?)(?=^## )", text, flags=re.MULTILINE | re.DOTALL)
    assert match, "book/data.md has no '## Sources' section followed by another section"
    return match.group(1)


def test_schema_is_registered_and_read(catalogue):
    assert list(catalogue.columns) == list(FACT_TABLES["source_catalogue.csv"].columns)
    assert catalogue.map(lambda value: isinstance(value, str)).all().all()


def test_one_row_per_registered_source_and_vice_versa(catalogue):
    registry_sources = set(load_registry()["source"])
    assert not catalogue["source"].duplicated().any(), \
        catalogue.loc[catalogue["source"].duplicated(), "source"].tolist()
    assert set(catalogue["source"]) == registry_sources, {
        "registered but not catalogued": sorted(registry_sources - set(catalogue["source"])),
        "catalogued but not registered": sorted(set(catalogue["source"]) - registry_sources)}


def test_no_empty_cells_and_nothing_breaks_a_markdown_table(catalogue):
    stripped = catalogue.apply(lambda column: column.str.strip())
    empty = [(row + 2, column) for column in catalogue.columns
             for row in catalogue.index[stripped[column] == ""]]
    assert not empty, f"empty cells (row, column) in data/facts/source_catalogue.csv: {empty}"
    bad = [(row + 2, column) for column in catalogue.columns
           for row in catalogue.index[catalogue[column].str.contains(r"[|\n]", regex=True)]]
    assert not bad, f"cells with '|' or a line break (row, column): {bad}"


def test_every_citation_key_is_in_the_bibliography(catalogue):
    missing = sorted(catalogue_keys(catalogue) - bib_keys())
    assert not missing, f"citation keys missing from book/references.bib: {missing}"


def test_keys_cited_in_the_sources_section_equal_the_catalogue_keys(catalogue):
    cited = {key.strip() for group in re.findall(r"\{cite:[pt]\}`([^`]+)`", sources_section())
             for key in group.split(",")}
    assert cited == catalogue_keys(catalogue), {
        "in the catalogue, not cited": sorted(catalogue_keys(catalogue) - cited),
        "cited, not in the catalogue": sorted(cited - catalogue_keys(catalogue))}


def test_sources_section_reads_the_catalogue_and_states_the_yearbook_licence():
    section = sources_section()
    assert 'read_fact("source_catalogue.csv")' in section and "markdown_table(catalogue" in section
    assert "| source |" not in section, "the hand-written source table is back"
    assert "copyrighted yearbook" in section and "derived results only" in section


def test_yearbook_row_records_the_known_flaws(catalogue):
    row = catalogue.set_index("source").loc["Zeeny-lin__vibe-coding-gis-"]
    assert "nbs_city_yearbook" in row["citation_key"]
    assert "derived results only" in row["publication_rule"]
    for flaw in ("2022 edition", "table 2-32", "2005 edition", "科学/教育", "units change"):
        assert flaw in row["known_flaws"], flaw


def chapters_of(used_by: str) -> set[int]:
    """Chapter numbers named in a ``used_by`` cell: 'chapters 1-3, 5' → {1, 2, 3, 5}."""
    numbers: set[int] = set()
    for group in re.findall(r"chapters? ([\d ,\-–]+)", used_by):
        for part in filter(None, re.split(r"\s*,\s*", group.strip(" ,"))):
            span = re.fullmatch(r"(\d+)(?:\s*[-–]\s*(\d+))?", part)
            assert span, f"cannot read chapter(s) {part!r} in {used_by!r}"
            numbers.update(range(int(span[1]), int(span[2] or span[1]) + 1))
    return numbers


def test_chapters_of_parses_lists_and_ranges():
    assert chapters_of("chapters 1-3, 5, 10–12 (x); chapter 7 (y)") == {1, 2, 3, 5, 7, 10, 11, 12}
    assert chapters_of(NOT_USED) == set()


@pytest.mark.slow
@pytest.mark.book
def test_used_by_matches_the_raw_files_the_executed_chapters_used(catalogue):
    from cityclusters.errors import LedgerError
    from cityclusters.publishing.reproducibility import chapter_raw_files

    try:
        usage = chapter_raw_files()
    except LedgerError as exc:
        pytest.skip(f"book not built: {exc}")
    registry = load_registry()
    usage = usage.assign(source=registry.loc[usage["key"], "source"].to_numpy(),
                         number=usage["chapter"].str.split("_").str[0].astype(int))
    built = usage.groupby("source")["number"].apply(set).to_dict()
    wrong = {row.source: {"catalogue": sorted(chapters_of(row.used_by)),
                          "executed chapters": sorted(built.get(row.source, set()))}
             for row in catalogue.itertuples()
             if chapters_of(row.used_by) != built.get(row.source, set())}
    assert not wrong, wrong
    unused = catalogue.loc[~catalogue["source"].isin(built), "used_by"]
    assert (unused == NOT_USED).all(), unused.tolist()
