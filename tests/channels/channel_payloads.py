"""Webhook payloads as the platforms document them, signed as the platforms sign them, and the
test credentials. A module with its own name (not conftest) so test files can import it whatever
else pytest collects in the same run.
"""
from __future__ import annotations

import itertools
import json
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from starlette.testclient import TestClient

from bot.channels.slack import slack_signature
from bot.channels.whatsapp import twilio_signature

TG_TOKEN = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
TG_SECRET = "tg-secret-Abc123_xyz"
TWILIO_SID = "AC" + "1" * 32
TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"
TWILIO_FROM = "whatsapp:+14155238886"
SLACK_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PUBLIC_URL = "https://care.example.com"
CRM_NOW = datetime(2026, 3, 14, 15, 0, tzinfo=timezone.utc)

MARIA_PHONE = "+15552013344"  # C1001 Maria Lopez in the seeded CRM
MARIA_EMAIL = "maria.lopez@example.com"

_ids = itertools.count(1000)


# -- Telegram (https://core.telegram.org/bots/api#update) -------------------------------------------------
MARIA_TG = {"id": 111111111, "is_bot": False, "first_name": "Maria", "last_name": "Lopez", "username": "marialopez",
            "language_code": "en"}
MARIA_CHAT = {"id": 111111111, "first_name": "Maria", "last_name": "Lopez", "username": "marialopez", "type": "private"}


def tg_message(text: str | None = None, *, message_id: int | None = None, **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": message_id or next(_ids), "from": MARIA_TG, "chat": MARIA_CHAT,
                               "date": int(time.time())}
    if text is not None:
        message["text"] = text
    message.update(extra)
    return {"update_id": next(_ids) + 800000000, "message": message}


def tg_callback(data: str, *, bot_message_id: int = 77) -> dict[str, Any]:
    return {"update_id": next(_ids) + 800000000, "callback_query": {
        "id": f"43829{next(_ids)}1734", "from": MARIA_TG, "chat_instance": "-7987698798123456",
        "message": {"message_id": bot_message_id, "date": int(time.time()), "chat": MARIA_CHAT,
                    "from": {"id": 110201543, "is_bot": True, "first_name": "Larkspur", "username": "larkspur_bot"},
                    "text": "Pick one, or just type your question."},
        "data": data}}


def post_telegram(client: TestClient, update: dict[str, Any], *, secret: str | None = TG_SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/channels/telegram/webhook", content=json.dumps(update), headers={
        "Content-Type": "application/json", **headers})


# -- Twilio WhatsApp (https://www.twilio.com/docs/messaging/guides/webhook-request) -----------------------------
def wa_form(body: str, *, sender: str = MARIA_PHONE, sid: str | None = None, **extra: str) -> list[tuple[str, str]]:
    sid = sid or f"SM{next(_ids):032x}"
    fields = {"SmsMessageSid": sid, "NumMedia": "0", "ProfileName": "Maria", "MessageType": "text",
              "SmsSid": sid, "WaId": sender.lstrip("+"), "SmsStatus": "received", "Body": body,
              "To": TWILIO_FROM, "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
              "AccountSid": TWILIO_SID, "From": f"whatsapp:{sender}", "ApiVersion": "2010-04-01"}
    fields.update(extra)
    return list(fields.items())


def post_whatsapp(client: TestClient, form: list[tuple[str, str]], *, signature: str | None = "auto",
                  url: str = PUBLIC_URL + "/channels/whatsapp/webhook"):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature == "auto":
        signature = twilio_signature(TWILIO_TOKEN, url, form)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return client.post("/channels/whatsapp/webhook", content=urlencode(form), headers=headers)


# -- Slack (https://api.slack.com/apis/events-api, https://api.slack.com/reference/interaction-payloads) -----
SLACK_DM = "D0PNCRP9N"
SLACK_USER = "U061F7AUR"


def slack_message(text: str, *, ts: str | None = None, **extra: Any) -> dict[str, Any]:
    ts = ts or f"1515449522.{next(_ids):06d}"
    event = {"client_msg_id": f"5ba4c2a4-{next(_ids)}", "type": "message", "text": text, "user": SLACK_USER,
             "ts": ts, "team": "T061EG9R6", "channel": SLACK_DM, "event_ts": ts, "channel_type": "im"}
    event.update(extra)
    return {"token": "ZZZZZZWSxiZZZ2yIvs3peJ", "team_id": "T061EG9R6", "api_app_id": "A0MDYCDME", "event": event,
            "type": "event_callback", "event_id": f"Ev0{next(_ids)}", "event_time": int(time.time()),
            "authed_users": ["U0LAN0Z89"]}


def slack_action(value: str, title: str = "Track my order") -> dict[str, Any]:
    return {"type": "block_actions", "team": {"id": "T061EG9R6", "domain": "larkspur"},
            "user": {"id": SLACK_USER, "username": "maria", "name": "maria", "team_id": "T061EG9R6"},
            "api_app_id": "A0MDYCDME", "token": "ZZZZZZWSxiZZZ2yIvs3peJ",
            "container": {"type": "message", "message_ts": "1548261231.000200", "channel_id": SLACK_DM,
                          "is_ephemeral": False},
            "trigger_id": f"12321423423.333649436676.d8c1bb837935619ccad0f624c448{next(_ids)}",
            "channel": {"id": SLACK_DM, "name": "directmessage"},
            "message": {"type": "message", "text": "Pick one", "ts": "1548261231.000200"},
            "response_url": "https://hooks.slack.com/actions/T061EG9R6/1234/abcd",
            "actions": [{"action_id": "carebot_button_0", "block_id": "carebot_1", "value": value, "type": "button",
                         "text": {"type": "plain_text", "text": title, "emoji": True},
                         "action_ts": f"1548426417.{next(_ids):06d}"}]}


def slack_headers(body: bytes, *, timestamp: int | None = None, secret: str = SLACK_SECRET,
                  content_type: str = "application/json") -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": slack_signature(secret, stamp, body)}


def post_slack_event(client: TestClient, payload: dict[str, Any], **header_options: Any):
    body = json.dumps(payload).encode("utf-8")
    return client.post("/channels/slack/events", content=body, headers=slack_headers(body, **header_options))


def post_slack_action(client: TestClient, payload: dict[str, Any]):
    body = urlencode({"payload": json.dumps(payload)}).encode("utf-8")
    return client.post("/channels/slack/interactions", content=body,
                       headers=slack_headers(body, content_type="application/x-www-form-urlencoded"))
