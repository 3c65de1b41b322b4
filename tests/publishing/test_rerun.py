"""A chapter reruns with non-default parameters and its glued numbers follow them."""

from __future__ import annotations

import pytest

from cityclusters.publishing.runner import glued_values, run_chapter
from tests.conftest import requires_mirror


@pytest.mark.slow
@requires_mirror
def test_chapter_01_reruns_for_other_clusters_and_years(tmp_path):
    output = run_chapter(
        "01_clusters_and_data",
        tmp_path / "01.ipynb",
        {"CLUSTERS": ["yrd26", "jingjinji"], "FIRST_YEAR": 2010, "TOLERANCE": 0.01},
        render_figures=False,
    )
    values = glued_values(output)
    assert values["n_clusters_shown"] == "2"
    # the parameter tests read numbers only: the kernel saw NUMBERS_ONLY_ENV and drew no PNG
    assert "image/png" not in output.read_text(encoding="utf-8")
    assert values["agree_first"] == "2010" and values["cov_first"] == "2010"
    assert values["agree_tol"] == "0.01"
    assert values["n_member_rows"] == "39"  # 26 YRD + 13 Beijing–Tianjin–Hebei units


# ----------------------------------------------------------------------------- make rerun
from cityclusters.publishing import rerun as rr  # noqa: E402


