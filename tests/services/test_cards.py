"""Card details keyed in are checked before they reach a gateway."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.cards import card_number_valid, expiry_valid, last_four, luhn_valid, security_code_valid

from .card_numbers import check_digit


payloads = st.text(alphabet="0123456789", min_size=11, max_size=18)


@given(payloads)
def test_numbers_with_a_correct_check_digit_pass(payload: str) -> None:
    number = payload + check_digit(payload)
    assert luhn_valid(number)
    assert card_number_valid(number)


@given(payloads, st.data())
def test_any_single_mistyped_digit_fails(payload: str, data: st.DataObject) -> None:
    number = payload + check_digit(payload)
    position = data.draw(st.integers(0, len(number) - 1))
    replacement = data.draw(st.sampled_from("0123456789"))
    assume(replacement != number[position])
    typo = number[:position] + replacement + number[position + 1:]
    assert not luhn_valid(typo)
    assert not card_number_valid(typo)


too_short_or_long = st.text(alphabet="0123456789", min_size=1, max_size=10) | st.text(
    alphabet="0123456789", min_size=19, max_size=30
)


@given(too_short_or_long)
def test_luhn_valid_numbers_of_the_wrong_length_are_not_card_numbers(payload: str) -> None:
    number = payload + check_digit(payload)
    assert luhn_valid(number)
    assert not card_number_valid(number)


@pytest.mark.parametrize(
    "number",
    ["4111111111111111", "4000000000000002", "5555555555554444", "378282246310005", "6011111111111117"],
)
def test_well_known_test_cards_are_valid(number: str) -> None:
    assert card_number_valid(number)


@pytest.mark.parametrize(
    "number", ["", "4111111111111112", "4111 1111 1111 1111", "4111-1111-1111-1111", "41111111111111111111",
               "411111111111111a", "４１１１１１１１１１１１１１１１", "1" * 12 + "\n"]
)
def test_malformed_numbers_are_invalid(number: str) -> None:
    assert not card_number_valid(number)


TODAY = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("mmyy", "valid"),
    [
        ("0626", True),   # this month: good through its last day
        ("0726", True),
        ("0127", True),
        ("1299", True),
        ("0526", False),  # last month
        ("1225", False),
        ("0026", False),
        ("1326", False),
        ("626", False),
        ("06/26", False),
        ("06265", False),
        ("ab26", False),
        ("", False),
    ],
)
def test_expiry_is_mmyy_and_not_in_the_past(mmyy: str, valid: bool) -> None:
    assert expiry_valid(mmyy, TODAY) is valid


def test_a_card_expires_after_the_last_day_of_its_month() -> None:
    assert expiry_valid("0226", date(2026, 2, 28))
    assert not expiry_valid("0226", date(2026, 3, 1))
    assert expiry_valid("1226", date(2026, 12, 31))
    assert not expiry_valid("1226", date(2027, 1, 1))


@pytest.mark.parametrize(("code", "valid"), [("123", True), ("1234", True), ("12", False), ("12345", False),
                                             ("12a", False), ("", False), ("१२३", False)])
def test_security_code_is_three_or_four_digits(code: str, valid: bool) -> None:
    assert security_code_valid(code) is valid


def test_last_four_shows_only_the_end() -> None:
    assert last_four("4111111111111234") == "1234"
    for bad in ("123", "", "abcd"):
        with pytest.raises(ValueError):
            last_four(bad)
