"""action_store_hours (fixed clocks) and the "did you mean" suggestions (labels from YAML)."""
from __future__ import annotations

from datetime import datetime

import pytest
import yaml
from action_testkit import load_tracker, texts

from actions.fallback import LABELS_FILE, intent_labels, label_for, suggested_intents
from actions.store import ActionStoreHours
from bot import client_profile
from tests.domain_file import intent_names

pytestmark = pytest.mark.anyio

HOURS = "Our hours are Mon-Fri 8am-8pm and Sat 9am-5pm Eastern time."
CLOSED_TAIL = ("I can still help with orders, returns and billing around the clock, or book a call back for when "
               "they're in.")


async def hours_at(monkeypatch, dispatcher, domain, iso: str):
    monkeypatch.setattr(client_profile, "now", lambda: datetime.fromisoformat(iso))
    events = await ActionStoreHours().run(dispatcher, load_tracker("store_hours"), domain)
    assert events == []
    return texts(dispatcher)


# ------------------------------------------------------------------ store hours
async def test_open_on_a_weekday(monkeypatch, dispatcher, domain):
    said = await hours_at(monkeypatch, dispatcher, domain, "2026-03-11T15:00:00+00:00")  # Wed 11:00 EDT
    assert said == [f"Yes, our care team is available right now, until 8pm Eastern time. {HOURS}"]


async def test_open_on_saturday_until_five(monkeypatch, dispatcher, domain):
    said = await hours_at(monkeypatch, dispatcher, domain, "2026-03-14T14:00:00+00:00")  # Sat 10:00 EDT
    assert said == [f"Yes, our care team is available right now, until 5pm Eastern time. {HOURS}"]


async def test_closed_on_friday_night(monkeypatch, dispatcher, domain):
    said = await hours_at(monkeypatch, dispatcher, domain, "2026-03-14T02:00:00+00:00")  # Fri 22:00 EDT
    assert said == [f"Our care team is offline right now. They're back tomorrow at 9am Eastern time. {HOURS} "
                    f"{CLOSED_TAIL}"]


async def test_closed_on_saturday_evening_until_monday(monkeypatch, dispatcher, domain):
    said = await hours_at(monkeypatch, dispatcher, domain, "2026-03-14T22:30:00+00:00")  # Sat 18:30 EDT
    assert said == [f"Our care team is offline right now. They're back on Monday 16 March at 8am Eastern time. "
                    f"{HOURS} {CLOSED_TAIL}"]


async def test_closed_just_before_opening(monkeypatch, dispatcher, domain):
    said = await hours_at(monkeypatch, dispatcher, domain, "2026-03-16T11:59:00+00:00")  # Mon 07:59 EDT
    assert said == [f"Our care team is offline right now. They're back today at 8am Eastern time. {HOURS} "
                    f"{CLOSED_TAIL}"]


async def test_broken_client_file_gets_an_apology(monkeypatch, dispatcher, domain, tmp_path):
    broken = tmp_path / "client.yml"
    broken.write_text("brand: [unclosed\n")
    monkeypatch.setenv("CAREBOT_CLIENT_FILE", str(broken))
    events = await ActionStoreHours().run(dispatcher, load_tracker("store_hours"), domain)
    assert events == []
    assert texts(dispatcher) == ["utter_default"]


# ------------------------------------------------------------------ "did you mean" suggestions
def test_suggestions_are_the_top_requests_of_the_ranking():
    ranking = [{"name": "nlu_fallback", "confidence": 0.45}, {"name": "inform", "confidence": 0.42},
               {"name": "delivery_late", "confidence": 0.41}, {"name": "out_of_scope", "confidence": 0.4},
               {"name": "order_status", "confidence": 0.39}, {"name": "cancel_order", "confidence": 0.05}]
    assert suggested_intents({"intent_ranking": ranking}) == ["delivery_late", "order_status"]
    assert suggested_intents({"intent": {"name": "double_charge"}}) == ["double_charge"]
    assert suggested_intents({"intent_ranking": ranking[:2]}) == []
    labels = intent_labels()
    assert label_for("delivery_late", labels) == "My delivery is late"
    assert label_for("no_such_intent", labels) == "No such intent"


def test_every_domain_intent_has_a_short_label(domain):
    labels = intent_labels()
    missing = [intent for intent in intent_names(domain) if intent not in labels]
    assert missing == []
    assert all(0 < len(label) <= 40 for label in labels.values())
    assert set(labels) <= set(intent_names(domain))


def test_labels_file_is_not_mistaken_for_rasa_training_data():
    # Rasa treats any YAML file under data/ with one of these keys on a line as NLU/story data
    for line in LABELS_FILE.read_text(encoding="utf-8").splitlines():
        assert not line.lstrip().startswith(("nlu:", "rules:", "stories:", "responses:")), line
    assert set(yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))) == {"labels"}
