"""Parsing and validation of what customers type: order ids, emails, US phones, money, free text, products.

Pure functions, no Rasa and no CRM: the Rasa actions call these, and so can the hub
or the CLI. Functions that can only say "no" return `None`; functions whose failure
needs explaining to the customer raise a `ValueError` subclass with a `reason` code
(stable, for code) and a message that can be shown to people.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from datetime import date
from typing import Iterable, Sequence

# ------------------------------------------------------------------ order ids
# "A" + 4-6 digits. Customers type "a1042", "#A1042", "A-1042", "a 1042", "order A1042".
_ORDER_WHOLE = re.compile(r"^(?:order|no\.?|number|nr\.?|n°)?#?A?(\d{4,6})$", re.IGNORECASE)
_ORDER_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])#?\s?A[\s\-]?(\d{4,6})(?![\d])", re.IGNORECASE)


def normalize_order_id(text: object) -> str | None:
    """ "a 1042", "#A1042", "A-1042", "1042", "my order is a1042" -> "A1042"; None if it can't be one."""
    if text is None:
        return None
    raw = str(text).strip()
    if not raw:
        return None
    compact = re.sub(r"[\s#\-:]", "", raw)
    whole = _ORDER_WHOLE.match(compact)
    if whole:
        return f"A{whole.group(1)}"
    found = {match.group(1) for match in _ORDER_IN_TEXT.finditer(raw)}
    if len(found) == 1:
        return f"A{found.pop()}"
    return None


# ------------------------------------------------------------------ emails
_EMAIL = re.compile(
    r"^(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$"
)
_EMAIL_IN_TEXT = re.compile(r"[^\s<>()\[\],;:\"]+@[^\s<>()\[\],;:\"]+")


def normalize_email(text: object) -> str | None:
    """A valid email address in lower case, or None. Accepts "<Jane.Doe@Gmail.com>",
    "mailto:jane@x.com", "it's jane.doe@gmail.com." (one address inside a sentence)."""
    if text is None:
        return None
    raw = str(text).strip()
    if not raw:
        return None
    candidates = [raw] if " " not in raw else _EMAIL_IN_TEXT.findall(raw)
    found = set()
    for candidate in candidates:
        candidate = candidate.strip().strip("<>\"'").rstrip(".,!?;:")
        if candidate.lower().startswith("mailto:"):
            candidate = candidate[len("mailto:"):]
        if len(candidate) <= 254 and _EMAIL.match(candidate):
            found.add(candidate.lower())
    return found.pop() if len(found) == 1 else None


def is_valid_email(text: object) -> bool:
    return normalize_email(text) is not None


