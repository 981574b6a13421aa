"""The demo storefront and the chat widget in headless Chromium, against the real hub."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from hub_stubs import XSS_IMG, XSS_SCRIPT
from tests.browser.widget_page import open_widget

pytestmark = pytest.mark.browser

GREETING = "Hi! I'm Lark, the Larkspur assistant. How can I help?"


def send(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message Larkspur & Co")
    box.fill(text)
    box.press("Enter")


def bot_bubbles(page: Page):
    return page.locator(".cb-row--bot .cb-bubble")


def test_chat_quick_reply_and_history_after_reload(page: Page, hub, rasa, screenshots):
    page.goto(hub.url + "/")  # redirects to the demo storefront
    expect(page).to_have_url(hub.url + "/demo/")
    expect(page.get_by_role("heading", name="Slow mornings, well made.")).to_be_visible()
    page.screenshot(path=str(screenshots / "desktop-storefront.png"))

    open_widget(page, hub.url)
    expect(bot_bubbles(page).first).to_contain_text(GREETING)
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")

    send(page, "hello")
    expect(page.locator(".cb-row--customer .cb-bubble").last).to_contain_text("hello")
    expect(bot_bubbles(page).nth(1)).to_contain_text("Hi there! What can I help you with today?")
    chip = page.get_by_role("button", name="Track my order")
    expect(chip).to_be_visible()
    expect(page.get_by_role("group", name="Suggested replies").get_by_role("button")).to_have_count(3)
    expect(page.locator(".cb-typing")).to_be_hidden()
    page.screenshot(path=str(screenshots / "desktop-chat.png"))

    chip.click()
    expect(page.locator(".cb-row--customer .cb-bubble").last).to_contain_text("Track my order")
    expect(bot_bubbles(page).last).to_contain_text("Sure! What's your order number?")
    expect(page.get_by_role("group", name="Suggested replies")).to_have_count(0)
    assert rasa.messages == ["hello", "/order_status"]  # the payload went to the bot, the title was shown
    send(page, "it's A1042, can I track it online? link please")
    expect(bot_bubbles(page).last.get_by_role("link")).to_have_attribute(
        "href", "https://www.ups.com/track?tracknum=1Z999")
    expect(page.locator(".cb-typing")).to_be_hidden()
    page.screenshot(path=str(screenshots / "desktop-chat-link.png"))

    token = page.evaluate("localStorage.getItem('carebot:token:' + location.origin)")  # signed session token
    assert token and len(token) >= 32

    page.reload()
    dialog = page.get_by_role("dialog", name="Chat with Larkspur & Co")
    if not dialog.is_visible():
        page.get_by_role("button", name="Chat with Larkspur & Co").click()
    expect(page.locator(".cb-status-text")).to_have_text("Online")
    customer = page.locator(".cb-row--customer .cb-bubble")
    expect(customer).to_have_count(3)
    expect(customer.nth(0)).to_contain_text("hello")
    expect(customer.nth(1)).to_contain_text("Track my order")
    expect(bot_bubbles(page).nth(3)).to_contain_text("Sure! What's your order number?")
    assert page.evaluate("localStorage.getItem('carebot:token:' + location.origin)")
    assert len(rasa.requests) == 3  # reloading did not resend anything


def test_bot_text_is_never_interpreted_as_html(page: Page, hub):
    page.add_init_script("window.__xss = undefined;")
    open_widget(page, hub.url)
    send(page, "xss test")
    expect(bot_bubbles(page).filter(has_text=XSS_IMG)).to_have_count(1)
    expect(bot_bubbles(page).filter(has_text=XSS_SCRIPT)).to_have_count(1)
    page.wait_for_timeout(300)  # give a would-be onerror handler time to fire
    assert page.evaluate("window.__xss") is None
    injected = page.evaluate(
        "document.getElementById('carebot-widget').shadowRoot.querySelectorAll('.cb-log img, .cb-log script').length")
    assert injected == 0
    # Customer text is literal too.
    send(page, "<b>bold?</b> <img src=x onerror=\"window.__xss=2\">")
    expect(page.locator(".cb-row--customer .cb-bubble").last).to_contain_text("<b>bold?</b>")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None


def test_keyboard_only(page: Page, hub):
    page.goto(hub.url + "/demo/")
    launcher = page.get_by_role("button", name="Chat with Larkspur & Co")
    launcher.focus()
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    focused = "document.getElementById('carebot-widget').shadowRoot.activeElement?.id"
    assert page.evaluate(focused) == "cb-input"
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    expect(bot_bubbles(page).nth(1)).to_contain_text("Hi there!")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("document.getElementById('carebot-widget').shadowRoot.activeElement?.className") \
        == "cb-launcher"


def test_phone_width(phone: Page, hub, screenshots):
    phone.goto(hub.url + "/demo/")
    expect(phone.get_by_role("button", name="Chat with Larkspur & Co")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(screenshots / "phone-storefront.png"))
    open_widget(phone, hub.url)
    send(phone, "hello")
    expect(phone.get_by_role("button", name="Start a return")).to_be_visible()
    expect(phone.locator(".cb-typing")).to_be_hidden()
    phone.screenshot(path=str(screenshots / "phone-chat.png"))
    send(phone, "مرحبا، أين طلبي A1042؟ 📦")
    expect(bot_bubbles(phone).last).to_contain_text("You said: مرحبا، أين طلبي A1042؟ 📦")
    box = phone.get_by_role("dialog").bounding_box()
    assert box["x"] >= 0 and box["width"] <= 360 and box["height"] <= 740
    input_box = phone.get_by_role("textbox", name="Message Larkspur & Co").bounding_box()
    assert input_box["y"] + input_box["height"] <= 740
    phone.screenshot(path=str(screenshots / "phone-chat-rtl.png"))
    phone.get_by_role("button", name="Close chat").click()
    expect(phone.get_by_role("dialog")).to_be_hidden()


def test_reconnects_and_delivers_messages_typed_while_offline(page: Page, hub, rasa):
    open_widget(page, hub.url)
    send(page, "hello")
    expect(bot_bubbles(page).nth(1)).to_contain_text("Hi there!")

    hub.stop()
    expect(page.locator(".cb-status-text")).to_have_text("Reconnecting…")
    send(page, "are you still there?")
    pending = page.locator(".cb-row--customer").last
    expect(pending.locator(".cb-meta")).to_have_text("Not sent — retrying")

    hub.start()
    expect(page.locator(".cb-status-text")).to_have_text("Online", timeout=15_000)
    expect(bot_bubbles(page).last).to_contain_text("You said: are you still there?", timeout=15_000)
    expect(page.locator(".cb-row--customer .cb-meta").filter(has_text="Not sent")).to_have_count(0)
    assert rasa.messages == ["hello", "are you still there?"]
