"""Checks on card details as keyed in, before anything is sent to a payment gateway.

They catch typing mistakes early so the caller can re-enter at once; the
gateway remains the authority on whether a card is good.
"""

from __future__ import annotations

import re
from datetime import date

_DIGITS = re.compile(r"[0-9]+")
_EXPIRY = re.compile(r"(?P<month>[0-9]{2})(?P<year>[0-9]{2})")
_SECURITY_CODE = re.compile(r"[0-9]{3,4}")

CARD_NUMBER_MIN_DIGITS = 12
CARD_NUMBER_MAX_DIGITS = 19


def luhn_valid(number: str) -> bool:
    """True when `number` is all digits and its last digit is its Luhn check digit."""
    if not _DIGITS.fullmatch(number):
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def card_number_valid(number: str) -> bool:
    """True for 12 to 19 digits that pass the Luhn check."""
    return CARD_NUMBER_MIN_DIGITS <= len(number) <= CARD_NUMBER_MAX_DIGITS and luhn_valid(number)


def expiry_valid(mmyy: str, today: date) -> bool:
    """True for an MMYY expiry (month 01-12) whose month has not ended by `today`.

    A card is good through the last day of its expiry month.
    """
    match = _EXPIRY.fullmatch(mmyy)
    if match is None:
        return False
    month, year = int(match["month"]), 2000 + int(match["year"])
    if not 1 <= month <= 12:
        return False
    return (year, month) >= (today.year, today.month)


def security_code_valid(code: str) -> bool:
    """True for a 3 or 4 digit security code."""
    return _SECURITY_CODE.fullmatch(code) is not None


def last_four(number: str) -> str:
    """The last four digits, the only part of a card number that may be shown or spoken."""
    if not _DIGITS.fullmatch(number) or len(number) < 4:
        raise ValueError("a card number has at least four digits")
    return number[-4:]
