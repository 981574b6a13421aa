"""Steps shared by the browser tests that drive the agent console (the widget's are in widget_page.py)."""
from __future__ import annotations

from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery"


def sign_in(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(url + "/console/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


