"""What the widget draws from hub frames: Markdown subset, hostile content, cards, link buttons, the
satisfaction survey, read receipts. The websocket is scripted (FakeHubSocket in conftest.py), so every
frame is exactly what the test says."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import FakeHubSocket
from tests.browser.widget_page import open_widget, say

pytestmark = pytest.mark.browser

SHADOW = "document.getElementById('carebot-widget').shadowRoot"


def bot(frame_id: int, text: str = "", **extra) -> dict:
    return {"type": "bot", "id": frame_id, "text": text, "buttons": [], "image": None,
            "created_at": "2025-01-01T10:00:00.000+00:00", **extra}


HOSTILE_TEXTS = [
    "<script>window.__xss='script'</script>",
    '<img src=x onerror="window.__xss=\'img\'">',
    '<a href="javascript:window.__xss=\'a\'">click me</a>',
    "[click me](javascript:window.__xss='md')",
    "[also me](javascript:void(window.__xss='md2'))",
    '<div onclick="window.__xss=\'onclick\'">tap</div>',
    '**<svg onload="window.__xss=\'svg\'">**',
    "<iframe src=\"javascript:window.__xss='iframe'\"></iframe>",
]


def assert_nothing_ran_or_was_injected(page: Page) -> None:
    page.wait_for_timeout(400)  # time for a would-be onerror/onload handler to fire
    assert page.evaluate("window.__xss") is None
    found = page.evaluate(f"""() => {{
        const root = {SHADOW};
        const bad = [];
        for (const node of root.querySelectorAll('.cb-panel *')) {{
            const tag = node.tagName.toLowerCase();
            if (['script', 'iframe', 'object', 'embed', 'svg'].includes(tag) && !node.closest('button, .cb-header, .cb-composer, a')) bad.push(tag);
            for (const attr of node.attributes) {{
                if (/^on/i.test(attr.name)) bad.push(tag + '[' + attr.name + ']');
                if (['href', 'src'].includes(attr.name) && !/^(https?:|mailto:)/i.test(attr.value)) bad.push(tag + '[' + attr.name + '=' + attr.value + ']');
            }}
        }}
        return bad;
    }}""")
    assert found == []


def test_hostile_content_in_every_field_stays_text(page: Page, hub, fake_hub: FakeHubSocket):
    page.add_init_script("window.__xss = undefined;")
    open_widget(page, hub.url)
    for n, text in enumerate(HOSTILE_TEXTS):
        fake_hub.push(bot(10 + n, text))
    fake_hub.push({"type": "agent", "id": 30, "text": HOSTILE_TEXTS[1] + " " + HOSTILE_TEXTS[3],
                   "agent": {"name": '<img src=x onerror="window.__xss=\'name\'">', "initials": "<b>"},
                   "buttons": [], "image": None})
    fake_hub.push({"type": "system", "id": 31, "event": "note", "text": HOSTILE_TEXTS[0], "buttons": []})
    fake_hub.push(bot(32, "Images:", image="javascript:window.__xss='image'"))
    fake_hub.push(bot(33, "", image='https://example.com/x.png" onerror="window.__xss=\'attr\''))
    fake_hub.push(bot(34, "Cards:", cards=[{
        "title": HOSTILE_TEXTS[1], "subtitle": HOSTILE_TEXTS[0], "image": "javascript:window.__xss='card-img'",
        "url": "javascript:window.__xss='card-url'",
        "buttons": [{"title": HOSTILE_TEXTS[2], "url": "javascript:window.__xss='card-button'"},
                    {"title": HOSTILE_TEXTS[5], "payload": "/ok"}]}]))
    fake_hub.push(bot(35, "Pick:", buttons=[
        {"title": HOSTILE_TEXTS[1], "payload": "/a"},
        {"title": "Evil link", "url": "javascript:window.__xss='chip-url'"},
        {"title": "Data link", "url": "data:text/html,<script>parent.__xss='data'</script>"},
    ]))
    bubbles = page.locator(".cb-row--bot .cb-bubble")
    expect(bubbles.filter(has_text="Images:")).to_have_count(1)
    # The markup is shown as the literal characters the bot sent.
    expect(bubbles.filter(has_text="<script>window.__xss='script'</script>")).to_have_count(1)
    expect(bubbles.filter(has_text="[click me](javascript:window.__xss='md')")).to_have_count(1)
    expect(page.locator(".cb-row--agent .cb-agent-name")).to_have_text('<img src=x onerror="window.__xss=\'name\'">')
    expect(page.locator(".cb-card-title")).to_have_text(HOSTILE_TEXTS[1])
    chips = page.get_by_role("group", name="Suggested replies")
    expect(chips.get_by_role("button")).to_have_count(1)  # the two non-http link buttons are dropped
    expect(chips.get_by_role("link")).to_have_count(0)
    assert_nothing_ran_or_was_injected(page)

    # Clicking everything clickable in the conversation runs nothing either.
    page.locator(".cb-card-button").first.click()
    expect(page.locator(".cb-row--customer .cb-bubble").last).to_contain_text(HOSTILE_TEXTS[5])
    assert fake_hub.sent("message")[-1]["payload"] == "/ok"
    for text in ("click me", "also me"):
        page.locator(".cb-bubble").filter(has_text=text).first.click()
    assert_nothing_ran_or_was_injected(page)


def test_markdown_subset(page: Page, hub, fake_hub: FakeHubSocket):
    open_widget(page, hub.url)
    fake_hub.push(bot(40, "**Order A1042** has *shipped*.\nIn the box:\n- Kettle\n- Mug\n\nNext:\n1. Unpack\n"
                          "2. Enjoy\nTrack it on [UPS](https://www.ups.com/track?n=1Z9) or https://example.com/help. "
                          "Mail help@x.example via [email](mailto:help@x.example); snake_case_word stays."))
    bubble = page.locator(".cb-row--bot .cb-bubble").last
    expect(bubble.locator("strong")).to_have_text("Order A1042")
    expect(bubble.locator("em")).to_have_text("shipped")
    expect(bubble.locator("ul li")).to_have_text(["Kettle", "Mug"])
    expect(bubble.locator("ol li")).to_have_text(["Unpack", "Enjoy"])
    links = bubble.get_by_role("link")
    expect(links).to_have_count(3)
    expect(links.nth(0)).to_have_text("UPS")
    expect(links.nth(0)).to_have_attribute("href", "https://www.ups.com/track?n=1Z9")
    expect(links.nth(1)).to_have_attribute("href", "https://example.com/help")  # trailing dot not included
    expect(links.nth(2)).to_have_attribute("href", "mailto:help@x.example")
    for i in range(3):
        expect(links.nth(i)).to_have_attribute("target", "_blank")
        rel = links.nth(i).get_attribute("rel").split()
        assert "noopener" in rel and "noreferrer" in rel
    expect(bubble).to_contain_text("snake_case_word stays")
    expect(bubble.locator("em")).to_have_count(1)

    # Agents' text gets the same treatment; the customer's own text is literal.
    fake_hub.push({"type": "agent", "id": 41, "text": "I've **refunded** it", "agent": {"name": "Alex Kim"},
                   "buttons": [], "image": None})
    expect(page.locator(".cb-row--agent .cb-bubble strong")).to_have_text("refunded")
    say(page, "**not bold** [x](https://example.com)")
    customer = page.locator(".cb-row--customer .cb-bubble").last
    expect(customer).to_contain_text("**not bold** [x](https://example.com)")
    expect(customer.locator("strong, a")).to_have_count(0)


def test_cards_link_buttons_and_images(page: Page, hub, fake_hub: FakeHubSocket, screenshots):
    open_widget(page, hub.url)
    cards = [{"title": f"Kettle {n}", "subtitle": f"${60 + n}", "image": f"https://example.com/k{n}.png",
              "url": f"https://shop.example.com/k{n}",
              "buttons": [{"title": "Add to order", "payload": f"/add{{\"sku\":\"K{n}\"}}"},
                          {"title": "Details", "url": f"https://shop.example.com/k{n}#details"}]} for n in range(1, 4)]
    fake_hub.push(bot(50, "Here are our kettles:", cards=cards, buttons=[
        {"title": "Size guide", "url": "https://shop.example.com/sizes"}, {"title": "Something else", "payload": "/other"}]))
    fake_hub.push(bot(51, "A photo:", image="https://example.com/kettle.png"))

    row = page.get_by_role("list", name="Options")
    expect(row.get_by_role("listitem")).to_have_count(3)
    first = row.get_by_role("listitem").first
    expect(first.get_by_role("heading")).to_have_text("Kettle 1")
    expect(first.get_by_role("link", name="Kettle 1")).to_have_attribute("href", "https://shop.example.com/k1")
    details = first.get_by_role("link", name="Details")
    expect(details).to_have_attribute("target", "_blank")
    expect(details).to_have_attribute("rel", "noopener noreferrer")
    card_img = first.locator("img")
    expect(card_img).to_have_attribute("alt", "Kettle 1")
    expect(card_img).to_have_attribute("loading", "lazy")
    # Three cards are wider than the panel: the row scrolls sideways on its own, the page does not.
    assert row.evaluate("r => r.scrollWidth > r.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    guide = page.get_by_role("group", name="Suggested replies").get_by_role("link", name="Size guide")
    expect(guide).to_have_attribute("href", "https://shop.example.com/sizes")
    expect(guide).to_have_attribute("target", "_blank")
    assert "noopener" in guide.get_attribute("rel")
    image = page.locator(".cb-row--bot .cb-image")
    expect(image).to_have_attribute("loading", "lazy")
    expect(image).to_have_attribute("alt", "Image from Larkspur & Co")

    row.get_by_role("listitem").nth(1).get_by_role("button", name="Add to order").click()
    expect(page.locator(".cb-row--customer .cb-bubble").last).to_contain_text("Add to order")
    sent = fake_hub.sent("message")[-1]
    assert sent["text"] == "Add to order" and sent["payload"] == '/add{"sku":"K2"}'


CSAT_BUTTONS = [{"title": str(n), "payload": f'/csat{{"score":{n}}}'} for n in range(1, 6)] + [
    {"title": "Skip", "payload": "/csat_skip"}]


def test_survey_is_a_rating_control_and_sends_the_payload(page: Page, hub, fake_hub: FakeHubSocket):
    open_widget(page, hub.url)
    fake_hub.push({"type": "system", "id": 60, "event": "closed", "text": "How happy are you with our help today?",
                   "buttons": CSAT_BUTTONS,
                   "survey": {"kind": "csat", "scale": [1, 5], "labels": {"1": "Very unhappy", "5": "Very happy"}}})
    survey = page.get_by_role("group", name="How happy are you with our help today?")
    expect(survey).to_be_visible()
    scores = survey.locator(".cb-score")
    expect(scores).to_have_count(5)
    expect(survey.get_by_role("button", name="1 out of 5: Very unhappy")).to_be_visible()
    expect(survey.get_by_role("button", name="5 out of 5: Very happy")).to_be_visible()
    expect(survey.get_by_role("button", name="Skip")).to_be_visible()
    expect(page.locator(".cb-chip").filter(has_text="4")).to_have_count(0)  # not drawn as chips
    for n in range(5):
        expect(scores.nth(n)).to_have_attribute("aria-pressed", "false")

    survey.get_by_role("button", name="4 out of 5").click()
    expect(survey.get_by_role("button", name="4 out of 5")).to_have_attribute("aria-pressed", "true")
    expect(survey.get_by_role("button", name="3 out of 5")).to_have_attribute("aria-pressed", "false")
    expect(scores.nth(0)).to_be_disabled()
    sent = fake_hub.sent("message")[-1]
    assert sent["payload"] == '/csat{"score":4}' and sent["text"] == "4"
    assert len(fake_hub.sent("message")) == 1
    expect(page.locator(".cb-row--customer .cb-bubble").last).to_contain_text("4")

    # The same shape with another scale (NPS 0-10) gives one control per score.
    fake_hub.push(bot(61, "How likely are you to recommend us?", survey={"kind": "nps", "scale": [0, 10]},
                      buttons=[{"title": str(n), "payload": f"/nps{{\"score\":{n}}}"} for n in range(11)]))
    nps = page.get_by_role("group", name="How likely are you to recommend us?")
    expect(nps.locator(".cb-score")).to_have_count(11)
    nps.get_by_role("button", name="0 out of 10", exact=True).click()
    assert fake_hub.sent("message")[-1]["payload"] == '/nps{"score":0}'


def test_read_receipts_both_ways(page: Page, hub, fake_hub: FakeHubSocket):
    open_widget(page, hub.url)
    say(page, "first")
    say(page, "second")
    rows = page.locator(".cb-row--customer")
    expect(rows.nth(1).locator(".cb-meta")).to_contain_text("Sent")
    expect(rows.nth(0).locator(".cb-meta")).not_to_contain_text("Sending")
    first_id, second_id = (int(rows.nth(i).get_attribute("data-id")) for i in range(2))  # from the acks
    assert second_id > first_id

    fake_hub.push({"type": "receipt", "status": "read", "up_to": first_id, "by": "bot"})
    expect(rows.nth(0).locator(".cb-meta")).to_contain_text("Read")
    expect(rows.nth(1).locator(".cb-meta")).to_contain_text("Sent")
    expect(rows.nth(1).locator(".cb-meta")).not_to_contain_text("Read")

    fake_hub.push({"type": "system", "id": 70, "event": "agent_joined", "text": "Alex Kim joined the chat",
                   "agent": {"name": "Alex Kim", "initials": "AK"}, "buttons": []})
    fake_hub.push({"type": "receipt", "status": "read", "up_to": second_id, "by": "agent"})  # name from the join
    expect(rows.nth(1).locator(".cb-meta")).to_contain_text("Seen by Alex")
    expect(rows.nth(0).locator(".cb-meta")).not_to_contain_text("Read")  # only the last read message says so
    expect(page.locator(".cb-meta", has_text="Seen by")).to_have_count(1)
    fake_hub.push({"type": "receipt", "status": "read", "up_to": second_id, "by": "agent", "name": "Morgan Lee"})
    expect(rows.nth(1).locator(".cb-meta")).to_contain_text("Seen by Morgan")

    # The widget tells the hub what the customer has seen: open panel, visible page, throttled.
    fake_hub.push(bot(80, "a new answer"))
    expect(page.locator(".cb-row--bot .cb-bubble").last).to_contain_text("a new answer")
    page.wait_for_timeout(1300)
    reads = fake_hub.sent("read")
    assert reads and reads[-1] == {"type": "read", "up_to": 80}
    count = len(reads)

    page.get_by_role("button", name="Close chat").click()
    fake_hub.push(bot(81, "while closed"))
    page.wait_for_timeout(1500)
    assert len(fake_hub.sent("read")) == count  # not seen yet: the panel is closed
    expect(page.get_by_role("button", name="Chat with Larkspur & Co (1 new)")).to_be_visible()
    page.get_by_role("button", name="Chat with Larkspur & Co (1 new)").click()
    page.wait_for_timeout(1300)
    assert fake_hub.sent("read")[-1] == {"type": "read", "up_to": 81}
    assert json.dumps(fake_hub.sent("hello")[0]).count("conversation_id") == 0
