"""The platforms' own published signature examples, and the Markdown subset in each platform's format."""
from __future__ import annotations

import pytest

from bot.channels.base import WebhookError, pick_option, plain_text, slack_mrkdwn, telegram_html, whatsapp_text
from bot.channels.settings import ChannelSettings, SlackSettings
from bot.channels.slack import Slack, slack_signature
from bot.channels.whatsapp import twilio_signature

# https://www.twilio.com/docs/usage/security#validating-requests (the example every Twilio helper library tests)
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
                 ("From", "+14158675309"), ("To", "+18005551212")]
# https://api.slack.com/authentication/verifying-requests-from-slack
SLACK_BODY = (b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
              b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
              b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
              b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")


def test_twilio_signature_matches_the_documented_example():
    assert twilio_signature("12345", TWILIO_URL, TWILIO_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert twilio_signature("12345", TWILIO_URL, list(reversed(TWILIO_PARAMS))) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234")]
    assert twilio_signature("12345", TWILIO_URL, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    assert twilio_signature("12345", TWILIO_URL + "&x=1", TWILIO_PARAMS) != "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_slack_signature_matches_the_documented_example_and_the_window_is_five_minutes():
    expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert slack_signature("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", SLACK_BODY) == expected
    headers = {"X-Slack-Signature": expected, "X-Slack-Request-Timestamp": "1531420618"}
    slack = Slack(SlackSettings(bot_token="x", signing_secret="8f742231b10e8888abcd99yyyzzz85a5"),
                  clock=lambda: 1531420618 + 299)
    slack.verify(headers, SLACK_BODY)
    slack.clock = lambda: 1531420618 + 301
    with pytest.raises(WebhookError) as stale:
        slack.verify(headers, SLACK_BODY)
    assert (stale.value.status, stale.value.code) == (403, "stale_request")
    slack.clock = lambda: 1531420618
    with pytest.raises(WebhookError) as forged:
        slack.verify(headers, SLACK_BODY + b"x")
    assert (forged.value.status, forged.value.code) == (403, "invalid_signature")


def test_markdown_subset_per_platform():
    text = "Your order **A1042** <shipped> & more:\n- [Track it](https://ups.com/t?a=1&b=2)\n- no **unclosed"
    assert telegram_html(text) == ("Your order <b>A1042</b> &lt;shipped&gt; &amp; more:\n"
                                   '• <a href="https://ups.com/t?a=1&amp;b=2">Track it</a>\n• no **unclosed')
    assert whatsapp_text(text) == ("Your order *A1042* <shipped> & more:\n• Track it (https://ups.com/t?a=1&b=2)\n"
                                   "• no **unclosed")
    assert slack_mrkdwn(text) == ("Your order *A1042* &lt;shipped&gt; &amp; more:\n"
                                  "• <https://ups.com/t?a=1&amp;b=2|Track it>\n• no **unclosed")
    assert plain_text("**Hi** [there](https://x.io)") == "Hi there (https://x.io)"
    assert telegram_html('<img src=x onerror="alert(1)">') == '&lt;img src=x onerror="alert(1)"&gt;'


def test_a_numbered_reply_or_the_exact_title_picks_an_option():
    buttons = [{"title": "Track my order", "payload": "/order_status"},
               {"title": "Start a return", "payload": "/return_request"}]
    assert pick_option("2", buttons)["payload"] == "/return_request"
    assert pick_option(" 1. ", buttons)["payload"] == "/order_status"
    assert pick_option("start A  RETURN", buttons)["payload"] == "/return_request"
    assert pick_option("3", buttons) is None
    assert pick_option("I want to start a return", buttons) is None


def test_settings_from_the_environment_and_disabled_without_secrets():
    empty = ChannelSettings.from_env({})
    assert not (empty.telegram.enabled or empty.whatsapp.enabled or empty.slack.enabled)
    assert empty.telegram.api_url == "https://api.telegram.org"
    env = {"CAREBOT_TELEGRAM_BOT_TOKEN": "t", "CAREBOT_TELEGRAM_SECRET_TOKEN": "s",
           "CAREBOT_TWILIO_ACCOUNT_SID": "AC1", "CAREBOT_TWILIO_AUTH_TOKEN": "tok",
           "CAREBOT_TWILIO_WHATSAPP_FROM": "+14155238886", "CAREBOT_TWILIO_API_URL": "http://127.0.0.1:9/",
           "CAREBOT_SLACK_BOT_TOKEN": "xoxb", "CAREBOT_PUBLIC_URL": "https://care.example.com/",
           "CAREBOT_CHANNEL_MAX_ATTEMPTS": "3", "CAREBOT_CHANNEL_CONTINUE_DAYS": "2"}
    settings = ChannelSettings.from_env(env)
    assert settings.telegram.enabled and settings.whatsapp.enabled
    assert not settings.slack.enabled  # a bot token without the signing secret: webhooks can't be verified
    assert settings.whatsapp.sender == "whatsapp:+14155238886"
    assert settings.whatsapp.api_url == "http://127.0.0.1:9"
    assert settings.public_url == "https://care.example.com"
    assert (settings.max_attempts, settings.continue_days) == (3, 2.0)


def test_the_webhook_urls_to_register_are_listed_for_configured_channels_only():
    settings = ChannelSettings.from_env({"CAREBOT_TELEGRAM_BOT_TOKEN": "t", "CAREBOT_TELEGRAM_SECRET_TOKEN": "s",
                                         "CAREBOT_SLACK_BOT_TOKEN": "x", "CAREBOT_SLACK_SIGNING_SECRET": "y"})
    assert settings.webhooks("http://127.0.0.1:8000") == [
        ("Telegram", "http://127.0.0.1:8000/channels/telegram/webhook"),
        ("Slack events", "http://127.0.0.1:8000/channels/slack/events"),
        ("Slack interactivity", "http://127.0.0.1:8000/channels/slack/interactions")]
    public = ChannelSettings.from_env({"CAREBOT_TWILIO_ACCOUNT_SID": "AC1", "CAREBOT_TWILIO_AUTH_TOKEN": "a",
                                       "CAREBOT_TWILIO_WHATSAPP_FROM": "+1415", "CAREBOT_PUBLIC_URL": "https://care.example/"})
    assert public.webhooks("http://127.0.0.1:8000") == [("WhatsApp (Twilio)", "https://care.example/channels/whatsapp/webhook")]
    assert ChannelSettings.from_env({}).webhooks("http://x") == []
