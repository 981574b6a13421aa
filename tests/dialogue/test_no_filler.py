"""No bot turn consists only of a filler ("Is there anything else I can help you with?").

Walks every story and rule in data/ and every test story, splits each into bot turns (the
actions after one customer message), and fails on a turn whose every response, in every
variant of the domain, is only a filler. Custom actions are checked by their own tests and by
the journey benchmark (bench/journeys.py), which sees the real replies.
"""
from __future__ import annotations

import pytest
import yaml

from bot.reply_behaviour import is_filler
from bot.settings import PROJECT_ROOT

STORY_FILES = [*sorted((PROJECT_ROOT / "data").rglob("*.yml")), PROJECT_ROOT / "tests" / "test_stories.yml"]


def filler_responses(domain: dict) -> set[str]:
    out = set()
    for name, variants in (domain.get("responses") or {}).items():
        texts = [v.get("text") or "" for v in variants or []]
        if texts and all(is_filler(t) for t in texts):
            out.add(name)
    return out


# "You're welcome! Anything else?" is the answer to a thank-you, not a non-answer.
NOTHING_ASKED = frozenset({"thanks", "goodbye"})


def bot_turns(steps: list[dict]) -> list[list[str]]:
    """The actions after each customer message that asked for something (the leading actions of a
    rule count as one turn; turns after a thank-you or goodbye are left out)."""
    turns: list[tuple[set[str], list[str]]] = [(set(), [])]
    for step in steps or []:
        intents = {step["intent"]} if "intent" in step else {s.get("intent") for s in step.get("or") or []}
        if "intent" in step or "user" in step or intents - {None}:
            turns.append((intents, []))
        elif "action" in step:
            turns[-1][1].append(step["action"])
    return [actions for intents, actions in turns if actions and not (intents and intents <= NOTHING_ASKED)]


def all_stories() -> list[tuple[str, str, list[dict]]]:
    out = []
    for path in STORY_FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            continue
        for key in ("stories", "rules"):
            for item in data.get(key) or []:
                name = item.get("story") or item.get("rule") or "?"
                out.append((path.relative_to(PROJECT_ROOT).as_posix(), name, item.get("steps") or []))
    return out


@pytest.fixture(scope="module")
def domain() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_the_filler_detector_knows_a_filler_from_an_answer():
    assert is_filler("Is there anything else I can help you with?")
    assert is_filler("Anything else?")
    assert is_filler("You're welcome! Anything else?")
    assert not is_filler("Your order A1042 is on its way with UPS. Anything else?")
    assert not is_filler("Sorry, I'm not sure what that refers to. What can I help you with?")


def test_the_walk_finds_a_filler_only_turn():
    """The check can fail: a story whose bot answers a question with only a filler."""
    domain = {"responses": {"utter_filler": [{"text": "Is there anything else I can help you with?"}],
                            "utter_answer": [{"text": "We ship to Hawaii in 4-8 business days."}]}}
    fillers = filler_responses(domain)
    steps = [{"intent": "shipping_options"}, {"action": "utter_filler"},
             {"intent": "thanks"}, {"action": "utter_answer"}]
    assert [t for t in bot_turns(steps) if set(t) <= fillers] == [["utter_filler"]]


def test_no_story_or_rule_has_a_filler_only_turn(domain):
    fillers = filler_responses(domain)
    found = [
        f"{path}: {name}: {turn}"
        for path, name, steps in all_stories()
        for turn in bot_turns(steps)
        if set(turn) <= fillers
    ]
    assert not found, "filler-only bot turns:\n" + "\n".join(found)
