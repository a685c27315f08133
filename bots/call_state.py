"""Forgetting a call's state."""

from botbuilder.core import ConversationState, TurnContext


async def forget_call(conversation_state: ConversationState, turn_context: TurnContext) -> None:
    """Delete the call's state from storage and from this turn.

    botbuilder 4.17's `BotState.delete` raises KeyError when the state was not
    loaded in this turn, so it is loaded first.
    """
    await conversation_state.load(turn_context)
    await conversation_state.delete(turn_context)
