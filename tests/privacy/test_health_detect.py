"""The health-detail detector (bot/health.py) on examples written for these tests (not the benchmark's):
what it flags, the spans, and the look-alikes it must leave alone."""
from __future__ import annotations

import pytest

from bot.health import HIDDEN, HealthConfig, HealthDetector, hide_spans, phrases_of, scrub

detector = HealthDetector()


def found(text: str) -> list[str]:
    return [s.text for s in detector.find(text)]


@pytest.mark.parametrize("text, spans", [
    ("My daughter has type 2 diabetes, does the vanilla syrup have sugar?", ["type 2 diabetes"]),
    ("I'm on metformin and coffee upsets my stomach, any gentler roast?", ["metformin"]),
    ("I just got out of the hospital so please resend order A2231", ["out of the hospital"]),
    ("my mum is in hospice care, can you deliver to her room?", ["hospice care"]),
    ("I'm 20 weeks pregnant, is the half-caff ok?", ["20 weeks pregnant"]),
    ("I broke my ankle and can't carry the 5 lb bags upstairs", ["broke my ankle"]),
    ("I'm allergic to hazelnuts, is the praline blend made on shared equipment?", ["allergic to hazelnuts"]),
    ("he's on Xanax and the doctor said no caffeine", ["Xanax"]),
    ("my partner has Crohn's disease so I need a low-acid blend", ["Crohn's disease"]),
    ("Sorry for the delay, I had chemotherapy yesterday", ["chemotherapy"]),
    ("I have ADHD and keep forgetting to pause the club", ["ADHD"]),
    ("my husband's knee replacement is next week, hold the delivery", ["knee replacement"]),
    ("I have a migraine today, can we continue tomorrow?", ["migraine"]),
    ("my son is deaf so please text rather than call", ["deaf"]),
    ("I'm recovering from surgery and can't lift the espresso machine", ["surgery"]),
    ("had knee surgery last week, can't climb stairs so leave it at the door", ["knee surgery"]),  # no "I"
    ("just got diagnosed with high blood pressure, is your decaf really decaf?", ["high blood pressure"]),
    ("my toddler has a dairy allergy, is the oat creamer made in a dairy facility?", ["dairy allergy"]),
])
def test_a_health_detail_is_found_with_its_span(text, spans):
    assert found(text) == spans


@pytest.mark.parametrize("text", [
    "this new roast is sick, ordering three more bags",
    "I'm sick and tired of the tracking page saying 'label created'",
    "my espresso machine needs surgery, the group head is leaking",
    "the grinder had a stroke and now only grinds coarse lol",
    "we run a dental clinic and want a coffee subscription for the waiting area",
    "can you ship to the hospital where I work? I'm a nurse on the night shift",
    "is your decaf ok for pregnant customers? asking for my café menu",
    "do you have anything safe for diabetics? it's for a gift basket",
    "our team at the pharmacy loves your cold brew",
    "my kettle is dead again, order A5531",
    "the chocolate notes in this blend are insane",
    "I almost burned my hand on the steam wand, you should add a warning",
    "I'm allergic to waiting in line, so delivery it is",
    "the descaling treatment didn't fix the noise",
    "can you recommend a dose for a 58 mm basket?",
    "the cast iron kettle is rusting already",
    "is coffee good for people with high blood pressure in general?",
    "I'm dying for a decent cup this morning",
    "does caffeine interact with warfarin?",  # names no one: a general question
    "I'm a Cancer so of course I love the bold roast lol",
    "I'm blind to the difference between medium and dark roast",
    "your returns policy gives me a headache",
    "we want a coffee cart for our hospital fundraiser gala",
])

def test_look_alikes_are_not_flagged(text):
    assert found(text) == []


def test_hide_spans_replaces_only_the_detail():
    text = "My husband had a heart attack, please pause the club"
    spans = detector.spans(text)
    assert hide_spans(text, spans) == f"My husband had a {HIDDEN}, please pause the club"
    assert phrases_of(text, spans) == {"heart attack"}
    assert hide_spans(text, None) == text


def test_scrub_hides_phrases_in_derived_texts():
    summary = {"wants": '"My husband had a heart attack, ple…"', "rows": [{"text": "Heart attack"}], "n": 3}
    assert scrub(summary, {"heart attack"}) == {"wants": f'"My husband had a {HIDDEN}, ple…"',
                                                "rows": [{"text": HIDDEN}], "n": 3}
    assert scrub(summary, set()) is summary


def test_the_client_file_switch():
    assert HealthConfig.from_client({}) == HealthConfig(flag=True, permission="health")
    assert HealthConfig.from_client({"privacy": {"health": False}}).flag is False
    config = HealthConfig.from_client({"privacy": {"health": {"permission": "care_plus"}}})
    assert config.permission == "care_plus"
    for bad in ({"flag": "yes"}, {"permission": "Has Spaces"}, {"colour": 1}, ["health"]):
        with pytest.raises(ValueError):
            HealthConfig.from_mapping(bad)


def test_the_permission_is_a_skill():
    class Agent:
        def __init__(self, skills):
            self.skills = skills
    config = HealthConfig()
    assert config.may_see(Agent(("general", "health")))
    assert not config.may_see(Agent(("general", "billing")))


@pytest.mark.parametrize("text", ["", " ", "\ufffd" * 50, "🙏" * 200, "pregnant " * 800, "I " + "x" * 10000,
                                  "my\nwife\nhas\nlupus", "ER ER ER ICU IBS"])
def test_never_raises_and_spans_hold(text):
    for span in detector.find(text):
        assert text[span.start:span.end] == span.text and span.end > span.start
