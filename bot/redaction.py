"""Sensitive numbers and secrets in free text, found and hidden before anything stores or reads it.

    >>> Redactor().redact("my visa is 4111 1111 1111 1111 exp 04/27 cvv 123").text
    'my visa is [card ending 1111] exp 04/27 cvv [security code hidden]'

Categories (each can be switched off per client, client.yml `privacy:`):

- ``card_number``: 13-19 digits, alone or in groups split by single spaces or dashes, that pass the
  Luhn check; a card-shaped number the customer calls a card ("my card number is ...") is hidden
  even when a digit is mistyped. Shown as "[card ending 6467]".
- ``cvv``: 3 or 4 digits after a card word (cvv, cvc, security code, "the 3 digits on the back"),
  or right after a card number and its expiry date.
- ``ssn``: US social security numbers, 123-45-6789 or 123 45 6789 with valid area, group and serial
  numbers; 9 bare digits only when the message calls them SSN or social.
- ``iban``: IBANs whose ISO 13616 mod-97 check holds (or any IBAN-shaped string the customer calls
  an IBAN).
- ``bank_account`` / ``routing_number``: digits the customer gives as a bank account (6-17 digits)
  or a routing / ABA number (9 digits).
- ``password``: the word after "password is", "pw:", "tried X as my password" ...
- per-client patterns (client.yml ``privacy: patterns:``): a name, a regular expression and what
  to show instead.

Order numbers, phone numbers, tracking numbers, amounts, dates, ZIP codes, the last four digits of
a card and promo or gift-card codes are left alone: they are what the care team needs.
Rules of the numbers' own formats (Luhn, mod-97, SSN ranges) and of the words customers put in
front of them; measured on a labelled set written blind to these rules (bench/privacy.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

CARD = "card_number"
CVV = "cvv"
SSN = "ssn"
IBAN = "iban"
BANK_ACCOUNT = "bank_account"
ROUTING_NUMBER = "routing_number"
PASSWORD = "password"
CATEGORIES = (CARD, CVV, SSN, IBAN, BANK_ACCOUNT, ROUTING_NUMBER, PASSWORD)


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    category: str
    replacement: str


@dataclass(frozen=True)
class Redaction:
    text: str
    findings: tuple[Finding, ...] = ()

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.category for f in self.findings))


@dataclass(frozen=True)
class CustomPattern:
    name: str
    pattern: re.Pattern[str]
    replacement: str


@dataclass(frozen=True)
class PrivacyConfig:
    """Which categories are hidden, and the client's own patterns."""

    enabled: frozenset[str] = frozenset(CATEGORIES)
    patterns: tuple[CustomPattern, ...] = field(default_factory=tuple)

    @classmethod
    def from_mapping(cls, data: dict | None) -> "PrivacyConfig":
        """client.yml `privacy:`: ``{card_number: true, ..., patterns: [{name, regex, replacement}]}``;
        a category not named stays on. Raises ValueError on an unknown key or a bad pattern."""
        data = dict(data or {})
        raw_patterns = data.pop("patterns", None) or []
        data.pop("retention_days", None)  # read by bot.privacy (the retention purge)
        data.pop("health", None)  # health details are flagged, not redacted: bot/health.py reads it
        unknown = sorted(set(data) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"privacy: unknown categories {unknown}; known: {list(CATEGORIES)}")
        enabled = frozenset(c for c in CATEGORIES if data.get(c, True) is not False)
        patterns = []
        for item in raw_patterns:
            if not isinstance(item, dict) or not item.get("name") or not item.get("regex"):
                raise ValueError("privacy: each pattern needs a name and a regex")
            try:
                compiled = re.compile(str(item["regex"]))
            except re.error as exc:
                raise ValueError(f"privacy: pattern {item['name']!r} is not a valid regex: {exc}") from None
            patterns.append(CustomPattern(str(item["name"]), compiled,
                                          str(item.get("replacement") or f"[{item['name']} hidden]")))
        return cls(enabled, tuple(patterns))


# --- number formats ------------------------------------------------------------------------------

