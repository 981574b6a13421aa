"""Signals: each fires on what it names and stays quiet on the calm look-alikes of customer care."""
import pytest

from bot.frustration.signals import SIGNAL_NAMES, WEIGHTS, find_signals, log_odds_boost


def names(text):
    return [s.name for s in find_signals(text)]


@pytest.mark.parametrize("name, text", [
    ("shouting", "WHY HAVE YOU CHARGED ME THREE TIMES FOR ONE ORDER"),
    ("shouting", "I WANT MY MONEY BACK"),
    ("capitalised_word", "It was NOT delivered"),
    ("capitalised_word", "Are you even listening? CANCEL it"),
    ("repeated_punctuation", "where is my order!!!"),
    ("repeated_punctuation", "you charged me twice?!"),
    ("repeated_punctuation", "hello??"),
    ("profanity", "are you f***ing kidding me"),
    ("profanity", "this is bullshit"),
    ("profanity", "what the hell is going on with my parcel"),
    ("profanity", "wtf"),
    ("repeat_contact", "This is the third time my order has been wrong"),
    ("repeat_contact", "still not here"),
    ("repeat_contact", "as I said, I already tried that"),
    ("repeat_contact", "You keep telling me the same useless thing"),
    ("repeat_contact", "My beans arrived late again"),
    ("repeat_contact", "Third month in a row something goes wrong"),
    ("sarcasm", "Great, just great."),
    ("sarcasm", "thanks for nothing"),
    ("sarcasm", "Wow, so helpful. Really glad I asked."),
    ("sarcasm", "Oh wonderful. You took my money two weeks ago."),
    ("sarcasm", "Yeah right, that's what you said last week."),
    ("waiting", "I've been waiting 20 minutes"),
    ("waiting", "still waiting... it's been 20 minutes"),
    ("waiting", "A week with no answer is not ok"),
    ("waiting", "nobody called me back"),
    ("exasperation", "This is ridiculous"),
    ("exasperation", "Unbelievable."),
    ("exasperation", "are you even listening"),
    ("exasperation", "I give up"),
    ("threat_to_leave", "I'm disputing the charge with my bank"),
    ("threat_to_leave", "Cancel my account, I'm done with this company"),
    ("threat_to_leave", "Not sure it's worth staying a member."),
    ("asks_for_person", "Can I speak to a human please"),
    ("asks_for_person", "agent please"),
    ("asks_for_person", "Representative"),
    ("asks_for_person", "is there someone real i can talk to"),
    ("asks_for_person", "I want to speak with a manager."),
    ("asks_for_person", "Can someone from your team call me?"),
])
def test_signal_fires(name, text):
    assert name in names(text)


@pytest.mark.parametrize("text", [
    "Where is my order A1042?",
    "Can you send me the tracking link again? I deleted the email",
    "Thanks again for the quick help yesterday",
    "How do I order the same beans again?",
    "Is the Burr Grinder Pro still on sale?",
    "And will I still get the member discount?",
    "My machine says E01",
    "The parcel is late, when will it arrive?",
    "I'd like to cancel my Coffee Club please, I'm drinking less coffee these days",
    "UPS said today but nothing yet and it's 6pm",
    "Great, thanks!",
    "Brilliant, thank you",
    "Do you ship to the USA or the UK?",
    "",
    "   ",
])
def test_calm_messages_fire_nothing(text):
    assert names(text) == []


def test_happy_capitals_are_emphasis_not_shouting():
    found = names("My Barista One arrived today and it's AMAZING!!!")
    assert "shouting" not in found
    assert "capitalised_word" in found and "repeated_punctuation" in found


def test_acronyms_and_codes_are_not_shouting():
    assert names("UPS lost it, tracking 1Z999AA10123456784, order A1042, error E05") == []


def test_signals_are_named_ordered_and_carry_evidence():
    found = find_signals("WHY IS MY ORDER STILL NOT HERE??? this is the THIRD time")
    assert [s.name for s in found] == sorted((s.name for s in found), key=SIGNAL_NAMES.index)
    assert {"shouting", "repeated_punctuation", "repeat_contact"} <= {s.name for s in found}
    for signal in found:
        assert signal.evidence and signal.weight == WEIGHTS[signal.name]
    assert found[0].to_dict()["name"] == found[0].name


def test_boost_counts_each_signal_once_and_asking_for_a_person_adds_nothing():
    found = find_signals("this is ridiculous!!! ridiculous!!!")
    assert log_odds_boost(found) == pytest.approx(WEIGHTS["exasperation"] + WEIGHTS["repeated_punctuation"])
    assert log_odds_boost(find_signals("Can I speak to a human please")) == 0.0