# ------------------------------------------------------------------ US phones
class PhoneNumberError(ValueError):
    """Not a usable US phone number. `reason`: empty | not_us | wrong_length | bad_area_code | ambiguous."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


_PHONE_IN_TEXT = re.compile(r"\+?\(?\d[\d\s().\-]{5,}\d")


def normalize_us_phone(text: object) -> str:
    """A US (NANP) phone number in E.164 form, "+15552013344".

    Accepts "(555) 201-3344", "555-201-3344", "555.201.3344", "+1 555 201 3344",
    "1-555-201-3344" and a number inside a sentence ("call me on 555 201 3344").
    Raises PhoneNumberError with a sentence for the customer otherwise."""
    raw = "" if text is None else str(text).strip()
    if not raw or not re.search(r"\d", raw):
        raise PhoneNumberError(
            "empty", "I need a phone number with the area code, like (555) 201-3344."
        )
    candidates = [m.group(0).strip() for m in _PHONE_IN_TEXT.finditer(raw)]
    if len(candidates) > 1:
        raise PhoneNumberError(
            "ambiguous", "I see more than one number there. Which single number should we call?"
        )
    candidate = candidates[0] if candidates else raw
    digits = re.sub(r"\D", "", candidate)
    if candidate.startswith("+") and not digits.startswith("1"):
        raise PhoneNumberError(
            "not_us", "Sorry, our team can only call US numbers (+1). Could you give a US number?"
        )
    if candidate.startswith("+") or (len(digits) == 11 and digits.startswith("1")):
        digits = digits[1:] if digits.startswith("1") else digits
    if len(digits) != 10:
        raise PhoneNumberError(
            "wrong_length",
            f"A US phone number has 10 digits with the area code, like (555) 201-3344, "
            f"but I counted {len(digits)}. Could you check it?",
        )
    if digits[0] in "01":
        raise PhoneNumberError(
            "bad_area_code",
            f"US area codes don't start with {digits[0]}, so {format_us_phone('+1' + digits)} "
            f"can't be right. Could you check the number?",
        )
    return f"+1{digits}"


def _ten_digits(e164_or_text: str) -> str:
    digits = re.sub(r"\D", "", e164_or_text)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def format_us_phone(e164: str) -> str:
    """ "+15552013344" -> "(555) 201-3344" (the way the customer writes it)."""
    d = _ten_digits(e164)
    return f"({d[:3]}) {d[3:6]}-{d[6:]}" if len(d) == 10 else e164


def mask_phone(e164: str) -> str:
    """All but the last four digits hidden: "+15552013344" -> "(***) ***-3344"."""
    d = _ten_digits(e164)
    return f"(***) ***-{d[-4:]}" if len(d) >= 4 else "****"


# ------------------------------------------------------------------ money
class AmountError(ValueError):
    """Not a usable money amount. `reason`: empty | none_found | ambiguous | out_of_range."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


_MONEY = re.compile(
    r"(?P<cur>\$|usd\s*)?\s*"
    r"(?<![\d.,])(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?!\d)(?:\.(?P<dec>\d{1,2})(?!\d))?(?![\d.,]\d)"
    r"(?P<after>\s*(?:\$|usd\b|dollars?\b|bucks?\b|cents?\b))?",
    re.IGNORECASE,
)
_MAX_AMOUNT = Decimal("1000000")


def parse_money(text: object) -> Decimal:
    """ "$22", "22.00", "22 dollars", "$1,049.99", "50 bucks", "USD 22", "99 cents" -> Decimal (2 places).

    In a sentence ("the $22 charge on 3 March") an amount marked as money wins over
    other numbers. Raises AmountError when there is no amount or it is ambiguous."""
    if isinstance(text, Decimal):
        candidates = [text]
    else:
        raw = "" if text is None else str(text).strip()
        if not raw:
            raise AmountError("empty", "What amount was it? For example $22.00.")
        marked: list[Decimal] = []
        plain: list[Decimal] = []
        for match in _MONEY.finditer(raw):
            number = match.group("int").replace(",", "")
            value = Decimal(f"{number}.{match.group('dec') or '0'}")
            after = (match.group("after") or "").strip().lower()
            if after.startswith("cent") and not match.group("cur"):
                value = value / 100
            (marked if match.group("cur") or after else plain).append(value)
        candidates = marked or plain
        candidates = list(dict.fromkeys(candidates))
        if not candidates:
            raise AmountError("none_found", "I couldn't find an amount there. What was the charge, for example $22.00?")
        if len(candidates) > 1:
            shown = " or ".join(f"${value:.2f}" for value in candidates[:3])
            raise AmountError("ambiguous", f"Was it {shown}? Please give just the one amount.")
    try:
        amount = Decimal(candidates[0]).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise AmountError("none_found", "I couldn't read that amount. What was the charge, for example $22.00?") from None
    if amount <= 0 or amount >= _MAX_AMOUNT:
        raise AmountError("out_of_range", "That amount doesn't look right. What was the charge, for example $22.00?")
    return amount


# ------------------------------------------------------------------ free text
_PAYLOAD = re.compile(r"^/\w+(\{.*\})?$", re.DOTALL)