@pytest.mark.parametrize(
    ("chapter", "cluster", "years", "message"),
    [
        ("99_nothing", None, None, r"CHAPTER '99_nothing' is not a chapter; valid: \['01_clusters_and_data'"),
        ("03_development_gaps", "pearl_river", None, r"CLUSTER \['pearl_river'\] unknown; valid ids: \['chengyu'"),
        ("03_development_gaps", "chengyu,chengyu", None, "lists a cluster twice"),
        ("03_development_gaps", " , ", None, "CLUSTER is empty"),
        ("09_committee_did", "chengyu", None, r"accepts only \['yrd26', 'yrd41'\]"),
        ("03_development_gaps", None, "2019-2005", "empty range"),
        ("03_development_gaps", None, "2005/2019", "must look like 2005-2019"),
        ("03_development_gaps", None, "1990-2019", "outside the years chapter 03_development_gaps can use: 2000-2023"),
        ("02_synergetics_to_measurement", None, "2005-2015", "can use: 2007-2019"),
        ("06_industry_and_market", None, "2010-2012", "needs at least 7 years"),
        ("09_committee_did", None, "2000-2010", "can use: 2001-2023"),
    ],
)
def test_rerun_requests_are_refused_before_anything_runs(chapter, cluster, years, message, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("a refused request must not execute anything")

    monkeypatch.setattr("cityclusters.publishing.runner.run_chapter", boom)
    with pytest.raises(rr.RerunParameterError, match=message):
        rr.rerun(chapter, cluster, years, render=False)


def test_unknown_extra_parameter_lists_the_chapters_parameters():
    with pytest.raises(rr.RerunParameterError, match=r"has no parameter\(s\) \['DECAYS'\]; its parameters: \["):
        rr.validate_request("05_linkages", parameters={"DECAYS": 1.0})


def test_valid_request_sets_clusters_years_and_in_period_years():
    request = rr.validate_request("07_diagnosing_obstacles", "chengyu,yrd26", "2012-2016")
    assert request.parameters == {"CLUSTERS": ["chengyu", "yrd26"], "FIRST_YEAR": 2012,
                                  "LAST_YEAR": 2016, "OBSTACLE_YEAR": 2016}
    assert request.tag == "07_diagnosing_obstacles--chengyu+yrd26--2012-2016"
    maps = rr.validate_request("02_synergetics_to_measurement", None, "2014-2017")
    assert maps.parameters == {"FIRST_YEAR": 2014, "LAST_YEAR": 2017, "MAP_YEARS": [2014, 2017]}
    one_year = rr.validate_request("08_yrd_mechanism", None, "2015")
    assert one_year.parameters == {"FIRST_YEAR": 2015, "LAST_YEAR": 2015, "MAP_YEAR": 2015}
    assert rr.parse_years((2005, 2019)) == (2005, 2019) and rr.parse_years(None) is None


def test_rerun_refuses_what_the_chapter_spec_refuses_before_any_kernel_starts(monkeypatch):
    monkeypatch.setattr(rr, "run_chapter", lambda *a, **k: pytest.fail("a kernel was started"), raising=False)
    with pytest.raises(rr.RerunParameterError, match="SIZE_MEASURE must be one of"):
        rr.validate_request("04_urban_hierarchy", parameters={"SIZE_MEASURE": "area"})
    with pytest.raises(rr.RerunParameterError, match="DECAY must be a number between 0 and 4"):
        rr.validate_request("05_linkages", parameters={"DECAY": 9})


def test_rerun_all_validates_every_pair_first_and_skips_clusters_a_chapter_refuses():
    pairs = rr.all_requests(["03_development_gaps", "09_committee_did"])
    assert ("09_committee_did", "chengyu") not in pairs and ("09_committee_did", "yrd41") in pairs
    assert len(pairs) == 7 + 2
    with pytest.raises(rr.RerunParameterError, match="outside the years"):
        rr.all_requests(["02_synergetics_to_measurement"], years="2001-2019")


def test_cli_reports_invalid_parameters_with_exit_code_1(capsys):
    from cityclusters.publishing.cli import main

    assert main(["rerun", "--chapter", "03_development_gaps", "--cluster", "pearl"]) == 1
    assert "CLUSTER ['pearl'] unknown; valid ids:" in capsys.readouterr().err


@pytest.mark.slow
@requires_mirror
def test_make_rerun_executes_and_renders_a_separate_book(tmp_path):
    import subprocess

    from cityclusters.paths import repo_root

    root = repo_root()
    folder = root / "_rerun" / "04_urban_hierarchy--middle_yangtze--2005-2019"
    result = subprocess.run(["make", "-s", "rerun", "CHAPTER=04_urban_hierarchy",
                             "CLUSTER=middle_yangtze", "YEARS=2005-2019"], cwd=root,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    page = folder / "_build" / "html" / "notebooks" / "04_urban_hierarchy.html"
    assert page.is_file() and "A rerun with other parameters" in page.read_text(encoding="utf-8")
    values = glued_values(folder / "notebooks" / "04_urban_hierarchy.ipynb")
    assert values, "the rerun notebook keeps its glue values"
    bad = subprocess.run(["make", "-s", "rerun", "CHAPTER=04_urban_hierarchy", "YEARS=2019-2005"],
                         cwd=root, capture_output=True, text=True)
    assert bad.returncode != 0 and "empty range" in bad.stderr


@pytest.fixture(scope="module")
def chapter_6_batch(tmp_path_factory):
    """One batch of one of the quicker chapters for two clusters, run once for the tests below:
    the batch itself, and the one-cluster prose of its Chengdu–Chongqing run."""
    out_root = tmp_path_factory.mktemp("rerun_all")
    summary = rr.rerun_all(["06_industry_and_market"], ["chengyu", "jingjinji"], jobs=2,
                           out_root=out_root, progress=False)
    return out_root, summary


@pytest.mark.slow
@requires_mirror
def test_rerun_all_runs_pairs_in_parallel_and_writes_a_summary(chapter_6_batch):
    out_root, summary = chapter_6_batch
    assert list(summary["cluster"]) == ["chengyu", "jingjinji"]
    assert (summary["status"] == "ok").all(), summary["error"].tolist()
    assert (out_root / "summary.md").read_text(encoding="utf-8").startswith("rerun-all: 2 runs, 2 ok")


@pytest.mark.slow
@requires_mirror
def test_a_one_cluster_rerun_reads_right(chapter_6_batch):
    """Issue 16: with one cluster the prose says "the one cluster", never "1 clusters" or "1 of 1",
    and the prose check (as ``make rerun`` applies it under -W) finds nothing."""
    import json
    import re

    from cityclusters.publishing import prose_check
    from cityclusters.publishing.downloads import fill_glue_roles

    out_root, _ = chapter_6_batch
    [output] = out_root.glob("06_industry_and_market--chengyu--*/notebooks/06_industry_and_market.ipynb")
    glue = {name: {"data": {"text/plain": text}} for name, text in glued_values(output).items()}
    cells = json.loads(output.read_text(encoding="utf-8"))["cells"]
    filled = [fill_glue_roles("".join(c["source"]), glue) for c in cells if c["cell_type"] == "markdown"]
    assert not [key for _, missing in filled for key in missing], "every glued value of the prose exists"
    prose = [text for text, _ in filled]
    text = "\n\n".join(prose)
    problems = [p for cell in prose for paragraph in cell.split("\n\n")
                for p in prose_check.paragraph_problems(paragraph)]
    assert not problems, problems
    for wrong in ("1 clusters", "1 of 1 ", "1 of the 1 ", "0 of 1 "):
        assert wrong not in text, wrong
    assert not re.search(r"\bnan\b", text)
    assert "the one cluster" in text
