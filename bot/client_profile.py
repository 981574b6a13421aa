"""The client profile (client.yml): brand, timezone, business hours, returns, carriers, plans.

A second client is a second YAML file (`CAREBOT_CLIENT_FILE`), never code. Everything
time-related takes `now` (an aware datetime, any timezone) and works in the client's
timezone, so callers and tests decide what "now" is:

    profile = load_client_profile("client.yml")
    profile.is_open(now())          # are human agents available right now?
    profile.next_opening(now())     # when do they open next (now itself when open)

`now()` in this module is the one clock the actions read; tests replace it with
`monkeypatch.setattr(bot.client_profile, "now", lambda: FIXED)`.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ZONE_LABELS = {
    "America/New_York": "Eastern time",
    "America/Detroit": "Eastern time",
    "America/Chicago": "Central time",
    "America/Denver": "Mountain time",
    "America/Phoenix": "Mountain time",
    "America/Los_Angeles": "Pacific time",
    "America/Anchorage": "Alaska time",
    "Pacific/Honolulu": "Hawaii time",
}
_CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}


def now() -> datetime:
    """The current instant (UTC). The single clock of the actions; tests override it."""
    return datetime.now(timezone.utc)


class ClientProfileError(ValueError):
    """client.yml is missing a key or has an invalid value (message names the key)."""


@dataclass(frozen=True)
class OpeningHours:
    """Agents are available on `days` (0 = Monday) from `opens` to `closes` (minutes after midnight)."""

    days: frozenset[int]
    opens: int
    closes: int  # up to 1440 ("24:00")


@dataclass(frozen=True)
class Plan:
    key: str
    label: str
    price: Decimal
    cadence: str


@dataclass(frozen=True)
class ClientProfile:
    id: str
    brand: str
    timezone: str
    currency: str = "USD"
    return_window_days: int = 30
    refund_days: str = "5-7 business days"
    support_email: str = ""
    support_phone: str = ""
    website: str = ""
    carriers: Mapping[str, str] = field(default_factory=dict)  # carrier -> URL template with {tracking}
    business_hours: tuple[OpeningHours, ...] = ()
    subscription_name: str = ""
    plans: Mapping[str, Plan] = field(default_factory=dict)
    max_pause_months: int = 3

    # ------------------------------------------------------------ time
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def timezone_label(self) -> str:
        """ "Eastern time" for America/New_York; the zone name for zones without a common label."""
        return _ZONE_LABELS.get(self.timezone, self.timezone)

    def local(self, moment: datetime) -> datetime:
        """`moment` in the client's timezone. A naive datetime is taken as UTC."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(self.tz)

    def today(self, moment: datetime) -> date:
        return self.local(moment).date()

    def hours_on(self, day: date | int) -> list[tuple[int, int]]:
        """Opening periods (minutes after midnight) on a date or weekday (0 = Monday), sorted."""
        weekday = day if isinstance(day, int) else day.weekday()
        return sorted((h.opens, h.closes) for h in self.business_hours if weekday in h.days)

    def _at(self, day: date, minutes: int) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.tz) + timedelta(minutes=minutes)

    def _periods(self, start_day: date, days: int):
        for offset in range(days):
            day = start_day + timedelta(days=offset)
            for opens, closes in self.hours_on(day):
                yield self._at(day, opens), self._at(day, closes)

    def is_open(self, moment: datetime) -> bool:
        """Are human agents available at `moment`?"""
        local = self.local(moment)
        minutes = local.hour * 60 + local.minute
        return any(opens <= minutes < closes for opens, closes in self.hours_on(local.date()))

    def closes_at(self, moment: datetime) -> datetime | None:
        """When the current opening period ends (client timezone); None when closed."""
        local = self.local(moment)
        for opens, closes in self._periods(local.date(), 1):
            if opens <= local < closes:
                return closes
        return None

    def next_opening(self, moment: datetime) -> datetime | None:
        """The earliest moment at or after `moment` when agents are available, in the client
        timezone: `moment` itself while open. None when no business hours are configured."""
        local = self.local(moment)
        for opens, closes in self._periods(local.date(), 8):
            if closes <= local:
                continue
            return local if opens <= local else opens
        return None

    def is_open_on(self, day: date | int, minutes: int | None = None) -> bool:
        """Open at some time that day (minutes=None) or at that time of the day."""
        periods = self.hours_on(day)
        if minutes is None:
            return bool(periods)
        return any(opens <= minutes < closes for opens, closes in periods)

    def within_hours(self, day: date | None, minutes: int | None, bound: str | None = None) -> bool | None:
        """Could agents call at the requested time? `day` None = any day, `minutes` None = any
        time that day; bound "after"/"before" makes `minutes` a lower/upper limit.
        True/False when that is clear, None when the request is too vague to judge."""
        if day is not None and not self.hours_on(day):
            return False
        if minutes is None:
            return None if day is None else True
        weekdays = [day.weekday()] if day is not None else range(7)

        def fits(opens: int, closes: int) -> bool:
            if bound == "after":
                return closes > minutes
            if bound == "before":
                return opens < minutes
            return opens <= minutes < closes

        return any(fits(o, c) for wd in weekdays for o, c in self.hours_on(wd))

    # ------------------------------------------------------------ words
    def hours_summary(self) -> str:
        """ "Mon-Fri 8am-8pm and Sat 9am-5pm Eastern time" (days with the same hours grouped)."""
        by_hours: dict[tuple[tuple[int, int], ...], list[int]] = {}
        for weekday in range(7):
            periods = tuple(self.hours_on(weekday))
            if periods:
                by_hours.setdefault(periods, []).append(weekday)
        if not by_hours:
            return "not currently available"
        parts = []
        for periods, weekdays in sorted(by_hours.items(), key=lambda item: item[1][0]):
            spans = ", ".join(f"{format_minutes(o)}-{format_minutes(c)}" for o, c in periods)
            parts.append(f"{_day_ranges(weekdays)} {spans}")
        text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"{text} {self.timezone_label}"

    def describe_moment(self, moment: datetime, reference: datetime) -> str:
        """ "today at 8am", "tomorrow at 9am", "on Monday 9 March at 8am" (client timezone)."""
        local = self.local(moment)
        day = relative_day(local.date(), self.today(reference), weekday=True)
        on = "" if day in ("today", "tomorrow", "yesterday") else "on "
        return f"{on}{day} at {format_clock(local.time())}"

    def money(self, amount: Decimal | int | float | str) -> str:
        symbol = _CURRENCY_SYMBOLS.get(self.currency)
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
        return f"{symbol}{value:,.2f}" if symbol else f"{value:,.2f} {self.currency}"

    def tracking_url(self, carrier: str | None, tracking_number: str | None) -> str | None:
        """The carrier's tracking page for a parcel; None for an unknown carrier or no number."""
        if not carrier or not tracking_number:
            return None
        for name, template in self.carriers.items():
            if name.lower() == carrier.lower():
                return template.replace("{tracking}", tracking_number)
        return None


