"""The warm handoff with the real Rasa, action server, CRM and hub, in headless Chromium.

A customer gets angry in the widget and is escalated; an agent signs in to the console, reads
the context, replies; the customer sees it; the agent hands back; the real bot welcomes the
customer back (knowing what the agent did) and answers the next question.
"""
import re

import pytest
from playwright.sync_api import Page, expect

from bot.agents.directory import AgentDirectory
from tests.browser.console_page import PASSWORD, sign_in
from tests.browser.widget_page import open_widget, say as widget_say

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SLOW = 60_000  # ms: the real bot and models on a busy 2-core machine
ANGRY = "This is ridiculous!!! I've asked three times where my parcel is, let me talk to a human NOW"


@pytest.fixture
def agent_account(stack):
    _, settings = stack
    directory = AgentDirectory(settings.hub_db_url)
    directory.create_schema()
    if directory.by_username("jordan") is None:
        directory.add("jordan", "Jordan Reyes", PASSWORD, skills=("general", "billing", "technical"), capacity=3)
    yield "jordan"
    directory.close()


def test_angry_customer_handed_to_an_agent_and_back_to_the_real_bot(stack, agent_account, page: Page,
                                                                     customer: Page, screenshots):
    _, settings = stack
    url = f"http://{settings.hub_host}:{settings.hub_port}"
    page.set_default_timeout(SLOW)
    customer.set_default_timeout(SLOW)

    sign_in(page, url, agent_account)
    expect(page.locator("#conn-text")).to_have_text("Online")

    open_widget(customer, url)
    bot = customer.locator(".cb-row--bot .cb-bubble")
    widget_say(customer, "my order A1042 still hasn't arrived")
    expect(bot.last).to_contain_text("email", timeout=120_000)  # the real bot asks to verify the order
    widget_say(customer, ANGRY)
    expect(customer.locator(".cb-system").last).to_contain_text("won't have to repeat yourself", timeout=SLOW)
    expect(customer.locator(".cb-queue")).to_contain_text("Waiting for an agent")

    item = page.locator("#queued-list .hitem")
    expect(item).to_have_count(1)
    item.click()
    context = page.get_by_role("complementary", name="Customer context")
    expect(context).to_contain_text("Asked for person")
    expect(context.locator(".nlu-intent").first).to_have_text(re.compile("delivery_(late|missing)"))  # real NLU
    transcript = page.get_by_role("log", name="Transcript")
    expect(transcript.locator(".msg--customer .msg-bubble").last).to_have_text(ANGRY)
    page.get_by_role("button", name="Accept").click()
    expect(customer.locator(".cb-status-text")).to_have_text("Chatting with Jordan Reyes")

    reply = page.get_by_role("textbox", name="Reply to the customer")
    reply.fill("I'm so sorry, Maria. I've sent a replacement for order A1042 by express shipping.")
    reply.press("Enter")
    expect(customer.locator(".cb-row--agent .cb-bubble").last).to_contain_text("replacement for order A1042")
    widget_say(customer, "thank you, that's perfect")
    expect(transcript.locator(".msg--customer .msg-bubble").last).to_have_text("thank you, that's perfect")
    page.screenshot(path=str(screenshots / "console-real-handoff.png"))

    page.get_by_role("button", name="Hand back to bot").click()
    dialog = page.get_by_role("dialog", name="Hand back to the assistant")
    dialog.get_by_label("Note").fill("replacement sent for A1042")
    dialog.get_by_role("button", name="Hand back").click()
    # The real action_handoff_returned: it knows who helped and what they did.
    expect(bot.last).to_contain_text("Jordan has handed you back to me", timeout=SLOW)
    expect(bot.last).to_contain_text("replacement sent for A1042")
    expect(customer.locator(".cb-status-text")).to_have_text("Online")

    widget_say(customer, "what are your opening hours?")
    expect(bot.last).to_contain_text("Our hours are", timeout=SLOW)
    expect(customer.locator(".cb-typing")).to_be_hidden()
    customer.screenshot(path=str(screenshots / "widget-real-handback.png"))
