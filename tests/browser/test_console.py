"""The agent console and the customer widget side by side in headless Chromium, against the real hub.

An angry customer is queued; the agent reads the context before accepting, chats (typing both ways),
and hands the conversation back to the bot. A supervisor sees the overview.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from bot.agents.directory import AgentDirectory
from bot.settings import Settings
from hub_stubs import XSS_IMG, RasaStub
from live_hub import LiveHub, client_file
from tests.browser.console_page import PASSWORD, sign_in
from tests.browser.widget_page import open_widget, say as widget_say

pytestmark = pytest.mark.browser

ANGRY = "This is ridiculous!!! I've asked three times, let me talk to a human NOW"
SLOW = 30_000  # the first frustration score loads the model


@pytest.fixture
def settings(tmp_path: Path, rasa: RasaStub) -> Settings:
    return Settings(client_file=client_file(tmp_path), hub_db_url=f"sqlite:///{tmp_path / 'hub.db'}", rasa_url=rasa.url,
                    actions_url=rasa.url, rasa_timeout_s=5.0, max_message_chars=4000)


@pytest.fixture
def team(settings: Settings) -> Iterator[AgentDirectory]:
    directory = AgentDirectory(settings.hub_db_url)
    directory.create_schema()
    directory.add("alex", "Alex Kim", PASSWORD, skills=("general", "billing"), capacity=2)
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor", skills=("general", "billing", "technical"))
    yield directory
    directory.close()


@pytest.fixture
def live(settings: Settings, team: AgentDirectory) -> Iterator[LiveHub]:
    hub = LiveHub(settings).start()
    yield hub
    hub.stop()


def test_agent_takes_over_from_the_bot_and_hands_back(page: Page, customer: Page, live: LiveHub, rasa, screenshots):
    # A wrong password is refused with the hub's message; the right one opens the console.
    sign_in(page, live.url, "alex", "not the password")
    expect(page.get_by_role("alert").filter(has_text="Wrong username or password.")).to_be_visible()
    sign_in(page, live.url, "alex")
    expect(page.locator("#conn-text")).to_have_text("Online")
    expect(page.locator("#me-name")).to_have_text("Alex Kim")
    expect(page.get_by_role("tab", name="Overview")).to_be_hidden()  # supervisors only
    expect(page.locator("#queued-empty")).to_be_visible()

    # The customer gets angry and asks for a person: queued, with the live position under the header.
    open_widget(customer, live.url)
    widget_say(customer, "where is my order A1042")
    expect(customer.locator(".cb-row--bot .cb-bubble").last).to_contain_text("You said: where is my order A1042",
                                                                             timeout=SLOW)
    widget_say(customer, ANGRY)
    expect(customer.locator(".cb-system").last).to_contain_text("repeat yourself", timeout=SLOW)
    expect(customer.locator(".cb-queue")).to_contain_text("Waiting for an agent")
    assert rasa.messages == ["where is my order A1042"]

    # The console lists it (websocket queue_changed) and shows the context before accepting.
    item = page.locator("#queued-list .hitem")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Asked for person")
    expect(item.locator(".hitem-wait")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    item.click()
    transcript = page.get_by_role("log", name="Transcript")
    expect(transcript.locator(".msg--customer .msg-bubble")).to_have_count(2)
    expect(transcript.locator(".msg--customer .msg-bubble").last).to_have_text(ANGRY)
    expect(transcript.locator(".msg--bot")).to_have_count(1)
    expect(transcript.locator(".msg--system").first).to_contain_text("repeat yourself")
    context = page.get_by_role("complementary", name="Customer context")
    expect(context).to_contain_text("Why it was handed over")
    expect(context).to_contain_text("Asked for person")
    expect(context.locator(".nlu-intent").first).to_have_text("order_status")
    expect(context.locator(".chip").filter(has_text="A1042").first).to_be_visible()
    expect(context.locator("svg.sparkline circle")).to_have_count(2)
    expect(page.get_by_role("textbox", name="Reply to the customer")).to_be_disabled()
    page.screenshot(path=str(screenshots / "console-queued.png"))

    # Accept: the customer sees who joined; the queue line goes away.
    page.get_by_role("button", name="Accept").click()
    reply = page.get_by_role("textbox", name="Reply to the customer")
    expect(reply).to_be_enabled()
    expect(page.locator("#mine-list .hitem")).to_have_count(1)
    expect(page.locator("#queued-list .hitem")).to_have_count(0)
    expect(customer.locator(".cb-status-text")).to_have_text("Chatting with Alex Kim")
    expect(customer.locator(".cb-system").last).to_contain_text("Alex Kim")
    expect(customer.locator(".cb-queue")).to_be_hidden()

    # Typing both ways, then messages both ways, rendered as text.
    customer.get_by_role("textbox", name="Message Larkspur & Co").press_sequentially("are you th")
    expect(page.locator("#cust-typing")).to_contain_text("is typing")
    customer.get_by_role("textbox", name="Message Larkspur & Co").fill("")
    widget_say(customer, "are you there? " + XSS_IMG)
    expect(transcript.locator(".msg--customer .msg-bubble").last).to_have_text("are you there? " + XSS_IMG)
    expect(page.locator("#cust-typing")).to_be_hidden()
    assert page.evaluate("window.__xss") is None

    reply.press_sequentially("Hi, I'm Alex")
    expect(customer.locator(".cb-typing-who")).to_have_text("Alex is typing…")
    reply.fill("Hi, I'm Alex. I've read everything: I'm refunding order A1042 now.")
    reply.press("Enter")
    agent_row = customer.locator(".cb-row--agent").last
    expect(agent_row.locator(".cb-bubble")).to_contain_text("refunding order A1042")
    expect(customer.locator(".cb-agent-name").last).to_have_text("Alex Kim")
    expect(customer.locator(".cb-agent-avatar").last).to_have_text("AK")
    expect(customer.locator(".cb-typing")).to_be_hidden()
    expect(transcript.locator(".msg--agent")).to_have_count(1)  # the websocket echo did not double it
    expect(transcript.locator(".msg--pending")).to_have_count(0)
    # Read receipts both ways: the console has the conversation open, so the customer's last message
    # is seen by Alex; the customer's open widget reads Alex's reply, so the console shows "Seen".
    expect(customer.locator(".cb-row--customer .cb-meta").last).to_contain_text("Seen by Alex")
    expect(transcript.locator(".msg--agent .msg-seen")).to_have_text("Seen")

    # A canned reply and a suggested answer go into the composer for editing, not straight out.
    canned = page.get_by_label("Insert a canned reply")
    if canned.locator("option").count() > 1:
        canned.select_option(index=1)
        expect(reply).not_to_have_value("")
        reply.fill("")
    page.screenshot(path=str(screenshots / "console-active.png"))
    customer.screenshot(path=str(screenshots / "widget-agent.png"))

    # Hand back with a note: the bot welcomes the customer back.
    page.get_by_role("button", name="Hand back to bot").click()
    dialog = page.get_by_role("dialog", name="Hand back to the assistant")
    dialog.get_by_label("Note").fill("refund issued for A1042")
    dialog.get_by_role("button", name="Hand back").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#conv-banner")).to_have_text("Handed back to the assistant.")
    expect(reply).to_be_disabled()
    expect(page.locator("#mine-list .hitem")).to_have_count(0)
    expect(customer.locator(".cb-row--bot .cb-bubble").last).to_contain_text("Welcome back")
    expect(customer.locator(".cb-status-text")).to_have_text("Online")

    # After a reload the widget rebuilds the same picture from the history.
    customer.reload()
    if not customer.get_by_role("dialog", name="Chat with Larkspur & Co").is_visible():
        customer.get_by_role("button", name="Chat with Larkspur & Co").click()
    expect(customer.locator(".cb-row--agent")).to_have_count(1)
    expect(customer.locator(".cb-status-text")).to_have_text("Online")
    expect(customer.locator(".cb-queue")).to_be_hidden()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_supervisor_overview_and_read_only_view(page: Page, customer: Page, live: LiveHub, rasa, screenshots):
    open_widget(customer, live.url)

    sign_in(page, live.url, "morgan")
    expect(page.locator("#conn-text")).to_have_text("Online")
    widget_say(customer, ANGRY)
    expect(page.locator("#queued-list .hitem")).to_have_count(1, timeout=SLOW)

    page.get_by_role("tab", name="Overview").click()
    general = page.locator(".ov-card").filter(has_text="General")
    expect(general.locator(".ov-num").first).to_have_text("1")
    agents = page.locator("#ov-agents tbody tr")
    expect(agents.filter(has_text="Morgan Lee")).to_contain_text("Online")
    expect(agents.filter(has_text="Alex Kim")).to_contain_text("Offline")
    live_rows = page.locator("#ov-live tbody tr")
    expect(live_rows).to_have_count(1)
    page.screenshot(path=str(screenshots / "console-overview.png"))

    live_rows.get_by_role("button", name="Open").click()
    expect(page.get_by_role("tabpanel", name="Conversations")).to_be_visible()
    expect(page.get_by_role("button", name="Accept")).to_be_visible()
    expect(page.get_by_role("textbox", name="Reply to the customer")).to_be_disabled()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("textbox", name="Reply to the customer")).to_be_enabled()
    expect(customer.locator(".cb-status-text")).to_have_text("Chatting with Morgan Lee")

    page.get_by_role("button", name="Close").click()
    dialog = page.get_by_role("dialog", name="Close conversation")
    dialog.get_by_label("Unresolved").check()
    dialog.get_by_role("button", name="Close conversation").click()
    expect(page.locator("#conv-banner")).to_have_text("Closed · Unresolved.")
    expect(customer.locator(".cb-status-text")).to_have_text("Online")


def test_nobody_online_the_widget_offers_a_ticket(customer: Page, live: LiveHub, rasa):
    open_widget(customer, live.url)
    widget_say(customer, ANGRY)
    expect(customer.locator(".cb-system").last).to_contain_text("explain it again", timeout=SLOW)
    expect(customer.locator(".cb-queue")).to_be_hidden()
    offer = customer.get_by_role("group", name="Suggested replies")
    expect(offer.get_by_role("button")).to_have_count(3)
    offer.get_by_role("button", name="Open a ticket").click()
    expect(customer.locator(".cb-system").last).to_contain_text("ticket H-")
    expect(customer.get_by_role("group", name="Suggested replies")).to_have_count(0)
