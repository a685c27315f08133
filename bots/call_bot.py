"""Routes the call's activities to its dialogs. Thin on purpose."""

from __future__ import annotations

from typing import List

from botbuilder.core import ConversationState, TurnContext
from botbuilder.dialogs import Dialog, DialogSet
from botbuilder.schema import ActivityTypes, ChannelAccount

from dialogs.call import CALL_DIALOG
from dialogs.dependencies import CallDependencies
from telephony.call_control import HandoffStatus
from telephony.commands import CommandResult
from telephony.handler import TelephonyActivityHandler

from .call_state import forget_call


class CallBot(TelephonyActivityHandler):
    def __init__(self, conversation_state: ConversationState, call_dialog: Dialog, deps: CallDependencies):
        super().__init__(deps.recorder)
        self.conversation_state = conversation_state
        self.deps = deps
        self.dialogs = DialogSet(conversation_state.create_property("dialogs"))
        self.dialogs.add(call_dialog)

    async def on_turn(self, turn_context: TurnContext) -> None:
        await super().on_turn(turn_context)
        await self.conversation_state.save_changes(turn_context)

    async def on_members_added_activity(self, members_added: List[ChannelAccount], turn_context: TurnContext):
        if any(member.id != turn_context.activity.recipient.id for member in members_added):
            await self._run(turn_context, begin=True)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self._run(turn_context, begin=True)

    async def on_recording_started(self, turn_context: TurnContext, result: CommandResult) -> None:
        await self._run(turn_context)

    async def on_recording_paused(self, turn_context: TurnContext, result: CommandResult) -> None:
        await self._run(turn_context)

    async def on_recording_resumed(self, turn_context: TurnContext, result: CommandResult) -> None:
        await self._run(turn_context)

    async def on_recording_stopped(self, turn_context: TurnContext, result: CommandResult) -> None:
        await self._run(turn_context)

    async def on_timer(self, turn_context: TurnContext, token: str) -> None:
        await self._run(turn_context)

    async def on_handoff_status(self, turn_context: TurnContext, status: HandoffStatus) -> None:
        dc = await self.dialogs.create_context(turn_context)
        if dc.active_dialog is None and status.failed:
            # The transfer was started outside the dialogs (after an error): back to the menu.
            await turn_context.send_activity(self.deps.prompts.no_agent())
            await dc.begin_dialog(CALL_DIALOG, {"menu": True})
            return
        await self._run(turn_context)

    async def on_call_ended(self, turn_context: TurnContext) -> None:
        self.deps.timers.cancel(turn_context.activity.conversation.id)
        await forget_call(self.conversation_state, turn_context)

    async def _run(self, turn_context: TurnContext, begin: bool = False) -> None:
        dc = await self.dialogs.create_context(turn_context)
        if dc.active_dialog is not None:
            await dc.continue_dialog()
        elif begin:
            await dc.begin_dialog(CALL_DIALOG)
        else:
            return
        if dc.active_dialog is None and turn_context.activity.type != ActivityTypes.end_of_conversation:
            # The call is over (goodbye, or a transfer on a channel without one).
            self.deps.timers.cancel(turn_context.activity.conversation.id)
            await forget_call(self.conversation_state, turn_context)
