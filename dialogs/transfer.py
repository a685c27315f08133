"""Transfer to an agent (call flow section 6)."""

from __future__ import annotations

from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult

from telephony.call_control import hang_up_activity, parse_handoff_status, transfer_activity
from telephony.recording import Goal, RecordingState
from telephony.timers import timer_token
from telephony.wire import TELEPHONY_CHANNEL

from .dependencies import CallDependencies
from .outcomes import StepOutcome

TRANSFER_DIALOG = "transfer"

LIVE = frozenset(
    {RecordingState.RECORDING, RecordingState.PAUSING, RecordingState.PAUSED, RecordingState.RESUMING}
)

_HOLDING = "holding"
_TRANSFERRING = "transferring"


class TransferDialog(Dialog):
    """Hold prompt, pause recording, wait so the prompt is heard, then hand off.

    A transfer that fails leaves the caller with the bot: a recording that was
    live or paused resumes, and the caller hears that no agent is available.
    """

    allows_interruptions = False

    def __init__(self, deps: CallDependencies):
        super().__init__(TRANSFER_DIALOG)
        self.deps = deps

    async def begin_dialog(self, dc: DialogContext, options: object = None) -> DialogTurnResult:
        context = dc.context
        await context.send_activity(self.deps.prompts.transfer_hold())
        if context.activity.channel_id != TELEPHONY_CHANNEL:
            await context.send_activity(hang_up_activity())
            return await dc.end_dialog(StepOutcome.CALL_ENDED)
        state = dc.active_dialog.state
        # Only the bot pauses a recording, so one that is live or paused now is
        # the bot's to resume if the caller stays (after a payment, say).
        recording = await self.deps.recorder.get(context)
        state["resume_on_failure"] = recording.state in LIVE
        await self.deps.recorder.request(context, Goal.PAUSED)
        state["phase"] = _HOLDING
        state["timer"] = self.deps.timers.arm(context, self.deps.config.TRANSFER_DELAY_S)
        return Dialog.end_of_turn

    async def continue_dialog(self, dc: DialogContext) -> DialogTurnResult:
        state = dc.active_dialog.state
        context = dc.context
        token = timer_token(context)
        if token is not None and token == state.get("timer") and state["phase"] == _HOLDING:
            state["phase"] = _TRANSFERRING
            state.pop("timer")
            await context.send_activity(transfer_activity(self.deps.config.AGENT_PHONE_NUMBER))
            return Dialog.end_of_turn
        status = parse_handoff_status(context.activity)
        if status is not None and status.failed and state["phase"] == _TRANSFERRING:
            if state["resume_on_failure"]:
                await self.deps.recorder.request(context, Goal.RECORDING)
            await context.send_activity(self.deps.prompts.no_agent())
            return await dc.end_dialog(StepOutcome.DONE)
        return Dialog.end_of_turn  # the caller is on hold: input waits for the agent
