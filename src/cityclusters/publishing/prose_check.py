"""Prose that cannot go stale: sentences that contradict the computed counts beside them.

Every number in the book's prose is glued from the code, but the words around a number are
not always generated, and they can go stale when the number changes. The book's Sphinx
extension (:mod:`cityclusters.publishing.sphinx_ext`) runs these checks on every page, on the
text as the reader sees it (glued values filled in), and a finding is a build warning, an error
under ``-W``:

- **A universal word beside a count that denies it** (:func:`quantifier_contradictions`): a
  sentence says "everywhere", "in every cluster", "in all clusters", "always" while it or the
  sentence before says "k of n" with k < n; or it says "nowhere", "in no cluster", "none of"
  beside "k of n" with k > 0. (Chapter 6 once said that volatility fell "everywhere" right after
  "in 2 of 5 clusters".)
- **A claim said to be missing from the ledger** (:func:`ledger_contradictions`): every claim of
  ``data/facts/seed_claims.csv`` is a ledger row (the ledger page stops the build otherwise), so
  a sentence saying claims are "not (yet) in the ledger" is false by construction. (Chapter 4
  once said so of two claims that were rows.)
- **A count that does not fit its words** (:func:`count_wording`): "1 clusters", "1 cities",
  "1 years" (a count of one with a plural noun), "1 of 1" or "1 of the 1 clusters" (one of
  one), "0 of 6" (none of n). A reviewer reruns a chapter for one cluster
  (``make rerun CLUSTER=...``), and sentences written for the book's several clusters then read
  "The 1 clusters of this chapter" or "in 1 of the 1 clusters" (issue 16); chapters build such
  phrases with :mod:`cityclusters.analysis.wording`, which never writes them.
- **A typed count of claims or verdicts** (:func:`typed_counts`): counts of claims change with
  the ledger, so they must be glued, never typed. This check reads the page's own text before
  glue values are filled in, where a glued number is not yet text. (The papers page once
  counted 24 claims while the ledger held 38.)

The rules are deliberately narrow: each names a kind of contradiction that happened, so that
the build fails on it without flagging ordinary prose.
"""

from __future__ import annotations

import re

#: Universal words that a count k of n with k < n contradicts.
UNIVERSAL = re.compile(
    r"\b(everywhere|always|in every (?:cluster|city|province|region|year|case|pair)s?"
    r"|in all (?:the )?(?:clusters|cities|provinces|regions|years|cases|pairs|of them)"
    r"|all (?:the )?(?:clusters|cities|provinces|regions) (?:fell|rose|show|have|had|are|were))\b",
    re.IGNORECASE)
#: Negative universal words that a count k of n with k > 0 contradicts. "none of the 6
#: clusters" is itself a count (0 of 6, as :func:`cityclusters.analysis.wording.count_phrase`
#: writes it), not a vague universal, so a number after it does not match.
NONE = re.compile(r"\b(nowhere|in no (?:cluster|city|province|region|year|case|pair)"
                  r"|none of (?:the|them|its|their)(?! \d))\b", re.IGNORECASE)
#: "k of n" (thousands separators allowed), optionally "k of the/its/their n".
COUNT = re.compile(r"\b(\d[\d,]*) of (?:the |its |their |all )?(\d[\d,]*)\b")
#: Sentence boundary: after . ; ! ? followed by space and a capital letter or an opening bracket
#: (so a clause after a semicolon in lower case stays in its sentence).
SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(“\"])")
#: "not (yet) in the ledger", "not (yet) rows of the claims ledger", "no ledger entry".
NOT_IN_LEDGER = re.compile(r"\bnot (?:yet )?(?:rows? of|in|part of|entered in) the (?:claims )?ledger\b"
                           r"|\bwithout a ledger (?:entry|row)\b", re.IGNORECASE)
#: Plural nouns the book counts; "1" before one of them is a count that does not fit its noun.
COUNTED_PLURALS = ("clusters", "cities", "provinces", "regions", "years", "pairs", "city pairs", "cores",
                   "columns", "specifications", "intervals", "units", "cohorts", "measures", "stations")
