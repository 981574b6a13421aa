"""Fixtures shared by every test folder: headless Debian Chromium driven by Playwright."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CAREBOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

try:  # tests/nlu/rasa_env tests Rasa components: only the Rasa environment can run them (`make test` does)
    import rasa  # noqa: F401
except ImportError:
    collect_ignore = ["nlu/rasa_env"]


# One browser per test module: Playwright's sync API keeps an event loop running on the main thread
# while it is open, so tests after it that run their own loop (asyncio.run, anyio tests) would fail.
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CAREBOT_SKIP_BROWSER") == "1":
            pytest.skip("CAREBOT_SKIP_BROWSER=1")
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _page(browser, **context_options):
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    blocked: list[str] = []  # the staff pages' Content-Security-Policy must not block anything they use
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text
            else None)
    yield page
    context.close()
    assert not blocked, blocked


DESKTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def page(browser):
    yield from _page(browser, **DESKTOP)


@pytest.fixture
def customer(browser):
    """A second desktop browser, for the customer, when ``page`` is the agent's."""
    yield from _page(browser, **DESKTOP)


@pytest.fixture
def phone(browser):
    yield from _page(browser, viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                     has_touch=True)


POSTGRES_ADMIN = os.environ.get("CAREBOT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_db_url(request, tmp_path):
    """A fresh hub database: an SQLite file, then a new database on the machine's real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.db'}"
        return
    if os.environ.get("CAREBOT_SKIP_POSTGRES") == "1":
        pytest.skip("CAREBOT_SKIP_POSTGRES=1")
    import uuid

    from sqlalchemy import create_engine, text

    name = f"carebot_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def project_kb_index(tmp_path_factory) -> Path:
    """An index of the project's knowledge_base/ in a temporary folder (bot/runner/stack.py)."""
    from bot.runner.stack import copied_kb_index

    return copied_kb_index(tmp_path_factory.mktemp("kb") / "index")


@pytest.fixture(scope="session")
def stack(tmp_path_factory, project_kb_index):
    """The real Rasa server, action server and hub, started once for the session (tests/e2e, tests/bench)."""
    from bot.runner.stack import MODEL, running_stack

    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    with running_stack(tmp_path_factory.mktemp("e2e"), project_kb_index) as started:
        yield started  # (supervisor, settings), and .url
