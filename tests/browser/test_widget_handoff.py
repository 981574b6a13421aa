"""The human handoff as the customer sees it: queue position, the agent joining (name, initials), their
typing and messages, leaving; then the satisfaction survey. Frames are scripted (FakeHubSocket); the
full stack with the agent console is tests/browser/test_console.py."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import FakeHubSocket

pytestmark = pytest.mark.browser

ALEX = {"name": "Alex Kim", "initials": "AK"}


def system(frame_id: int, event: str, text: str, **extra) -> dict:
    return {"type": "system", "id": frame_id, "event": event, "text": text, "buttons": [], "image": None,
            "created_at": "2025-01-01T10:00:00.000+00:00", **extra}


def test_queue_agent_joined_left_and_survey(page: Page, hub, fake_hub: FakeHubSocket, screenshots):
    page.goto(hub.url + "/demo/")
    page.get_by_role("button", name="Chat with Larkspur & Co").click()
    expect(page.locator(".cb-status-text")).to_have_text("Online")
    box = page.get_by_role("textbox", name="Message Larkspur & Co")
    box.fill("I was charged twice, can I talk to a person?")
    box.press("Enter")

    fake_hub.push(system(201, "queued", "I'm connecting you with a person from our team.",
                         queue={"position": 3, "wait_s": 300}))
    queue = page.locator(".cb-queue")
    expect(queue).to_have_text("Waiting for an agent · position 3 · ~5 min")
    expect(queue).to_have_attribute("role", "status")
    fake_hub.push({"type": "queue", "position": 1, "wait_s": 45})
    expect(queue).to_have_text("Waiting for an agent · position 1 · ~1 min")

    fake_hub.push(system(202, "agent_joined", "Alex Kim joined the chat", agent=ALEX))
    expect(queue).to_be_hidden()
    expect(page.locator(".cb-status-text")).to_have_text("Chatting with Alex Kim")
    expect(page.locator(".cb-avatar")).to_have_text("AK")
    expect(page.locator(".cb-footer")).to_have_text("You're chatting with a person from our team.")
    fake_hub.push({"type": "typing", "on": True, "who": "agent", "agent": ALEX})
    expect(page.locator(".cb-typing-who")).to_have_text("Alex is typing…")
    fake_hub.push({"type": "agent", "id": 203, "agent": ALEX, "buttons": [], "image": None,
                   "text": "Hi, I'm Alex. I can see the **double charge** on order A1042:\n- $68.00 on 3 May\n"
                           "- $68.00 on 3 May\nI'm refunding one of them now."})
    row = page.locator(".cb-row--agent").last
    expect(row.locator(".cb-agent-name")).to_have_text("Alex Kim")
    expect(row.locator(".cb-agent-avatar")).to_have_text("AK")
    expect(row.locator(".cb-bubble li")).to_have_count(2)
    expect(page.locator(".cb-typing")).to_be_hidden()
    box.fill("Thank you!")
    box.press("Enter")
    fake_hub.push({"type": "receipt", "status": "read", "up_to": fake_hub.next_id, "by": "agent"})
    expect(page.locator(".cb-row--customer .cb-meta").last).to_contain_text("Seen by Alex")
    page.get_by_role("dialog").evaluate("d => d.getAnimations().forEach(a => a.finish())")
    page.screenshot(path=str(screenshots / "widget-agent.png"))

    fake_hub.push(system(204, "agent_left", "Alex Kim left the chat. The assistant is back to help."))
    expect(page.locator(".cb-status-text")).to_have_text("Online")
    expect(page.locator(".cb-avatar")).to_have_text("L")
    expect(page.locator(".cb-system").last).to_contain_text("left the chat")

    fake_hub.push(system(205, "closed", "How satisfied are you with the help you got today?",
                         survey={"kind": "csat", "scale": [1, 5], "labels": {"1": "Very unhappy", "5": "Very happy"}},
                         buttons=[{"title": str(n), "payload": f"/csat{{\"score\":{n}}}"} for n in range(1, 6)]
                         + [{"title": "Skip", "payload": "/csat_skip"}]))
    survey = page.get_by_role("group", name="How satisfied are you with the help you got today?")
    expect(survey.locator(".cb-score")).to_have_count(5)
    page.screenshot(path=str(screenshots / "widget-survey.png"))
    survey.get_by_role("button", name="Skip").click()
    assert fake_hub.sent("message")[-1]["payload"] == "/csat_skip"
    expect(survey).to_have_count(0)
