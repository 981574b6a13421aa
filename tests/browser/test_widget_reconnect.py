"""Connection loss seen from the widget: back-off, the offline banner, resending unacknowledged messages with
the same ids, the browser's online/offline events. The socket is scripted (FakeHubSocket); the same story
against the real hub, which stores each message once, is in test_widget_hub.py."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import FakeHubSocket
from tests.browser.widget_page import open_widget, say

pytestmark = pytest.mark.browser


def test_unacknowledged_messages_are_resent_with_the_same_id(page: Page, hub, fake_hub: FakeHubSocket):
    open_widget(page, hub.url)
    assert fake_hub.sent("hello")[0] == {"type": "hello", "language": "en"}  # no token yet
    say(page, "acknowledged")
    expect(page.locator(".cb-row--customer .cb-meta").last).to_contain_text("Sent")

    fake_hub.accept = False  # the next message is lost in transit with the connection
    say(page, "lost ack")
    pending = page.locator(".cb-row--customer").last
    expect(pending.locator(".cb-meta")).to_have_text("Sending…")
    fake_hub.sockets[-1].close()
    expect(page.locator(".cb-status-text")).to_have_text("Reconnecting…")
    expect(page.get_by_role("status").filter(has_text="Connection lost")).to_be_visible()
    expect(pending.locator(".cb-meta")).to_have_text("Not sent — retrying")
    say(page, "typed while offline")
    expect(page.locator(".cb-row--customer .cb-meta").last).to_have_text("Not sent — retrying")

    fake_hub.accept = True
    expect(page.locator(".cb-status-text")).to_have_text("Online", timeout=5000)  # first retry within ~1 s
    expect(page.locator(".cb-row--customer .cb-meta").filter(has_text="Not sent")).to_have_count(0)
    expect(page.locator(".cb-row--customer .cb-meta").filter(has_text="Sending")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="Connection lost")).to_be_hidden()

    hellos = fake_hub.sent("hello")
    assert len(hellos) == 2 and hellos[1]["token"] == fake_hub.token  # resumes with the stored token
    texts = [frame["text"] for frame in fake_hub.sent("message")]
    assert texts == ["acknowledged", "lost ack", "lost ack", "typed while offline"]
    lost = [frame["id"] for frame in fake_hub.sent("message") if frame["text"] == "lost ack"]
    assert lost[0] == lost[1]  # the same id, so the hub can de-duplicate
    expect(page.locator(".cb-row--customer")).to_have_count(3)  # shown once each


def test_history_with_the_lost_message_is_not_resent(page: Page, hub, fake_hub: FakeHubSocket):
    open_widget(page, hub.url)
    fake_hub.ack = False
    say(page, "stored, ack lost")
    lost_id = fake_hub.sent("message")[-1]["id"]
    # On reconnect the hub's history already has it (with our client id): it counts as delivered.
    assert fake_hub.history[-1]["client_id"] == lost_id
    fake_hub.history.append({"type": "bot", "id": 200, "text": "Got it", "buttons": [], "image": None,
                             "created_at": "2025-01-01T10:00:01.000+00:00"})
    fake_hub.ack = True
    fake_hub.sockets[-1].close()
    expect(page.locator(".cb-row--bot .cb-bubble").last).to_contain_text("Got it", timeout=5000)
    expect(page.locator(".cb-row--customer")).to_have_count(1)
    expect(page.locator(".cb-row--customer .cb-meta")).to_contain_text("Sent")
    page.wait_for_timeout(300)
    assert len(fake_hub.sent("message")) == 1


def test_rate_limited_and_failed_messages_are_sent_again_in_order(page: Page, hub, fake_hub: FakeHubSocket):
    open_widget(page, hub.url)
    fake_hub.refuse_next = [{"code": "rate_limited", "retry_after_s": 0.6}]
    say(page, "first")
    say(page, "second")  # must not overtake "first" while the hub asks us to wait
    expect(page.locator(".cb-row--customer .cb-meta").filter(has_text="Sent")).to_have_count(2, timeout=5000)
    frames = fake_hub.sent("message")
    assert [frame["text"] for frame in frames] == ["first", "first", "second"]
    assert frames[0]["id"] == frames[1]["id"]
    assert [m["text"] for m in fake_hub.history] == ["first", "second"]

    fake_hub.refuse_next = [{"code": "store_failed"}]  # e.g. the database was down for a moment
    say(page, "third")
    expect(page.locator(".cb-row--customer .cb-meta").filter(has_text="Sent")).to_have_count(3, timeout=8000)
    fake_hub.refuse_next = [{"code": "text_too_long"}]  # refused for good: not retried
    say(page, "x" * 50)
    expect(page.locator(".cb-row--customer .cb-meta").last).to_have_text("Not sent")
    page.wait_for_timeout(1500)
    assert [frame["text"] for frame in fake_hub.sent("message")].count("x" * 50) == 1


def test_the_browser_going_offline_and_online(page: Page, hub, fake_hub: FakeHubSocket):
    open_widget(page, hub.url)
    page.context.set_offline(True)
    expect(page.locator(".cb-status-text")).to_have_text("Reconnecting…")
    expect(page.get_by_role("status").filter(has_text="You're offline")).to_be_visible()
    say(page, "on the train")
    expect(page.locator(".cb-row--customer .cb-meta").last).to_have_text("Not sent — retrying")
    page.wait_for_timeout(2500)  # back-off keeps trying
    page.context.set_offline(False)  # the `online` event retries at once, whatever the back-off
    expect(page.locator(".cb-status-text")).to_have_text("Online", timeout=3000)
    expect(page.locator(".cb-row--customer .cb-meta").last).to_contain_text("Sent")
    assert [frame["text"] for frame in fake_hub.sent("message")] == ["on the train"]


def test_backoff_grows_with_jitter_and_is_capped(page: Page, hub):
    """Nobody answers: the delays between attempts double (with jitter) up to 30 s."""
    page.add_init_script("""
        window.__delays = [];  // the back-off delays asked for; the test does not wait them out
        const realSetTimeout = window.setTimeout;
        window.setTimeout = function (fn, ms) {
            if (String(fn).includes('reconnectTimer')) { window.__delays.push(ms); ms = 10; }
            return realSetTimeout.call(this, fn, ms);
        };
        const RealWebSocket = window.WebSocket;
        window.WebSocket = function () {  // every connection attempt fails at once
            const ws = new RealWebSocket('ws://127.0.0.1:9/ws');
            return ws;
        };
    """)
    page.goto(hub.url + "/demo/")
    page.get_by_role("button", name="Chat with Larkspur & Co").click()
    page.wait_for_function("window.__delays.length >= 8")
    expect(page.locator(".cb-status-text")).to_have_text("Reconnecting…")
    delays = page.evaluate("window.__delays")[:8]
    for n, delay in enumerate(delays):
        base = min(30_000, 1000 * 2 ** n)
        assert base / 2 <= delay <= base, (n, delay)
    assert max(delays) <= 30_000 and delays[-1] >= 15_000
    assert len(set(delays)) == len(delays)  # jitter
