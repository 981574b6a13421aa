"""The end-of-chat satisfaction question after the bot's goodbye, over the real websocket."""
from __future__ import annotations

from test_hub_websocket import hello, receive_until_typing_off, next_frame

from bot.surveys.store import SurveyStore


def chat(ws, text, client_id, payload=None):
    frame = {"type": "message", "id": client_id, "text": text}
    if payload:
        frame["payload"] = payload
    ws.send_json(frame)
    assert next_frame(ws)["type"] == "ack"


def test_goodbye_brings_the_question_and_the_hub_records_the_answer_once(client, rasa):
    surveys = SurveyStore(client.app.state.hub.store)
    with client.websocket_connect("/ws") as ws:
        conversation = hello(ws)["conversation_id"]
        chat(ws, "where is my order", "c1")
        receive_until_typing_off(ws)
        chat(ws, "bye", "c2")
        frames = receive_until_typing_off(ws)
        goodbye, question = [f for f in frames if f["type"] in ("bot", "system")]
        assert goodbye["text"] == "Thanks for chatting. Have a lovely day!"
        assert question["event"] == "survey" and question["survey"]["scale"] == [1, 5]
        assert question["survey"]["labels"] == {"1": "Very unhappy", "5": "Very happy"}
        two = question["buttons"][1]
        chat(ws, two["title"], "c3", payload=two["payload"])
        thanks = next_frame(ws)
        assert thanks["event"] == "survey_thanks" and "sorry we fell short" in thanks["text"].lower()
        assert next_frame(ws)["survey"]["kind"] == "ces"  # the follow-up (test_survey_sequence.py)
        chat(ws, "5", "c4", payload=question["buttons"][4]["payload"])  # a second answer does not count
        assert next_frame(ws)["event"] == "survey_repeat"
        chat(ws, "bye", "c5")  # asked once per chat, not after every goodbye
        again = [f for f in receive_until_typing_off(ws) if f["type"] in ("bot", "system")]
        assert [f.get("event") for f in again] == [None]
    survey, follow_up = surveys.for_conversation(conversation)
    assert (survey.kind, survey.trigger, survey.score, survey.status) == ("csat", "goodbye", 2, "answered")
    assert (follow_up.kind, follow_up.status) == ("ces", "asked")
    assert rasa.messages == ["where is my order", "bye", "bye"]  # the answers never reach the bot


def test_skip_is_recorded_and_a_forged_answer_is_only_text(client, rasa):
    surveys = SurveyStore(client.app.state.hub.store)
    with client.websocket_connect("/ws") as ws:
        conversation = hello(ws)["conversation_id"]
        chat(ws, "bye", "c1")
        question = [f for f in receive_until_typing_off(ws) if f.get("event") == "survey"][0]
        forged = question["buttons"][0]["payload"].replace(str(question["survey"]["id"]), "999")
        chat(ws, "1", "c2", payload=forged)  # never offered: the hub sends the title to the bot as text
        receive_until_typing_off(ws)
        chat(ws, "Skip", "c3", payload=question["buttons"][-1]["payload"])
        assert next_frame(ws)["text"] == "No problem. Thanks for chatting with us!"  # skipping CSAT ends the survey
        chat(ws, "where is my order", "c4")
        assert [f["type"] for f in receive_until_typing_off(ws) if f["type"] in ("bot", "system")] == ["bot"]
    [survey] = surveys.for_conversation(conversation)
    assert survey.status == "skipped" and survey.score is None
    assert rasa.messages == ["bye", "1", "where is my order"]