#: "1 clusters" (not "0.1 years", "2,1 cities" or "-1 years").
ONE_PLURAL = re.compile(r"(?<![\d.,−-])\b1 (?:" + "|".join(COUNTED_PLURALS) + r")\b")
#: "1 of 1", "1 of the 1" (thousands separators excluded: "1 of 1,200" is a count).
ONE_OF_ONE = re.compile(r"(?<![\d.,])\b1 of (?:the |its |their |all )?1\b(?![\d,.]\d)")
#: "0 of 6", "0 of the 6" (not "event year 0 of the 2019 cohort").
ZERO_OF_N = re.compile(r"(?<![\d.,])\b0 of (?:the |its |their |all )?(?!(?:19|20)\d\d\b)\d")
#: A typed count of claims or verdicts: "24 claims", "38 testable claims", "12 verdicts".
TYPED_COUNT = re.compile(r"\b\d+ (?:testable |seed |quantitative )?(?:claims|verdicts)\b", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph (whitespace collapsed).

    >>> sentences("It fell in 2 of 5 clusters. The level fell everywhere; the rest is noise.")
    ['It fell in 2 of 5 clusters.', 'The level fell everywhere; the rest is noise.']
    """
    return [s for s in SENTENCE_END.split(" ".join(text.split())) if s]


def _counts(text: str) -> list[tuple[int, int]]:
    return [(int(k.replace(",", "")), int(n.replace(",", ""))) for k, n in COUNT.findall(text)]


def quantifier_contradictions(paragraph: str) -> list[str]:
    """Sentences of ``paragraph`` whose universal word contradicts a count "k of n" in the same
    or the previous sentence; one message per finding.

    >>> quantifier_contradictions("Volatility fell in 2 of 5 clusters. It falls everywhere.")
    ["'everywhere' beside '2 of 5': It falls everywhere."]
    >>> quantifier_contradictions("It fell in 5 of 5 clusters. It falls everywhere.")
    []
    >>> quantifier_contradictions("The border is positive in 1 of 4 clusters, in no cluster negative.")
    ["'in no cluster' beside '1 of 4': The border is positive in 1 of 4 clusters, in no cluster negative."]
    >>> quantifier_contradictions("S2 reaches 2 in none of the 6 clusters; it fell in 4 of the 6 clusters.")
    []
    """
    found = []
    parts = sentences(paragraph)
    for i, sentence in enumerate(parts):
        near = " ".join(parts[max(0, i - 1):i + 1])
        for pattern, contradicts in ((UNIVERSAL, lambda k, n: k < n), (NONE, lambda k, n: k > 0)):
            word = pattern.search(sentence)
            if not word:
                continue
            denying = [(k, n) for k, n in _counts(near) if contradicts(k, n)]
            if denying:
                k, n = denying[0]
                found.append(f"'{word.group(0)}' beside '{k} of {n}': {sentence}")
    return found


def ledger_contradictions(paragraph: str) -> list[str]:
    """Sentences saying that claims are not in the claims ledger (false by construction).

    >>> ledger_contradictions("The two claims are not yet rows of the claims ledger.")
    ['The two claims are not yet rows of the claims ledger.']
    """
    return [s for s in sentences(paragraph) if NOT_IN_LEDGER.search(s)]


def count_wording(paragraph: str) -> list[str]:
    """Counts in ``paragraph`` whose words do not fit them: one with a plural noun, "1 of 1"
    and "0 of n"; one message per finding, with its sentence.

    >>> count_wording("The 1 clusters of this chapter hold 16 units.")
    ["'1 clusters': The 1 clusters of this chapter hold 16 units."]
    >>> [m.split(":")[0] for m in count_wording("It rose in 1 of the 1 clusters and fell in 0 of 6 columns.")]
    ["'1 clusters'", "'1 of the 1'", "'0 of 6'"]
    >>> count_wording("It rose in the one cluster, 1 of the 12 cities, over 0.1 years; 10 of 10 rows; "
    ...               "event year 0 of the 2019 cohort.")
    []
    """
    found = []
    for sentence in sentences(paragraph):
        for pattern in (ONE_PLURAL, ONE_OF_ONE, ZERO_OF_N):
            found += [f"'{m.group(0)}': {sentence}" for m in pattern.finditer(sentence)]
    return found


def typed_counts(text: str) -> list[str]:
    """Counts of claims or verdicts typed in a page's own text (before glue values are filled in).

    >>> typed_counts("Below we list 24 claims that data can check.")
    ['24 claims']
    >>> typed_counts("Below we list the claims that data can check.")
    []
    """
    return TYPED_COUNT.findall(text)


def paragraph_problems(paragraph: str) -> list[str]:
    """All findings of :func:`quantifier_contradictions`, :func:`ledger_contradictions` and
    :func:`count_wording`."""
    return ([f"a universal word contradicts a count: {m}" for m in quantifier_contradictions(paragraph)]
            + [f"claims said to be missing from the ledger, where every claim is a row: {m}"
               for m in ledger_contradictions(paragraph)]
            + [f"a count does not fit its words (use cityclusters.analysis.wording): {m}"
               for m in count_wording(paragraph)])
