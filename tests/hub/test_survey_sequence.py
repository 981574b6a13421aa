"""The whole end-of-chat survey over the real websocket: CSAT -> CES (skipped) -> NPS -> comment, and the
closed episode with its QA scorecard behind it."""
from __future__ import annotations

from test_hub_websocket import hello, next_frame, receive_until_typing_off

from bot.conversations.closure import Closures
from bot.surveys.store import SurveyStore


def chat(ws, text, client_id, payload=None):
    frame = {"type": "message", "id": client_id, "text": text}
    if payload:
        frame["payload"] = payload
    ws.send_json(frame)
    assert next_frame(ws)["type"] == "ack"


def test_csat_ces_nps_and_a_comment_with_skips(client, rasa):
    hub = client.app.state.hub
    with client.websocket_connect("/ws") as ws:
        conversation = hello(ws)["conversation_id"]
        chat(ws, "where is my order", "c1")
        receive_until_typing_off(ws)
        chat(ws, "bye", "c2")
        csat = [f for f in receive_until_typing_off(ws) if f.get("event") == "survey"][0]
        assert csat["survey"]["kind"] == "csat"
        chat(ws, "4", "c3", payload=csat["buttons"][3]["payload"])
        assert next_frame(ws)["event"] == "survey_thanks"
        ces = next_frame(ws)
        assert ces["event"] == "survey" and ces["survey"]["kind"] == "ces" and ces["survey"]["scale"] == [1, 7]
        assert [b["title"] for b in ces["buttons"]] == ["1", "2", "3", "4", "5", "6", "7", "Skip"]
        assert ces["survey"]["labels"] == {"1": "Very easy", "7": "Very difficult"}
        chat(ws, "Skip", "c4", payload=ces["buttons"][-1]["payload"])
        nps = next_frame(ws)
        assert nps["survey"]["kind"] == "nps" and nps["survey"]["scale"] == [0, 10]
        assert nps["text"] == "How likely are you to recommend Larkspur & Co to a friend?"  # from client.yml
        assert [b["title"] for b in nps["buttons"]][:2] == ["0", "1"] and len(nps["buttons"]) == 12
        chat(ws, "9", "c5", payload=nps["buttons"][9]["payload"])
        prompt = next_frame(ws)
        assert prompt["event"] == "survey_comment" and [b["title"] for b in prompt["buttons"]] == ["Skip"]
        chat(ws, "The delivery person was lovely", "c6")
        # The hub answers a comment itself: no "Read" by the bot and no "typing…" (until December 2026 it
        # showed both, as if the bot were writing; docs/architecture.md).
        thanks = next_frame(ws)
        assert thanks["event"] == "survey_comment_thanks" and thanks["text"].startswith("Thank you, that's noted.")
        chat(ws, "hello again", "c7")  # after the comment: the bot again
        frames = [f for f in receive_until_typing_off(ws) if f["type"] in ("bot", "system")]
        assert [f["type"] for f in frames] == ["bot"], frames
    answers = [(s.kind, s.status, s.score) for s in SurveyStore(hub.store).for_conversation(conversation)]
    assert answers == [("csat", "answered", 4), ("ces", "skipped", None), ("nps", "answered", 9),
                       ("comment", "answered", None)]
    assert rasa.messages == ["where is my order", "bye", "hello again"]  # answers and comment: not the bot
    # The goodbye closed an episode (resolved, contained) and scored it; the comment did not open a new one.
    [closure] = Closures(hub.store).for_conversation(conversation)
    assert (closure.trigger, closure.resolved, closure.contained, closure.intent) == ("goodbye", True, True,
                                                                                     "order_status")
    cards = hub.scorecards.lowest(closure.started_at.replace(hour=0, minute=0), closure.closed_at.replace(year=2100))
    assert [c["closure_id"] for c in cards] == [closure.id]


def test_skipping_the_comment_ends_the_survey(client, rasa):
    with client.websocket_connect("/ws") as ws:
        hello(ws)
        chat(ws, "bye", "c1")
        csat = [f for f in receive_until_typing_off(ws) if f.get("event") == "survey"][0]
        chat(ws, "5", "c2", payload=csat["buttons"][4]["payload"])
        assert next_frame(ws)["event"] == "survey_thanks"
        chat(ws, "7", "c3", payload=next_frame(ws)["buttons"][6]["payload"])  # CES 7
        chat(ws, "0", "c4", payload=next_frame(ws)["buttons"][0]["payload"])  # NPS 0
        prompt = next_frame(ws)
        chat(ws, "Skip", "c5", payload=prompt["buttons"][0]["payload"])
        assert next_frame(ws)["event"] == "survey_done"
        chat(ws, "hello again", "c6")  # not a comment: the prompt was skipped
        assert [f["type"] for f in receive_until_typing_off(ws) if f["type"] in ("bot", "system")] == ["bot"]
    assert rasa.messages == ["bye", "hello again"]
