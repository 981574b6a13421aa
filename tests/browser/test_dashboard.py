"""The supervisor dashboard (/dashboard/) in headless Chromium against the real hub, whose database holds the
KPI tests' known episodes (tests/kpis/seed.py has the table and tests/kpis/test_kpi_numbers.py the arithmetic).

An agent is refused; a supervisor sees the tiles with the API's numbers, changes the range and the grouping
(the URL follows), downloads the CSV, reads the QA scorecards lowest first, reviews one (it stays after a
reload), and a hostile transcript stays text. API failures show a retry; an ended session the sign-in.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from bot.agents.directory import AgentDirectory
from bot.conversations.closure import Closures
from bot.conversations.store import Message
from bot.kpis.metrics import FIELDS, day_bounds
from bot.qa.config import qa_config_from_dict
from bot.qa.scorecards import Scorecards
from bot.settings import Settings
from hub_stubs import XSS_IMG, RasaStub
from live_hub import LiveHub, client_file
from tests.browser.console_page import PASSWORD, sign_in as console_sign_in
from tests.kpis.seed import seed

pytestmark = pytest.mark.browser

RANGE = "from=2026-03-02&to=2026-03-03"
HOSTILE = "where is my order " + XSS_IMG


@pytest.fixture
def settings(tmp_path: Path, rasa: RasaStub) -> Settings:
    return Settings(client_file=client_file(tmp_path), hub_db_url=f"sqlite:///{tmp_path / 'hub.db'}", rasa_url=rasa.url,
                    actions_url=rasa.url, rasa_timeout_s=5.0)


@pytest.fixture
def live(settings: Settings) -> Iterator[LiveHub]:
    url = settings.hub_db_url
    seeder = seed(url)
    with seeder.session.begin() as session:  # E3's customer message (conversation C) becomes hostile text
        session.execute(update(Message).where(Message.conversation_id == "C", Message.sender == "customer")
                        .values(text=HOSTILE))
    cards = Scorecards(seeder.store, qa_config_from_dict(None))
    for closure in Closures(seeder.store).between(*day_bounds(date(2026, 3, 1), date(2026, 3, 3))):
        cards.compute(closure)  # the hub scores episodes as they close; the seed closed them without it
    seeder.store.close()
    directory = AgentDirectory(url)
    directory.create_schema()
    directory.add("alex", "Alex Kim", PASSWORD)
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor")
    directory.close()
    hub = LiveHub(settings).start()
    yield hub
    hub.stop()


@pytest.fixture(autouse=True)
def no_script_errors(page: Page) -> Iterator[None]:
    """Any uncaught exception in the page fails the test."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield
    assert errors == []


def sign_in(page: Page, url: str, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def api(page: Page, live: LiveHub, path: str) -> dict:
    response = page.request.get(live.url + path)  # the page's own session cookie
    assert response.ok, response.text()
    return response.json()


def tile(page: Page, key: str):
    return page.locator(f'.tile[data-kpi="{key}"]')


def test_an_agent_is_refused(page: Page, live: LiveHub):
    page.goto(live.url + "/dashboard")  # redirected to /dashboard/
    expect(page).to_have_url(live.url + "/dashboard/")
    expect(page.get_by_role("heading", name="Supervisor dashboard")).to_be_visible()
    sign_in(page, live.url, "alex")
    expect(page.get_by_role("heading", name="Supervisors only")).to_be_visible()
    expect(page.locator("#denied-text")).to_contain_text("Alex Kim")
    expect(page.locator("#app")).to_be_hidden()
    assert page.request.get(live.url + "/api/supervisor/kpis").status == 403
    page.get_by_role("button", name="Sign in as someone else").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.locator("#login-error")).to_be_hidden()

    # In the console an agent has no link to the dashboard.
    sign_in(page, live.url, "alex")
    page.get_by_role("link", name="Open the agent console").click()
    expect(page.locator("#me-name")).to_have_text("Alex Kim")
    expect(page.get_by_role("link", name="Dashboard")).to_be_hidden()


