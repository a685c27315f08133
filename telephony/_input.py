"""Waiting for the caller: reprompts on a miss or on silence, then give up.

The channel says nothing while the caller is silent, so each wait arms a timer
(see `_timers`). A miss is input that means nothing here or a silence that ran
out; after `max_misses` of either kind the dialog ends `EXHAUSTED` and its
parent decides what happens next (usually a transfer to a person).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable

from ._defaults import MAX_MISSES, NO_INPUT_TIMEOUT_S
from ._observer import observe
from ._status import InputResult, InputStatus
from ._timers import CallTimers, timer_token
from .sdk import (
    Activity,
    ActivityTypes,
    Dialog,
    DialogContext,
    DialogInstance,
    DialogReason,
    DialogTurnResult,
    TurnContext,
)

_TIMER = "timer"
_MISSES = "misses"
_OPTIONS = "options"


class Reprompt(str, Enum):
    """Why a prompt is being played."""

    FIRST = "first"
    NO_MATCH = "no-match"
    NO_INPUT = "no-input"


@dataclass(frozen=True)
class InputPolicy:
    max_misses: int = MAX_MISSES
    no_input_timeout_s: float = NO_INPUT_TIMEOUT_S


#: Builds the prompt for a reason, from the options the dialog was begun with
#: (a frozen dataclass of the step's own, or None).
PromptFor = Callable[[Reprompt, Any], Activity]


class CallerInputDialog(Dialog):
    """Base for anything that waits for the caller. Subclasses implement `recognize`.

    Begin it with the options its `prompt_for` needs; it ends with an
    `InputResult`: RECOGNIZED with the value, CANCELLED, or EXHAUSTED with the
    last miss's `Reprompt` as the value.
    """

    #: False for dialogs that global words must not interrupt (sensitive entry); the
    #: constructor's `allows_interruptions` sets it for one dialog.
    allows_interruptions = True

    def __init__(
        self,
        dialog_id: str,
        timers: CallTimers,
        policy: InputPolicy,
        prompt_for: PromptFor,
        *,
        allows_interruptions: bool | None = None,
    ):
        super().__init__(dialog_id)
        self.timers = timers
        self.policy = policy
        self.prompt_for = prompt_for
        if allows_interruptions is not None:
            self.allows_interruptions = allows_interruptions

    async def recognize(self, dc: DialogContext, activity: Activity, state: dict) -> InputResult:
        """Judge one message: any status but EXHAUSTED."""
        raise NotImplementedError

    async def on_silence(self, dc: DialogContext, state: dict) -> InputResult:
        """The wait ran out; by default a no-input miss.

        Dialogs that assemble input over several turns override this to finish
        what the caller has entered so far.
        """
        return InputResult(InputStatus.NO_INPUT)

    def timeout_s(self, state: dict) -> float:
        """Silence allowed before the next no-input miss."""
        return self.policy.no_input_timeout_s

    async def begin_dialog(self, dc: DialogContext, options: Any = None) -> DialogTurnResult:
        state = dc.active_dialog.state
        state[_OPTIONS] = options
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

    async def _act_on(self, dc: DialogContext, heard: InputResult) -> DialogTurnResult:
        state = dc.active_dialog.state
        status = heard.status
        if status is InputStatus.IGNORED:
            return Dialog.end_of_turn
        if status is InputStatus.INCOMPLETE:
            state[_TIMER] = self.timers.arm(dc.context, self.timeout_s(state))
            return Dialog.end_of_turn
        if status in (InputStatus.NO_MATCH, InputStatus.NO_INPUT):
            observe(dc.context, lambda observer: observer.input_missed(dc.context, self.id, status))
            return await self._miss(dc, Reprompt(status.value))
        if status is InputStatus.EXHAUSTED:
            raise ValueError("recognize() judges one turn; EXHAUSTED is the dialog's to decide")
        return await dc.end_dialog(heard)

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
