"""Steps shared by the browser tests that drive the agent console and the widget side by side."""
from __future__ import annotations

from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery"


def sign_in(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(url + "/console/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_widget(page: Page, url: str) -> None:
    page.goto(url + "/demo/")
    page.get_by_role("button", name="Chat with Larkspur & Co").click()
    expect(page.locator(".cb-status-text")).to_have_text("Online")


def widget_say(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message Larkspur & Co")
    box.fill(text)
    box.press("Enter")
