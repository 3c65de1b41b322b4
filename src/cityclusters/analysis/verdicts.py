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
class Rule:
    """A decision rule of the ledger: ``name`` (shown in the ledger), ``statement`` (how the
    categories of :data:`VERDICTS` follow from the evidence) and ``would_change`` (what, in
    general, would change a verdict taken under it; a verdict may say it more precisely)."""

    name: str
    statement: str
    would_change: str


#: The decision rules, by key. Every verdict names the one it was taken under
#: (:attr:`Verdict.rule`); the claims ledger prints the rule's name and what would change the
#: verdict. The effect rule is :func:`interval_verdict`, the index rule :func:`cap_by_multiverse`.
RULES = {
    "effect_interval": Rule(
        "effect interval",
        "an effect claim is judged by its 95 % interval: partly supported when it excludes zero on "
        "the claimed side (an association or a design resting on its assumptions); not supported "
        "only when it lies wholly on the other side; otherwise inconclusive, with the minimum "
        "detectable effect. A null is never a refutation.",
        "an interval that excludes zero on the claimed side (more treated cities or years, a "
        "smaller standard error) would make it partly supported; one wholly on the other side, not "
        "supported"),
    "fact_check": Rule(
        "fact check",
        "a stated count, list, date or ranking is compared with a cited record or the data: "
        "supported when it matches (within the paper's rounding), partly supported when it matches "
        "in part or in one vintage or source only, not supported when the record contradicts it.",
        "a primary source (the plan's text, an official list) that disagrees with the cited record"),
    "descriptive_measure": Rule(
        "descriptive measure",
        "a claim about a level, gap, share or trend is compared with the computed figure in every "
        "vintage, sample and measure the chapter reports: supported when it holds in all of them, "
        "partly supported when in some, not supported when the figures exclude it in all; a trend "
        "whose interval holds both zero and the claimed direction is inconclusive.",
        "another vintage, sample, measure or window under which the figure crosses the claim's "
        "threshold or direction"),
    "index_multiverse": Rule(
        "index multiverse",
        "a claim about the coordination index is supported only when it holds in every "
        "specification of the multiverse (indicators, scaling, weights, aggregation); not "
        "supported when it holds in fewer than 5 % of them (outside the 5th–95th percentile range "
        "the book reports), so that the multiverse excludes it; partly supported in between.",
        "a specification of the index (indicator set, scaling, weights, aggregation) under which "
        "the claim flips"),
    "not_testable": Rule(
        "not testable",
        "no data in the book can speak to the claim; the reason names the data that would.",
        "the data named in the reason"),
}


def rule_of(key: str) -> Rule:
    """The :class:`Rule` with key ``key`` (one of :data:`RULES`).

    >>> rule_of("effect_interval").name
    'effect interval'
    """
    if key not in RULES:
        raise ValueError(f"unknown decision rule {key!r}; rules: {list(RULES)}")
    return RULES[key]


@dataclass(frozen=True)
class Verdict:
    """A verdict on claim ``claim_id`` (an id of ``data/facts/seed_claims.csv``): ``verdict``
    starts with one of :data:`VERDICTS` (optionally ``": reason"``), ``evidence`` states the
    computed numbers in words, ``rule`` is the key of the decision rule in :data:`RULES` it was
    taken under and ``would_change`` what would change it (default: the rule's general answer).

    >>> v = Verdict("p000_x", "inconclusive: interval holds zero", "ATT 0.1 [-0.5, 0.7]",
    ...             rule="effect_interval")
    >>> v.rule_name, v.change.startswith("an interval that excludes zero")
    ('effect interval', True)
    """

    claim_id: str
    verdict: str
    evidence: str
    rule: str | None = None
    would_change: str | None = None

    def __post_init__(self) -> None:
        verdict_category(self.verdict)
        if self.rule is not None:
            rule_of(self.rule)
        if self.category == "not testable with our data" and self.rule not in (None, "not_testable"):
            raise ValueError(f"{self.claim_id}: a 'not testable' verdict is taken under the rule "
                             f"'not_testable', not {self.rule!r}")

    @property
    def category(self) -> str:
        return verdict_category(self.verdict)

    @property
    def rule_name(self) -> str | None:
        """The rule's name as the ledger prints it (None when no rule is named)."""
        return rule_of(self.rule).name if self.rule else None

    @property
    def change(self) -> str | None:
        """What would change the verdict: :attr:`would_change` or the rule's general answer."""
        if self.would_change:
            return self.would_change
        return rule_of(self.rule).would_change if self.rule else None


#: Below this share of specifications a claim lies outside the multiverse's 5th–95th percentile
#: range (the range every interval of the book reports): the multiverse excludes it.
MULTIVERSE_EXCLUDES_BELOW = 0.05

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


#: Minimum detectable effect = this × standard error: a two-sided 5 % test with 80 % power
#: (1.96 + 0.84; Bloom 1995, Evaluation Review 19(5): 547–556).
MDE_FACTOR = 2.8


def minimum_detectable_effect(std_error: float) -> float:
    """The smallest true effect a two-sided 5 % test would detect with 80 % power:
    :data:`MDE_FACTOR` × SE.

    >>> round(minimum_detectable_effect(0.43), 2)
    1.2
    """
    return MDE_FACTOR * float(std_error)


def interval_verdict(low: float, high: float, std_error: float, expected_sign: int,
                     claimed_as: str = "effects of the claimed sign") -> str:
    """The verdict on a claim that an effect has sign ``expected_sign`` (+1/−1) from its 95 %
    interval [low, high]: "partly supported" when the interval excludes zero on the claimed
    side (an association or a design resting on its assumptions, not proof); "not supported"
    only when it lies wholly on the other side (it then excludes every effect of the claimed
    sign); otherwise "inconclusive": the interval holds both zero and small effects of the
    claimed sign, and the reason states the minimum detectable effect. A null is never a
    refutation.

    >>> interval_verdict(-0.94, 0.72, 0.43, +1)
    'inconclusive: the interval [-0.94, 0.72] holds both zero and effects of the claimed sign (minimum detectable effect 1.20)'
    >>> interval_verdict(0.3, 2.1, 0.45, +1).split(":")[0]
    'partly supported'
    >>> interval_verdict(-1.7, -0.3, 0.35, +1).split(":")[0]
    'not supported'
    """
    if expected_sign not in (1, -1):
        raise ValueError(f"expected_sign must be +1 or -1; got {expected_sign!r}")
    interval = f"[{low:.2f}, {high:.2f}]"
    claimed = low > 0 if expected_sign > 0 else high < 0
    opposite = high < 0 if expected_sign > 0 else low > 0
    if claimed:
        return "partly supported: the estimate has the expected sign and its interval excludes zero (not a causal test)"
    if opposite:
        return (f"not supported: the estimate has the opposite sign; its interval {interval} excludes zero "
                f"and every effect of the claimed sign")
    return (f"inconclusive: the interval {interval} holds both zero and {claimed_as} "
            f"(minimum detectable effect {minimum_detectable_effect(std_error):.2f})")
