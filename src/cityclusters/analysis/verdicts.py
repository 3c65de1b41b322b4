"""Verdicts on the seed papers' claims, as values that analysis functions return.

A chapter's analysis module decides a verdict (which category, on what evidence) in a tested
function that returns a :class:`Verdict`; the chapter only records it
(:func:`cityclusters.publishing.notebook.glue_verdict`), so no verdict is decided in a
notebook cell.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The verdicts a claim can receive (the first word is what the ledger sorts on).
VERDICTS = ("supported", "partly supported", "not supported", "not testable with our data")


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
