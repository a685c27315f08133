"""The bot for a phone call: one dialog per call, driven by everything the channel sends.

Both SDKs (`telephony.sdk`) route `commandResult` activities to
`on_unrecognized_activity_type` and knows nothing of `handoff.status` or of
silence. `TelephonyBot` turns each of them into a turn of the call's dialog:
the caller's messages, recording results (applied to the recording state
machine first), transfer outcomes and the bot's own timers. It saves the
call's state after every turn, forgets the call when its dialog ends or the
caller hangs up (safe twice, or never), and recovers from an unhandled error
by beginning the call's dialog again with `after_error` options, keeping only
what the channel knows (the recording's state).

A channel that will not take a closing activity, or cannot be reached at
all, ends the conversation: one warning, the call forgotten, nothing more
sent (`_delivery`). That is not an error: Microsoft's Agents Playground, for
one, refuses every `endOfConversation`.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any, List

from ._call_control import HandoffStatus, hang_up_activity, parse_handoff_status
from ._commands import CommandResult, parse_command_result
from ._delivery import Undelivered, guard_sends
from ._observer import CALL_STATE_KEY, NOTES_PROPERTY, CallEnding, call_notes, observe
from ._recorder import CallRecorder
from ._timers import CallTimers, timer_token
from ._wire import COMMAND_RESULT_ACTIVITY
from .sdk import (
    Activity,
    ActivityHandler,
    ActivityTypes,
    ChannelAccount,
    ConversationState,
    Dialog,
    DialogContext,
    DialogSet,
    TurnContext,
    save_state,
)

log = logging.getLogger(__name__)

COMMAND_RESULT_KEY = "telephony.commandResult"
#: The property of the call's conversation state that holds its dialogs.
DIALOGS_PROPERTY = "dialogs"


class TelephonyBot(ActivityHandler):
    """Runs `call_dialog` for each call.

    Subclasses may override the hooks (`on_command_result`, `on_handoff_status`,
    `on_timer`, `on_call_ended`) to observe them; call `super()` to keep the
    call moving. Install `on_turn_error` as the adapter's `on_turn_error`.
    """

    def __init__(
        self,
        conversation_state: ConversationState,
        call_dialog: Dialog,
        recorder: CallRecorder,
        timers: CallTimers,
        *,
        after_error: Any = None,
    ):
        self.conversation_state = conversation_state
        self.recorder = recorder
        self.timers = timers
        self.call_dialog_id = call_dialog.id
        self.after_error = after_error
        self.dialogs = DialogSet(conversation_state.create_property(DIALOGS_PROPERTY))
        self.dialogs.add(call_dialog)
        self._observer_notes = conversation_state.create_property(NOTES_PROPERTY)

    async def on_turn(self, turn_context: TurnContext) -> None:
        turn_context.turn_state[CALL_STATE_KEY] = self.conversation_state
        guard_sends(turn_context)
        try:
            await super().on_turn(turn_context)
        except Undelivered as undelivered:
            if not undelivered.ends_conversation:
                raise  # the channel refused a message: the error recovery answers it
            await self._conversation_over(turn_context, undelivered)
            return
        await save_state(self.conversation_state, turn_context)

    # ---- what starts or continues the call ---------------------------------------
    async def on_members_added_activity(self, members_added: List[ChannelAccount], turn_context: TurnContext):
        if any(member.id != turn_context.activity.recipient.id for member in members_added):
            await self.run_dialog(turn_context, begin=True)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self.run_dialog(turn_context, begin=True)

    async def on_unrecognized_activity_type(self, turn_context: TurnContext) -> None:
        if turn_context.activity.type != COMMAND_RESULT_ACTIVITY:
            return
        result = parse_command_result(turn_context.activity)
        if result is None:
            return
        outcome = await self.recorder.apply(turn_context, result)
        if outcome.matched:  # results for nothing pending (duplicates, late repeats) change nothing
            turn_context.turn_state[COMMAND_RESULT_KEY] = result
            await self.on_command_result(turn_context, result)

    async def on_event_activity(self, turn_context: TurnContext) -> None:
        status = parse_handoff_status(turn_context.activity)
        if status is not None:
            await self.on_handoff_status(turn_context, status)
            return
        token = timer_token(turn_context)
        if token is not None:
            await self.on_timer(turn_context, token)
            return
        await super().on_event_activity(turn_context)

    async def on_end_of_conversation_activity(self, turn_context: TurnContext) -> None:
        await self.on_call_ended(turn_context)

    # ---- hooks ------------------------------------------------------------------
    async def on_command_result(self, turn_context: TurnContext, result: CommandResult) -> None:
        """The channel answered a recording command (already applied to the recording); check `result.succeeded`."""
        await self.run_dialog(turn_context)

    async def on_handoff_status(self, turn_context: TurnContext, status: HandoffStatus) -> None:
        """A transfer's outcome; `status.failed` means the caller is still with the bot."""
        await self.run_dialog(turn_context)

    async def on_timer(self, turn_context: TurnContext, token: str) -> None:
        """A timer armed with `CallTimers.arm` fired; the waiting dialog compares `token` with its own."""
        await self.run_dialog(turn_context)

    async def on_call_ended(self, turn_context: TurnContext) -> None:
        """The caller hung up or the channel ended the call: release everything the call holds."""
        await self.conversation_state.load(turn_context)  # observers read the call's notes
        observe(turn_context, lambda observer: observer.call_ended(turn_context, CallEnding.CHANNEL_ENDED))
        await self.forget_call(turn_context)

    # ---- the dialog loop --------------------------------------------------------
    async def run_dialog(self, turn_context: TurnContext, begin: bool = False) -> None:
        """Continue the call's dialog; with `begin`, start it when none is running."""
        dc = await self.dialogs.create_context(turn_context)
        if dc.active_dialog is not None:
            await dc.continue_dialog()
        elif begin:
            observe(turn_context, lambda observer: observer.call_started(turn_context))
            await dc.begin_dialog(self.call_dialog_id)
        else:
            return
        await self._forget_if_over(turn_context, dc)

    async def _forget_if_over(self, turn_context: TurnContext, dc: DialogContext) -> None:
        if dc.active_dialog is None:
            # The call is over (goodbye, or a transfer on a channel without one).
            observe(turn_context, lambda observer: observer.call_ended(turn_context, CallEnding.DIALOG_OVER))
            await self.forget_call(turn_context)

    async def forget_call(self, turn_context: TurnContext) -> None:
        """Cancel the call's timer and delete its state, from storage and from this turn.

        botbuilder 4.17's `BotState.delete` raises KeyError when the state was
        not loaded in this turn, so it is loaded first.
        """
        self.timers.cancel(turn_context.activity.conversation.id)
        await self.conversation_state.load(turn_context)
        await self.conversation_state.delete(turn_context)

    async def _conversation_over(self, turn_context: TurnContext, undelivered: Undelivered) -> None:
        """The channel did not take a closing activity, or is gone: forget the call and say nothing more."""
        log.warning("%s: the conversation is over", undelivered)
        ending = CallEnding.DIALOG_OVER if undelivered.closing else CallEnding.CHANNEL_ENDED
        observe(turn_context, lambda observer: observer.call_ended(turn_context, ending))
        await self.forget_call(turn_context)

    # ---- errors -----------------------------------------------------------------
    async def on_turn_error(self, turn_context: TurnContext, error: Exception) -> None:
        """The adapter's `on_turn_error`: the caller never hears silence, and this never raises.

        The call's state is dropped (it may be what failed) but for the
        recording's, which describes the channel, and the observers' notes
        (observers cannot fail a turn), and the call's dialog begins
        again with `after_error` (the sample apologises and transfers). If that
        fails too, the caller is hung up on. The exception's type and traceback
        are logged, never its message, which may quote the caller's input.

        A message the channel refused is not the bot's bug: one warning, no
        traceback, and the same recovery, whose words are true (something did
        go wrong). If the channel refuses those too, the conversation is over.
        """
        activity = turn_context.activity
        if isinstance(error, Undelivered):
            if error.ends_conversation:
                await self._conversation_over_quietly(turn_context, error)
                return
            log.warning("%s in a %s turn", error, _type_of(activity))
        else:
            log.error(
                "Unhandled %s in a %s turn:\n%s",
                type(error).__name__,
                _type_of(activity),
                "".join(traceback.format_tb(error.__traceback__)),
            )
        try:
            recording = await self.recorder.get(turn_context)
            notes = call_notes(turn_context)
            await self.forget_call(turn_context)
            if activity.type == ActivityTypes.end_of_conversation:
                return  # nobody is left to hear anything
            await self.recorder.restore(turn_context, recording)
            if notes:
                await self._observer_notes.set(turn_context, notes)
            dc = await self.dialogs.create_context(turn_context)
            await dc.begin_dialog(self.call_dialog_id, self.after_error)
            await self._forget_if_over(turn_context, dc)
            await save_state(self.conversation_state, turn_context)
        except Undelivered as undelivered:  # the channel will not take the recovery's words either
            await self._conversation_over_quietly(turn_context, undelivered)
        except Exception as recovery_error:  # the storage, or the bot, may be what failed
            log.error("Could not recover the call after an error: %s", type(recovery_error).__name__)
            await self._hang_up_quietly(turn_context)

    async def _conversation_over_quietly(self, turn_context: TurnContext, undelivered: Undelivered) -> None:
        try:
            await self._conversation_over(turn_context, undelivered)
        except Exception as forget_error:
            log.error("Could not forget the call after an error: %s", type(forget_error).__name__)

    async def _hang_up_quietly(self, turn_context: TurnContext) -> None:
        observe(turn_context, lambda observer: observer.call_ended(turn_context, CallEnding.BOT_FAILED))
        try:
            await turn_context.send_activity(hang_up_activity())
        except Undelivered as undelivered:
            log.warning("%s after an error", undelivered)
        except Exception as send_error:
            log.error("Could not hang up after an error: %s", type(send_error).__name__)
        try:
            await self.forget_call(turn_context)
        except Exception as forget_error:
            log.error("Could not forget the call after an error: %s", type(forget_error).__name__)


def command_result_of(turn_context: TurnContext) -> CommandResult | None:
    """The recording result this turn delivered, once applied."""
    return turn_context.turn_state.get(COMMAND_RESULT_KEY)


def _type_of(activity: Activity) -> str:
    """The activity's type as the wire says it (a timer's turn carries the SDK's enum)."""
    return str(getattr(activity.type, "value", activity.type))