# ------------------------------------------------------------------ formatting helpers
def format_minutes(minutes: int) -> str:
    """480 -> "8am", 1230 -> "8:30pm", 720 -> "noon", 0 or 1440 -> "midnight"."""
    minutes %= 1440
    if minutes == 0:
        return "midnight"
    if minutes == 720:
        return "noon"
    hour, minute = divmod(minutes, 60)
    suffix = "am" if hour < 12 else "pm"
    hour12 = hour % 12 or 12
    return f"{hour12}{suffix}" if minute == 0 else f"{hour12}:{minute:02d}{suffix}"


def format_clock(value: time) -> str:
    return format_minutes(value.hour * 60 + value.minute)


def _day_ranges(weekdays: list[int]) -> str:
    groups: list[list[int]] = []
    for weekday in sorted(weekdays):
        if groups and groups[-1][-1] == weekday - 1:
            groups[-1].append(weekday)
        else:
            groups.append([weekday])
    out = []
    for group in groups:
        if len(group) >= 3:
            out.append(f"{DAY_ABBR[group[0]]}-{DAY_ABBR[group[-1]]}")
        else:
            out.extend(DAY_ABBR[d] for d in group)
    return ", ".join(out)


def add_business_days(day: date, count: int) -> date:
    """`count` working days (Mon-Fri) after `day`."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def format_day(day: date, today: date | None = None, weekday: bool = True) -> str:
    """ "Friday 7 March" (weekday=False: "7 March"); the year is added when it isn't this year."""
    text = f"{DAY_NAMES[day.weekday()]} {day.day} {day:%B}" if weekday else f"{day.day} {day:%B}"
    if today is not None and day.year != today.year:
        text += f" {day.year}"
    return text


