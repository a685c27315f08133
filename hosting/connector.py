"""The SDK's `ConnectorClient`, serializing typed activities in one pass.

msrest's `Serializer.body` first rebuilds the whole object tree with a
`Deserializer` ("just in case this is a dict") and only then serializes it. For
an `Activity` that is already a model it is pure overhead: about 40 % of the
serialization time, on every reply. `ModelSerializer` skips the rebuild when the
body is a model whose tree serializes directly, writing it with
`hosting.activity_json` (msrest's result from compiled plans), and falls back to
msrest's full path otherwise (a nested plain dict where a model is expected, for
instance), so the JSON on the wire is the same either way.
"""

from __future__ import annotations

from typing import Any

from botframework.connector.aio import ConnectorClient as SdkConnectorClient
from botframework.connector.aio.operations_async import AttachmentsOperations, ConversationsOperations
from msrest.exceptions import SerializationError
from msrest.serialization import Model, Serializer

from hosting.activity_json import write_model


class ModelSerializer(Serializer):
    def body(self, data: Any, data_type: str, **kwargs: Any) -> Any:
        if isinstance(data, Model) and type(data).__name__ == data_type and not kwargs:
            try:
                return write_model(data, self)
            except SerializationError:
                pass
        return super().body(data, data_type, **kwargs)


class ConnectorClient(SdkConnectorClient):
    """`botframework.connector.aio.ConnectorClient` with `ModelSerializer` for request bodies."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._serialize = ModelSerializer(self._serialize.dependencies)
        self.attachments = AttachmentsOperations(self._client, self.config, self._serialize, self._deserialize)
        self.conversations = ConversationsOperations(self._client, self.config, self._serialize, self._deserialize)

    @classmethod
    def like(cls, client: SdkConnectorClient) -> "ConnectorClient":
        """The same connection (configuration, pipeline, credentials) as `client`, with our serializer."""
        if isinstance(client, cls):
            return client
        return cls(client.config.credentials, custom_configuration=client.config)
