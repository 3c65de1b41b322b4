"""The ledger's decision rules: every verdict can name one, and the ledger prints it."""

import pandas as pd
import pytest

from cityclusters.analysis.verdicts import RULES, VERDICTS, Verdict, rule_of
from cityclusters.publishing.ledger import rule_text, rules_table


def test_every_rule_states_how_verdicts_follow_and_what_would_change_them():
    assert set(RULES) == {"effect_interval", "fact_check", "descriptive_measure",
                          "index_multiverse", "not_testable"}
    for rule in RULES.values():
        assert rule.name and len(rule.statement) > 40 and rule.would_change


def test_an_unknown_rule_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown decision rule 'vibes'.*effect_interval"):
        Verdict("p000_x", "supported", "e", rule="vibes")
    with pytest.raises(ValueError, match="unknown decision rule"):
        rule_of("vibes")


def test_a_not_testable_verdict_must_be_taken_under_the_not_testable_rule():
    with pytest.raises(ValueError, match="'not_testable'"):
        Verdict("p000_x", "not testable with our data: needs X", "none", rule="fact_check")
    assert Verdict("p000_x", "not testable with our data: needs X", "none",
                   rule="not_testable").change == "the data named in the reason"


def test_a_verdict_says_what_would_change_it_its_own_words_first():
    own = Verdict("p000_x", "supported", "e", rule="fact_check", would_change="the 2016 plan's list")
    assert own.change == "the 2016 plan's list" and own.rule_name == "fact check"
    assert Verdict("p000_x", "supported", "e").change is None


def test_the_ledger_prints_rule_and_change_under_the_verdict():
    row = pd.Series({"rule": "effect interval", "change": "a narrower interval | more cities."})
    text = rule_text(row)
    assert text == " *Rule:* effect interval. *Would change with:* a narrower interval \\| more cities."
    assert rule_text(pd.Series({"rule": None, "change": None})) == ""


def test_the_rules_table_lists_every_rule():
    table = rules_table().data
    assert all(rule.name in table for rule in RULES.values())
    assert VERDICTS[0] in table
