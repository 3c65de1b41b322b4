"""The prose check catches the contradictions a referee found (issue 15) and not ordinary prose."""

from docutils.core import publish_doctree

from cityclusters.publishing import prose_check
from cityclusters.publishing.sphinx_ext import check_prose


def test_the_known_cases_are_caught():
    # chapter 6 as built on 2026-12-02: "everywhere" right after "2 of 5"
    ch6 = ("Comparing the periods 2000–2011 and 2012–2023, the average relative-price volatility of all "
           "pairs fell in 2 of 5 clusters (Yangtze River Delta (41), Middle Yangtze), and the border "
           "coefficient γ fell in 1. The level of volatility falls with the calmer price environment of "
           "the 2010s everywhere; whether the border's share of it fell is what γ measures.")
    assert prose_check.paragraph_problems(ch6) == [
        "a universal word contradicts a count: 'everywhere' beside '2 of 5': The level of volatility falls "
        "with the calmer price environment of the 2010s everywhere; whether the border's share of it fell "
        "is what γ measures."]
    # chapter 4: two claims said not to be in the ledger, where every claim is a row
    ch4 = "The two claims of paper 000 are not yet rows of the claims ledger; they are shown here without a ledger entry."
    assert len(prose_check.ledger_contradictions(ch4)) == 1
    # the papers page: a typed count of claims
    assert prose_check.typed_counts("Below we list 24 claims that data can check.") == ["24 claims"]


def test_ordinary_prose_passes():
    for text in ("The estimate holds in 83% of 2,400 specifications, in every cluster the same sign.",
                 "It fell in 5 of 5 clusters; it falls everywhere.",
                 "Across the 7 estimable rows the estimates range from -0.2 to 0.4. In no row does the "
                 "interval exclude zero.",
                 "The claims ledger lists every claim with its verdict."):
        assert prose_check.paragraph_problems(text) == [], text


def test_a_negative_universal_beside_a_positive_count_is_caught():
    found = prose_check.quantifier_contradictions("γ is positive in 3 of 5 clusters. Nowhere does the border matter.")
    assert found == ["'Nowhere' beside '3 of 5': Nowhere does the border matter."]


def test_the_sphinx_check_reads_paragraphs_and_skips_glued_numbers():
    doctree = publish_doctree("Volatility fell in 2 of 5 clusters. It fell everywhere.\n\n"
                              "We list 24 claims.\n")
    resolved = [m for _, m in check_prose(doctree, resolved=True)]
    assert len(resolved) == 1 and "everywhere" in resolved[0]
    unresolved = [m for _, m in check_prose(doctree, resolved=False)]
    assert unresolved == ["a count of claims is typed, not glued: '24 claims'"]


def test_text_a_code_cell_wrote_is_not_prose():
    from docutils import nodes

    doctree = publish_doctree("We list the claims.\n")
    output = nodes.container(classes=["cell_output"])
    output += nodes.paragraph(text="All 41 claims in one table.")
    doctree += output
    assert check_prose(doctree, resolved=False) == []


def test_counts_that_do_not_fit_their_words_are_caught():
    # the one-cluster reruns of issue 16
    for text, found in (("The 1 clusters of this chapter hold 16 distinct units.", "'1 clusters'"),
                        ("T rose in 1 clusters and C in 1.", "'1 clusters'"),
                        ("The thickest second tier is that of Chengdu–Chongqing (0.65, 1 cities).", "'1 cities'"),
                        ("The interval lies below zero in 1 of the 1 clusters.", "'1 of the 1'"),
                        ("The indicator ranks first (1 of 1 clusters).", "'1 of 1'"),
                        ("Volatility fell in 0 of 1 clusters (none).", "'0 of 1'"),
                        ("The HSR interval excludes zero in 0 of 6.", "'0 of 6'")):
        problems = prose_check.paragraph_problems(text)
        assert any(found in p for p in problems) and "cityclusters.analysis.wording" in problems[0], text


def test_counts_that_fit_their_words_pass():
    for text in ("The cluster of this chapter holds 16 distinct units.",
                 "It rose in 1 of the 5 clusters, in 10 of 10 years and in 1 of 1,200 cities.",
                 "The half-life is 0.1 years; event year 0 of the 2019 cohort is the census year.",
                 "It fell in none of the 6 clusters; it rose in 4 of the 6 clusters."):
        assert prose_check.paragraph_problems(text) == [], text