def luhn_ok(digits: str) -> bool:
    total, double = 0, False
    for ch in reversed(digits):
        d = ord(ch) - 48
        if double:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
        double = not double
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    iban = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def aba_ok(digits: str) -> bool:
    """The ABA routing number checksum (weights 3, 7, 1)."""
    if not re.fullmatch(r"\d{9}", digits):
        return False
    d = [int(c) for c in digits]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


def ssn_ok(area: str, group: str, serial: str) -> bool:
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


# --- patterns ------------------------------------------------------------------------------------

# A run of digits in groups joined by one space, dash or line break ("4111 1111 1111 1111", "4111-1111-...").
_DIGIT_RUN = re.compile(r"(?<![\w/.,$-])\d+(?:(?:[ \-]|\r?\n)\d+)*(?![\w/-])")
_CARD_WORDS = re.compile(
    r"\b(card|cc|credit|debit|visa|master\s?card|mc|amex|american express|discover|tarjeta|card\s?(?:no|num|number|#))\b",
    re.IGNORECASE)
_CVV = re.compile(
    r"\b(?:cvv2?|cvc2?|cid|csc|cvn|security\s+code|sec\.?\s+code|card\s+code|verification\s+code|c[oó]digo\s+de\s+seguridad|"
    r"(?:3|4|three|four)[\s-]+digits?(?:\s+(?:security\s+)?code)?(?:\s+(?:on|at)\s+(?:the\s+)?(?:back|front))?|"
    r"code\s+on\s+the\s+(?:back|front))\b"
    r"[^\d\n]{0,25}?(?<!\d)(\d{3,4})(?!\d)",
    re.IGNORECASE)
_EXPIRY = re.compile(r"(?:exp(?:iry|ires|iration)?\.?:?\s*)?(?<![\d/-])(?:0?[1-9]|1[0-2])\s?[/-]\s?(?:\d{2}|20\d{2})(?![\d/-])",
                     re.IGNORECASE)
_SSN_DASHED = re.compile(r"(?<![\w-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-])")
_SSN_WORDS = re.compile(r"\b(ssn|social security|social sec|social)\b", re.IGNORECASE)
_NINE_DIGITS = re.compile(r"(?<![\w-])(\d{3})(\d{2})(\d{4})(?![\w-])")
_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)\b", re.IGNORECASE)
_IBAN_WORD = re.compile(r"\biban\b", re.IGNORECASE)
_ACCOUNT = re.compile(
    r"\b(?:(?:(?:bank|checking|chequing|savings|deposit)\s+)?(?:account|acct|acc|a/c|cuenta)|checking|chequing|savings)"
    r"\.?\s*(?:number|num|no\.?|nr|#)?"
    r"\s*(?:is|:|=|#)?\s*(\d[\d -]{4,20}\d)(?!\d)",
    re.IGNORECASE)
_ROUTING_WORD = re.compile(r"\b(?:routing|aba|rtn)\b", re.IGNORECASE)
_CARD_CODE = re.compile(r"\b(?:code|cvv2?|cvc2?|csc|cid)\b[^\d\n]{0,15}?(?<!\d)(\d{3,4})(?![\d/])", re.IGNORECASE)
# How card numbers are printed: 4-4-4-4 (most), 4-6-5 (American Express), 4-6-4 (Diners Club).
_CARD_LAYOUTS = ((4, 4, 4, 4), (4, 6, 5), (4, 6, 4))
_ROUTING = re.compile(
    r"\b(?:routing|aba|rtn|transit)\s*(?:number|num|no\.?|#)?\s*(?:is|:|=|#)?\s*(\d{9})(?!\d)", re.IGNORECASE)
_PASSWORD_WORD = re.compile(r"\b(?:password|passcode|passwd|pwd|pw|pass|contrase[ñn]a)\b", re.IGNORECASE)
# The token right after "password is / was / should be / to / :" is the password, whatever it looks like.
_PASSWORD_SAID = re.compile(
    r"[^\S\n]*(?:(?:i\s+)?(?:is|was|were|should\s+be|would\s+be|set\s+(?:as|to)|to|es|from|[:=-]))[^\S\n]*"
    r"[\"'“‘]?(?P<secret>[^\s\"'”’]+?)[\"'”’]?(?=[\s,;]|[.!?]*(?:\s|$)|$)",
    re.IGNORECASE)
