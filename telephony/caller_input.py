"""Waiting for the caller: reprompts on a miss or on silence, then give up.

The channel says nothing while the caller is silent, so each wait arms a timer
(see `timers`). A miss is input that means nothing here or a silence that ran
out; after `max_misses` of either kind the dialog ends with `EXHAUSTED` and the
caller decides what happens next (usually a transfer to a person).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Sequence

from botbuilder.core import TurnContext
from botbuilder.dialogs import Dialog, DialogContext, DialogInstance, DialogReason, DialogTurnResult
from botbuilder.schema import Activity, ActivityTypes

from .dtmf import pressed_key
from .timers import CallTimers, timer_token

_TIMER = "timer"
_MISSES = "misses"
_OPTIONS = "options"


class Reprompt(str, Enum):
    """Why a prompt is being played."""

    FIRST = "first"
    NO_MATCH = "no-match"
    NO_INPUT = "no-input"


class InputStatus(str, Enum):
    RECOGNIZED = "recognized"
    EXHAUSTED = "exhausted"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class InputResult:
    status: InputStatus
    value: Any = None


@dataclass(frozen=True)
class InputPolicy:
    max_misses: int = 3
    no_input_timeout_s: float = 8.0


class Recognition(Enum):
    """Outcomes of `recognize` that are not a value."""

    NO_MATCH = "no-match"  # counts as a miss
    NO_INPUT = "no-input"  # the wait ran out with nothing usable: counts as a miss
    KEEP_WAITING = "keep-waiting"  # e.g. more digits to come; the timer restarts
    IGNORED = "ignored"  # dropped unread; the current timer keeps running
    CANCELLED = "cancelled"  # the caller abandoned the step: ends with `InputStatus.CANCELLED`


PromptFor = Callable[[Reprompt, dict], Activity]


class CallerInputDialog(Dialog):
    """Base for anything that waits for the caller. Subclasses implement `recognize`."""

    #: False for dialogs that global words must not interrupt (sensitive entry).
    allows_interruptions = True

    def __init__(self, dialog_id: str, timers: CallTimers, policy: InputPolicy, prompt_for: PromptFor):
        super().__init__(dialog_id)
        self.timers = timers
        self.policy = policy
        self.prompt_for = prompt_for

    async def recognize(self, dc: DialogContext, activity: Activity, state: dict) -> Any:
        """Return the recognised value, or a `Recognition`."""
        raise NotImplementedError

    async def on_silence(self, dc: DialogContext, state: dict) -> Any:
        """The wait ran out. Return a value or a `Recognition`; by default a no-input miss.

        Dialogs that assemble input over several turns override this to finish
        what the caller has entered so far.
        """
        return Recognition.NO_INPUT

    def timeout_s(self, state: dict) -> float:
        """Silence allowed before the next no-input miss."""
        return self.policy.no_input_timeout_s

    async def begin_dialog(self, dc: DialogContext, options: dict | None = None) -> DialogTurnResult:
        state = dc.active_dialog.state
        state[_OPTIONS] = dict(options or {})
        state[_MISSES] = 0
        await self._prompt(dc.context, state, Reprompt.FIRST)
        return Dialog.end_of_turn

    async def continue_dialog(self, dc: DialogContext) -> DialogTurnResult:
        state = dc.active_dialog.state
        token = timer_token(dc.context)
        if token is not None:
            if token != state.get(_TIMER):
                return Dialog.end_of_turn  # a stale timer
            state.pop(_TIMER)
            return await self._act_on(dc, await self.on_silence(dc, state))
        activity = dc.context.activity
        if activity.type != ActivityTypes.message:
            return Dialog.end_of_turn
        if not (activity.text or "").strip():
            return Dialog.end_of_turn  # the channel sends empty messages; they mean nothing
        return await self._act_on(dc, await self.recognize(dc, activity, state))

    async def _act_on(self, dc: DialogContext, recognized: Any) -> DialogTurnResult:
        state = dc.active_dialog.state
        if recognized is Recognition.IGNORED:
            return Dialog.end_of_turn
        if recognized is Recognition.KEEP_WAITING:
            state[_TIMER] = self.timers.arm(dc.context, self.timeout_s(state))
            return Dialog.end_of_turn
        if recognized is Recognition.NO_MATCH:
            return await self._miss(dc, Reprompt.NO_MATCH)
        if recognized is Recognition.NO_INPUT:
            return await self._miss(dc, Reprompt.NO_INPUT)
        if recognized is Recognition.CANCELLED:
            return await dc.end_dialog(InputResult(InputStatus.CANCELLED))
        return await dc.end_dialog(InputResult(InputStatus.RECOGNIZED, recognized))

    async def reprompt_dialog(self, context: TurnContext, instance: DialogInstance) -> None:
        await self._prompt(context, instance.state, Reprompt.FIRST)

    async def end_dialog(self, context: TurnContext, instance: DialogInstance, reason: DialogReason) -> None:
        if instance.state.get(_TIMER):
            self.timers.cancel(context.activity.conversation.id)

    async def _miss(self, dc: DialogContext, reason: Reprompt) -> DialogTurnResult:
        state = dc.active_dialog.state
        state[_MISSES] += 1
        if state[_MISSES] >= self.policy.max_misses:
            return await dc.end_dialog(InputResult(InputStatus.EXHAUSTED, reason))
        await self._prompt(dc.context, state, reason)
        return Dialog.end_of_turn

    async def _prompt(self, context: TurnContext, state: dict, reason: Reprompt) -> None:
        await context.send_activity(self.prompt_for(reason, state[_OPTIONS]))
        state[_TIMER] = self.timers.arm(context, self.timeout_s(state))


@dataclass(frozen=True)
class MenuChoice:
    """A menu entry: its key, the value returned, and words that choose it too."""

    key: str | None
    value: str
    synonyms: tuple[str, ...] = ()


_NOT_WORDS = re.compile(r"[^a-z0-9 ]+")


def normalize_words(text: str) -> str:
    """Lower case, punctuation dropped, single spaces: what speech-to-text may give."""
    return " ".join(_NOT_WORDS.sub(" ", text.lower().replace("'", "")).split())


def find_phrase(text: str, phrases: Sequence[str]) -> str | None:
    """The first of `phrases` that occurs in `text` as whole words."""
    padded = f" {normalize_words(text)} "
    for phrase in phrases:
        if f" {normalize_words(phrase)} " in padded:
            return phrase
    return None


class KeypadMenu(CallerInputDialog):
    """A menu answered with one key or a spoken word. Returns the choice's value."""

    def __init__(
        self,
        dialog_id: str,
        timers: CallTimers,
        policy: InputPolicy,
        prompt_for: PromptFor,
        choices: Sequence[MenuChoice],
    ):
        super().__init__(dialog_id, timers, policy, prompt_for)
        self.choices = tuple(choices)

    async def recognize(self, dc: DialogContext, activity: Activity, state: dict) -> Any:
        key = pressed_key(activity)
        if key is not None:
            return next((c.value for c in self.choices if c.key == key), Recognition.NO_MATCH)
        for choice in self.choices:
            if find_phrase(activity.text, choice.synonyms):
                return choice.value
        return Recognition.NO_MATCH
