"""The glossary and the course guide, checked on the sources (no build needed).

Every ``{term}`` role of a page names an entry of ``book/glossary.md`` (as Sphinx resolves it:
exact or case-insensitive match, whitespace collapsed); the glossary has 50–80 entries, each an
English term whose definition opens with the Chinese term and its pinyin with tone marks; every
chapter links at least three terms; ``{doc}`` and ``{ref}`` targets of all pages exist; the
course guide's exercise column matches the chapters' exercise admonitions; both pages are in the
table of contents.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cityclusters.paths import repo_root

ROOT = repo_root()
GLOSSARY = ROOT / "book" / "glossary.md"
GUIDE = ROOT / "book" / "course_guide.md"
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.md"))
PAGES = sorted((ROOT / "book").glob("*.md")) + CHAPTERS

CJK = re.compile(r"[\u4e00-\u9fff]")
TONED = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜĀÁǍÀĒÉĚÈĪÍǏÌŌÓǑÒŪÚǓÙ]")
ROLE = re.compile(r"\{(term|doc|ref)\}`([^`]+)`")
CODE_FENCE = re.compile(r"^(`{3,}|~{3,})\{code-cell\}")


def role_target(text: str) -> str:
    """The target of a role: ``text <Target>`` → Target, else the text (whitespace collapsed)."""
    match = re.fullmatch(r"(?s).*?<([^<>]+)>\s*", text)
    target = match.group(1) if match else text
    return " ".join(target.split())


def markdown_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line) of the page outside code cells and front matter."""
    lines = path.read_text(encoding="utf-8").split("\n")
    out, fence, front = [], None, bool(lines) and lines[0].strip() == "---"
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if front:
            if number > 1 and stripped == "---":
                front = False
            continue
        if fence is None:
            match = CODE_FENCE.match(stripped)
            if match:
                fence = match.group(1)
                continue
            out.append((number, line))
        elif stripped == fence:
            fence = None
    return out


def roles(path: Path, kind: str) -> list[tuple[int, str]]:
    """(line, target) of every role of one kind in the markdown of a page."""
    return [(number, role_target(m.group(2))) for number, line in markdown_lines(path)
            for m in ROLE.finditer(line) if m.group(1) == kind]


def glossary_entries() -> dict[str, list[str]]:
    """Term → definition lines, parsed as Sphinx's glossary directive parses them."""
    text = GLOSSARY.read_text(encoding="utf-8")
    blocks = re.findall(r"^:::\{glossary\}\n(.*?)^:::$", text, flags=re.M | re.S)
    assert len(blocks) == 1, "book/glossary.md must hold exactly one glossary directive"
    entries: dict[str, list[str]] = {}
    term = None
    for line in blocks[0].split("\n"):
        if not line.strip() or line.startswith(":"):
            continue
        if not line[0].isspace():
            term = line.strip()
            assert term not in entries, f"duplicate glossary term {term!r}"
            entries[term] = []
        else:
            assert term is not None, f"definition line before any term: {line!r}"
            entries[term].append(line.strip())
    return entries


ENTRIES = glossary_entries()
TERMS_LOWER = {term.lower(): term for term in ENTRIES}


def test_glossary_size_and_sorting():
    assert 50 <= len(ENTRIES) <= 80, len(ENTRIES)
    assert ":sorted:" in GLOSSARY.read_text(encoding="utf-8")
    assert len(TERMS_LOWER) == len(ENTRIES), "terms that differ only in case clash in Sphinx"


@pytest.mark.parametrize("term", sorted(ENTRIES))
def test_entry_is_english_with_chinese_and_toned_pinyin(term):
    assert not CJK.search(term), f"the term itself must be English: {term!r}"
    definition = ENTRIES[term]
    assert definition, f"{term!r} has no definition"
    first = definition[0]
    opening = re.match(r"([^(]*)\(([^)]*)\)", first)
    assert opening and CJK.search(opening.group(1)) and not re.search(r"[a-z]{3}", opening.group(1)), \
        f"{term!r}: the definition must start with the Chinese term: {first!r}"
    assert TONED.search(opening.group(2)), \
        f"{term!r}: the Chinese term must be followed by pinyin with tone marks in brackets: {first!r}"
    assert 1 <= len(" ".join(definition).split(". ")) <= 6, f"{term!r}: keep definitions short"


