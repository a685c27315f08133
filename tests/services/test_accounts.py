"""Accounts are found by number in the demo data file, or a fork's own file."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.accounts import Account, AccountDirectory, JsonAccountDirectory


@pytest.fixture
def demo() -> AccountDirectory:
    return JsonAccountDirectory()


async def test_finds_the_demo_account_with_a_balance(demo: AccountDirectory) -> None:
    assert await demo.find("123456") == Account(
        number="123456", balance=Decimal("42.17"), due_date=date(2027, 3, 3), currency="USD"
    )


async def test_finds_the_demo_account_with_nothing_due(demo: AccountDirectory) -> None:
    account = await demo.find("654321")
    assert account is not None and account.balance == Decimal("0.00")


@pytest.mark.parametrize("number", ["000000", "12345", "1234567", "", " 123456"])
async def test_unknown_numbers_find_nothing(demo: AccountDirectory, number: str) -> None:
    assert await demo.find(number) is None


async def test_reads_a_forks_own_file_with_exact_balances(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps({"accounts": [
        {"number": "111111", "balance": 0.1, "due_date": "2030-01-31", "currency": "EUR"},
        {"number": "222222", "balance": 7, "due_date": "2030-02-01"},
    ]}))
    directory = JsonAccountDirectory(path)
    first, second = await directory.find("111111"), await directory.find("222222")
    assert first == Account("111111", Decimal("0.1"), date(2030, 1, 31), "EUR")
    assert second == Account("222222", Decimal("7"), date(2030, 2, 1), "USD")


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("not json", "accounts list"),
        ("[]", "accounts list"),
        ('{"accounts": {}}', "accounts list"),
        ('{"accounts": [1]}', "accounts[0]: expected an object"),
        ('{"accounts": [{"balance": "1", "due_date": "2030-01-01"}]}', "accounts[0]: missing 'number'"),
        ('{"accounts": [{"number": 123456, "balance": "1", "due_date": "2030-01-01"}]}', "string of digits"),
        ('{"accounts": [{"number": "1", "balance": "lots", "due_date": "2030-01-01"}]}', "balance must be"),
        ('{"accounts": [{"number": "1", "balance": "NaN", "due_date": "2030-01-01"}]}', "finite"),
        ('{"accounts": [{"number": "1", "balance": "1", "due_date": "March 3rd"}]}', "YYYY-MM-DD"),
        ('{"accounts": [{"number": "1", "balance": "1", "due_date": "2030-01-01", "currency": "usd"}]}',
         "three-letter"),
        ('{"accounts": [{"number": "1", "balance": "1", "due_date": "2030-01-01"},'
         ' {"number": "1", "balance": "2", "due_date": "2030-01-01"}]}', "accounts[1] repeats"),
    ],
)
def test_a_bad_file_stops_start_up_naming_file_and_entry(tmp_path: Path, content: str, complaint: str) -> None:
    path = tmp_path / "accounts.json"
    path.write_text(content)
    with pytest.raises(ValueError) as raised:
        JsonAccountDirectory(path)
    assert str(path) in str(raised.value) and complaint in str(raised.value)


def test_a_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nowhere.json"):
        JsonAccountDirectory(tmp_path / "nowhere.json")