def test_supervisor_sees_the_kpis_changes_filters_and_exports_csv(page: Page, live: LiveHub, screenshots):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live.url}/dashboard/?{RANGE}")
    sign_in(page, live.url, "morgan")
    expect(page.locator("#me-name")).to_have_text("Morgan Lee")
    expect(page.locator("#range-summary")).to_contain_text("6 conversations closed from 2 Mar 2026 to 3 Mar 2026")

    # The tiles hold exactly the API's totals, shown as tests/kpis computed them by hand.
    totals = api(page, live, f"/api/supervisor/kpis?{RANGE}&by=day")["totals"]
    expected = {"csat": "50.0%", "nps": "+25.0", "ces": "2.50 / 7", "fcr": "50.0%", "containment": "50.0%",
                "escalation_rate": "33.3%", "avg_wait_s": "1m 30s", "avg_handle_s": "7m 30s", "kb_helpful": "75.0%",
                "frustration": "0.289 / 1"}
    for key, text in expected.items():
        value = tile(page, key).locator(".tile-value")
        expect(value).to_have_text(text)
        assert float(value.get_attribute("data-value")) == totals[key], key
    expect(tile(page, "episodes").locator(".tile-value")).to_have_text("6")
    expect(tile(page, "episodes").locator(".tile-n")).to_have_text("2 escalated")
    if "qa_score" in totals:  # the KPI branch's mean QA score, when this hub reports it
        expect(tile(page, "qa_score").locator(".tile-value")).to_have_text(f"{totals['qa_score']:.1f} / 100")
    else:
        expect(tile(page, "qa_score")).to_have_count(0)
    expect(tile(page, "csat").locator(".tile-n")).to_have_text("n = 4 surveys")
    expect(tile(page, "frustration").locator(".tile-n")).to_have_text("n = 9 messages")
    # The definition comes from the API and describes the tile.
    expect(tile(page, "nps")).to_have_accessible_description(re.compile("promoters"))

    # Four charts, each an image with a title and its numbers in a table.
    for chart in ("chart-quality", "chart-volume", "chart-breakdown", "chart-reasons"):
        figure = page.locator("#" + chart)
        expect(figure.get_by_role("img")).to_have_count(1)
        expect(figure.locator(".chart-title")).not_to_be_empty()
        expect(figure.locator("details table tbody tr").first).to_be_attached()
    expect(page.locator("#chart-quality path.series")).to_have_count(2)
    expect(page.locator("#chart-quality circle.dot")).to_have_count(4)  # two days, two lines
    quality_rows = page.locator("#chart-quality details tbody tr")
    expect(quality_rows.nth(0)).to_contain_text("100.0%")  # CSAT on 2 Mar
    expect(page.get_by_role("img", name="Escalation reasons")).to_have_accessible_description(
        re.compile(r"Angry 1, Asked for person 1, Bot failures 1"))
    reasons = page.locator("#chart-reasons details tbody tr")
    expect(reasons).to_have_count(3)
    expect(reasons.first).to_contain_text("Angry")
    page.locator("#chart-quality details summary").click()
    expect(quality_rows.nth(1)).to_be_visible()
    page.locator("#chart-quality details summary").click()
    page.screenshot(path=str(screenshots / "dashboard-overview.png"))

    # Survey answers and comments, where the hub has /api/supervisor/surveys.
    surveys = page.request.get(f"{live.url}/api/supervisor/surveys?{RANGE}&limit=20")
    if surveys.status == 404:
        expect(page.locator("#surveys-row")).to_be_hidden()
    else:
        data = surveys.json()
        expect(page.locator("#chart-surveys .chart-title")).to_have_text("CSAT answers")
        expect(page.locator("#chart-surveys details tbody tr")).to_have_count(len(data["distribution"]["csat"]) + 1)
        expect(page.locator("#comments .comment")).to_have_count(len(data["comments"]))
        page.locator("#f-survey").select_option("nps")
        expect(page.locator("#chart-surveys .chart-title")).to_have_text("NPS answers")
        expect(page.locator("#chart-surveys details tbody tr")).to_have_count(11 + 1)

    # Grouping by channel: the URL, the breakdown chart and its table change.
    page.get_by_label("Group by").select_option("channel")
    expect(page).to_have_url(re.compile(r"by=channel"))
    breakdown = page.locator("#chart-breakdown")
    expect(breakdown.locator(".chart-title")).to_have_text("Conversations by channel")
    expect(breakdown.locator("text.bar-label")).to_have_text(["Web", "Telegram", "WhatsApp"])
    expect(breakdown.locator("details tbody tr")).to_have_count(4)  # three channels and the total
    expect(breakdown.locator("details tbody tr").first).to_contain_text("4")
    breakdown.get_by_label("Show").select_option("nps")
    expect(breakdown.locator(".chart-title")).to_have_text("NPS by channel")
    expect(breakdown.locator("text.bar-value")).to_have_text(["+50.0", "+100.0", "-100.0"])
    expect(page).to_have_url(re.compile(r"metric=nps"))

    # A one-day range: new numbers, and a KPI without data is a dash, not 0.
    page.get_by_label("From").fill("2026-03-03")
    expect(page).to_have_url(re.compile(r"from=2026-03-03&to=2026-03-03&by=channel"))
    expect(tile(page, "csat").locator(".tile-value")).to_have_text("0.0%")
    expect(tile(page, "nps").locator(".tile-value")).to_have_text("-50.0")
    expect(tile(page, "ces").locator(".tile-value")).to_have_text("—")
    expect(tile(page, "ces").locator(".tile-n")).to_have_text("n = 0 surveys")

    # A backwards range is refused in the page; the view and the URL stay as they were.
    page.get_by_label("From").fill("2026-03-09")
    expect(page.locator("#filter-error")).to_have_text("'From' must be on or before 'To'.")
    expect(page).to_have_url(re.compile(r"from=2026-03-03&to=2026-03-03"))
    page.get_by_label("From").fill("2026-03-03")
    expect(page.locator("#filter-error")).to_be_hidden()

    # The CSV link carries the filters; the download is the API's CSV.
    link = page.get_by_role("link", name=re.compile("Export CSV"))
    expect(link).to_have_attribute("href", "/api/supervisor/kpis.csv?from=2026-03-03&to=2026-03-03&by=channel")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "kpis-2026-03-03-2026-03-03-channel.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(FIELDS)
    assert [r[0] for r in rows[1:]] == ["web", "whatsapp", "total"]
    assert rows[-1][:3] == ["total", "3", "0.0"] and rows[-1][FIELDS.index("ces")] == ""

    # A reload keeps the view; Back returns to the previous range.
    page.reload()
    expect(page.get_by_label("From")).to_have_value("2026-03-03")
    expect(page.get_by_label("Group by")).to_have_value("channel")
    expect(tile(page, "nps").locator(".tile-value")).to_have_text("-50.0")
    page.go_back()
    expect(page).to_have_url(re.compile(r"from=2026-03-02"))
    expect(tile(page, "nps").locator(".tile-value")).to_have_text("+25.0")

    # A preset: the last 7 days (nothing closed then), charts say so instead of drawing nothing.
    page.get_by_role("button", name="Last 7 days").click()
    today = datetime.now(timezone.utc).date()
    expect(page).to_have_url(re.compile(f"from={today - timedelta(days=6)}&to={today}"))
    expect(page.get_by_role("button", name="Last 7 days")).to_have_attribute("aria-pressed", "true")
    expect(tile(page, "csat").locator(".tile-value")).to_have_text("—")
    expect(page.locator("#chart-quality .chart-empty")).to_have_text("No conversations closed in this range.")


    # 768px: still usable, nothing wider than the window.
    page.set_viewport_size({"width": 768, "height": 900})
    page.goto(f"{live.url}/dashboard/?{RANGE}&by=intent")
    expect(tile(page, "csat").locator(".tile-value")).to_have_text("50.0%")
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    page.screenshot(path=str(screenshots / "dashboard-768.png"), full_page=True)


