"""Driving the customer widget on the demo page (shared by the browser tests)."""
from __future__ import annotations

from playwright.sync_api import Page, expect

BRAND = "Larkspur & Co"


def open_widget(page: Page, url: str | None = None) -> None:
    """Load the demo page (when ``url`` is given) and open the widget until it is online."""
    if url:
        page.goto(url + "/demo/")
    if not page.get_by_role("dialog", name=f"Chat with {BRAND}").is_visible():
        launcher = page.get_by_role("button", name=f"Chat with {BRAND}")
        expect(launcher).to_be_visible()
        launcher.click()
    expect(page.get_by_role("dialog", name=f"Chat with {BRAND}")).to_be_visible()
    expect(page.locator(".cb-status-text")).to_have_text("Online")


def say(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name=f"Message {BRAND}")
    box.fill(text)
    box.press("Enter")