_TOKEN = re.compile(r"[^\s\"'“”‘’,;()]+")
_TRIED = re.compile(r"\btried\s+[\"'“‘]?(?P<secret>[^\s\"'”’]+?)[\"'”’]?\s+as\s+(?:my|the)\s+(?:password|pw|passcode)",
                    re.IGNORECASE)
# Words after "password is" that describe the password rather than being it.
_NOT_A_PASSWORD = frozenset("""
not wrong incorrect correct right invalid expired too still being working reset blank empty the a an my
definitely locked case sensitive same different new old fine ok okay there saved changed it that this
no one your you i we me mine
""".split())
PASSWORD_WINDOW = 80  # characters after a password word in which password-like tokens are hidden


def looks_like_password(token: str) -> bool:
    """Letters with digits or symbols, 6 characters or more, and not an e-mail or a web address."""
    token = token.rstrip(".,!?")
    if len(token) < 6 or "@" in token and "." in token or token.lower().startswith(("http", "www.")):
        return False
    has_alpha = any(c.isalpha() for c in token)
    has_digit = any(c.isdigit() for c in token)
    has_symbol = any(not c.isalnum() for c in token)
    return has_alpha and (has_digit or has_symbol)


def _overlaps(span: tuple[int, int], taken: Sequence[Finding]) -> bool:
    return any(span[0] < f.end and f.start < span[1] for f in taken)


def _near(pattern: re.Pattern[str], text: str, start: int, before: int = 40) -> bool:
    return bool(pattern.search(text[max(0, start - before):start]))


