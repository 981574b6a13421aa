"""The agent console and the supervisor dashboard are native ES modules sharing widget/staff/ (served at /staff/):
the helpers they used to copy (el, announce, humanize, initialsOf, ApiError, the fetch wrapper, the sign-in form)
live there once, and every import the pages make is served as JavaScript."""
from __future__ import annotations

import re

import pytest

from bot.hub.app import WIDGET_DIR

PAGES = ("console", "dashboard")
IMPORT = re.compile(r'^\s*(?:import\b[^"\']*?\bfrom\s*|import\s*)["\']([^"\']+)["\']', re.M)
# Defined once, in widget/staff/.
SHARED = [re.compile(p) for p in (r"\bfunction\s+el\s*\(", r"\bfunction\s+announce\s*\(", r"\bfunction\s+humanize\s*\(",
                                  r"\bfunction\s+initialsOf\s*\(", r"\bclass\s+ApiError\b", r"\bfunction\s+api\s*\(",
                                  r"\bfetch\s*\(", r"/api/agent/login")]


def page_modules(page: str) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted((WIDGET_DIR / page).glob("*.js"))}


@pytest.mark.parametrize("page", PAGES)
def test_the_shared_helpers_are_not_copied_back(page):
    modules = page_modules(page)
    assert f"{page}.js" in modules
    for name, text in modules.items():
        for pattern in SHARED:
            assert not pattern.search(text), f"widget/{page}/{name} defines {pattern.pattern}: import it from ../staff/"
    entry = modules[f"{page}.js"]
    assert re.search(r'from "\.\./staff/api\.js"', "".join(modules.values()))
    assert re.search(r'from "\.\./staff/dom\.js"', entry) and re.search(r'from "\.\./staff/session\.js"', entry)
    assert len(max(modules.values(), key=lambda t: t.count("\n")).splitlines()) < 600  # split into small modules


@pytest.mark.parametrize("page", PAGES)
def test_the_page_loads_its_script_as_a_module(client, page):
    html = client.get(f"/{page}/").text
    assert re.search(rf'<script src="{page}\.js" type="module"></script>', html)


@pytest.mark.parametrize("page", PAGES)
def test_every_import_is_relative_and_served_as_javascript(client, page):
    seen: set[str] = set()
    todo = [f"/{page}/{page}.js"]
    while todo:  # the whole module graph, as the browser fetches it
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript"), url
        assert "innerHTML" not in response.text, url  # data is never parsed as HTML
        for specifier in IMPORT.findall(response.text):
            assert specifier.startswith(("./", "../staff/")) and specifier.endswith(".js"), (url, specifier)
            base = url.rsplit("/", 1)[0]
            todo.append(f"/{specifier[len('../'):]}" if specifier.startswith("../") else f"{base}/{specifier[2:]}")
    assert {"/staff/api.js", "/staff/dom.js", "/staff/session.js"} <= seen
    assert client.get("/staff/nope.js").status_code == 404
