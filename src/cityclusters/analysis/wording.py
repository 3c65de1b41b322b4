"""Words around counts that read right for any number of clusters, including one.

A reviewer can rerun every chapter for other clusters (``make rerun-all CLUSTERS=...``), and
with a single cluster sentences built as "{k} of the {n} clusters" or "{n} clusters" read
"1 of the 1 clusters" or "1 clusters". Every chapter builds such phrases with the functions
here, written once; :mod:`cityclusters.publishing.prose_check` fails a build whose prose still
reads "1 clusters", "1 of 1" or "0 of n".
"""

from __future__ import annotations

import math

#: Irregular plurals of the nouns the book counts; any other noun takes an "s".
PLURALS = {"city": "cities", "pair": "pairs", "specification": "specifications", "is": "are",
           "has": "have", "was": "were"}


def plural(noun: str, n: int, plural_form: str | None = None) -> str:
    """``noun`` in the singular when ``n`` is 1, else its plural (``plural_form`` if given,
    else from :data:`PLURALS`, else noun + "s").

    >>> plural("cluster", 1), plural("city", 3), plural("year", 0)
    ('cluster', 'cities', 'years')
    """
    if n == 1:
        return noun
    return plural_form or PLURALS.get(noun) or (noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou"
                                               else noun + "s")


def _int(value, name: str) -> int:
    if value is None or isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None


def _fmt(n: int) -> str:
    return f"{n:,}"


def n_noun(n: int, noun: str, plural_form: str | None = None) -> str:
    """``n`` and ``noun`` in the right number: "1 cluster", "5 clusters", "1,200 cities".

    >>> n_noun(1, "cluster"), n_noun(5, "cluster"), n_noun(1200, "city")
    ('1 cluster', '5 clusters', '1,200 cities')
    """
    n = _int(n, "n")
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    return f"{_fmt(n)} {plural(noun, n, plural_form)}"


def count_phrase(k: int, n: int, noun: str, plural_form: str | None = None) -> str:
    """"k of the n nouns" in words that read right for every k and n, meant to follow "in",
    "for" or to open a clause ("… the interval lies below zero in {phrase}"):

    - n = 1: "the one cluster" (k = 1) or "no cluster" (k = 0);
    - k = 0: "none of the n clusters" ("neither cluster" for n = 2);
    - k = n: "all n clusters" ("both clusters" for n = 2);
    - otherwise "k of the n clusters".

    The phrases keep every count and never put a universal word ("all", "none") beside a "k of
    n" that denies it, so :mod:`cityclusters.publishing.prose_check` accepts them.

    >>> count_phrase(1, 1, "cluster"), count_phrase(0, 1, "cluster")
    ('the one cluster', 'no cluster')
    >>> count_phrase(2, 5, "cluster"), count_phrase(5, 5, "cluster"), count_phrase(0, 5, "cluster")
    ('2 of the 5 clusters', 'all 5 clusters', 'none of the 5 clusters')
    >>> count_phrase(2, 2, "city"), count_phrase(0, 2, "city"), count_phrase(1, 2, "city")
    ('both cities', 'neither city', '1 of the 2 cities')
    """
    k, n = _int(k, "k"), _int(n, "n")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not 0 <= k <= n:
        raise ValueError(f"k must lie between 0 and n = {n}, got {k}")
    many = plural(noun, 2, plural_form)
    if n == 1:
        return f"the one {noun}" if k == 1 else f"no {noun}"
    if n == 2 and k in (0, 2):
        return f"both {many}" if k == 2 else f"neither {noun}"
    if k == 0:
        return f"none of the {_fmt(n)} {many}"
    if k == n:
        return f"all {_fmt(n)} {many}"
    return f"{_fmt(k)} of the {_fmt(n)} {many}"


def verb_for(k: int, n: int, singular: str, plural_form: str) -> str:
    """The verb that agrees with :func:`count_phrase` ``(k, n, …)`` as a subject: singular for
    "the one cluster", "no cluster" and "neither cluster", plural otherwise.

    >>> verb_for(1, 1, "has", "have"), verb_for(0, 2, "has", "have"), verb_for(3, 5, "has", "have")
    ('has', 'has', 'have')
    """
    return singular if n == 1 or (n == 2 and k == 0) else plural_form


def capitalised(text: str) -> str:
    """``text`` with its first letter in upper case, for a phrase that opens a sentence.

    >>> capitalised("none of the 6 clusters")
    'None of the 6 clusters'
    """
    return text[:1].upper() + text[1:]


def value_range(lo: float, hi: float, fmt: str = "g", unit: str = "") -> str:
    """A range "lo–hi unit" of formatted values, or one value where both ends print the same
    ("8 years" for 8–8 years); ``unit`` follows the number after a space (none if empty).

    >>> value_range(6, 8.4, ".0f", "years"), value_range(8.2, 7.9, ".0f", "years")
    ('6–8 years', '8 years')
    >>> value_range(1.151, 1.149, ".2f")
    '1.15'
    """
    for name, value in (("lo", lo), ("hi", hi)):
        if value is None or not math.isfinite(float(value)):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    a, b = format(lo, fmt), format(hi, fmt)
    text = a if a == b else f"{a}–{b}"
    return f"{text} {unit}" if unit else text
