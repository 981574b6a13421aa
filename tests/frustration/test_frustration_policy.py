"""Escalation policy (pure) and its configuration from the client file."""
from dataclasses import replace

import pytest

from bot.frustration.config import (EscalationConfig, EscalationConfigError, escalation_config_from_dict,
                                    load_escalation_config)
from bot.frustration.policy import (BotTurn, CustomerProfile, CustomerTurn, decide, first_escalation,
                                    intensity_cues, level_for, trajectory)
from bot.settings import PROJECT_ROOT

CONFIG = EscalationConfig()


def c(score, text="message", **kw):
    return CustomerTurn(text=text, score=score, **kw)


def bot(*events):
    return BotTurn(text="bot reply", events=tuple(events))


def reasons(turns, config=CONFIG, customer=None):
    return decide(turns, config, customer).reason_names


def test_calm_conversation_does_not_escalate():
    decision = decide([c(0.1), bot(), c(0.3), bot(), c(0.2)], CONFIG)
    assert not decision.escalate and decision.level == "calm" and decision.reasons == ()


def test_no_customer_turn_gives_a_calm_decision():
    assert decide([], CONFIG).escalate is False
    assert decide([bot("fallback")], CONFIG).level == "calm"


def test_asked_for_person():
    assert reasons([c(0.1, signals=("asks_for_person",))]) == ["asked_for_person"]
    off = replace(CONFIG, person_request=False)
    assert reasons([c(0.1, signals=("asks_for_person",))], off) == []


def test_churn_threat():
    assert reasons([c(0.2, signals=("threat_to_leave",))]) == ["churn_threat"]
    assert reasons([c(0.2, signals=("threat_to_leave",))], replace(CONFIG, churn_threat=False)) == []


def test_angry_message_needs_a_high_score_and_a_cue_or_enough_cues():
    assert reasons([c(0.9, signals=("exasperation",))]) == ["angry_message"]
    # a high score alone is "a bit disappointed", not anger
    assert reasons([c(0.95)]) == []
    # weak signals are not cues of intensity
    assert reasons([c(0.95, signals=("capitalised_word", "repeated_punctuation"))]) == []
    assert "angry_message" not in reasons([c(0.9, signals=("exasperation",))], replace(CONFIG, angry_score=0.95))
    # two cues are enough whatever the score; sarcasm counts twice
    assert reasons([c(0.3, signals=("shouting", "repeat_contact"))]) == ["angry_message"]
    assert reasons([c(0.1, signals=("sarcasm",))]) == ["angry_message"]
    assert reasons([c(0.3, signals=("shouting", "repeat_contact"))], replace(CONFIG, angry_cues=3)) == []
    assert intensity_cues(("sarcasm", "shouting", "shouting", "asks_for_person", "capitalised_word")) == 3


def test_one_frustrated_message_is_not_enough_but_two_of_three_are():
    assert not decide([c(0.6)], CONFIG).escalate
    assert reasons([c(0.6), bot(), c(0.2), bot(), c(0.7)]) == ["sustained_frustration"]
    # the current message must itself be frustrated
    assert "sustained_frustration" not in reasons([c(0.6), bot(), c(0.7), bot(), c(0.2)])
    # outside the window it no longer counts
    assert "sustained_frustration" not in reasons([c(0.6), bot(), c(0.1), bot(), c(0.1), bot(), c(0.7)])
    strict = replace(CONFIG, sustained_messages=3)
    assert "sustained_frustration" not in reasons([c(0.6), bot(), c(0.2), bot(), c(0.7)], strict)