def clean_text(text: object, max_chars: int = 500) -> str | None:
    """Trimmed free text with whitespace collapsed, cut at `max_chars` on a word boundary
    (ending with "…"). None for empty text, pure punctuation or an intent payload ("/affirm")."""
    if text is None:
        return None
    cleaned = re.sub(r"\s+", " ", str(text)).strip()
    if not cleaned or not re.search(r"\w", cleaned) or _PAYLOAD.match(cleaned):
        return None
    if len(cleaned) > max_chars:
        cut = cleaned[: max_chars - 1]
        if " " in cut[max_chars // 2 :]:
            cut = cut[: cut.rfind(" ")]
        cleaned = cut.rstrip(" ,.;:-") + "…"
    return cleaned


# ------------------------------------------------------------------ products
_STOPWORDS = frozenset(
    "a an the my our your this that these those it its one ones of for with and or i i'd id "
    "want wanted would like to return send back item thing product please from in on order".split()
)


def _tokens(text: str) -> list[str]:
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    out = []
    for word in words:
        if len(word) < 2 or word in _STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


@dataclass(frozen=True)
class ProductMatch:
    """`product` is the one matching name, or None; `candidates` lists the names that
    matched equally well when the text was ambiguous ("the jar" in an order with two jars)."""

    product: str | None
    candidates: tuple[str, ...] = ()


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def match_product(text: object, products: Iterable[str]) -> ProductMatch:
    """Which of `products` the customer means: "the kettle" -> "Pour-Over Kettle",
    "expresso machine" -> "Barista One espresso machine", "mugs" -> "Ceramic Mug Set"."""
    names: Sequence[str] = list(dict.fromkeys(products))
    query = "" if text is None else str(text).strip()
    if not query or not names:
        return ProductMatch(None)
    for name in names:
        if name.lower() == query.lower():
            return ProductMatch(name)
    q_tokens = _tokens(query)
    if not q_tokens:
        return ProductMatch(None)
    p_tokens = {name: _tokens(name) for name in names}
    for name, tokens in p_tokens.items():
        if tokens and tokens == q_tokens:
            return ProductMatch(name)

    def pick(found: list[str]) -> ProductMatch | None:
        if len(found) == 1:
            return ProductMatch(found[0])
        if len(found) > 1:
            return ProductMatch(None, tuple(found))
        return None

    # every word the customer used is in the name ("the kettle", "grinder")
    subset = [n for n, t in p_tokens.items() if t and set(q_tokens) <= set(t)]
    result = pick(subset)
    if result:
        return result
    # the whole name is inside a longer sentence ("return the cold brew jar, it leaks")
    inside = [n for n, t in p_tokens.items() if t and set(t) <= set(q_tokens)]
    if inside:
        longest = max(len(p_tokens[n]) for n in inside)
        result = pick([n for n in inside if len(p_tokens[n]) == longest])
        if result:
            return result
    # typos and longer sentences: the names with the most words the customer (nearly) typed
    hits = {
        name: sum(1 for q in q_tokens if max(_similar(q, t) for t in tokens) >= 0.8)
        for name, tokens in p_tokens.items()
        if tokens
    }
    best = max(hits.values(), default=0)
    if best == 0:
        return ProductMatch(None)
    return pick([n for n, h in hits.items() if h == best]) or ProductMatch(None)


# ------------------------------------------------------------------ when (call-back times)
@dataclass(frozen=True)
class When:
    """What could be read from "tomorrow after 3pm": the day, the time of day in minutes
    after midnight, and whether the time is a lower ("after") or upper ("before") bound.
    Any part can be None when the text doesn't say (or says it too vaguely)."""

    day: date | None = None
    minutes: int | None = None
    bound: str | None = None  # "after" | "before" | None (at/around)

    @property
    def empty(self) -> bool:
        return self.day is None and self.minutes is None


_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4, "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}
_MONTHS = {
    name: index
    for index, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
         ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
         ("nov", "november"), ("dec", "december")),
        start=1,
    )
    for name in names
}
_CLOCK = re.compile(
    r"(?P<bound>\b(?:after|from|past|not before|before|by|until|till|at|around|about|between)\s+)?"
    r"(?<![\d/:.])(?P<h>[01]?\d|2[0-3])(?:[:.](?P<m>[0-5]\d))?\s*(?P<mer>a\.?m\.?|p\.?m\.?)?(?![\d/])",
    re.IGNORECASE,
)
_NAMED_TIMES = {"noon": 720, "midday": 720, "midnight": 0}


