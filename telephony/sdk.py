"""The SDK under the bot, and the one place its names come from.

The bot runs on one of two SDKs, chosen once per process, when this module is first
imported, by `BOT_SDK` (the environment over `.env`, as `config.py` reads them):

- `botbuilder` (the default): the Bot Framework SDK for Python 4.17.1, archived. It
  alone serves the Telephony channel (the Bot Framework streaming protocol over a
  WebSocket), HTTP channels and Call Automation;
- `agents`: the Microsoft 365 Agents SDK for Python 1.9.0 (`requirements-agents.txt`),
  maintained. HTTP channels and Call Automation; it has no streaming protocol.

`telephony/`, `dialogs/`, `bots/`, `callautomation/` and `telemetry/` import SDK names
from here and from neither SDK, so this module is the whole difference between the two:
the same names on both, and a function for each thing the SDKs do differently
(saving state, a conversation reference, a continuation activity, continuing a
conversation, handing a turn to the next middleware, activity JSON, what a refused send
raises). The two hostings (`hosting/` and `hosting/agents/`) are the only other code
that names an SDK.

The Agents SDK's dialogs are a port of botbuilder's with the same names, and its
`ActivityHandler` routes activities as botbuilder's does, so `TelephonyBot` is one class
on both. What 1.9.0 gets wrong for a phone bot is fixed where it is met; here, the
`ConversationState` whose `save` writes whichever call's state was loaded last
(docs/sdk-workarounds.md).
"""

from __future__ import annotations

import os
from enum import Enum
from typing import Any, Awaitable, Callable

from dotenv import dotenv_values


class SdkName(str, Enum):
    """The values of `BOT_SDK`."""

    BOTBUILDER = "botbuilder"
    AGENTS = "agents"


SETTING = "BOT_SDK"


def _chosen(env_file: str = ".env") -> SdkName:
    """`BOT_SDK`'s SDK; botbuilder for an unknown value, which `config.py` then refuses, naming it."""
    raw = os.environ.get(SETTING)
    if raw is None and os.path.isfile(env_file):
        raw = dotenv_values(env_file).get(SETTING)
    value = (raw or "").strip()
    return SdkName(value) if value in {name.value for name in SdkName} else SdkName.BOTBUILDER


#: The SDK this process runs on.
SDK: SdkName = _chosen()

Turn = Callable[[Any], Awaitable[Any]]

if SDK is SdkName.AGENTS:
    try:
        from microsoft_agents.activity import (
            Activity,
            ActivityEventNames,
            ActivityTypes,
            ChannelAccount,
            ConversationAccount,
            ConversationReference,
            EndOfConversationCodes,
            Entity,
            ResourceResponse,
        )
        from microsoft_agents.hosting.core import ActivityHandler
        from microsoft_agents.hosting.core import ChannelAdapter as BotAdapter
        from microsoft_agents.hosting.core import ClaimsIdentity, MemoryStorage, Middleware, Storage, StoreItem
        from microsoft_agents.hosting.core import ConversationState as _SdkConversationState
        from microsoft_agents.hosting.core import TurnContext
        from microsoft_agents.hosting.core.authorization import AuthenticationConstants
        from microsoft_agents.hosting.dialogs import (
            ComponentDialog,
            Dialog,
            DialogContext,
            DialogInstance,
            DialogReason,
            DialogSet,
            DialogState,
            DialogTurnResult,
            DialogTurnStatus,
            WaterfallDialog,
            WaterfallStepContext,
        )
    except ImportError as missing:
        raise ImportError(
            f"{SETTING}=agents needs the Microsoft 365 Agents SDK: pip install -r requirements-agents.txt ({missing})"
        ) from missing

    class ConversationState(_SdkConversationState):
        """The SDK's, saving and reading the state of the turn it is given.

        1.9.0's `AgentState.save` and `get` use `self._cached_state`: whatever the last
        `load` of any turn cached. One `ConversationState` serves every call, so with
        two calls in flight one call's key received the other's state and the other's
        changes were lost. Here both are the turn's own.
        """

        def get(self, turn_context: TurnContext | None = None) -> dict[str, Any] | None:
            cached = turn_context.turn_state.get(self._context_service_key) if turn_context else self._cached_state
            return getattr(cached, "state", None)

        async def save(self, turn_context: TurnContext, force: bool = False) -> None:
            cached = turn_context.turn_state.get(self._context_service_key)
            if cached is not None and (force or cached.is_changed):
                await self._storage.write({self.get_storage_key(turn_context): cached})
                cached.hash = cached.compute_hash()

    async def save_state(state: Any, context: TurnContext) -> None:
        """Write the turn's conversation state if it changed."""
        await state.save(context)

    def call_next(logic: Callable[..., Awaitable[Any]], context: TurnContext) -> Awaitable[Any]:
        """What a middleware awaits to run the rest of the turn (the Agents SDK passes the context on)."""
        return logic(context)

    def conversation_reference(activity: Activity) -> ConversationReference:
        return activity.get_conversation_reference()

    def continuation_activity(reference: ConversationReference) -> Activity:
        return reference.get_continuation_activity()

    async def continue_conversation(adapter: BotAdapter, reference: ConversationReference, callback: Turn, bot_app_id: str) -> None:
        """A turn the bot starts itself (a timer's), on `adapter`, as the bot `bot_app_id` ("" in local mode).

        1.9.0's `continue_conversation` asks the connection settings for a tenant even
        with no app id, so the turn is started with claims: none in local mode (anonymous,
        so replies carry no token), the app's own otherwise.
        """
        claims = {AuthenticationConstants.AUDIENCE_CLAIM: bot_app_id, AuthenticationConstants.APP_ID_CLAIM: bot_app_id}
        identity = ClaimsIdentity(claims, authentication_type="Bearer") if bot_app_id else ClaimsIdentity()
        await adapter.continue_conversation_with_claims(identity, continuation_activity(reference), callback)

    def activity_to_json(activity: Activity) -> dict[str, Any]:
        """The activity as the wire carries it (camelCase, no nulls)."""
        return activity.model_dump(mode="json", by_alias=True, exclude_none=True)

    def activity_from_json(document: dict[str, Any]) -> Activity:
        return Activity.model_validate(document)

    def refusal_status(error: BaseException) -> int | None:
        """The HTTP status a channel answered a send with, for errors that do not carry it as `status`."""
        return None

    #: Errors a connector raises when the channel could not be reached, beyond the transport's own.
    UNREACHABLE: tuple[type[BaseException], ...] = ()