def test_qa_lowest_first_review_and_hostile_transcript(page: Page, live: LiveHub, screenshots):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live.url}/dashboard/?{RANGE}&view=qa")
    sign_in(page, live.url, "morgan")
    expect(page.locator("#me-name")).to_have_text("Morgan Lee")
    cards = api(page, live, f"/api/supervisor/qa?{RANGE}&limit=50")["scorecards"]
    rows = page.locator("#qa-table tbody tr")
    expect(rows).to_have_count(6)
    assert [int(r) for r in rows.evaluate_all("rows => rows.map(r => r.dataset.id)")] == [c["id"] for c in cards]
    shown = [float(s) for s in page.locator("#qa-table tbody .score").all_inner_texts()]
    assert shown == sorted(shown) and shown[0] == cards[0]["final_score"]

    # Conversation C: the bot failed and the customer left; its transcript holds hostile text.
    hostile = next(c for c in cards if c["conversation_id"] == "C")
    page.locator(f'#qa-table tbody tr[data-id="{hostile["id"]}"]').click()
    expect(page).to_have_url(re.compile(rf"view=qa&card={hostile['id']}"))
    detail = page.get_by_role("region", name="Scorecard")
    expect(detail.locator(".sc-criteria tbody tr").filter(has_text="Resolution")).to_contain_text("0")
    transcript = detail.get_by_role("log", name="Transcript")
    expect(transcript.locator(".msg--customer .msg-bubble")).to_have_text(HOSTILE)
    expect(transcript.locator("img")).to_have_count(0)
    assert page.evaluate("window.__xss") is None

    # A review with a score override and a comment: shown at once, reorders the list, and stays after a reload.
    detail.get_by_label("Score override").fill("88")
    detail.get_by_label("Comment").fill("The fallback was fair; <b>not</b> the bot's fault.")
    detail.get_by_role("button", name="Save review").click()
    review = detail.locator(".review")
    expect(review).to_have_count(1)
    expect(review).to_contain_text("Morgan Lee")
    expect(review).to_contain_text("score 88")
    expect(review.locator(".review-comment")).to_have_text("The fallback was fair; <b>not</b> the bot's fault.")
    expect(detail.locator(".sc-total .score")).to_have_text("88")
    row = page.locator(f'#qa-table tbody tr[data-id="{hostile["id"]}"]')
    expect(row.locator(".badge-reviewed")).to_be_visible()
    expect(row.locator(".score")).to_have_text("88")
    assert page.evaluate("window.__xss") is None
    page.reload()
    expect(page.get_by_role("region", name="Scorecard").locator(".review-comment")).to_have_text(
        "The fallback was fair; <b>not</b> the bot's fault.")
    expect(page.locator("#qa-table tbody .score")).to_have_count(6)
    expect(page.get_by_role("log", name="Transcript").locator(".msg-bubble").first).to_have_text(HOSTILE)
    page.screenshot(path=str(screenshots / "dashboard-qa.png"))
    shown = [float(s) for s in page.locator("#qa-table tbody .score").all_inner_texts()]
    assert shown == sorted(shown) and 88.0 in shown
    # A score out of range is refused in the page, before the API.
    page.get_by_label("Score override").fill("150")
    page.get_by_role("button", name="Save review").click()
    expect(page.locator(".review-form .form-error")).to_have_text("The score must be a number from 0 to 100.")
    page.get_by_label("Score override").fill("")

    worst = page.locator("#qa-table tbody tr").first
    worst.click()
    expect(page.get_by_role("region", name="Scorecard").locator(".sc-total .score")).to_have_text(
        re.compile(r"^\d+(\.\d)?$"))