def parse_when(text: object, today: date) -> When:
    """Read a day and a time from what the customer asked for, relative to `today`
    (the client's local date): "tomorrow after 3pm", "Saturday morning", "10 March at 9:30",
    "before 7am", "after 6" (a bare hour 1-7 is taken as pm). Vague parts stay None."""
    from datetime import timedelta
    _date = date

    raw = "" if text is None else str(text).lower()
    if not raw.strip():
        return When()
    day = None
    if re.search(r"\bday after tomorrow\b", raw):
        day = today + timedelta(days=2)
    elif re.search(r"\b(tomorrow|tmrw?|tmr|2morrow)\b", raw):
        day = today + timedelta(days=1)
    elif re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", raw):
        day = today
    else:
        month_day = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]{3,9})\b", raw)
        day_month = re.search(r"\b([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b", raw)
        numeric = re.search(r"\b(\d{1,2})/(\d{1,2})\b", raw)  # US style M/D
        candidate = None
        if month_day and month_day.group(2) in _MONTHS:
            candidate = (_MONTHS[month_day.group(2)], int(month_day.group(1)))
        elif day_month and day_month.group(1) in _MONTHS:
            candidate = (_MONTHS[day_month.group(1)], int(day_month.group(2)))
        elif numeric:
            candidate = (int(numeric.group(1)), int(numeric.group(2)))
        if candidate:
            month, dom = candidate
            for year in (today.year, today.year + 1):
                try:
                    resolved = _date(year, month, dom)
                except ValueError:
                    break
                if resolved >= today:
                    day = resolved
                    break
        if day is None:
            for word in re.findall(r"[a-z]+", raw):
                if word in _WEEKDAYS:
                    ahead = (_WEEKDAYS[word] - today.weekday()) % 7
                    if ahead == 0 and re.search(rf"\bnext\s+{word}\b", raw):
                        ahead = 7
                    day = today + timedelta(days=ahead)
                    break
            if day is None and re.search(r"\b(this |the )?weekend\b", raw):
                day = today + timedelta(days=(5 - today.weekday()) % 7)

    minutes = None
    bound = None
    for name, value in _NAMED_TIMES.items():
        if re.search(rf"\b{name}\b", raw):
            minutes = value
    cleaned = re.sub(r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:%s)\b" % "|".join(_MONTHS), " ", raw)
    cleaned = re.sub(r"\b(?:%s)\.?\s+\d{1,2}(?:st|nd|rd|th)?\b" % "|".join(_MONTHS), " ", cleaned)
    cleaned = re.sub(r"\b\d{1,2}/\d{1,2}\b", " ", cleaned)
    for match in _CLOCK.finditer(cleaned):
        hour = int(match.group("h"))
        minute = int(match.group("m") or 0)
        meridiem = (match.group("mer") or "").replace(".", "")
        word = (match.group("bound") or "").strip()
        if not meridiem and not match.group("m") and not word:
            continue  # a bare number: not clearly a time
        if meridiem == "pm" and hour < 12:
            hour += 12
        elif meridiem == "am" and hour == 12:
            hour = 0
        elif not meridiem and 1 <= hour <= 7 and not match.group("m"):
            hour += 12  # "after 6" means 6pm
        elif not meridiem and 1 <= hour <= 7 and match.group("m") and len(match.group("h")) == 1:
            hour += 12  # "at 5:30"
        minutes = hour * 60 + minute
        if word in ("after", "from", "past", "not before"):
            bound = "after"
        elif word in ("before", "by", "until", "till"):
            bound = "before"
        break
    if minutes is None:
        if re.search(r"\b(tonight|late evening|late at night)\b", raw):
            minutes, bound = None, None  # too vague to judge
    return When(day, minutes, bound)
