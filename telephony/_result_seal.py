"""How a step's result is kept sealed while it waits between turns.

A `SecureStep` holds what its inner step ended with until the channel has
answered `recording.resume`: a turn or more later, so in the call's stored
state. What a step returns there (a bank account number, say) must not sit in
that state in clear, so it is written as text and sealed (`Sealer`). A
`ResultSeal` says how a result becomes text and back; a dialog class declares
its own as `result_seal` (`DigitsPrompt` does), or the `SecureStep` is given one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from ._status import InputResult, InputStatus


def _as_is(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class ResultSeal:
    """`to_text` writes all of a result as text, `from_text` rebuilds it: `from_text(to_text(r)) == r`."""

    to_text: Callable[[Any], str]
    from_text: Callable[[str], Any]

    @classmethod
    def for_input(
        cls, value_to_json: Callable[[Any], Any] = _as_is, value_from_json: Callable[[Any], Any] = _as_is
    ) -> "ResultSeal":
        """For a step that ends with an `InputResult`; `value_to_json` makes its value plain JSON (and back)."""

        def to_text(result: InputResult) -> str:
            if not isinstance(result, InputResult):
                raise TypeError(f"expected an InputResult, not a {type(result).__name__}")
            value = None if result.value is None else value_to_json(result.value)
            return json.dumps({"status": result.status.value, "value": value})

        def from_text(text: str) -> InputResult:
            data = json.loads(text)
            value = data["value"]
            return InputResult(InputStatus(data["status"]), None if value is None else value_from_json(value))

        return cls(to_text, from_text)


#: What a `DigitsPrompt` ends with: an `InputResult` whose value is the digits.
DIGITS_RESULT = ResultSeal.for_input()