def test_api_failure_offers_a_retry_and_an_ended_session_signs_out(page: Page, live: LiveHub):
    # A supervisor signed in to the console goes to the dashboard by its link, without signing in again.
    console_sign_in(page, live.url, "morgan")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("#me-name")).to_have_text("Morgan Lee")
    today = datetime.now(timezone.utc).date()
    expect(page).to_have_url(f"{live.url}/dashboard/?from={today - timedelta(days=29)}&to={today}&by=day")
    expect(page.get_by_role("button", name="Last 30 days")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("link", name="Agent console")).to_have_attribute("href", "/console/")

    page.goto(f"{live.url}/dashboard/?{RANGE}")
    expect(tile(page, "csat").locator(".tile-value")).to_have_text("50.0%")

    # The hub fails once (a 503 from the network layer): a message and a retry that works.
    failing = {"left": 1}

    def fail_once(route):
        if failing["left"]:
            failing["left"] -= 1
            route.fulfill(status=503, content_type="application/json",
                          body='{"error": {"code": "unavailable", "message": "The hub is restarting."}}')
        else:
            route.continue_()

    page.route(re.compile(r"/api/supervisor/escalations"), fail_once)
    page.get_by_label("Group by").select_option("agent")
    alert = page.locator("#load-error")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("The hub is restarting.")
    alert.get_by_role("button", name="Retry").click()
    expect(alert).to_be_hidden()
    expect(page.locator("#chart-breakdown text.bar-label")).to_have_text(["Bot only", "Alex Kim", "Sam Patel"])

    # The session ends elsewhere (logged out): the next request shows the sign-in form again.
    assert page.request.post(live.url + "/api/agent/logout").ok
    page.get_by_label("Group by").select_option("intent")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.locator("#login-error")).to_have_text("Your session has ended. Please sign in again.")
    sign_in(page, live.url, "morgan")
    expect(page.locator("#chart-breakdown .chart-title")).to_have_text("Conversations by intent")
