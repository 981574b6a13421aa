"""QA scorecards on hand-built episodes: the criteria, the weights of the client file, reviews, lowest first."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.qa.config import QaConfigError, qa_config_from_dict
from bot.qa.scorecards import ReviewError, Scorecards
from tests.kpis.seed import D1, Seeder, at

CONFIG = qa_config_from_dict(None)  # the defaults: resolution 30, frustration 20, empathy 20, repeats 15, response 15


@pytest.fixture
def seeder(hub_db_url):
    s = Seeder(hub_db_url)
    yield s
    s.store.close()


def angry_episode(s: Seeder, name: str, agent_says: str, start_hour: int) -> None:
    s.conversation(name)
    s.customer(name, "my order never came", at(D1, start_hour, 0), intent="order_status", score=0.4)
    s.reply(name, "Let me check that.", at(D1, start_hour, 0, 5))
    s.customer(name, "THIRD time I ask, this is ridiculous", at(D1, start_hour, 1), intent="order_status", score=0.9,
               level="angry", repeats=True)
    s.reply(name, agent_says, at(D1, start_hour, 1, 30))
    s.customer(name, "ok thanks", at(D1, start_hour, 3), intent="thank", score=0.2)
    s.reply(name, "You're welcome!", at(D1, start_hour, 3, 4))


def test_an_apology_to_an_angry_customer_scores_higher_than_none(seeder):
    cards = Scorecards(seeder.store, CONFIG)
    seeder.closures.listeners.append(cards.on_closed)
    angry_episode(seeder, "sorry", "I'm really sorry about this. A new one ships today.", 10)
    angry_episode(seeder, "cold", "A new one ships today.", 11)
    seeder.closures.close("sorry", "goodbye", now=at(D1, 10, 4))
    seeder.closures.close("cold", "goodbye", now=at(D1, 11, 4))
    apologised, ignored = cards.lowest(D1, D1 + timedelta(days=1))[::-1]  # lowest first: "cold" comes first
    assert (apologised["conversation_id"], ignored["conversation_id"]) == ("sorry", "cold")
    assert apologised["criteria"]["empathy"]["score"] == 100 and ignored["criteria"]["empathy"]["score"] == 0
    assert "angry" in ignored["criteria"]["empathy"]["detail"]
    # Both: resolved 100; frustration 0.4 -> 0.2: 100*(1-0.2) + 50*(0.4-0.2) = 90; one repeated request: 100-34 = 66;
    # worst reply after 30 s (under the 60 s target): 100.
    for card in (apologised, ignored):
        criteria = card["criteria"]
        assert (criteria["resolution"]["score"], criteria["frustration"]["score"]) == (100, 90)
        assert (criteria["repeats"]["score"], criteria["response_time"]["score"]) == (66, 100)
    # (30*100 + 20*90 + 20*100 + 15*66 + 15*100) / 100 = 92.9; without the apology 72.9.
    assert (apologised["score"], ignored["score"]) == (92.9, 72.9)


def test_calm_episode_leaves_empathy_out_and_slow_unresolved_scores_low(seeder):
    cards = Scorecards(seeder.store, CONFIG)
    seeder.closures.listeners.append(cards.on_closed)
    seeder.conversation("calm")
    seeder.customer("calm", "what are your opening hours", at(D1, 9, 0), intent="faq", score=0.0)
    seeder.reply("calm", "We're open 8-8.", at(D1, 9, 0, 2))
    seeder.customer("calm", "bye", at(D1, 9, 1), intent="goodbye", score=0.0)
    seeder.reply("calm", "We're open 8-8.", at(D1, 9, 6, 1))  # repeats itself, 301 s later
    seeder.closures.close("calm", "idle", now=at(D1, 12, 0), resolved=False)
    [card] = cards.lowest(D1, D1 + timedelta(days=1))
    criteria = card["criteria"]
    assert criteria["empathy"]["applicable"] is False
    # resolution 0; frustration 0 -> 0: 100; repeats: 1 repeated bot message: 66;
    # response: worst gap 301 s: 100*(600-301)/(600-60) = 55.4
    assert criteria["response_time"]["score"] == 55.4 and "bot first response 2 s" in criteria["response_time"]["detail"]
    # (30*0 + 20*100 + 15*66 + 15*55.37) / (30+20+15+15) = 3820.6/80 = 47.76 -> 47.8
    assert card["score"] == 47.8
    assert card["closed_at"].startswith("2026-03-02T09:06:01")  # idle: the time of the last message


def test_weights_and_switches_come_from_the_client_file(seeder):
    config = qa_config_from_dict({"criteria": {"empathy": {"weight": 100}, "repeats": {"enabled": False},
                                               "response_time": {"enabled": False}}})
    cards = Scorecards(seeder.store, config)
    angry_episode(seeder, "cold", "A new one ships today.", 11)
    closure = seeder.closures.close("cold", "goodbye", now=at(D1, 11, 4))
    card = cards.compute(closure)
    assert set(card["criteria"]) == {"resolution", "frustration", "empathy"}
    assert card["score"] == 32.0  # (30*100 + 20*90 + 100*0) / (30+20+100) = 4800/150
    with pytest.raises(QaConfigError):
        qa_config_from_dict({"criteria": {"politeness": {"weight": 1}}})


def test_reviews_override_the_score_and_the_order(seeder):
    cards = Scorecards(seeder.store, CONFIG)
    seeder.closures.listeners.append(cards.on_closed)
    angry_episode(seeder, "sorry", "I'm so sorry. A new one ships today.", 10)
    angry_episode(seeder, "cold", "A new one ships today.", 11)
    seeder.closures.close("sorry", "goodbye", now=at(D1, 10, 4))
    seeder.closures.close("cold", "goodbye", now=at(D1, 11, 4))
    day = (D1, D1 + timedelta(days=1))
    cold = cards.lowest(*day)[0]
    reviewed = cards.review(cold["id"], 3, "Morgan Lee", score=99, comment="The agent fixed it fast; fine.")
    assert reviewed["final_score"] == 99 and reviewed["score"] == 72.9
    assert reviewed["review"]["reviewer"] == "Morgan Lee" and len(reviewed["reviews"]) == 1
    assert [c["conversation_id"] for c in cards.lowest(*day)] == ["sorry", "cold"]
    commented = cards.review(cold["id"], 3, "Morgan Lee", comment="Coach on apologies.")
    assert commented["final_score"] == 99 and commented["review"]["score"] is None
    for bad in ({"score": 101}, {"score": True}, {}, {"comment": "x" * 2001}):
        with pytest.raises(ReviewError):
            cards.review(cold["id"], 3, "Morgan Lee", **bad)
    assert cards.review(999, 3, "Morgan Lee", comment="?") is None
    # Recomputing keeps the supervisor's score.
    assert cards.recompute(cold["closure_id"])["final_score"] == 99
