"""Asking the caller for a run of digits: an account number, a date, a code.

`DigitsPrompt` puts a `DigitBuffer` behind the reprompt and no-input rules of
`CallerInputDialog`. Every turn rebuilds the buffer from conversation state, so
the keys of one entry may reach different processes. With a `Sealer`, the
digits held between turns are encrypted, bound to the conversation id.

Keys arrive one DTMF message each on the phone, several typed at once in the
Emulator, or as spoken words ("four one one one"). A keypad-only prompt drops
speech unread: what speech-to-text wrote down is never looked at, and the
caller is asked to use the keypad instead.
"""

from __future__ import annotations

import inspect
from typing import Awaitable, Callable

from ._input import CallerInputDialog, InputPolicy, PromptFor
from ._observer import observe
from ._dtmf import is_dtmf
from ._keypad import DigitBuffer, DigitSpec, Entry, keys_from_text
from ._result_seal import DIGITS_RESULT
from ._sealed import Sealer
from ._status import InputResult, InputStatus, recognized
from ._timers import CallTimers
from ._wire import TELEPHONY_CHANNEL
from .sdk import Activity, DialogContext, DialogInstance, TurnContext

_ENTRY = "entry"  # the digits held so far; absent when none are
_STRAY_TERMINATOR = "#"

#: Says whether a complete entry is acceptable (e.g. a checksum, a lookup). May be async.
Validator = Callable[[str], bool | Awaitable[bool]]


class DigitsPrompt(CallerInputDialog):
    """Collects one entry by the rules of a `DigitSpec`; ends with the digits as its value.

    Misses (an invalid entry, one the validator refuses, words that are not
    digits, a silence with nothing entered) reprompt with `Reprompt.NO_MATCH`
    or `Reprompt.NO_INPUT` up to the policy's limit, then end `EXHAUSTED`.
    The spec's cancel key ends the dialog `CANCELLED`. When the inter-digit
    wait runs out with digits entered, the entry is judged as it stands.

    A lone `#` before any digit is ignored: it is the tail of the previous
    entry from a caller who pressed pound out of habit.

    For sensitive entry (inside a `SecureStep`): `keypad_only=True` drops speech
    unread and plays `use_keypad` instead; `allows_interruptions=False` keeps the
    call's global words ("agent", the opt-out key) out, so the spec's cancel key
    is the only way out.
    """

    #: How a `SecureStep` seals this prompt's result while the recording resumes.
    result_seal = DIGITS_RESULT

    def __init__(
        self,
        dialog_id: str,
        timers: CallTimers,
        policy: InputPolicy,
        prompt_for: PromptFor,
        spec: DigitSpec,
        *,
        validator: Validator | None = None,
        keypad_only: bool = False,
        use_keypad: Callable[[], Activity] | None = None,
        sealer: Sealer | None = None,
        allows_interruptions: bool = True,
    ):
        if keypad_only and use_keypad is None:
            raise ValueError("a keypad-only prompt needs `use_keypad`, the message played when the caller speaks")
        super().__init__(dialog_id, timers, policy, prompt_for, allows_interruptions=allows_interruptions)
        self.spec = spec
        self.validator = validator
        self.keypad_only = keypad_only
        self.use_keypad = use_keypad
        self.sealer = sealer

    async def recognize(self, dc: DialogContext, activity: Activity, state: dict) -> InputResult:
        if self._is_speech(activity) and self.keypad_only:
            await dc.context.send_activity(self.use_keypad())
            return InputResult(InputStatus.INCOMPLETE)
        keys = keys_from_text(activity.text)
        buffer = self._load(dc, state)
        if keys is None:
            buffer.clear()
            self._save(dc, state, buffer)
            return InputResult(InputStatus.NO_MATCH)
        if not buffer and keys == _STRAY_TERMINATOR and keys != self.spec.cancel_key:
            return InputResult(InputStatus.IGNORED)
        if self.sealer is not None:
            observe(dc.context, lambda observer: observer.sensitive_keys(dc.context, self.id))
        entry = buffer.feed(keys)
        self._save(dc, state, buffer)
        return await self._judge(entry)

    async def on_silence(self, dc: DialogContext, state: dict) -> InputResult:
        buffer = self._load(dc, state)
        entry = buffer.timeout()
        self._save(dc, state, buffer)
        return await self._judge(entry)

    async def reprompt_dialog(self, context: TurnContext, instance: DialogInstance) -> None:
        """Asking again starts the entry over: the caller hears the whole prompt."""
        instance.state.pop(_ENTRY, None)
        await super().reprompt_dialog(context, instance)

    def timeout_s(self, state: dict) -> float:
        return self.spec.inter_digit_timeout_s if _ENTRY in state else self.spec.first_digit_timeout_s

    async def _judge(self, entry: Entry) -> InputResult:
        if entry.status is not InputStatus.RECOGNIZED:
            return InputResult(entry.status)
        value = entry.value or ""
        if self.validator is not None:
            verdict = self.validator(value)
            if inspect.isawaitable(verdict):
                verdict = await verdict
            if not verdict:
                return InputResult(InputStatus.NO_MATCH)
        return recognized(value)

    @staticmethod
    def _is_speech(activity: Activity) -> bool:
        """On the phone, a message without a DTMF entity is what speech-to-text heard."""
        return activity.channel_id == TELEPHONY_CHANNEL and not is_dtmf(activity)

    def _load(self, dc: DialogContext, state: dict) -> DigitBuffer:
        saved = state.get(_ENTRY)
        if not saved:
            return DigitBuffer(self.spec)
        return DigitBuffer.from_state(self.spec, saved, self.sealer, _context(dc))

    def _save(self, dc: DialogContext, state: dict, buffer: DigitBuffer) -> None:
        """Keep what is held for the next turn; nothing at all once the entry is finished."""
        if buffer:
            state[_ENTRY] = buffer.to_state(self.sealer, _context(dc))
        else:
            state.pop(_ENTRY, None)


def _context(dc: DialogContext) -> str:
    return dc.context.activity.conversation.id
