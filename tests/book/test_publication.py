"""Readers' and citers' files: one repository URL, licences, citation metadata, Binder files."""

from __future__ import annotations

import yaml

from cityclusters.data import facts as facts_module
from cityclusters.paths import repo_root

ROOT = repo_root()


def test_one_repository_url_drives_buttons_and_citation():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"]
    assert url.startswith("https://github.com/") and url.count("/") == 4
    launch = config["launch_buttons"]
    assert launch["binderhub_url"] and launch["colab_url"]
    assert config["html"]["use_download_button"] and config["html"]["use_repository_button"]
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["repository-code"] == url
    assert citation["cff-version"] == "1.2.0" and citation["license"] == "MIT"
    assert {"title", "authors", "message", "version"} <= set(citation)


def test_code_and_content_licences_are_separate():
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    content = (ROOT / "LICENSE-CONTENT.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in content and "MIT" in content and "data" in content.lower()


def test_binder_installs_the_package_and_runs_the_data_step():
    post_build = ROOT / "postBuild"
    assert post_build.stat().st_mode & 0o111, "postBuild must be executable"
    text = post_build.read_text(encoding="utf-8")
    assert "pip install --no-deps -e ." in text and "python -m cityclusters data" in text
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11"


def test_chinese_authors_are_single_braced_names():
    """A Chinese name must be one braced token ({王小明}), or BibTeX splits it into
    "小明 王" and abbreviates it."""
    import re

    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    cjk = re.compile(r"[\u4e00-\u9fff]")
    bad = []
    for line_no, line in enumerate(text.splitlines(), 1):
        match = re.match(r"\s*(author|editor)\s*=\s*\{(.*)\},?\s*$", line)
        if match and cjk.search(match.group(2)):
            names = [n.strip() for n in match.group(2).split(" and ")]
            bad += [f"line {line_no}: {n}" for n in names
                    if cjk.search(n) and not (n.startswith("{") and n.endswith("}"))]
    assert not bad, bad


def test_paper002_ten_clusters_map_to_known_clusters_and_are_documented(monkeypatch, tmp_path):
    import shutil

    import pytest

    from cityclusters.data import tables
    from cityclusters.errors import SourceFormatError

    ten = tables.paper002_ten_clusters()
    assert len(ten) == 10 and ten["source"].str.contains("Li, Xiao & Ma").all()
    assert sorted(ten["cluster_id"].dropna()) == ["chengyu", "jingjinji", "middle_yangtze", "prd", "yrd26"]
    assert "paper002_ten_clusters.csv" in (ROOT / "data/facts/FACTS_SOURCES.md").read_text(encoding="utf-8")
    facts = tmp_path / "facts"
    shutil.copytree(ROOT / "data" / "facts", facts)
    text = (facts / "paper002_ten_clusters.csv").read_text(encoding="utf-8")
    (facts / "paper002_ten_clusters.csv").write_text(text.replace(",yrd26,", ",yrd99,"), encoding="utf-8")
    monkeypatch.setattr(facts_module, "facts_dir", lambda: facts)
    with pytest.raises(SourceFormatError, match="unknown cluster_id 'yrd99' at row 2, column 'cluster_id'"):
        tables.paper002_ten_clusters()


def _bib_notes():
    """key → note text of every entry of book/references.bib that has a note (pybtex)."""
    from pybtex.database import parse_file

    entries = parse_file(str(ROOT / "book" / "references.bib")).entries
    return {key: entry.fields["note"] for key, entry in entries.items() if "note" in entry.fields}


#: Words that name a bibliographic detail; an "unverified" flag must name at least one.
_DETAILS = ("journal", "volume", "issue", "number", "page", "doi", "year", "publisher", "place",
            "author", "editor", "title", "url", "edition", "series", "institution", "name",
            "release", "licence", "outlet", "month")


def test_every_unverified_flag_says_which_detail_and_why():
    """Issue 15: "details unverified" alone explains nothing. A note that flags a detail as
    unverified says so in one form, "details unverified: <details> (<why>)", naming at least
    one bibliographic detail and giving more than the bare phrase."""
    import re

    bad = []
    for key, note in _bib_notes().items():
        text = " ".join(note.split())
        if "unverified" not in text.lower():
            continue
        flags = re.findall(r"details unverified(.{0,200})", text, flags=re.I)
        if not flags or text.lower().count("unverified") != len(flags):
            bad.append(f"{key}: 'unverified' not in the form 'details unverified: …'")
            continue
        for rest in flags:
            what = rest.lstrip()
            if not what.startswith(":") or len(what[1:].split()) < 3:
                bad.append(f"{key}: flag does not go on to name the detail: {rest[:60]!r}")
            elif not any(word in what.lower() for word in _DETAILS):
                bad.append(f"{key}: flag names no bibliographic detail: {what[:60]!r}")
    assert not bad, bad


def test_unverified_flag_rule_catches_the_bare_phrase():
    import re

    for note, ok in [("details unverified", False), ("volume as cited; details unverified", False),
                     ("x -- details unverified: volume and pages (no journal page found)", True)]:
        flags = re.findall(r"details unverified(.{0,200})", note, flags=re.I)
        named = [f.lstrip()[1:] for f in flags if f.lstrip().startswith(":")]
        assert (bool(named) and all(len(n.split()) >= 3 for n in named)) == ok, note
