"""Words around counts (cityclusters.analysis.wording) for one, two and many clusters."""

import pytest

from cityclusters.analysis.wording import count_phrase, n_noun, plural, value_range
from cityclusters.publishing.prose_check import paragraph_problems


@pytest.mark.parametrize(("k", "n", "expected"), [
    (1, 1, "the one cluster"), (0, 1, "no cluster"), (0, 2, "neither cluster"), (2, 2, "both clusters"),
    (1, 2, "1 of the 2 clusters"), (0, 5, "none of the 5 clusters"), (5, 5, "all 5 clusters"),
    (3, 5, "3 of the 5 clusters"), (1200, 1500, "1,200 of the 1,500 clusters")])
def test_count_phrase(k, n, expected):
    assert count_phrase(k, n, "cluster") == expected


def test_count_phrase_phrases_pass_the_prose_check():
    for n in range(1, 7):
        for k in range(n + 1):
            sentence = f"The interval lies below zero in {count_phrase(k, n, 'cluster')}."
            assert not paragraph_problems(sentence), sentence
            assert "1 clusters" not in sentence and "1 of the 1 " not in sentence and "0 of" not in sentence


@pytest.mark.parametrize(("k", "n"), [(2, 1), (-1, 3), (1, 0), (1.5, 3), (None, 2)])
def test_count_phrase_rejects_bad_counts(k, n):
    with pytest.raises(ValueError, match=r"\b[kn]\b"):
        count_phrase(k, n, "cluster")


def test_n_noun_and_plural():
    assert n_noun(1, "city") == "1 city" and n_noun(2, "city") == "2 cities"
    assert n_noun(0, "province") == "0 provinces" and n_noun(1, "year") == "1 year"
    assert n_noun(3, "child", "children") == "3 children" and plural("pair", 2) == "pairs"
    with pytest.raises(ValueError, match="n must not be negative"):
        n_noun(-1, "city")


def test_value_range():
    assert value_range(6, 8, ".0f", "years") == "6–8 years"
    assert value_range(8, 8, ".0f", "years") == "8 years"
    assert value_range(0.5801, 0.5799, ".3f") == "0.580"
    with pytest.raises(ValueError, match="lo must be a finite number"):
        value_range(float("nan"), 1)
