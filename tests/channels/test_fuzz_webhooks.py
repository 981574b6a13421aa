"""Fuzzing the channels' webhooks with correctly signed bodies (issue 15): what a platform (or someone holding
its secret) could send. Unsigned bodies stop at the signature check (tests/hub/test_fuzz_http.py).

Whatever the body, the hub answers below 500 (a 5xx makes the platform retry it for days), in the hub's
error shape, and logs no traceback.
"""
from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channel_payloads import (TG_SECRET, TWILIO_TOKEN, PUBLIC_URL, slack_headers, slack_message, tg_callback,
                              tg_message, wa_form)
from bot.channels.whatsapp import twilio_signature

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

odd = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=12)
       | st.lists(st.integers(), max_size=2) | st.just({}))
deep = st.integers(1, 20_000).map(lambda n: b"[" * n + b"]" * n)
long_number = st.integers(1, 6_000).map(lambda n: b'{"update_id": ' + b"7" * n + b"}")


def mangled(make) -> st.SearchStrategy[bytes]:
    """A real payload with one field (top level or one level down) replaced by something odd."""
    def build(key_index: int, value: Any, inner: bool) -> bytes:
        payload = make()
        target = payload
        if inner:
            nested = [v for v in payload.values() if isinstance(v, dict)]
            target = nested[0] if nested else payload
        keys = sorted(target)
        target[keys[key_index % len(keys)]] = value
        return json.dumps(payload).encode("utf-8", "surrogatepass")
    return st.builds(build, st.integers(0, 50), odd, st.booleans())


telegram_bodies = st.one_of(mangled(lambda: tg_message("hello")), mangled(lambda: tg_callback("/order_status")),
                            deep, long_number, st.binary(max_size=40))
slack_bodies = st.one_of(mangled(lambda: slack_message("hello")), deep, long_number, st.binary(max_size=40))


def check(response, caplog) -> None:
    """Called once per example, after caplog.clear() at its start."""
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]
    crashed = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert not crashed, [(r.getMessage(), repr(r.exc_info[1])) for r in crashed]


def test_signed_telegram_updates_of_any_shape_are_answered_plainly(client, caplog):
    caplog.set_level(logging.INFO, logger="bot")

    @FUZZ
    @given(body=telegram_bodies)
    def run(body: bytes) -> None:
        caplog.clear()
        check(client.post("/channels/telegram/webhook", content=body,
                          headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TG_SECRET}),
              caplog)

    run()


def test_signed_slack_events_of_any_shape_are_answered_plainly(client, caplog):
    caplog.set_level(logging.INFO, logger="bot")

    @FUZZ
    @given(body=slack_bodies)
    def run(body: bytes) -> None:
        caplog.clear()
        check(client.post("/channels/slack/events", content=body, headers=slack_headers(body)), caplog)

    run()


def test_signed_whatsapp_forms_of_any_shape_are_answered_plainly(client, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    url = PUBLIC_URL + "/channels/whatsapp/webhook"
    fields = [name for name, _ in wa_form("hello")]

    @FUZZ
    @given(replace=st.dictionaries(st.sampled_from(fields), st.text(max_size=30) | st.just("9" * 5_000), max_size=3),
           body=st.text(max_size=50))
    def run(replace: dict[str, str], body: str) -> None:
        caplog.clear()
        form = [(name, replace.get(name, value)) for name, value in wa_form(body)]
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, url, form)}
        check(client.post("/channels/whatsapp/webhook", content=urlencode(form), headers=headers), caplog)

    run()


HEADER_VALUES = st.binary(max_size=30).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"").strip()) \
    | st.sampled_from([b"\xb2", "٣".encode(), b"9" * 5_000, b"-1", b"v0=" + b"0" * 64, TG_SECRET.encode()])


def test_any_signature_headers_are_refused_plainly(client, caplog):
    """No secret needed to send these: any bytes in the signature and timestamp headers."""
    caplog.set_level(logging.INFO, logger="bot")
    body = json.dumps(slack_message("hello")).encode()

    @FUZZ
    @given(path=st.sampled_from(["/channels/telegram/webhook", "/channels/slack/events", "/channels/slack/interactions",
                                 "/channels/whatsapp/webhook"]),
           headers=st.dictionaries(st.sampled_from(["X-Telegram-Bot-Api-Secret-Token", "X-Slack-Signature",
                                                    "X-Slack-Request-Timestamp", "X-Twilio-Signature"]),
                                   HEADER_VALUES, min_size=1))
    def run(path: str, headers: dict[str, bytes]) -> None:
        caplog.clear()
        response = client.post(path, content=body, headers=headers)
        check(response, caplog)
        assert response.status_code != 200 or headers.get("X-Telegram-Bot-Api-Secret-Token") == TG_SECRET.encode()

    run()


# -- what these fuzzers found, one plain test each ---------------------------------------------------------------
def test_a_slack_timestamp_of_unicode_digits_or_thousands_of_them_is_403_not_a_500(client, caplog):
    body = json.dumps(slack_message("hello")).encode()
    for stamp in (b"\xb2", "١٢٣".encode(), b"9" * 5_000):  # isdigit() says yes, int() raises
        response = client.post("/channels/slack/events", content=body,
                               headers={"X-Slack-Signature": "v0=00", "X-Slack-Request-Timestamp": stamp})
        assert response.status_code == 403 and response.json()["error"]["code"] == "stale_request"
    assert not [r for r in caplog.records if r.exc_info]


def test_telegram_and_slack_bodies_nested_thousands_deep_are_400_not_a_500(client, caplog):
    deep = b'{"update_id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = client.post("/channels/telegram/webhook", content=deep,
                           headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"
    response = client.post("/channels/slack/events", content=deep, headers=slack_headers(deep))
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"
    assert not [r for r in caplog.records if r.exc_info]


def test_a_telegram_id_longer_than_64_bits_is_400(client):
    update = tg_message("hello")
    update["message"]["chat"] = {**update["message"]["chat"], "id": 10**30}
    response = client.post("/channels/telegram/webhook", content=json.dumps(update),
                           headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_update"


def test_a_whatsapp_media_count_of_thousands_of_digits_is_not_a_500(client, caplog):
    url = PUBLIC_URL + "/channels/whatsapp/webhook"
    for count in ("9" * 5_000, "²"):
        form = [(name, count if name == "NumMedia" else value) for name, value in wa_form("")]
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, url, form)}
        assert client.post("/channels/whatsapp/webhook", content=urlencode(form), headers=headers).status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
