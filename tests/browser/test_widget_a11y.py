"""Keyboard, screen-reader and small-screen use of the widget; reduced motion; the embed config."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import WS_PATH, FakeHubSocket

pytestmark = pytest.mark.browser

SHADOW = "document.getElementById('carebot-widget').shadowRoot"
ACTIVE = SHADOW + ".activeElement"


def active(page: Page) -> str:
    """The focused element inside the widget as tag.class / #id (empty when focus is outside it)."""
    return page.evaluate(f"(() => {{ const a = {ACTIVE}; return a ? (a.id ? '#' + a.id : a.tagName.toLowerCase() + '.' + a.className) : ''; }})()")


def test_keyboard_only_flow(page: Page, hub, fake_hub: FakeHubSocket):
    page.goto(hub.url + "/demo/")
    launcher = page.get_by_role("button", name="Chat with Larkspur & Co")
    expect(launcher).to_be_visible()
    # Tab from the end of the host page reaches the launcher (it is in the normal tab order).
    page.locator("footer a").last.focus()
    page.keyboard.press("Tab")
    assert active(page) == "button.cb-launcher"
    expect(launcher).to_have_attribute("aria-controls", "cb-panel")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("dialog", name="Chat with Larkspur & Co")).to_be_visible()
    assert active(page) == "#cb-input"
    expect(page.locator(".cb-status-text")).to_have_text("Online")

    page.keyboard.type("hello from the keyboard")
    page.keyboard.press("Enter")
    expect(page.locator(".cb-row--customer .cb-bubble").last).to_contain_text("hello from the keyboard")
    assert fake_hub.sent("message")[-1]["text"] == "hello from the keyboard"
    assert active(page) == "#cb-input"

    # Quick replies are reachable with Tab from the header; Enter on one sends it.
    fake_hub.push({"type": "bot", "id": 5, "text": "Pick one", "buttons": [
        {"title": "Track my order", "payload": "/order_status"}, {"title": "Returns", "payload": "/returns"}]})
    expect(page.get_by_role("button", name="Track my order")).to_be_visible()
    order = []
    page.get_by_role("button", name="Close chat").focus()
    for _ in range(5):
        order.append(active(page))
        page.keyboard.press("Tab")
    assert order == ["button.cb-close", "div.cb-log", "button.cb-chip", "button.cb-chip", "#cb-input"]
    for _ in range(3):  # send button -> input -> "Returns" -> "Track my order"
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".cb-row--customer .cb-bubble").last).to_contain_text("Track my order")
    assert fake_hub.sent("message")[-1]["payload"] == "/order_status"

    # Visible focus ring on the launcher and chips (not just the browser default, which may be none).
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert active(page) == "button.cb-launcher"
    outline = page.evaluate(f"getComputedStyle({ACTIVE}).outlineStyle")
    assert outline == "solid"


def test_live_region_announces_new_messages(page: Page, hub, fake_hub: FakeHubSocket):
    page.goto(hub.url + "/demo/")
    page.get_by_role("button", name="Chat with Larkspur & Co").click()
    log = page.get_by_role("log", name="Chat with Larkspur & Co")
    expect(log).to_have_attribute("aria-live", "polite")
    before = log.locator(".cb-row").count()
    fake_hub.push({"type": "bot", "id": 7, "text": "Your order shipped", "buttons": [], "image": None})
    expect(log.locator(".cb-row")).to_have_count(before + 1)
    # Each message says who wrote it, for listeners: "Larkspur & Co said: Your order shipped".
    expect(log.locator(".cb-row").last).to_have_text("Larkspur & Co said: Your order shipped" + log.locator(".cb-row").last.locator(".cb-meta").inner_text())
    expect(page.locator(".cb-typing")).to_have_attribute("role", "status")
    expect(page.get_by_role("textbox", name="Message Larkspur & Co")).to_be_visible()