def test_bot_failures_count_fallbacks_and_unhelpful_answers():
    assert not decide([c(0.1), bot("fallback"), c(0.1)], CONFIG).escalate
    assert reasons([c(0.1), bot("fallback"), c(0.1), bot("kb_unhelpful"), c(0.1)]) == ["bot_failures"]
    assert reasons([c(0.1), bot("fallback"), c(0.1)], replace(CONFIG, bot_failures=1)) == ["bot_failures"]
    assert not decide([c(0.1), bot("something_else"), c(0.1), bot(), c(0.1)], CONFIG).escalate
    vip = CustomerProfile(tier="vip")
    assert reasons([c(0.1), bot("kb_unhelpful"), c(0.1)], customer=vip) == ["bot_failures"]
    assert reasons([c(0.1), bot("kb_unhelpful"), c(0.1)], replace(CONFIG, priority_bot_failures=2), vip) == []


def test_repeated_request_by_flag_not_by_intent():
    flagged = [c(0.1), bot(), c(0.1, repeats_earlier=True), bot(), c(0.1, repeats_earlier=True)]
    assert reasons(flagged) == ["repeated_request"]
    assert reasons(flagged[:1]) == []
    two_orders = [c(0.1, intent="order_status"), bot(), c(0.1, intent="order_status")]  # a second order
    assert reasons(two_orders) == []
    greetings = [c(0.1, intent="greet"), bot(), c(0.1, intent="greet"), bot(), c(0.1, intent="greet")]
    assert reasons(greetings) == []
    assert reasons(flagged[:3], replace(CONFIG, repeated_requests=2)) == []
    assert reasons(flagged, replace(CONFIG, repeated_requests=2)) == ["repeated_request"]


def test_long_wait():
    assert reasons([c(0.1, wait_s=600)]) == ["long_wait"]
    assert reasons([c(0.1, wait_s=599)]) == []
    assert reasons([c(0.1, wait_s=599)], replace(CONFIG, long_wait_s=300)) == ["long_wait"]


def test_priority_customers_escalate_on_one_frustrated_message():
    turns = [c(0.65)]
    assert reasons(turns, customer=CustomerProfile(tier="standard")) == []
    assert reasons(turns, customer=CustomerProfile(tier="VIP")) == ["priority_customer"]
    assert reasons(turns, customer=CustomerProfile(tier="standard", at_risk=True)) == ["priority_customer"]
    plus = replace(CONFIG, priority_tiers=("vip", "plus"))
    assert reasons(turns, plus, CustomerProfile(tier="plus")) == ["priority_customer"]
    assert reasons([c(0.55)], customer=CustomerProfile(tier="vip")) == []
    assert reasons([c(0.55)], replace(CONFIG, priority_score=0.5), CustomerProfile(tier="vip")) == ["priority_customer"]


def test_every_reason_that_fires_is_recorded_with_a_detail():
    turns = [c(0.6), bot("fallback"), c(0.7, repeats_earlier=True), bot("fallback"),
             c(0.95, signals=("asks_for_person", "threat_to_leave"), wait_s=900)]
    decision = decide(turns, CONFIG, CustomerProfile(tier="vip"))
    assert decision.reason_names == ["asked_for_person", "churn_threat", "angry_message", "sustained_frustration",
                                     "bot_failures", "repeated_request", "long_wait", "priority_customer"]
    assert all(r.detail for r in decision.reasons)
    assert decision.to_dict()["reasons"][0]["name"] == "asked_for_person"


def test_levels_follow_anger_and_the_smoothed_score():
    assert level_for(0.2, 0.2, CONFIG) == "calm"
    assert level_for(0.6, 0.3, CONFIG) == "annoyed"
    assert level_for(0.95, 0.5, CONFIG) == "annoyed"  # high score without cues: disappointed, not angry
    assert level_for(0.95, 0.5, CONFIG, angry=True) == "angry"
    assert level_for(0.3, 0.9, CONFIG) == "angry"
    steps = trajectory([c(0.95, signals=("profanity",)), bot(), c(0.1), bot(), c(0.1)], CONFIG)
    assert [d.level for d in steps] == ["angry", "calm", "calm"]  # one sharp message does not linger
    assert [d.customer_turn for d in steps] == [0, 1, 2]
    # smoothed starts at 0: 0.6 * 0.55 = 0.33, then 0.6 * 0.45 + 0.4 * 0.33 = 0.40, ...
    steady = trajectory([c(0.55), bot(), c(0.45), bot(), c(0.45)], CONFIG)
    assert [d.level for d in steady] == ["annoyed", "calm", "calm"]
    assert steady[1].smoothed == pytest.approx(0.6 * 0.45 + 0.4 * 0.6 * 0.55)
    sticky = trajectory([c(0.55), bot(), c(0.45), bot(), c(0.45)], replace(CONFIG, smoothing=1.0, annoyed_score=0.45))
    assert [d.level for d in sticky] == ["annoyed", "annoyed", "annoyed"]


