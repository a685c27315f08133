"""The SDK internals `hosting/` relies on still have the shape it relies on (docs/sdk-workarounds.md).

Each test names one private part of botbuilder 4.17.1 or msrest 0.7.1 and checks exactly what
the project reads, calls or overrides. Under the pinned versions they cannot change; they fail
first when a pin moves, naming what to check again.
"""

from __future__ import annotations

import inspect

from botbuilder.core import ConversationState, MemoryStorage, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.core.bot_state import BotState
from botbuilder.core.cloud_adapter_base import CloudAdapterBase
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from botframework.connector.aio import ConnectorClient
from botframework.connector.aio.operations_async import ConversationsOperations
from botframework.connector.auth import JwtTokenExtractor, MicrosoftAppCredentials, VerifyOptions
from botframework.connector.auth._user_token_client_impl import _UserTokenClientImpl
from msrest.serialization import Deserializer, Model, Serializer

from hosting.adapter import StreamingCloudAdapter
from hosting.auth import signing_keys


def a_turn(adapter=None) -> TurnContext:
    activity = Activity(
        type="message",
        channel_id="telephony",
        conversation=ConversationAccount(id="call-1"),
        from_property=ChannelAccount(id="+14255550123"),
        recipient=ChannelAccount(id="bot"),
    )
    return TurnContext(adapter or TestAdapter(), activity)


def test_the_cloud_adapter_makes_every_turns_context_in_create_turn_context_with_the_arguments_overridden():
    """`StreamingCloudAdapter._create_turn_context` makes each turn's `CallTurnContext`."""
    ours = inspect.signature(StreamingCloudAdapter._create_turn_context).parameters
    assert list(inspect.signature(CloudAdapterBase._create_turn_context).parameters) == list(ours)
    sdk = CloudAdapterBase
    for method in (sdk.process_activity, sdk.process_proactive, sdk.create_conversation):
        assert "self._create_turn_context(" in inspect.getsource(method), method.__name__


def test_a_turn_context_sends_through_emit_with_its_send_handlers_and_keeps_invoke_responses_under_its_key():
    """`CallTurnContext.send_activities` is the SDK's, with cheaper copies: it calls what the SDK's calls."""
    context = a_turn()

    assert context._on_send_activities == []
    assert list(inspect.signature(TurnContext._emit).parameters) == ["self", "plugins", "arg", "logic"]
    assert inspect.iscoroutinefunction(TurnContext._emit)
    assert TurnContext._INVOKE_RESPONSE_KEY == CloudAdapterBase._INVOKE_RESPONSE_KEY  # where the adapter looks


async def test_the_sdks_user_token_client_keeps_its_http_client_in_client():
    """The cached authentication closes each user-token client's session through `_client`."""
    client = _UserTokenClientImpl("app-id", MicrosoftAppCredentials("", ""), "https://token.botframework.com")

    await client._client.__aexit__(None, None, None)


def test_bot_state_keeps_its_storage_and_turn_state_key_and_its_accessors_read_get_cached_state():
    """`hosting.state.conversation_state` reads `_storage` and `_context_service_key`, and hands the
    SDK's property accessors the turn's state through `get_cached_state(turn_context)`."""
    storage = MemoryStorage()
    state = ConversationState(storage)

    assert state._storage is storage and state._context_service_key
    for reader in (BotState.get_property_value, BotState.set_property_value, BotState.delete_property_value):
        assert "self.get_cached_state(turn_context)" in inspect.getsource(reader), reader.__name__


def test_msrest_models_and_serializers_have_the_private_parts_activity_json_compiles_from():
    models = Activity._infer_class_models()

    assert models["Activity"] is Activity and models["ChannelAccount"] is ChannelAccount
    assert Activity._attribute_map["from_property"] == {"key": "from", "type": "ChannelAccount"}
    assert Activity._validation == {} and "_subtype_map" not in Activity.__dict__ and not Activity.is_xml_model()
    assert {"_attribute_map", "_validation", "_subtype_map"} <= set(vars(Model))
    read = Deserializer(models)._deserialize("Activity", {"type": "message", "from": {"id": "+1"}})
    assert read.from_property.id == "+1"
    assert Serializer(models)._serialize(read, is_xml=False) == {"type": "message", "from": {"id": "+1"}}


def test_the_sdks_connector_client_builds_its_operations_from_its_client_and_serializers():
    """`hosting.wire.connector.ConnectorClient` rebuilds the operations with its own serializer."""
    client = ConnectorClient(MicrosoftAppCredentials("", ""), base_url="https://channel.example/")

    assert list(inspect.signature(ConversationsOperations.__init__).parameters) == [
        "self", "client", "config", "serializer", "deserializer"
    ]
    assert client.conversations._client is client._client
    assert client.conversations._serialize is client._serialize
    assert client.conversations._deserialize is client._deserialize
    assert client._client.format_url("/v3/conversations") == "https://channel.example/v3/conversations"
    activities = "/v3/conversations/{conversationId}/activities"
    assert ConversationsOperations.reply_to_activity.metadata["url"] == activities + "/{activityId}"
    assert ConversationsOperations.send_to_conversation.metadata["url"] == activities


def test_token_validation_takes_its_signing_keys_from_get_open_id_metadata():
    """`signing_keys.install()` replaces that static method, so the keys come from `SigningKeys`."""
    signing_keys.install()
    url = "https://login.example/.well-known/openidconfiguration"
    options = VerifyOptions(issuer=[], audience=None, clock_tolerance=300, ignore_expiration=False)

    extractor = JwtTokenExtractor(options, url, ["RS256"])

    assert extractor.open_id_metadata is signing_keys.signing_keys_at(url)
    signing_keys.forget_all()