else:
    from botbuilder.core import ActivityHandler, BotAdapter, ConversationState, MemoryStorage, Middleware, Storage
    from botbuilder.core import StoreItem, TurnContext
    from botbuilder.core.conversation_reference_extension import get_continuation_activity
    from botbuilder.dialogs import (
        ComponentDialog,
        Dialog,
        DialogContext,
        DialogInstance,
        DialogReason,
        DialogSet,
        DialogState,
        DialogTurnResult,
        DialogTurnStatus,
        WaterfallDialog,
        WaterfallStepContext,
    )
    from botbuilder.schema import (
        Activity,
        ActivityEventNames,
        ActivityTypes,
        ChannelAccount,
        ConversationAccount,
        ConversationReference,
        EndOfConversationCodes,
        Entity,
        ResourceResponse,
    )
    from msrest.exceptions import ClientRequestError, HttpOperationError

    async def save_state(state: Any, context: TurnContext) -> None:
        """Write the turn's conversation state if it changed."""
        await state.save_changes(context)

    def call_next(logic: Callable[..., Awaitable[Any]], context: TurnContext) -> Awaitable[Any]:
        """What a middleware awaits to run the rest of the turn."""
        return logic()

    def conversation_reference(activity: Activity) -> ConversationReference:
        return TurnContext.get_conversation_reference(activity)

    def continuation_activity(reference: ConversationReference) -> Activity:
        return get_continuation_activity(reference)

    async def continue_conversation(adapter: BotAdapter, reference: ConversationReference, callback: Turn, bot_app_id: str) -> None:
        """A turn the bot starts itself (a timer's), on `adapter`, as the bot `bot_app_id` ("" in local mode)."""
        await adapter.continue_conversation(reference, callback, bot_app_id)

    def activity_to_json(activity: Activity) -> dict[str, Any]:
        """The activity as the wire carries it (camelCase, no nulls)."""
        return activity.serialize()

    def activity_from_json(document: dict[str, Any]) -> Activity:
        return Activity().deserialize(document)

    def refusal_status(error: BaseException) -> int | None:
        """The HTTP status a channel answered a send with, for errors that do not carry it as `status`.

        msrest keeps the transport's own response: `requests`' has `status_code`, aiohttp's `status`.
        """
        if isinstance(error, HttpOperationError):
            response = error.response
            return getattr(response, "status_code", None) or getattr(response, "status", None)
        return None

    #: Errors a connector raises when the channel could not be reached, beyond the transport's own.
    UNREACHABLE = (ClientRequestError,)


__all__ = [
    "SDK",
    "SETTING",
    "SdkName",
    # activities
    "Activity",
    "ActivityEventNames",
    "ActivityTypes",
    "ChannelAccount",
    "ConversationAccount",
    "ConversationReference",
    "EndOfConversationCodes",
    "Entity",
    "ResourceResponse",
    # turns, state and storage
    "ActivityHandler",
    "BotAdapter",
    "ConversationState",
    "MemoryStorage",
    "Middleware",
    "Storage",
    "StoreItem",
    "TurnContext",
    # dialogs
    "ComponentDialog",
    "Dialog",
    "DialogContext",
    "DialogInstance",
    "DialogReason",
    "DialogSet",
    "DialogState",
    "DialogTurnResult",
    "DialogTurnStatus",
    "WaterfallDialog",
    "WaterfallStepContext",
    # what the SDKs do differently
    "activity_from_json",
    "activity_to_json",
    "call_next",
    "continuation_activity",
    "continue_conversation",
    "conversation_reference",
    "refusal_status",
    "save_state",
    "UNREACHABLE",
]