def test_first_escalation_and_score_clamping():
    turns = [c(0.1), bot(), c(1.7), bot(), c(0.1)]
    assert first_escalation(turns, CONFIG) is None  # a clamped 1.0 without cues is not anger
    turns = [c(0.1), bot(), c(1.7, signals=("profanity",)), bot(), c(0.1)]
    first = first_escalation(turns, CONFIG)
    assert first.customer_turn == 1 and first.score == 1.0
    assert first_escalation([c(0.1)], CONFIG) is None


# ---------------------------------------------------------------- configuration

def test_defaults_when_the_section_is_missing(tmp_path):
    path = tmp_path / "client.yml"
    path.write_text("id: demo\nbrand: Demo\ntimezone: UTC\n")
    assert load_escalation_config(path) == EscalationConfig()


def test_thresholds_come_from_the_client_file(tmp_path):
    path = tmp_path / "client.yml"
    path.write_text("id: demo\nescalation:\n  angry_score: 0.95\n  bot_failures: 3\n  priority_tiers: [vip, plus]\n")
    config = load_escalation_config(path)
    assert config.angry_score == 0.95 and config.bot_failures == 3 and config.priority_tiers == ("vip", "plus")
    assert config.annoyed_score == EscalationConfig().annoyed_score
    turns = [c(0.1), bot("fallback"), c(0.1), bot("fallback"), c(0.9, signals=("exasperation",))]
    assert decide(turns, config).escalate is False
    assert decide(turns, EscalationConfig()).escalate is True


def test_the_project_client_file_has_a_valid_escalation_section():
    config = load_escalation_config(PROJECT_ROOT / "client.yml")
    assert isinstance(config, EscalationConfig)


def test_config_from_environment_client_file(tmp_path, monkeypatch):
    path = tmp_path / "other.yml"
    path.write_text("escalation:\n  long_wait_s: 120\n")
    monkeypatch.setenv("CAREBOT_CLIENT_FILE", str(path))
    from bot.settings import Settings

    assert load_escalation_config(Settings.from_env().client_file).long_wait_s == 120.0


@pytest.mark.parametrize("section, message", [
    ({"angry_scor": 0.9}, "unknown key"),
    ({"angry_score": "high"}, "expected a number"),
    ({"angry_score": 1.5}, "from 0 to 1"),
    ({"bot_failures": 1.5}, "whole number"),
    ({"bot_failures": 0}, "at least 1"),
    ({"person_request": "yes"}, "true or false"),
    ({"priority_tiers": 3}, "list of names"),
    ({"annoyed_score": 0.9, "angry_score": 0.8}, "angry_score must be at least"),
    ({"sustained_messages": 4, "sustained_window": 3}, "cannot exceed"),
    ({"long_wait_s": 0}, "positive"),
])
def test_invalid_values_name_the_key(section, message):
    with pytest.raises(EscalationConfigError, match=message):
        escalation_config_from_dict(section)


def test_section_must_be_a_mapping_and_file_must_exist(tmp_path):
    with pytest.raises(EscalationConfigError, match="mapping"):
        escalation_config_from_dict([1, 2])
    with pytest.raises(EscalationConfigError, match="cannot read"):
        load_escalation_config(tmp_path / "missing.yml")
