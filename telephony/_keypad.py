"""Collecting a run of keys across turns: parsing input, and knowing when an entry ends.

The channel delivers every key press as its own message, so the bot assembles
entries itself. Input comes in three shapes: one DTMF key per message, several
keys typed in one message (Emulator, Web Chat), or digits spoken as words
("four one one one") that the channel's speech recognition wrote down.

`DigitBuffer` holds an entry between turns. It does no I/O and reads no clock:
the caller feeds it keys, tells it when a timer ran out, and keeps its state in
conversation state, so consecutive turns of one call may be served by different
processes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping, cast

from ._defaults import INTER_DIGIT_TIMEOUT_S, NO_INPUT_TIMEOUT_S
from ._sealed import Sealer
from ._status import InputStatus
from ._wire import DTMF_KEYS

# Words speech recognition writes for keys. Homophones ("to", "for") are
# deliberate: recognisers often prefer them over the number words.
_KEY_WORDS: Mapping[str, str] = {
    "zero": "0", "oh": "0", "o": "0",
    "one": "1",
    "two": "2", "to": "2", "too": "2",
    "three": "3",
    "four": "4", "for": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "star": "*", "asterisk": "*",
    "pound": "#", "hash": "#",
}
_REPEATERS: Mapping[str, int] = {"double": 2, "triple": 3}
_SEPARATORS = re.compile(r"[\s,\-]+")
_TYPED_KEYS = re.compile(r"[0-9*#]+")
_TRAILING_PUNCTUATION = ".!?"
_TERMINAL_KEYS = frozenset("*#")

_STATE_VERSION = 1


def keys_from_text(text: str) -> str | None:
    """The keys a message stands for, or None when it is not keys at all.

    Accepts typed keys ("4111", "1 2 3", "12-34#"), spoken digits ("four one
    one one", "oh to", "double five") and any mix of the two, in any case,
    separated by spaces, commas or hyphens. A message with any other word
    ("balance", "I want to pay") is None, so menus can try their own words.
    """
    tokens = [t.rstrip(_TRAILING_PUNCTUATION) for t in _SEPARATORS.split(text.strip().lower())]
    tokens = [t for t in tokens if t]
    if not tokens:
        return None
    keys: list[str] = []
    repeat = 1
    for token in tokens:
        if token in _REPEATERS:
            if repeat != 1:
                return None
            repeat = _REPEATERS[token]
            continue
        if token in _KEY_WORDS:
            keys.append(_KEY_WORDS[token] * repeat)
        elif _TYPED_KEYS.fullmatch(token) and (repeat == 1 or len(token) == 1):
            keys.append(token * repeat)
        else:
            return None
        repeat = 1
    if repeat != 1:  # "double" with nothing after it
        return None
    return "".join(keys)


@dataclass(frozen=True)
class DigitSpec:
    """What one entry looks like and how it ends.

    Give either `length` (the entry completes at that many digits) or a range
    (`min_length`, default 1, to `max_length`). A `terminator` key (`#` or `*`)
    ends an entry early and is never part of it; with a range and a
    terminator the entry waits for the terminator even at `max_length`, so a
    caller told to "press pound" does not leave a stray `#` for the next
    prompt. `pattern` is a regular expression the whole entry must match.
    `cancel_key` abandons the entry.
    """

    length: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    terminator: str | None = None
    pattern: str | None = None
    cancel_key: str | None = None
    inter_digit_timeout_s: float = INTER_DIGIT_TIMEOUT_S
    first_digit_timeout_s: float = NO_INPUT_TIMEOUT_S

    def __post_init__(self) -> None:
        if self.length is not None:
            if self.min_length is not None or self.max_length is not None:
                raise ValueError("give either length or min_length/max_length, not both")
            _require_positive("length", self.length)
        else:
            if self.max_length is None:
                raise ValueError("give length, or max_length (with an optional min_length)")
            _require_positive("max_length", self.max_length)
            if self.min_length is not None:
                _require_positive("min_length", self.min_length)
                if self.min_length > self.max_length:
                    raise ValueError("min_length must not exceed max_length")
        for name in ("terminator", "cancel_key"):
            key = getattr(self, name)
            if key is not None and key not in _TERMINAL_KEYS:
                raise ValueError(f"{name} must be '#' or '*'")
        if self.terminator is not None and self.terminator == self.cancel_key:
            raise ValueError("terminator and cancel_key must differ")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as error:
                raise ValueError(f"pattern is not a valid regular expression: {error}") from None
        for name in ("inter_digit_timeout_s", "first_digit_timeout_s"):
            value = getattr(self, name)
            if not 0 < value < float("inf"):
                raise ValueError(f"{name} must be a positive number of seconds")

    @property
    def shortest(self) -> int:
        """The fewest digits an entry may have."""
        return self.length if self.length is not None else (self.min_length or 1)

    @property
    def longest(self) -> int:
        """The most digits an entry may have."""
        return self.length if self.length is not None else cast(int, self.max_length)

    @property
    def completes_at_longest(self) -> bool:
        """True when reaching `longest` ends the entry without a terminator."""
        return self.length is not None or self.terminator is None


def _require_positive(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1")


class InvalidReason(Enum):
    """Why an entry was refused."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    PATTERN_MISMATCH = "pattern_mismatch"
    UNEXPECTED_KEY = "unexpected_key"


@dataclass(frozen=True)
class Entry:
    """The result of feeding keys or of a timeout. `value` is set only when RECOGNIZED.

    `status` is INCOMPLETE (more keys to come), RECOGNIZED, CANCELLED, NO_MATCH
    (`reason` says why) or NO_INPUT.

    The value is kept out of the repr: entries may hold digits that must never
    reach a log line.
    """

    status: InputStatus
    value: str | None = field(default=None, repr=False)
    reason: InvalidReason | None = None

    @property
    def finished(self) -> bool:
        """True for every status but INCOMPLETE: the buffer has started over."""
        return self.status is not InputStatus.INCOMPLETE


_INCOMPLETE = Entry(InputStatus.INCOMPLETE)
_CANCELLED = Entry(InputStatus.CANCELLED)
_NO_INPUT = Entry(InputStatus.NO_INPUT)


def _invalid(reason: InvalidReason) -> Entry:
    return Entry(InputStatus.NO_MATCH, reason=reason)


class DigitBuffer:
    """The keys of one entry so far, by the rules of a `DigitSpec`.

    Any finished entry (complete, cancelled, invalid, no input) empties the
    buffer, so digits do not outlive the entry that carried them; the same
    buffer then collects the next attempt.
    """

    def __init__(self, spec: DigitSpec, digits: str = "") -> None:
        if digits and not _is_digits(digits):
            raise ValueError("a buffer holds digits only")
        self.spec = spec
        self._digits = digits

    def __len__(self) -> int:
        return len(self._digits)

    def __repr__(self) -> str:
        return f"DigitBuffer({len(self._digits)} digits held)"

    @property
    def next_timeout_s(self) -> float:
        """How long to wait for the next key: the first-digit wait until a digit arrives."""
        if self._digits:
            return self.spec.inter_digit_timeout_s
        return self.spec.first_digit_timeout_s

    def clear(self) -> None:
        """Drop any digits held, e.g. when the caller leaves the step."""
        self._digits = ""

    def feed(self, keys: str) -> Entry:
        """Add keys (one press, or several typed at once) and say where the entry stands.

        Keys must be DTMF keys (`keys_from_text` gives them); anything else is
        a programming error and raises ValueError without echoing the input.
        Keys typed after the end of an entry in the same message make it
        TOO_LONG, except one terminator right after a fixed-length entry.
        """
        if not keys or any(k not in DTMF_KEYS for k in keys):
            raise ValueError("feed() takes one or more DTMF keys (0-9, *, #)")
        spec = self.spec
        for index, key in enumerate(keys):
            rest = keys[index + 1:]
            if key == spec.cancel_key:
                return self._finish(_CANCELLED)
            if key == spec.terminator:
                if len(self._digits) < spec.shortest:
                    return self._finish(_invalid(InvalidReason.TOO_SHORT))
                if rest:
                    return self._finish(_invalid(InvalidReason.TOO_LONG))
                return self._finish(self._accept())
            if not key.isdigit():
                return self._finish(_invalid(InvalidReason.UNEXPECTED_KEY))
            self._digits += key
            if len(self._digits) > spec.longest:
                return self._finish(_invalid(InvalidReason.TOO_LONG))
            if len(self._digits) == spec.longest and spec.completes_at_longest:
                if rest and rest != spec.terminator:
                    return self._finish(_invalid(InvalidReason.TOO_LONG))
                return self._finish(self._accept())
        return _INCOMPLETE

    def timeout(self) -> Entry:
        """The wait from `next_timeout_s` ran out.

        Nothing entered is NO_INPUT. Otherwise the entry completes if it is
        acceptable as it stands (the inter-digit timeout ends it, terminator or
        not), and is NO_MATCH if it is too short or does not match.
        """
        if not self._digits:
            return _NO_INPUT
        if len(self._digits) < self.spec.shortest:
            return self._finish(_invalid(InvalidReason.TOO_SHORT))
        return self._finish(self._accept())

    def to_state(self, sealer: Sealer | None = None, context: str = "") -> dict[str, Any]:
        """A small JSON-ready dict to keep in conversation state between turns.

        With a `sealer` the digits are encrypted, bound to `context` (use the
        conversation id), and the dict holds no digit in clear. Without one
        they are stored as they are: fine for menu choices and reference numbers,
        never for secrets.
        """
        if sealer is None:
            return {"v": _STATE_VERSION, "digits": self._digits}
        return {"v": _STATE_VERSION, "sealed": sealer.seal(self._digits, context)}

    @classmethod
    def from_state(
        cls,
        spec: DigitSpec,
        state: Mapping[str, Any],
        sealer: Sealer | None = None,
        context: str = "",
    ) -> "DigitBuffer":
        """Rebuild a buffer saved by `to_state`, with the same spec, sealer and context.

        Raises ValueError for a state this module did not write, and
        `SealedValueError` when sealed digits cannot be opened (other key,
        other context, altered).
        """
        if state.get("v") != _STATE_VERSION:
            raise ValueError("unknown digit buffer state version")
        digits: object
        if "sealed" in state:
            if sealer is None:
                raise ValueError("this digit buffer state is sealed: pass the sealer")
            digits = sealer.open(state["sealed"], context)
        else:
            digits = state.get("digits")
        if not isinstance(digits, str) or (digits and not _is_digits(digits)):
            raise ValueError("digit buffer state holds something other than digits")
        return cls(spec, digits)

    def _accept(self) -> Entry:
        pattern = self.spec.pattern
        if pattern is not None and not re.fullmatch(pattern, self._digits):
            return _invalid(InvalidReason.PATTERN_MISMATCH)
        return Entry(InputStatus.RECOGNIZED, value=self._digits)

    def _finish(self, entry: Entry) -> Entry:
        self._digits = ""
        return entry


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