def test_every_term_role_names_a_glossary_entry():
    unknown = [f"{path.relative_to(ROOT)}:{line}: {target!r}"
               for path in PAGES for line, target in roles(path, "term")
               if target not in ENTRIES and target.lower() not in TERMS_LOWER]
    assert not unknown, "term roles without a glossary entry:\n" + "\n".join(unknown)


def test_no_term_role_inside_code_cells():
    for path in CHAPTERS:
        prose = {number for number, _ in markdown_lines(path)}
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            if "{term}`" in line:
                assert number in prose, f"{path.name}:{number}: a term role inside a code cell"


@pytest.mark.parametrize("path", CHAPTERS + [ROOT / "book" / "intro.md", ROOT / "book" / "papers.md"],
                         ids=lambda p: p.stem)
def test_each_page_links_three_to_eight_terms_once(path):
    targets = [TERMS_LOWER.get(t.lower(), t) for _, t in roles(path, "term")]
    assert len(set(targets)) >= 3, f"{path.name} links only {sorted(set(targets))}"
    assert len(set(targets)) <= 8, f"{path.name} links {len(set(targets))} terms; at most 8"
    twice = sorted({t for t in targets if targets.count(t) > 1})
    assert not twice, f"{path.name} links these terms more than once: {twice}"


def labels() -> set[str]:
    found = set()
    for path in PAGES + sorted((ROOT / "summary").glob("**/*.md")):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"^\(([A-Za-z0-9_-]+)\)=\s*$", text, flags=re.M))
        found |= set(re.findall(r"^:name:\s*(\S+)\s*$", text, flags=re.M))
    return found


def test_doc_and_ref_targets_exist():
    known = labels()
    missing = []
    for path in PAGES:
        for line, target in roles(path, "doc"):
            base = ROOT if target.startswith("/") else path.parent
            resolved = (base / target.lstrip("/")).resolve()
            if not any(resolved.with_suffix(ext).is_file() for ext in (".md", ".ipynb")):
                missing.append(f"{path.relative_to(ROOT)}:{line}: doc {target!r}")
        for line, target in roles(path, "ref"):
            if target not in known:
                missing.append(f"{path.relative_to(ROOT)}:{line}: ref {target!r}")
    assert not missing, "unresolved targets:\n" + "\n".join(missing)


def exercises(path: Path) -> list[str]:
    """Titles of the exercise admonitions of a chapter, in order."""
    text = path.read_text(encoding="utf-8")
    found = re.findall(r"^:{3,}\{admonition\} Exercise \d+: (.+)\n:class: exercise\s*$", text, flags=re.M)
    assert len(found) == text.count(":class: exercise"), f"{path.name}: unparsed exercise admonition"
    return [title.strip() for title in found]


def guide_rows() -> dict[str, str]:
    """Chapter name → the exercise cell of its row in the course guide's chapter table."""
    rows = {}
    for line in GUIDE.read_text(encoding="utf-8").split("\n"):
        match = re.match(r"\|\s*\{doc\}`\.\./notebooks/([0-9]{2}_[a-z_]+)`\s*\|.*\|\s*([^|]+?)\s*\|\s*$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_course_guide_lists_every_chapter_with_its_exercises():
    rows = guide_rows()
    assert sorted(rows) == [p.stem for p in CHAPTERS]
    for path in CHAPTERS:
        titles = exercises(path)
        count, _, listed = rows[path.stem].partition(":")
        assert int(count) == len(titles), f"{path.stem}: guide says {count}, chapter has {len(titles)}"
        assert [t.strip() for t in listed.split(";")] == titles, f"{path.stem}: exercise titles differ"


def test_course_guide_names_the_rerun_clusters():
    from cityclusters.config import CLUSTER_IDS

    text = GUIDE.read_text(encoding="utf-8")
    for cluster in CLUSTER_IDS:
        assert f"`{cluster}`" in text, cluster
    assert "make rerun CHAPTER=" in text and "from cityclusters.publishing.rerun import rerun" in text
    assert "make html-student" in text and "_build/student/_build/html" in text


def test_pages_are_in_the_table_of_contents():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    parts = {part["caption"]: [c["file"] for c in part["chapters"]] for part in toc["parts"]}
    before, appendices = parts["Before you start"], parts["Appendices"]
    assert before.index("book/course_guide") == before.index("book/papers") + 1
    assert parts["Foundations"] == ["notebooks/01_clusters_and_data"]
    assert appendices.index("book/glossary") + 1 == appendices.index("book/methods")
