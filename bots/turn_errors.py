"""What the caller hears when a turn fails (call flow section 9)."""

from __future__ import annotations

import asyncio
import logging
import traceback
from typing import Awaitable, Callable

from botbuilder.core import ConversationState, TurnContext
from botbuilder.schema import ActivityTypes

from dialogs.dependencies import CallDependencies
from telephony.call_control import hang_up_activity, transfer_activity
from telephony.recording import Goal
from telephony.wire import TELEPHONY_CHANNEL

from .call_state import forget_call

log = logging.getLogger(__name__)


def turn_error_handler(
    conversation_state: ConversationState, deps: CallDependencies
) -> Callable[[TurnContext, Exception], Awaitable[None]]:
    """The adapter's `on_turn_error`: apologise, hand the caller to a person, forget the call.

    The exception's type and traceback are logged but not its message, which
    may quote the caller's input.
    """

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        log.error(
            "Unhandled %s in a %s turn:\n%s",
            type(error).__name__,
            context.activity.type,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        deps.timers.cancel(context.activity.conversation.id)
        if context.activity.type == ActivityTypes.end_of_conversation:
            await forget_call(conversation_state, context)  # nobody is left to hear anything
            return
        try:
            await context.send_activity(deps.prompts.something_went_wrong())
            if context.activity.channel_id == TELEPHONY_CHANNEL:
                await deps.recorder.request(context, Goal.PAUSED)
                await asyncio.sleep(deps.config.TRANSFER_DELAY_S)  # let the apology be heard
                await context.send_activity(transfer_activity(deps.config.AGENT_PHONE_NUMBER))
            else:
                await context.send_activity(hang_up_activity())
        except Exception as send_error:  # the channel may be what failed
            log.error("Could not tell the caller about the error: %s", type(send_error).__name__)
        finally:
            await forget_call(conversation_state, context)

    return on_turn_error
