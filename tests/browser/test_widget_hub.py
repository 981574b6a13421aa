"""The widget against the real hub (uvicorn) and the stand-in Rasa: chat, quick reply, history after a
reload from the signed session token, a second tab, a dropped network with exactly-once delivery,
hostile bot replies, read receipts. Screenshots for docs/screenshots/widget-*.png."""
from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from bot.settings import Settings
from hub_stubs import XSS_IMG, XSS_SCRIPT
from live_hub import LiveHub, client_file
from tests.browser.widget_page import BRAND, open_widget, say

pytestmark = pytest.mark.browser

TOKEN = "localStorage.getItem('carebot:token:' + location.origin)"


def stored_customer_texts(hub) -> list[str]:
    path = hub.settings.hub_db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT text FROM messages WHERE sender = 'customer' ORDER BY id")]


def bot_bubbles(page: Page):
    return page.locator(".cb-row--bot .cb-bubble")


def test_chat_quick_reply_reload_and_second_tab(page: Page, hub, rasa, screenshots):
    open_widget(page, hub.url)
    say(page, "hello")
    expect(bot_bubbles(page).nth(1)).to_contain_text("Hi there! What can I help you with today?")
    chips = page.get_by_role("group", name="Suggested replies")
    expect(chips.get_by_role("button")).to_have_count(3)
    # The bot read the message (receipt from the hub): "Read" under it.
    expect(page.locator(".cb-row--customer .cb-meta").last).to_contain_text("Read")
    page.screenshot(path=str(screenshots / "widget-desktop.png"))

    chips.get_by_role("button", name="Track my order").click()
    expect(bot_bubbles(page).last).to_contain_text("Sure! What's your order number?")
    assert rasa.messages == ["hello", "/order_status"]

    token = page.evaluate(TOKEN)
    assert token and len(token) >= 32  # a signed token, not a bare conversation id
    assert page.evaluate("localStorage.getItem('carebot:conversation:' + location.origin)") is None

    page.reload()
    open_widget(page)
    customer = page.locator(".cb-row--customer .cb-bubble")
    expect(customer).to_have_count(2)
    expect(customer.nth(0)).to_contain_text("hello")
    expect(customer.nth(1)).to_contain_text("Track my order")
    expect(bot_bubbles(page).last).to_contain_text("Sure! What's your order number?")
    assert len(rasa.requests) == 2  # the reload resent nothing

    # A new tab on the same site: same token, same conversation, and it sees what the first tab sends.
    other = page.context.new_page()
    open_widget(other, hub.url)
    expect(other.locator(".cb-row--customer .cb-bubble")).to_have_count(2)
    say(page, "A1042")
    expect(other.locator(".cb-row--customer .cb-bubble").last).to_contain_text("A1042")
    expect(other.locator(".cb-row--customer .cb-bubble")).to_have_count(3)
    expect(other.locator(".cb-row--bot .cb-bubble").last).to_contain_text("You said: A1042")
    expect(page.locator(".cb-row--bot .cb-bubble").last).to_contain_text("You said: A1042")
    expect(page.locator(".cb-row--customer .cb-bubble")).to_have_count(3)
    assert stored_customer_texts(hub) == ["hello", "Track my order", "A1042"]
    other.close()


def test_a_stale_token_starts_a_new_conversation(page: Page, hub):
    page.add_init_script("localStorage.setItem('carebot:token:' + location.origin, 'not-a-real-token')")
    open_widget(page, hub.url)
    expect(page.locator(".cb-system").last).to_contain_text("could not be resumed")
    token = page.evaluate(TOKEN)
    assert token and token != "not-a-real-token"


def test_network_drop_delivers_each_message_exactly_once(page: Page, hub, rasa):
    open_widget(page, hub.url)
    say(page, "hello")
    expect(bot_bubbles(page).nth(1)).to_contain_text("Hi there!")

    hub.stop()
    expect(page.locator(".cb-status-text")).to_have_text("Reconnecting…")
    expect(page.get_by_role("status").filter(has_text="Connection lost")).to_be_visible()
    say(page, "are you still there?")
    say(page, "my order is A1042")
    expect(page.locator(".cb-row--customer .cb-meta").filter(has_text="Not sent — retrying")).to_have_count(2)

    hub.start()
    expect(page.locator(".cb-status-text")).to_have_text("Online", timeout=20_000)
    expect(bot_bubbles(page).filter(has_text="You said: my order is A1042")).to_have_count(1, timeout=15_000)
    expect(bot_bubbles(page).filter(has_text="You said: are you still there?")).to_have_count(1)
    expect(page.locator(".cb-row--customer .cb-meta").filter(has_text="Not sent")).to_have_count(0)
    expect(page.locator(".cb-row--customer")).to_have_count(3)
    assert stored_customer_texts(hub) == ["hello", "are you still there?", "my order is A1042"]
    assert rasa.messages == ["hello", "are you still there?", "my order is A1042"]

    # And once more with the browser's own offline switch: the `online` event reconnects at once.
    page.context.set_offline(True)
    expect(page.get_by_role("status").filter(has_text="You're offline")).to_be_visible()
    say(page, "back on wifi")
    page.context.set_offline(False)
    expect(bot_bubbles(page).filter(has_text="You said: back on wifi")).to_have_count(1, timeout=10_000)
    page.reload()
    open_widget(page)
    expect(page.locator(".cb-row--customer")).to_have_count(4)
    assert stored_customer_texts(hub).count("back on wifi") == 1


