"""A fix for botframework-streaming 4.17's reading of responses.

`ReceiveResponseAssembler.process_response` parses each stream id with
`UUID(int=int(id))`, but stream ids travel as GUID strings, so every response
that carries a body (the channel's `ResourceResponse` to each reply) raises in
a background task and the bot's `send_activity` never completes over a
WebSocket. The request side already parses ids with `UUID(id)`; this makes the
response side do the same. The package is no longer maintained, so the fix
lives here. The bot itself no longer runs the SDK's streaming code
(`hosting.streaming` replaces it); tests that exercise the SDK's own streaming
path against the simulator apply this fix.
"""

from __future__ import annotations

from typing import List
from uuid import UUID

from botframework.streaming import ReceiveResponse
from botframework.streaming.payloads import ContentStream
from botframework.streaming.payloads.assemblers.receive_response_assembler import ReceiveResponseAssembler
from botframework.streaming.payloads.models import ResponsePayload


#: The SDK's own reading, as it was before any fix replaced it (its tests check it is still wrong).
SDK_PROCESS_RESPONSE = ReceiveResponseAssembler.process_response


async def _process_response(self: ReceiveResponseAssembler, stream: List[int]) -> None:
    payload = ResponsePayload().from_json(bytes(stream).decode("utf8"))
    response = ReceiveResponse(status_code=payload.status_code, streams=[])
    for description in payload.streams or []:
        try:
            identifier = UUID(description.id)
        except (TypeError, ValueError):
            raise ValueError(f"Stream description id '{description.id}' is not a Guid") from None
        assembler = self._stream_manager.get_payload_assembler(identifier)
        assembler.content_type = description.content_type
        assembler.content_length = description.length
        content = ContentStream(identifier=identifier, assembler=assembler)
        content.length = description.length
        content.content_type = description.content_type
        response.streams.append(content)
    await self._on_completed(self.identifier, response)


def fix_streaming_response_ids() -> None:
    """Apply the fix (idempotent)."""
    ReceiveResponseAssembler.process_response = _process_response
