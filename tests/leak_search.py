"""Searching everything a call left behind for what the caller typed: logs, stored state, activities.

Leak tests keep every log record (at DEBUG, with no redaction installed, so
the search checks the first line of defence), every state write and every
outgoing activity of a call, then look for a secret in each, as a whole digit
run, plain or spaced out. Sealed values in state can be opened with the bot's
own key, to check what they hold.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import jsonpickle

from telephony import SealedValueError, Sealer
from telephony.testing import FakeChannel

# Fields and values that are random ids, counters or dates: digits in them are noise, not what was typed
# (the demo account's due date, 2027-03-03, would otherwise match a security code of 2027).
_NOISE_KEYS = {"command_id", "commandId", "timer", "e_tag", "eTag", "id", "timestamp", "local_timestamp"}
_NOISE_VALUE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|\d{4}-\d{2}-\d{2}"
)


@dataclass
class Capture:
    logs: list[str] = field(default_factory=list)
    writes: list[dict] = field(default_factory=list)


class _Keep(logging.Handler):
    def __init__(self, into: list[str]):
        super().__init__(logging.DEBUG)
        self.into = into
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(self.format(record) + " " + json.dumps(_extras(record), default=str))


def _extras(record: logging.LogRecord) -> dict:
    standard = vars(logging.makeLogRecord({}))
    return {k: v for k, v in vars(record).items() if k not in standard}


@contextlib.contextmanager
def every_log_record(into: Capture) -> Iterator[None]:
    """Keep every record any logger makes meanwhile, at DEBUG, formatted with its extra fields."""
    keeper = _Keep(into.logs)
    root = logging.getLogger()
    level = root.level
    root.addHandler(keeper)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(keeper)
        root.setLevel(level)


def capture(call: FakeChannel, into: Capture) -> None:
    """Keep every write to the call's storage, as JSON."""
    write = call.storage.write

    async def keep_and_write(changes):
        into.writes.append(json.loads(jsonpickle.encode(changes, unpicklable=True, make_refs=False)))
        await write(changes)

    call.storage.write = keep_and_write


def forms(secret: str) -> list[re.Pattern]:
    """The secret as a whole digit run, plain or spaced out as a read-back would say it.

    A run inside a longer token of letters and digits (a sealed value's base64,
    an id) is chance, not the secret: a three-digit code turns up in random
    base64 about once in a few hundred values.
    """
    return [
        re.compile(rf"(?<![\w+/])(?<!\d ){re.escape(form)}(?! \d)(?![\w+/=])") for form in (secret, " ".join(secret))
    ]


def leaves(value, key: str = ""):
    """Every string in a JSON value, but for ids, timestamps and dates."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from leaves(v, key)
    elif isinstance(value, str) and key not in _NOISE_KEYS and not _NOISE_VALUE.fullmatch(value):
        yield value


def found(patterns: list[re.Pattern], texts) -> list[str]:
    return [text for text in texts for pattern in patterns if pattern.search(text)]


def opened(sealer: Sealer, texts, context: str) -> list[str]:
    """Every text that is a value sealed for `context`, opened."""
    values = []
    for text in texts:
        try:
            values.append(sealer.open(text, context))
        except (SealedValueError, ValueError):
            continue
    return values
