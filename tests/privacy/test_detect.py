"""bot.redaction: sensitive numbers and passwords hidden, look-alikes left alone (issue 15)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from bot.redaction import (CARD, CVV, IBAN, PASSWORD, SSN, PrivacyConfig, Redactor, aba_ok, iban_ok,
                                luhn_ok)

redactor = Redactor()


def test_number_checks():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("DE89 3704 0044 0532 0130 00") and not iban_ok("DE89 3704 0044 0532 0130 01")
    assert aba_ok("021000021") and not aba_ok("021000022")


@pytest.mark.parametrize("text, expected", [
    ("my visa is 4111 1111 1111 1111 exp 04/27 cvv 123",
     "my visa is [card ending 1111] exp 04/27 cvv [security code hidden]"),
    ("5500-0000-0000-0004", "[card ending 0004]"),
    ("amex 3782 822463 10005, security code 1234", "amex [card ending 0005], security code [security code hidden]"),
    ("4111111111111111 04/27 123", "[card ending 1111] 04/27 [security code hidden]"),
    ("my card number is 4111 1111 1111 1112", "my card number is [card ending 1112]"),  # a mistyped digit
    ("ssn 123-45-6789 please", "ssn [SSN hidden] please"),
    ("my social is 123456789", "my social is [SSN hidden]"),
    ("refund to GB82 WEST 1234 5698 7654 32", "refund to [IBAN hidden]"),
    ("routing 021000021 account 000123456789", "routing [routing number hidden] account [bank account hidden]"),
    ("my password is Sunny2024 but it won't let me in", "my password is [password hidden] but it won't let me in"),
    ("I tried hunter22 as the password", "I tried [password hidden] as the password"),
])
def test_sensitive_values_are_hidden(text, expected):
    assert redactor.redact(text).text == expected


@pytest.mark.parametrize("text", [
    "where is order A1042? call me on (555) 201-3344",
    "UPS says 1Z999AA10123456784, USPS 9400 1000 0000 0000 0000 00",
    "it was $1,299.00 on 12/25/2026, card ending 4242",
    "my password is not working and the reset email never came",
    "promo WELCOME10, gift card LARK-7F3K-92QD, model LK-ES100, ZIP 28801",
    "fedex 123456789012 and invoice INV-2026-00417",
])
def test_look_alikes_are_left_alone(text):
    assert redactor.redact(text).text == text


def test_categories_can_be_switched_off_and_clients_add_patterns():
    config = PrivacyConfig.from_mapping({"password": False, "patterns": [
        {"name": "member_id", "regex": r"\bLM-\d{6}\b", "replacement": "[member id hidden]"}]})
    result = Redactor(config).redact("password is Sunny2024, member LM-123456, card 4111 1111 1111 1111")
    assert result.text == "password is Sunny2024, member [member id hidden], card [card ending 1111]"
    assert result.categories == ("member_id", CARD)
    with pytest.raises(ValueError):
        PrivacyConfig.from_mapping({"credit_cards": True})
    with pytest.raises(ValueError):
        PrivacyConfig.from_mapping({"patterns": [{"name": "x", "regex": "("}]})


def test_findings_name_their_categories():
    result = redactor.redact("card 4111 1111 1111 1111 cvv 123, ssn 123-45-6789, iban DE89370400440532013000, "
                             "pw: Tr0ub4dor&3")
    assert set(result.categories) == {CARD, CVV, SSN, IBAN, PASSWORD}
    assert "4111" not in result.text.replace("[card ending 1111]", "") and "Tr0ub4dor" not in result.text


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_is_redacted_without_error_and_a_clean_text_is_unchanged(text):
    result = redactor.redact(text)
    assert isinstance(result.text, str)
    if not result.findings:
        assert result.text == text
