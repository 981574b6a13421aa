"""bot.client_profile: client.yml loading, business hours in the client's timezone, date wording."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from bot import client_profile
from bot.client_profile import (
    ClientProfileError,
    add_business_days,
    format_day,
    format_minutes,
    load_client_profile,
    on_day,
    profile_from_dict,
    relative_day,
)

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "client.yml"


@pytest.fixture(scope="module")
def profile():
    return load_client_profile(CLIENT)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


# ------------------------------------------------------------------ loading
def test_demo_client(profile):
    assert profile.id == "larkspur"
    assert profile.brand == "Larkspur & Co"
    assert profile.timezone == "America/New_York"
    assert profile.return_window_days == 30
    assert profile.refund_days == "5-7 business days"
    assert set(profile.carriers) == {"UPS", "FedEx", "USPS"}
    assert profile.subscription_name == "Larkspur Coffee Club"
    assert {key: plan.price for key, plan in profile.plans.items()} == {
        "taster": Decimal("12.00"), "regular": Decimal("22.00"), "barista": Decimal("40.00")}
    assert profile.max_pause_months == 3


def test_tracking_urls(profile):
    assert profile.tracking_url("UPS", "1Z999") == "https://www.ups.com/track?tracknum=1Z999"
    assert profile.tracking_url("fedex", "7712") == "https://www.fedex.com/fedextrack/?trknbr=7712"
    assert profile.tracking_url("DHL", "123") is None
    assert profile.tracking_url("UPS", None) is None


def test_money(profile):
    assert profile.money(Decimal("1049.9")) == "$1,049.90"
    assert profile.money(22) == "$22.00"


@pytest.mark.parametrize("change, message", [
    ({"timezone": "Mars/Olympus"}, "unknown timezone"),
    ({"business_hours": [{"days": [0], "open": "20:00", "close": "08:00"}]}, "must be after open"),
    ({"business_hours": [{"days": [7], "open": "08:00", "close": "20:00"}]}, "weekdays 0"),
    ({"business_hours": [{"days": [0], "open": "8am", "close": "20:00"}]}, "expected a time"),
    ({"carriers": {"UPS": "https://ups.example/track"}}, "{tracking}"),
    ({"brand": ""}, "brand"),
])
def test_invalid_profiles_name_the_problem(change, message):
    data = yaml.safe_load(CLIENT.read_text(encoding="utf-8"))
    data.update(change)
    with pytest.raises(ClientProfileError, match=message.replace("{", r"\{").replace("}", r"\}")):
        profile_from_dict(data)


def test_not_yaml(tmp_path):
    path = tmp_path / "client.yml"
    path.write_text("brand: [oops\n")
    with pytest.raises(ClientProfileError, match="not valid YAML"):
        load_client_profile(path)


def test_the_actions_profile_follows_the_environment(tmp_path, monkeypatch):
    from actions import common

    data = yaml.safe_load(CLIENT.read_text(encoding="utf-8"))
    data.update(id="second", brand="Second Client", timezone="America/Los_Angeles")
    path = tmp_path / "client.yml"
    path.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("CAREBOT_CLIENT_FILE", str(path))
    second = common.profile()
    assert second.brand == "Second Client"
    assert second.timezone_label == "Pacific time"


# ------------------------------------------------------------------ hours
def test_hours_summary(profile):
    assert profile.hours_summary() == "Mon-Fri 8am-8pm and Sat 9am-5pm Eastern time"


@pytest.mark.parametrize("moment, is_open", [
    ("2026-03-11T15:00:00", True),   # Wed 11:00 EDT
    ("2026-03-11T11:59:00", False),  # Wed 07:59 EDT
    ("2026-03-11T12:00:00", True),   # Wed 08:00 EDT
    ("2026-03-11T23:59:00", True),   # Wed 19:59 EDT
    ("2026-03-12T00:00:00", False),  # Wed 20:00 EDT (closing time)
    ("2026-03-14T13:00:00", True),   # Sat 09:00 EDT
    ("2026-03-14T21:00:00", False),  # Sat 17:00 EDT
    ("2026-03-15T16:00:00", False),  # Sunday
    ("2026-01-14T13:30:00", True),   # Wed 08:30 EST (winter: UTC-5)
    ("2026-01-14T12:30:00", False),  # Wed 07:30 EST
])
def test_is_open_in_the_client_timezone(profile, moment, is_open):
    assert profile.is_open(utc(moment)) is is_open


@pytest.mark.parametrize("moment, opening", [
    ("2026-03-11T15:00:00", "2026-03-11T11:00:00-04:00"),  # open: now
    ("2026-03-11T10:00:00", "2026-03-11T08:00:00-04:00"),  # early Wednesday
    ("2026-03-14T02:00:00", "2026-03-14T09:00:00-04:00"),  # Friday night -> Saturday 9am
    ("2026-03-14T22:30:00", "2026-03-16T08:00:00-04:00"),  # Saturday evening -> Monday
    ("2026-03-15T16:00:00", "2026-03-16T08:00:00-04:00"),  # Sunday -> Monday
    ("2026-03-07T22:30:00", "2026-03-09T08:00:00-04:00"),  # over the DST change (8 March 2026)
])
def test_next_opening(profile, moment, opening):
    assert profile.next_opening(utc(moment)) == datetime.fromisoformat(opening)


def test_closes_at(profile):
    assert profile.closes_at(utc("2026-03-14T14:00:00")).isoformat() == "2026-03-14T17:00:00-04:00"
    assert profile.closes_at(utc("2026-03-15T14:00:00")) is None


def test_no_hours_configured():
    data = yaml.safe_load(CLIENT.read_text(encoding="utf-8"))
    data["business_hours"] = []
    empty = profile_from_dict(data)
    assert empty.is_open(utc("2026-03-11T15:00:00")) is False
    assert empty.next_opening(utc("2026-03-11T15:00:00")) is None


def test_naive_datetimes_are_utc(profile):
    assert profile.is_open(datetime(2026, 3, 11, 15, 0)) is True


@pytest.mark.parametrize("day, minutes, bound, expected", [
    (date(2026, 3, 15), None, None, False),       # Sunday
    (date(2026, 3, 12), None, None, True),        # Thursday, any time
    (date(2026, 3, 12), 15 * 60, "after", True),
    (date(2026, 3, 14), 17 * 60, "after", False),  # Saturday after 5pm
    (None, 22 * 60, None, False),
    (None, 7 * 60, "before", False),
    (None, 8 * 60 + 30, None, True),
    (None, None, None, None),                     # too vague to judge
])
def test_within_hours(profile, day, minutes, bound, expected):
    assert profile.within_hours(day, minutes, bound) is expected


# ------------------------------------------------------------------ words
def test_format_minutes():
    assert [format_minutes(m) for m in (480, 1230, 720, 0, 1440, 545)] == [
        "8am", "8:30pm", "noon", "midnight", "midnight", "9:05am"]


def test_day_words():
    today = date(2026, 3, 11)
    assert format_day(date(2026, 3, 13), today) == "Friday 13 March"
    assert format_day(date(2026, 3, 13), today, weekday=False) == "13 March"
    assert format_day(date(2027, 1, 4), today) == "Monday 4 January 2027"
    assert relative_day(today, today) == "today"
    assert relative_day(date(2026, 3, 12), today) == "tomorrow"
    assert relative_day(date(2026, 3, 10), today) == "yesterday"
    assert on_day(date(2026, 3, 3), today) == "on 3 March"
    assert on_day(date(2026, 3, 10), today) == "yesterday"


def test_describe_moment(profile):
    reference = utc("2026-03-11T15:00:00")
    assert profile.describe_moment(utc("2026-03-12T12:00:00"), reference) == "tomorrow at 8am"
    assert profile.describe_moment(utc("2026-03-16T12:00:00"), reference) == "on Monday 16 March at 8am"


def test_add_business_days():
    assert add_business_days(date(2026, 3, 12), 2) == date(2026, 3, 16)  # Thu -> Mon
    assert add_business_days(date(2026, 3, 14), 1) == date(2026, 3, 16)  # Sat -> Mon


def test_the_clock_is_replaceable(monkeypatch):
    fixed = utc("2026-03-11T15:00:00")
    monkeypatch.setattr(client_profile, "now", lambda: fixed)
    assert client_profile.now() == fixed
