"""One vocabulary for what the caller's input amounted to.

A digit buffer, a prompt's recognizer and a finished prompt all answer with an
`InputStatus`; each uses the part of it that applies to it:

- a key or a timeout fed to a `DigitBuffer`: INCOMPLETE, RECOGNIZED, NO_MATCH,
  NO_INPUT or CANCELLED;
- one turn's input as a prompt's `recognize` judges it: any but EXHAUSTED;
- how a prompt ended (the `InputResult` its parent receives): RECOGNIZED,
  CANCELLED or EXHAUSTED.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class InputStatus(str, Enum):
    RECOGNIZED = "recognized"  # a value the prompt accepts
    INCOMPLETE = "incomplete"  # more keys to come: keep waiting, restart the timer
    NO_MATCH = "no-match"  # means nothing here: a miss
    NO_INPUT = "no-input"  # the wait ran out with nothing usable: a miss
    IGNORED = "ignored"  # dropped unread; the running timer keeps running
    CANCELLED = "cancelled"  # the caller abandoned the step
    EXHAUSTED = "exhausted"  # too many misses: the parent decides (usually a transfer)


@dataclass(frozen=True)
class InputResult:
    """A status and, when RECOGNIZED, the value. The value stays out of the repr: it may be a card digit."""

    status: InputStatus
    value: Any = field(default=None, repr=False)

    @property
    def recognized(self) -> bool:
        return self.status is InputStatus.RECOGNIZED


def recognized(value: Any) -> InputResult:
    """The result for an accepted `value`."""
    return InputResult(InputStatus.RECOGNIZED, value)
