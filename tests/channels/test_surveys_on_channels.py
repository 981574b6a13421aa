"""The end-of-chat survey on WhatsApp (typed numbers, skips, a comment) and Telegram (a compact keyboard)."""
from __future__ import annotations

from channel_payloads import post_whatsapp, wa_form

from bot.channels.base import numbered_options, pick_option
from bot.surveys.store import SurveyStore
from test_whatsapp import MESSAGES_PATH, OTHER_PHONE, conversation_of


def test_scores_are_the_numbers_typed_even_on_a_0_to_10_scale(client, platform, rasa):
    sent = 0

    def say(text: str, replies: int = 1) -> list[str]:
        nonlocal sent
        post_whatsapp(client, wa_form(text, sender=OTHER_PHONE))
        sent += replies
        return [dict(r.form)["Body"] for r in platform.wait_sent(MESSAGES_PATH, sent)[sent - replies:]]

    bye, csat = say("bye", 2)
    assert csat.startswith("How satisfied are you") and csat.endswith("Reply with a number from 1 to 5, or Skip.")
    thanks, ces = say("4", 2)
    assert "great to hear" in thanks and ces.endswith("Reply with a number from 1 to 7, or Skip.")
    [nps] = say("skip")
    assert nps.endswith("Reply with a number from 0 to 10, or Skip.")
    [prompt] = say("9")  # the score 9, not the ninth option ("8")
    assert prompt.startswith("Anything you'd like to add?")
    [noted] = say("Quick and friendly, thanks")
    assert noted.startswith("Thank you, that's noted.")
    surveys = SurveyStore(client.app.state.hub.store).for_conversation(conversation_of(client))
    assert [(s.kind, s.status, s.score) for s in surveys] == [
        ("csat", "answered", 4), ("ces", "skipped", None), ("nps", "answered", 9), ("comment", "answered", None)]
    assert rasa.messages == ["bye"]


def test_ordinary_options_keep_their_numbers():
    buttons = [{"title": "Track my order", "payload": "/a"}, {"title": "Start a return", "payload": "/b"}]
    assert numbered_options(buttons) == "Reply with a number:\n1. Track my order\n2. Start a return"
    assert pick_option("2", buttons)["payload"] == "/b" and pick_option("start a RETURN", buttons)["payload"] == "/b"
    scale = [{"title": str(n), "payload": f"/s{n}"} for n in range(0, 11)] + [{"title": "Skip", "payload": "/skip"}]
    assert pick_option("0", scale)["payload"] == "/s0" and pick_option("11", scale) is None
    assert pick_option("SKIP", scale)["payload"] == "/skip"


def test_on_telegram_the_scores_are_a_compact_keyboard_and_a_press_answers(client, platform, rasa):
    from channel_payloads import post_telegram, tg_callback, tg_message

    post_telegram(client, tg_message("bye"))
    bye, csat = platform.wait_sent("/sendMessage", 2)
    rows = csat.json["reply_markup"]["inline_keyboard"]
    assert [[key["text"] for key in row] for row in rows] == [["1", "2", "3", "4", "5"], ["Skip"]]
    post_telegram(client, tg_callback(rows[0][3]["callback_data"]))  # 4
    thanks, ces = platform.wait_sent("/sendMessage", 4)[2:]
    assert "great to hear" in thanks.json["text"]
    ces_rows = [[key["text"] for key in row] for row in ces.json["reply_markup"]["inline_keyboard"]]
    assert ces_rows == [["1", "2", "3", "4"], ["5", "6", "7"], ["Skip"]]
    post_telegram(client, tg_callback(ces.json["reply_markup"]["inline_keyboard"][0][1]["callback_data"]))  # 2
    nps = platform.wait_sent("/sendMessage", 5)[4]
    nps_rows = [[key["text"] for key in row] for row in nps.json["reply_markup"]["inline_keyboard"]]
    assert nps_rows == [["0", "1", "2", "3", "4", "5"], ["6", "7", "8", "9", "10"], ["Skip"]]
    binding = client.app.state.hub.channels.store.binding("telegram", str(111111111))
    surveys = SurveyStore(client.app.state.hub.store).for_conversation(binding.conversation_id)
    assert [(s.kind, s.score) for s in surveys] == [("csat", 4), ("ces", 2), ("nps", None)]
    assert rasa.messages == ["bye"]
