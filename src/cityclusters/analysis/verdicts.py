"""Verdicts on the seed papers' claims, as values that analysis functions return.

A chapter's analysis module decides a verdict (which category, on what evidence) in a tested
function that returns a :class:`Verdict`; the chapter only records it
(:func:`cityclusters.publishing.notebook.glue_verdict`), so no verdict is decided in a
notebook cell.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The verdicts a claim can receive (the first word is what the ledger sorts on). Rules:
#: "not supported" only where the evidence excludes the claimed size or direction;
#: "inconclusive" where the interval holds both zero and the claimed effect (the reason then
#: states the minimum detectable effect): a null is never a refutation; "not testable with our
#: data" where the data cannot speak to the claim (the reason says what data would).
VERDICTS = ("supported", "partly supported", "not supported", "inconclusive", "not testable with our data")


def verdict_category(verdict: str) -> str:
    """The category of a verdict text such as ``"partly supported: holds before 2014"``.

    >>> verdict_category("partly supported: holds before 2014")
    'partly supported'
    """
    head = verdict.split(":", 1)[0].strip()
    if head not in VERDICTS:
        raise ValueError(f"verdict {verdict!r} must start with one of {list(VERDICTS)}")
    return head


@dataclass(frozen=True)
class Verdict:
    """A verdict on claim ``claim_id`` (an id of ``data/facts/seed_claims.csv``): ``verdict``
    starts with one of :data:`VERDICTS` (optionally ``": reason"``), ``evidence`` states the
    computed numbers in words."""

    claim_id: str
    verdict: str
    evidence: str

    def __post_init__(self) -> None:
        verdict_category(self.verdict)

    @property
    def category(self) -> str:
        return verdict_category(self.verdict)


#: A verdict resting on the coordination index is "supported" only if the claim holds in every
#: specification of the multiverse; below this share it cannot be better than "partly supported"
#: and the text says in how many it holds.
FULL_SUPPORT = 1.0


def multiverse_support(holds) -> tuple[float, int]:
    """Share of specifications in which a claim holds (``holds``: one boolean per
    specification, missing = the specification cannot evaluate it and is left out) and the
    number of specifications that evaluate it.

    >>> multiverse_support([True, True, False, None])
    (0.6666666666666666, 3)
    """
    import pandas as pd

    flags = pd.Series(list(holds), dtype="object").dropna().astype(bool)
    if flags.empty:
        raise ValueError("multiverse_support: no specification evaluates the claim")
    return float(flags.mean()), int(len(flags))


def cap_by_multiverse(verdict: str, share: float, n_specs: int) -> str:
    """The verdict after the multiverse rule: a verdict that rests on the coordination index
    and flips inside the multiverse (the claim holds in fewer than :data:`FULL_SUPPORT` of the
    ``n_specs`` specifications) cannot be "supported"; it becomes "partly supported". The
    share is appended to every verdict's reason, so the reader sees the support either way.

    >>> cap_by_multiverse("supported", 1.0, 1248)
    'supported: holds in 100% of 1,248 specifications'
    >>> cap_by_multiverse("supported: D rose in every cluster", 0.83, 2400)
    'partly supported: D rose in every cluster; holds in 83% of 2,400 specifications'
    >>> cap_by_multiverse("not supported: D fell", 0.1, 2400)
    'not supported: D fell; the claim holds in 10% of 2,400 specifications'
    """
    category = verdict_category(verdict)
    reason = verdict.split(":", 1)[1].strip() if ":" in verdict else ""
    if category == "supported" and share < FULL_SUPPORT:
        category = "partly supported"
    support = f"holds in {share:.0%} of {n_specs:,} specifications"
    if category in ("not supported", "inconclusive", "not testable with our data"):
        support = "the claim " + support
    return f"{category}: {reason}; {support}" if reason else f"{category}: {support}"
