"""Transfer to a person: the one transfer every step of the call uses.

The hold prompt plays, the recording policy pauses the recording, a timer lets
the prompt be heard (the turn ends meanwhile: nothing blocks), then
`handoff.initiate` goes to the target number. A transfer that fails leaves the
caller with the bot: the policy resumes what it paused, the caller hears that
no agent is available, and the step ends `DONE`; so does a transfer the
channel refuses to start.

A chat (the Emulator, Web Chat, Teams, the Agents Playground) cannot transfer
anyone, and "please hold" would be untrue there: the person is told how to
reach an agent instead (`chat_prompt`, such as the agent's number), and the
step ends `DONE`, so the conversation goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from ._call_control import parse_handoff_status, require_e164, transfer_activity
from ._channels import is_phone
from ._delivery import Undelivered
from ._observer import observe
from ._outcome import StepOutcome
from ._policy import RecordingPolicy
from ._timers import CallTimers, timer_token
from ._transfer_reason import TransferReason
from .sdk import Activity, Dialog, DialogContext, DialogTurnResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransferOptions:
    reason: TransferReason = TransferReason.ASKED


_HOLDING = "holding"
_TRANSFERRING = "transferring"


class TransferStep(Dialog):
    """Begin with `TransferOptions`; ends `StepOutcome.DONE` when the caller stays (no agent, or a chat).

    A transfer that happens ends the call: the channel hangs up the bot.
    """

    allows_interruptions = False  # the caller is on hold: input waits for the agent

    def __init__(
        self,
        dialog_id: str,
        *,
        target: str,
        delay_s: float,
        timers: CallTimers,
        policy: RecordingPolicy,
        hold_prompt: Callable[[TransferReason], Activity],
        no_agent_prompt: Callable[[], Activity],
        chat_prompt: Callable[[TransferReason], Activity],
    ):
        super().__init__(dialog_id)
        self.target = require_e164(target, "the transfer target")
        self.delay_s = delay_s
        self.timers = timers
        self.policy = policy
        self.hold_prompt = hold_prompt
        self.no_agent_prompt = no_agent_prompt
        self.chat_prompt = chat_prompt

    async def begin_dialog(self, dc: DialogContext, options: TransferOptions | None = None) -> DialogTurnResult:
        context = dc.context
        reason = (options or TransferOptions()).reason
        if not is_phone(context):
            await context.send_activity(self.chat_prompt(reason))
            return await dc.end_dialog(StepOutcome.DONE)
        observe(context, lambda observer: observer.transfer_started(context, reason))
        await context.send_activity(self.hold_prompt(reason))
        state = dc.active_dialog.state
        state["resume_on_failure"] = await self.policy.before_transfer(context)
        state["phase"] = _HOLDING
        state["timer"] = self.timers.arm(context, self.delay_s)
        return Dialog.end_of_turn

    async def continue_dialog(self, dc: DialogContext) -> DialogTurnResult:
        state = dc.active_dialog.state
        context = dc.context
        token = timer_token(context)
        if token is not None and token == state.get("timer") and state["phase"] == _HOLDING:
            state["phase"] = _TRANSFERRING
            state.pop("timer")
            try:
                await context.send_activity(transfer_activity(self.target))
            except Undelivered as undelivered:
                if undelivered.failure.lost:
                    raise  # nobody is left to tell: the bot ends the conversation
                log.warning("%s: the caller stays with the bot", undelivered)
                return await self._no_agent(dc)
            return Dialog.end_of_turn
        status = parse_handoff_status(context.activity)
        if status is not None and status.failed and state["phase"] == _TRANSFERRING:
            return await self._no_agent(dc)
        return Dialog.end_of_turn

    async def _no_agent(self, dc: DialogContext) -> DialogTurnResult:
        """The transfer failed: the caller is still with the bot."""
        context = dc.context
        observe(context, lambda observer: observer.transfer_failed(context))
        await self.policy.after_failed_transfer(context, dc.active_dialog.state["resume_on_failure"])
        await context.send_activity(self.no_agent_prompt())
        return await dc.end_dialog(StepOutcome.DONE)
