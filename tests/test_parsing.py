"""bot.parsing: what customers type, normalised or refused with a reason."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.parsing import (
    AmountError,
    PhoneNumberError,
    When,
    clean_text,
    format_us_phone,
    mask_phone,
    match_product,
    normalize_email,
    normalize_order_id,
    normalize_us_phone,
    parse_money,
    parse_when,
)

CATALOGUE = [
    "Pour-Over Kettle", "Barista One espresso machine", "Burr Grinder Pro", "Cold Brew Jar", "Milk Frother",
    "Ceramic Mug Set", "Cast Iron Skillet", "Chef's Knife", "Bamboo Cutting Board", "Stand Mixer", "Toaster",
    "Blender", "Air Fryer", "Dutch Oven", "French Press", "Coffee Beans", "Glass Storage Jars", "Linen Tea Towels",
    "Water Filter Pitcher", "Smart Kitchen Scale",
]


# ------------------------------------------------------------------ order ids
@pytest.mark.parametrize("text", ["A1042", "a1042", "a 1042", "#A1042", "# a1042", "A-1042", "1042", " A1042 ",
                                  "order A1042", "my order is a1042, thanks", "order #a1042"])
def test_order_ids_are_normalised(text):
    assert normalize_order_id(text) == "A1042"


def test_six_digit_order_id():
    assert normalize_order_id("a104299") == "A104299"


@pytest.mark.parametrize("text", [None, "", "hello", "A12", "A1234567", "B1042", "A1042 and A1043", "12345678"])
def test_not_order_ids(text):
    assert normalize_order_id(text) is None


# ------------------------------------------------------------------ emails
@pytest.mark.parametrize("text, expected", [
    ("Jane.Doe@Gmail.com", "jane.doe@gmail.com"),
    ("  maria.lopez@example.com ", "maria.lopez@example.com"),
    ("it's jane.doe@gmail.com.", "jane.doe@gmail.com"),
    ("<x+tag@y.co.uk>", "x+tag@y.co.uk"),
    ("mailto:ME@x.org", "me@x.org"),
])
def test_emails_are_normalised(text, expected):
    assert normalize_email(text) == expected


@pytest.mark.parametrize("text", [None, "", "jane", "jane@", "@gmail.com", "jane@gmail", "jane..doe@gmail.com",
                                  "a@b.com and c@d.com", "jane@-gmail.com"])
def test_invalid_emails(text):
    assert normalize_email(text) is None


# ------------------------------------------------------------------ phones
@pytest.mark.parametrize("text", ["(555) 201-3344", "555-201-3344", "555.201.3344", "5552013344", "+1 555 201 3344",
                                  "+1 (555) 201-3344", "1-555-201-3344", "call me on 555 201 3344 please"])
def test_us_phones_become_e164(text):
    assert normalize_us_phone(text) == "+15552013344"


@pytest.mark.parametrize("text, reason", [
    ("", "empty"),
    ("call me", "empty"),
    ("201-3344", "wrong_length"),
    ("555 201 33445", "wrong_length"),
    ("+44 20 7946 0958", "not_us"),
    ("(055) 201-3344", "bad_area_code"),
    ("(155) 201-3344", "bad_area_code"),
    ("555-201-3344 or 555-201-9999", "ambiguous"),
])
def test_bad_phones_fail_with_a_reason(text, reason):
    with pytest.raises(PhoneNumberError) as failure:
        normalize_us_phone(text)
    assert failure.value.reason == reason
    assert failure.value.message.endswith(("?", "."))


def test_phone_failure_message_is_for_people():
    with pytest.raises(PhoneNumberError, match="I counted 7"):
        normalize_us_phone("201-3344")


def test_phone_display_and_mask():
    assert format_us_phone("+15552013344") == "(555) 201-3344"
    assert mask_phone("+15552013344") == "(***) ***-3344"


# ------------------------------------------------------------------ money
@pytest.mark.parametrize("text, expected", [
    ("$22", "22.00"), ("22.00", "22.00"), ("22 dollars", "22.00"), ("22 dollar", "22.00"), ("$1,049.99", "1049.99"),
    ("50 bucks", "50.00"), ("USD 22", "22.00"), ("22 usd", "22.00"), ("22.5", "22.50"), ("$ 22", "22.00"),
    ("99 cents", "0.99"), ("the $22 charge on 3 March", "22.00"), ("I was charged 22 dollars twice", "22.00"),
    (Decimal("22"), "22.00"),
])
def test_money_amounts(text, expected):
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize("text, reason", [
    ("", "empty"), ("the big one", "none_found"), ("22 and 40", "ambiguous"), ("$0", "out_of_range"),
    ("22.999", "none_found"), ("22,50", "none_found"), ("$2,000,000", "out_of_range"),
])
def test_bad_amounts(text, reason):
    with pytest.raises(AmountError) as failure:
        parse_money(text)
    assert failure.value.reason == reason


# ------------------------------------------------------------------ free text
def test_clean_text():
    assert clean_text("  it   arrived\ncracked  ") == "it arrived cracked"
    assert clean_text("") is None
    assert clean_text("   ") is None
    assert clean_text("?!...") is None
    assert clean_text("/affirm") is None
    assert clean_text('/inform{"product":"Toaster"}') is None


def test_clean_text_is_cut_on_a_word_boundary():
    cut = clean_text("lorem ipsum " * 100, max_chars=500)
    assert len(cut) <= 500
    assert cut.endswith("ipsum…") or cut.endswith("lorem…")


# ------------------------------------------------------------------ products
@pytest.mark.parametrize("text, expected", [
    ("the kettle", "Pour-Over Kettle"),
    ("Pour over kettle", "Pour-Over Kettle"),
    ("kettel", "Pour-Over Kettle"),
    ("expresso machine", "Barista One espresso machine"),
    ("the espresso machine", "Barista One espresso machine"),
    ("my knife", "Chef's Knife"),
    ("the mugs", "Ceramic Mug Set"),
    ("grinder", "Burr Grinder Pro"),
    ("cold brew jar please", "Cold Brew Jar"),
    ("the kettle, it arrived broken", "Pour-Over Kettle"),
    ("TOASTER", "Toaster"),
    ("tea towels", "Linen Tea Towels"),
])
def test_products_are_matched(text, expected):
    assert match_product(text, CATALOGUE).product == expected


def test_ambiguous_product_lists_candidates():
    match = match_product("the jar", CATALOGUE)
    assert match.product is None
    assert match.candidates == ("Cold Brew Jar", "Glass Storage Jars")


@pytest.mark.parametrize("text", ["a sofa", "", None, "it's broken"])
def test_no_product(text):
    match = match_product(text, ["Pour-Over Kettle", "Coffee Beans"])
    assert match.product is None and match.candidates == ()


def test_match_only_within_the_given_products():
    assert match_product("the kettle", ["Burr Grinder Pro", "Ceramic Mug Set"]).product is None


# ------------------------------------------------------------------ when
WEDNESDAY = date(2026, 3, 11)


@pytest.mark.parametrize("text, expected", [
    ("tomorrow after 3pm", When(date(2026, 3, 12), 15 * 60, "after")),
    ("today before 10am", When(WEDNESDAY, 10 * 60, "before")),
    ("friday at 9:30", When(date(2026, 3, 13), 9 * 60 + 30, None)),
    ("saturday morning", When(date(2026, 3, 14), None, None)),
    ("next wednesday at noon", When(date(2026, 3, 18), 12 * 60, None)),
    ("wednesday", When(WEDNESDAY, None, None)),
    ("16 March 2pm", When(date(2026, 3, 16), 14 * 60, None)),
    ("March 16th at 2 pm", When(date(2026, 3, 16), 14 * 60, None)),
    ("3/16 around 4", When(date(2026, 3, 16), 16 * 60, None)),
    ("after 6", When(None, 18 * 60, "after")),
    ("any time after 17:30", When(None, 17 * 60 + 30, "after")),
    ("asap", When(None, None, None)),
    ("the day after tomorrow", When(date(2026, 3, 13), None, None)),
])
def test_parse_when(text, expected):
    assert parse_when(text, WEDNESDAY) == expected


def test_a_past_date_means_next_year():
    assert parse_when("10 March", WEDNESDAY).day == date(2027, 3, 10)
