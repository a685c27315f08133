"""Looking up a caller's account: the directory interface and the demo data file.

A fork implements `AccountDirectory` for its billing system; the sample reads
a small JSON file so it runs with no back end at all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Protocol

DEMO_ACCOUNTS_PATH = Path(__file__).with_name("demo_accounts.json")

_ACCOUNT_NUMBER = re.compile(r"[0-9]+")
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class Account:
    """What the call needs to know about an account."""

    number: str
    balance: Decimal
    due_date: date
    currency: str = "USD"


class AccountDirectory(Protocol):
    """Finds accounts by the number the caller keyed in."""

    async def find(self, account_number: str) -> Account | None:
        """The account with this number, or None when there is none."""
        ...


class JsonAccountDirectory:
    """Accounts read once from a JSON file: `{"accounts": [{"number", "balance", "due_date", "currency"}]}`.

    Balances are strings ("42.17") so they stay exact; dates are ISO 8601.
    The file is read and checked at construction, so a bad file stops
    start-up with a message naming the file and the entry.
    """

    def __init__(self, path: Path | str = DEMO_ACCOUNTS_PATH) -> None:
        self.path = Path(path)
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"), parse_float=Decimal)
            entries = document["accounts"]
            if not isinstance(entries, list):
                raise TypeError("accounts is not a list")
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{self.path}: expected a JSON object with an accounts list ({error})") from None
        accounts: dict[str, Account] = {}
        for index, entry in enumerate(entries):
            account = _parse_account(entry, f"{self.path}: accounts[{index}]")
            if account.number in accounts:
                raise ValueError(f"{self.path}: accounts[{index}] repeats an account number")
            accounts[account.number] = account
        self._accounts: Mapping[str, Account] = MappingProxyType(accounts)

    async def find(self, account_number: str) -> Account | None:
        return self._accounts.get(account_number)


def _parse_account(entry: Any, where: str) -> Account:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected an object")
    try:
        number = entry["number"]
        balance = Decimal(str(entry["balance"]))
        due_date = date.fromisoformat(entry["due_date"])
        currency = entry.get("currency", "USD")
    except KeyError as missing:
        raise ValueError(f"{where}: missing {missing}") from None
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{where}: balance must be a decimal and due_date a YYYY-MM-DD date") from None
    if not isinstance(number, str) or not _ACCOUNT_NUMBER.fullmatch(number):
        raise ValueError(f"{where}: number must be a string of digits")
    if not balance.is_finite():
        raise ValueError(f"{where}: balance must be a finite decimal")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise ValueError(f"{where}: currency must be a three-letter code such as USD")
    return Account(number=number, balance=balance, due_date=due_date, currency=currency)