class Redactor:
    """Finds what `config` hides in a text and replaces it; `redact` never raises on any str."""

    def __init__(self, config: PrivacyConfig | None = None) -> None:
        self.config = config or PrivacyConfig()

    def find(self, text: str) -> list[Finding]:
        on = self.config.enabled
        found: list[Finding] = []

        def add(start: int, end: int, category: str, replacement: str) -> None:
            if category in on and not _overlaps((start, end), found):
                found.append(Finding(start, end, category, replacement))

        for custom in self.config.patterns:
            for m in custom.pattern.finditer(text):
                if m.end() > m.start() and not _overlaps(m.span(), found):
                    found.append(Finding(m.start(), m.end(), custom.name, custom.replacement))
        if IBAN in on:
            for m in _IBAN.finditer(text):
                candidate = m.group(1)
                if iban_ok(candidate) or (_near(_IBAN_WORD, text, m.start(), 30) and re.search(r"\d{6}", candidate.replace(" ", ""))):
                    add(m.start(1), m.end(1), IBAN, "[IBAN hidden]")
        cards = self._cards(text) if CARD in on or CVV in on else []
        for start, end, digits in cards:
            add(start, end, CARD, f"[card ending {digits[-4:]}]")
        for m in _CVV.finditer(text):
            add(m.start(1), m.end(1), CVV, "[security code hidden]")
        for start, end, _digits in cards:
            # the code after the card and its expiry ("4111 1111 1111 1111 04/27 123", "... the rest is 02/31 / 611")
            tail = text[end:end + 45]
            expiry = _EXPIRY.search(tail)
            rest_at = expiry.end() if expiry and expiry.start() <= 25 else 0
            m = re.match(r"[\s,;/-]*(?:cvv2?|cvc|code)?[\s:,;/-]*(\d{3,4})(?![\d/])", tail[rest_at:], re.IGNORECASE)
            if m and (rest_at or re.match(r"[\s,;]*(?:cvv2?|cvc|code)", tail, re.IGNORECASE)):
                s_ = end + rest_at + m.start(1)
                add(s_, s_ + len(m.group(1)), CVV, "[security code hidden]")
            for m in _CARD_CODE.finditer(text, end):  # "here's my card 4645 ... and the code 304"
                add(m.start(1), m.end(1), CVV, "[security code hidden]")
        for m in _ROUTING.finditer(text):
            add(m.start(1), m.end(1), ROUTING_NUMBER, "[routing number hidden]")
        if _ROUTING_WORD.search(text):  # "the routing number before was wrong, the right one is 107604008"
            for m in re.finditer(r"(?<![\w-])\d{9}(?![\w-])", text):
                if aba_ok(m.group(0)):
                    add(m.start(), m.end(), ROUTING_NUMBER, "[routing number hidden]")
        for m in _SSN_DASHED.finditer(text):
            if ssn_ok(m.group(1), m.group(3), m.group(4)) and (m.group(2) == "-" or _near(_SSN_WORDS, text, m.start(), 40)):
                add(m.start(), m.end(), SSN, "[SSN hidden]")
        for m in _NINE_DIGITS.finditer(text):
            if ssn_ok(m.group(1), m.group(2), m.group(3)) and _near(_SSN_WORDS, text, m.start(), 30):
                add(m.start(), m.end(), SSN, "[SSN hidden]")
        for m in _ACCOUNT.finditer(text):
            value = m.group(1).rstrip(" -")
            digits = re.sub(r"\D", "", value)
            if 6 <= len(digits) <= 17:
                add(m.start(1), m.start(1) + len(value), BANK_ACCOUNT, "[bank account hidden]")
        if PASSWORD in on:
            for start, end in self._passwords(text):
                add(start, end, PASSWORD, "[password hidden]")
        return sorted(found, key=lambda f: f.start)

    @staticmethod
    def _passwords(text: str) -> list[tuple[int, int]]:
        """The token said to be the password ("password is X", "should be X", "tried X as my password"),
        and password-like tokens ("Sunny2024!", "hunter23") shortly after a password word."""
        out: list[tuple[int, int]] = []
        for m in _TRIED.finditer(text):
            out.append(m.span("secret"))
        for word in _PASSWORD_WORD.finditer(text):
            said = _PASSWORD_SAID.match(text, word.end())
            if said and said.group("secret").lower().strip(".,!?") not in _NOT_A_PASSWORD:
                out.append(said.span("secret"))
            window_end = min(len(text), word.end() + PASSWORD_WINDOW)
            for token in _TOKEN.finditer(text, word.end(), window_end):
                if looks_like_password(token.group(0)):
                    value = token.group(0).rstrip(".,")
                    out.append((token.start(), token.start() + len(value)))
        return out

    def _cards(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, digits) of each card number: a digit run of 13-19 digits that passes Luhn, or
        its longest prefix at a group boundary that does ("4111 1111 1111 1111 123" with its code); a
        card-shaped run the customer calls a card, or one printed as cards are (4-4-4-4, 4-6-5), counts
        without the check (a mistyped digit). Longer runs (a USPS
        tracking number has 22 digits) are not cut into cards."""
        out = []
        for m in _DIGIT_RUN.finditer(text):
            run = m.group(0)
            groups = [(g.start(), g.end()) for g in re.finditer(r"\d+", run)]
            best = None
            ends = [len(groups) - 1]
            if len(groups) > 1 and 3 <= groups[-1][1] - groups[-1][0] <= 4:
                ends.append(len(groups) - 2)  # the last group may be the security code
            for last in ends:
                digits = re.sub(r"\D", "", run[:groups[last][1]])
                if 13 <= len(digits) <= 19 and luhn_ok(digits):
                    best = (m.start(), m.start() + groups[last][1], digits)
                    break
            if best is None:
                digits = re.sub(r"\D", "", run)
                layout = tuple(e - s_ for s_, e in groups)
                if 13 <= len(digits) <= 19 and (_near(_CARD_WORDS, text, m.start(), 40) or layout in _CARD_LAYOUTS):
                    best = (m.start(), m.end(), digits)
            if best:
                out.append(best)
        return out

    def redact(self, text: str) -> Redaction:
        findings = self.find(text)
        if not findings:
            return Redaction(text)
        parts, at = [], 0
        for f in findings:
            parts.append(text[at:f.start])
            parts.append(f.replacement)
            at = f.end
        parts.append(text[at:])
        return Redaction("".join(parts), tuple(findings))


def redact_all(redactor: Redactor, texts: Iterable[str]) -> list[str]:
    return [redactor.redact(t).text for t in texts]
