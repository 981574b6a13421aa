"""A customer uses the real widget on the demo page; the real Rasa, actions and CRM answer."""
import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_order_tracking_through_the_widget(stack, page: Page, screenshots):
    _, settings = stack
    page.set_default_timeout(60_000)  # a real model on a busy 2-core machine
    page.goto(f"http://{settings.hub_host}:{settings.hub_port}/demo/")
    page.get_by_role("button", name="Chat with Larkspur & Co").click()
    box = page.get_by_role("textbox", name="Message Larkspur & Co")
    bot = page.locator(".cb-row--bot .cb-bubble")

    box.fill("hi")
    box.press("Enter")
    page.get_by_role("button", name="Track my order").click()
    expect(bot.last).to_contain_text("order number")

    box.fill("A1042")
    box.press("Enter")
    expect(bot.last).to_contain_text("email address on the order")
    box.fill("maria.lopez@example.com")
    box.press("Enter")
    expect(bot.last).to_contain_text("UPS")
    expect(bot.last.get_by_role("link")).to_have_attribute("href", "https://www.ups.com/track?tracknum=1Z84F2A70399271864")
    expect(page.locator(".cb-typing")).to_be_hidden()
    page.screenshot(path=str(screenshots / "desktop-real-order-tracking.png"))


def test_knowledge_base_answer_in_the_widget(stack, page: Page, screenshots):
    _, settings = stack
    page.set_default_timeout(60_000)
    page.goto(f"http://{settings.hub_host}:{settings.hub_port}/demo/")
    page.get_by_role("button", name="Chat with Larkspur & Co").click()
    box = page.get_by_role("textbox", name="Message Larkspur & Co")
    bot = page.locator(".cb-row--bot .cb-bubble")

    box.fill("my barista one espresso machine beeps and shows E04 on the display")
    box.press("Enter")
    # the action server loads the encoder on its first knowledge-base question
    expect(bot.last).to_contain_text("Did this answer your question?", timeout=120_000)
    answer = bot.nth(bot.count() - 2)
    expect(answer).to_contain_text("Source: Barista One error codes")
    expect(answer.get_by_role("link")).to_have_attribute(
        "href", "https://larkspur.example/help/troubleshooting/barista-one-error-codes")
    page.get_by_role("button", name="Yes, thanks").click()
    expect(bot.last).to_contain_text("glad that helped", timeout=60_000)
    expect(page.locator(".cb-typing")).to_be_hidden()
    page.screenshot(path=str(screenshots / "desktop-knowledge-base-answer.png"))