def relative_day(day: date, today: date, weekday: bool = True) -> str:
    """ "today", "tomorrow", "yesterday", else `format_day`."""
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    return format_day(day, today, weekday)


def on_day(day: date, today: date, weekday: bool = False) -> str:
    """For "shipped ...": "today", "yesterday", "on 3 March"."""
    text = relative_day(day, today, weekday)
    return text if text in ("today", "tomorrow", "yesterday") else f"on {text}"


# ------------------------------------------------------------------ loading
_CLOCK_RE = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def _minutes(value: Any, key: str) -> int:
    match = _CLOCK_RE.match(str(value).strip())
    if not match:
        raise ClientProfileError(f"{key}: expected a time like \"08:00\", got {value!r}")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > 1440:
        raise ClientProfileError(f"{key}: {value!r} is after 24:00")
    return minutes


def _require(data: Mapping[str, Any], key: str) -> Any:
    if key not in data or data[key] in (None, ""):
        raise ClientProfileError(f"client profile: missing required key {key!r}")
    return data[key]


def profile_from_dict(data: Mapping[str, Any]) -> ClientProfile:
    """Build and validate a profile from the parsed YAML mapping."""
    if not isinstance(data, Mapping):
        raise ClientProfileError("client profile: the file must contain a mapping")
    tz_name = str(_require(data, "timezone"))
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ClientProfileError(f"timezone: unknown timezone {tz_name!r}") from None

    hours = []
    for index, entry in enumerate(data.get("business_hours") or []):
        key = f"business_hours[{index}]"
        if not isinstance(entry, Mapping):
            raise ClientProfileError(f"{key}: expected {{days, open, close}}")
        days = entry.get("days")
        if not isinstance(days, list) or not days or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
            raise ClientProfileError(f"{key}.days: expected a list of weekdays 0 (Monday) .. 6 (Sunday)")
        opens = _minutes(entry.get("open"), f"{key}.open")
        closes = _minutes(entry.get("close"), f"{key}.close")
        if closes <= opens:
            raise ClientProfileError(f"{key}: close ({entry.get('close')}) must be after open ({entry.get('open')})")
        hours.append(OpeningHours(frozenset(days), opens, closes))

    carriers = data.get("carriers") or {}
    if not isinstance(carriers, Mapping):
        raise ClientProfileError("carriers: expected a mapping carrier -> tracking URL template")
    for name, template in carriers.items():
        if "{tracking}" not in str(template):
            raise ClientProfileError(f"carriers.{name}: the URL template needs a {{tracking}} placeholder")

    subscription = data.get("subscription") or {}
    plans = {}
    for key, plan in (subscription.get("plans") or {}).items():
        try:
            plans[key] = Plan(key, str(plan["label"]), Decimal(str(plan["price"])).quantize(Decimal("0.01")),
                              str(plan.get("cadence", "")))
        except (KeyError, TypeError, ArithmeticError):
            raise ClientProfileError(f"subscription.plans.{key}: needs a label and a numeric price") from None

    try:
        return ClientProfile(
            id=str(_require(data, "id")),
            brand=str(_require(data, "brand")),
            timezone=tz_name,
            currency=str(data.get("currency") or "USD"),
            return_window_days=int(data.get("return_window_days", 30)),
            refund_days=str(data.get("refund_days") or "5-7 business days"),
            support_email=str(data.get("support_email") or ""),
            support_phone=str(data.get("support_phone") or ""),
            website=str(data.get("website") or ""),
            carriers={str(k): str(v) for k, v in carriers.items()},
            business_hours=tuple(hours),
            subscription_name=str(subscription.get("name") or ""),
            plans=plans,
            max_pause_months=int(subscription.get("max_pause_months", 3)),
        )
    except (TypeError, ValueError) as exc:
        raise ClientProfileError(f"client profile: {exc}") from None


def load_client_profile(path: str | Path) -> ClientProfile:
    """Read and validate a client YAML file. Raises ClientProfileError."""
    from bot.client_file import read_client_file

    return profile_from_dict(dict(read_client_file(path, ClientProfileError)))


@functools.lru_cache(maxsize=4)
def _cached(path: str, mtime_ns: int) -> ClientProfile:
    return load_client_profile(path)


def current_profile(path: str | Path) -> ClientProfile:
    """The profile in the client file at ``path``, parsed once and re-read when the file changes."""
    path = Path(path)
    return _cached(str(path), path.stat().st_mtime_ns)
