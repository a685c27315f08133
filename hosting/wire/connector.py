"""The SDK's `ConnectorClient`, serializing typed activities in one pass.

msrest's `Serializer.body` first rebuilds the whole object tree with a
`Deserializer` ("just in case this is a dict") and only then serializes it. For
an `Activity` that is already a model it is pure overhead: about 40 % of the
serialization time, on every reply. `ModelSerializer` skips the rebuild when the
body is a model whose tree serializes directly, writing it with
`hosting.wire.activity_json` (msrest's result from compiled plans), and falls back to
msrest's full path otherwise (a nested plain dict where a model is expected, for
instance), so the JSON on the wire is the same either way.

Sent over aiohttp (`use_aiohttp`), the two operations every turn uses to reply,
`reply_to_activity` and `send_to_conversation`, skip msrest's request pipeline
(URL formatting twice, a request object, five policy hops, a response model
read by its generic walk): they build the same request (URL, headers in the same
order, body bytes), send it with the transport's retry, and read the answer as
msrest would. Any other call, or one with options (custom headers, `raw`, HTTP
logging on), goes through the SDK's operation unchanged.
"""

from __future__ import annotations

import json
from typing import Any, Optional
from urllib.parse import quote

import aiohttp
from botframework.connector import models
from botframework.connector.aio import ConnectorClient as SdkConnectorClient
from botframework.connector.aio.operations_async import AttachmentsOperations, ConversationsOperations
from msrest.exceptions import SerializationError
from msrest.pipeline.universal import RawDeserializer
from msrest.serialization import Model, Serializer
from msrest.universal_http import ClientRequest

from hosting.wire.activity_json import read_model, write_model
from hosting.wire.transport import BearerToken, aiohttp_pipeline, send_once_retried

# The SDK's operations send these first, in this order; then the pipeline adds User-Agent and Authorization.
_HEADERS = {"Accept": "application/json", "Content-Type": "application/json; charset=utf-8"}


class ModelSerializer(Serializer):
    def body(self, data: Any, data_type: str, **kwargs: Any) -> Any:
        if isinstance(data, Model) and type(data).__name__ == data_type and not kwargs:
            try:
                return write_model(data, self)
            except SerializationError:
                pass
        return super().body(data, data_type, **kwargs)


class _Conversations(ConversationsOperations):
    """The SDK's operations; replies sent directly once `direct` is set (see the module's docstring)."""

    direct: Optional["_DirectSender"] = None

    async def reply_to_activity(self, conversation_id, activity_id, activity, *, custom_headers=None, raw=False, **config):
        if self._sends_directly(conversation_id, activity_id, custom_headers, raw, config):
            path = f"/v3/conversations/{_segment(conversation_id)}/activities/{_segment(activity_id)}"
            return await self._post(path, {**_HEADERS, "x-ms-conversation-id": conversation_id}, activity)
        return await super().reply_to_activity(
            conversation_id, activity_id, activity, custom_headers=custom_headers, raw=raw, **config
        )

    async def send_to_conversation(self, conversation_id, activity, *, custom_headers=None, raw=False, **config):
        if self._sends_directly(conversation_id, "", custom_headers, raw, config):
            return await self._post(f"/v3/conversations/{_segment(conversation_id)}/activities", dict(_HEADERS), activity)
        return await super().send_to_conversation(conversation_id, activity, custom_headers=custom_headers, raw=raw, **config)

    # The SDK's operations read their URL templates from themselves.
    reply_to_activity.metadata = ConversationsOperations.reply_to_activity.metadata
    send_to_conversation.metadata = ConversationsOperations.send_to_conversation.metadata

    def _sends_directly(self, conversation_id: Any, activity_id: Any, custom_headers: Any, raw: bool, config: dict) -> bool:
        return (
            self.direct is not None
            and not (custom_headers or raw or config or self.config.enable_http_logger)
            and type(conversation_id) is str
            and type(activity_id) is str
            and "{" not in self.config.base_url
        )

    async def _post(self, path: str, headers: dict[str, str], activity: Any) -> Any:
        """What the SDK's operation does for a POST of `activity`, without the pipeline."""
        request = ClientRequest("POST", self._client.format_url(path))
        body = json.dumps(self._serialize.body(activity, "Activity"))
        headers["User-Agent"] = self.config.user_agent_policy.user_agent
        response = await self.direct.send(request, headers, body.encode("utf-8"))
        response.context = {
            RawDeserializer.CONTEXT_NAME: RawDeserializer.deserialize_from_http_generics(response.text(), response.headers)
        }
        if response.status_code not in (200, 201, 202):
            raise models.ErrorResponseException(self._deserialize, response)
        return read_model(models.ResourceResponse, response.context[RawDeserializer.CONTEXT_NAME])


class _DirectSender:
    """The aiohttp session and bearer token a client's direct replies go out with."""

    def __init__(self, session: aiohttp.ClientSession, bearer_token: BearerToken):
        self._session = session
        self._bearer_token = bearer_token

    async def send(self, request: ClientRequest, headers: dict[str, str], data: bytes) -> Any:
        self._bearer_token.add_to(headers)
        return await send_once_retried(self._session, request, headers, data)


class ConnectorClient(SdkConnectorClient):
    """`botframework.connector.aio.ConnectorClient` with `ModelSerializer` for request bodies."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._serialize = ModelSerializer(self._serialize.dependencies)
        self.attachments = AttachmentsOperations(self._client, self.config, self._serialize, self._deserialize)
        self.conversations = _Conversations(self._client, self.config, self._serialize, self._deserialize)

    def use_aiohttp(self, session: aiohttp.ClientSession) -> None:
        """Send through `session` (`hosting.wire.transport`), replies directly, with the client's credentials."""
        bearer_token = BearerToken(self.config.credentials)
        self.config.pipeline = aiohttp_pipeline(self.config, self.config.credentials, session, bearer_token)
        self.conversations.direct = _DirectSender(session, bearer_token)

    @classmethod
    def like(cls, client: SdkConnectorClient) -> "ConnectorClient":
        """The same connection (configuration, pipeline, credentials) as `client`, with our serializer."""
        if isinstance(client, cls):
            return client
        return cls(client.config.credentials, custom_configuration=client.config)


def _segment(value: str) -> str:
    """A path segment as msrest's `Serializer.url` quotes it."""
    return quote(value, safe="")