def test_phone_width_fills_the_screen_without_sideways_scrolling(phone: Page, hub):
    fake = FakeHubSocket()
    phone.route_web_socket(WS_PATH, fake.route)
    phone.goto(hub.url + "/demo/")
    phone.get_by_role("button", name="Chat with Larkspur & Co").click()
    expect(phone.locator(".cb-status-text")).to_have_text("Online")
    fake.push({"type": "bot", "id": 3, "text": "A long link https://example.com/" + "x" * 120 + " and cards:",
               "buttons": [{"title": "A rather long quick reply title that wraps", "payload": "/a"}],
               "cards": [{"title": f"Card {n}", "subtitle": "Subtitle " * 6} for n in range(3)]})
    expect(phone.locator(".cb-card")).to_have_count(3)
    phone.get_by_role("dialog").evaluate("d => d.getAnimations().forEach(a => a.finish())")  # the pop-in
    dialog = phone.get_by_role("dialog").bounding_box()
    assert dialog["x"] == 0 and dialog["y"] == 0 and dialog["width"] == 360 and dialog["height"] == 740
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    sideways = phone.evaluate(f"""() => {{
        const root = {SHADOW};
        return [...root.querySelectorAll('.cb-panel, .cb-scroll, .cb-log, .cb-row, .cb-bubble, .cb-quick')]
            .filter(n => n.scrollWidth > n.clientWidth + 1).map(n => n.className);
    }}""")
    assert sideways == []
    font = phone.evaluate(f"getComputedStyle({SHADOW}.getElementById('cb-input')).fontSize")
    assert font == "16px"  # iOS does not zoom into 16 px fields
    send = phone.get_by_role("button", name="Send message").bounding_box()
    assert send["x"] + send["width"] <= 360 and send["y"] + send["height"] <= 740


def test_reduced_motion_turns_animations_off(browser, hub):
    def motion(reduced: str) -> dict:
        context = browser.new_context(reduced_motion=reduced, viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.route_web_socket(WS_PATH, FakeHubSocket().route)
        page.goto(hub.url + "/demo/")
        page.get_by_role("button", name="Chat with Larkspur & Co").click()
        expect(page.get_by_role("dialog")).to_be_visible()
        page.evaluate(f"{SHADOW}.querySelector('.cb-typing').hidden = false")
        values = page.evaluate(f"""() => {{
            const root = {SHADOW};
            const css = s => getComputedStyle(root.querySelector(s));
            return {{panel: css('.cb-panel').animationName, dots: css('.cb-dots span').animationName,
                     launcher: css('.cb-launcher').transitionDuration, cards: css('.cb-log').scrollBehavior}};
        }}""")
        context.close()
        return values

    normal, reduced = motion("no-preference"), motion("reduce")
    assert normal["panel"] == "cb-pop" and normal["dots"] == "cb-bounce" and normal["launcher"] != "0s"
    assert reduced["panel"] == "none" and reduced["dots"] == "none"
    assert set(reduced["launcher"].split(", ")) == {"0s"}


EMBED = """<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Embed</title></head><body>
<h1>Kunde</h1>
<script>window.CarebotConfig = {hubUrl: "%(hub)s", brand: "Beispiel GmbH", color: "#ffd400",
  language: "de-AT", position: "left", greeting: "Hallo! **Wie** können wir helfen?",
  strings: {send: "Abschicken"}};</script>
<script src="%(hub)s/widget/widget.js" defer></script></body></html>"""


def test_embed_config_language_position_colour(page: Page, hub):
    page.route_web_socket(WS_PATH, FakeHubSocket().route)
    page.route(hub.url + "/embed-test.html", lambda route: route.fulfill(
        status=200, content_type="text/html", body=EMBED % {"hub": hub.url}))
    page.goto(hub.url + "/embed-test.html")
    launcher = page.get_by_role("button", name="Chat mit Beispiel GmbH")
    expect(launcher).to_be_visible()
    box = launcher.bounding_box()
    assert box["x"] < 100  # on the left
    launcher.click()
    expect(page.locator(".cb-status-text")).to_have_text("Online")
    expect(page.get_by_role("textbox", name="Nachricht an Beispiel GmbH")).to_be_visible()
    expect(page.get_by_role("button", name="Abschicken")).to_be_visible()  # `strings` overrides
    expect(page.locator(".cb-row--bot .cb-bubble strong")).to_have_text("Wie")
    # Dark text on a light brand colour (contrast), white on the demo's dark green.
    assert page.evaluate(f"getComputedStyle({SHADOW}.querySelector('.cb-header')).color") == "rgb(27, 31, 29)"
    panel = page.get_by_role("dialog").bounding_box()
    assert panel["x"] < 100


def test_unknown_language_falls_back_to_english(page: Page, hub):
    page.route_web_socket(WS_PATH, FakeHubSocket().route)
    page.route(hub.url + "/embed-test.html", lambda route: route.fulfill(
        status=200, content_type="text/html",
        body=(EMBED % {"hub": hub.url}).replace('language: "de-AT"', 'language: "xx"')))
    page.goto(hub.url + "/embed-test.html")
    page.get_by_role("button", name="Chat with Beispiel GmbH").click()
    expect(page.get_by_role("button", name="Abschicken")).to_be_visible()
    expect(page.get_by_role("button", name="Close chat")).to_be_visible()