def test_hostile_bot_replies_do_not_run(page: Page, hub):
    page.add_init_script("window.__xss = undefined;")
    open_widget(page, hub.url)
    say(page, "xss test")
    expect(bot_bubbles(page).filter(has_text=XSS_IMG)).to_have_count(1)
    expect(bot_bubbles(page).filter(has_text=XSS_SCRIPT)).to_have_count(1)
    say(page, "a picture please")  # the stand-in also sends image: javascript:alert(1)
    expect(bot_bubbles(page).filter(has_text="Here it is:")).to_have_count(1)
    page.wait_for_timeout(400)
    assert page.evaluate("window.__xss") is None
    imgs = page.evaluate("[...document.getElementById('carebot-widget').shadowRoot"
                         ".querySelectorAll('.cb-log img')].map(i => i.getAttribute('src'))")
    assert imgs == ["https://example.com/kettle.png"]
    assert page.evaluate("document.getElementById('carebot-widget').shadowRoot"
                         ".querySelectorAll('.cb-log script, [onerror]').length") == 0


def test_phone_screenshot(phone: Page, hub, screenshots):
    open_widget(phone, hub.url)
    say(phone, "hello")
    expect(phone.get_by_role("button", name="Start a return")).to_be_visible()
    expect(phone.locator(".cb-typing")).to_be_hidden()
    phone.get_by_role("dialog").evaluate("d => d.getAnimations().forEach(a => a.finish())")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(screenshots / "widget-phone.png"))


def test_the_satisfaction_question_after_goodbye_is_answered_in_the_widget(page: Page, hub, rasa):
    open_widget(page, hub.url)
    say(page, "where is my order")
    expect(bot_bubbles(page).last).to_contain_text("You said: where is my order")
    say(page, "bye")
    survey = page.get_by_role("group", name="How satisfied are you with the help you got today?")
    expect(survey.locator(".cb-score")).to_have_count(5)
    expect(survey.get_by_role("button", name="Skip")).to_be_visible()
    survey.get_by_role("button", name="5 out of 5: Very happy").click()
    expect(page.locator(".cb-system").filter(has_text="great to hear")).to_have_count(1)
    # The follow-ups (client.yml surveys:): CES 1-7, skipped; NPS 0-10; then a comment.
    ces = page.get_by_role("group", name="How easy was it to get the help you needed?")
    expect(ces.locator(".cb-score")).to_have_count(7)
    ces.get_by_role("button", name="Skip").click()
    nps = page.get_by_role("group", name="How likely are you to recommend Larkspur & Co to a friend?")
    expect(nps.locator(".cb-score")).to_have_count(11)
    nps.get_by_role("button", name="9 out of 10").click()
    expect(page.locator(".cb-system").last).to_contain_text("Anything you'd like to add?")
    say(page, "Lovely beans, quick answers")
    expect(page.locator(".cb-system").last).to_contain_text("that's noted")
    path = hub.settings.hub_db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT kind, score, status, comment FROM survey_responses ORDER BY id").fetchall() == [
            ("csat", 5, "answered", None), ("ces", None, "skipped", None), ("nps", 9, "answered", None),
            ("comment", None, "answered", "Lovely beans, quick answers")]
    assert rasa.messages == ["where is my order", "bye"]  # the answers and the comment never went to the bot


def test_a_site_that_may_not_embed_the_widget_is_told_so_once(page: Page, tmp_path, rasa):
    settings = Settings(hub_db_url=f"sqlite:///{tmp_path / 'hub.db'}", rasa_url=rasa.url, actions_url=rasa.url,
                        client_file=client_file(tmp_path))
    live = LiveHub(replace(settings, widget_origins=("https://shop.larkspur.example",))).start()
    # Another site (another port is another origin) embedding the widget with the one script tag.
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text(
        f'<!doctype html><title>Copycat</title><script>window.CarebotConfig = {{hubUrl: "{live.url}",'
        f' brand: "{BRAND}", open: true}};</script><script src="{live.url}/widget/widget.js" defer></script>')
    site = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "site")))
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        sockets = []
        page.on("websocket", lambda socket: sockets.append(socket))
        page.goto(f"http://127.0.0.1:{site.server_address[1]}/")
        expect(page.locator(".cb-banner")).to_have_text("Chat isn't available on this site.")
        page.wait_for_timeout(3000)  # the first retry would come within 1 s
        assert len(sockets) == 1
    finally:
        site.shutdown()
        live.stop()
