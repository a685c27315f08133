"""Card numbers for tests, built without the code under test."""

from __future__ import annotations


def check_digit(payload: str) -> str:
    """The digit that makes `payload + digit` pass Luhn, computed independently of the module."""
    for candidate in "0123456789":
        digits = [int(c) for c in payload + candidate]
        total = sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable: one digit always fits")
