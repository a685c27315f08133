"""The fix the simulator's tests apply to botframework-streaming 4.17.1 still fits it (docs/sdk-workarounds.md).

The SDK's own streaming client reads a response's stream ids as integers; the fix
(`streaming_fix.py`) replaces `ReceiveResponseAssembler.process_response` and uses the
assembler's private stream manager and completion callback.
"""

from __future__ import annotations

import json
import uuid

import pytest
from botframework.streaming.payloads import StreamManager
from botframework.streaming.payloads.assemblers.receive_response_assembler import ReceiveResponseAssembler
from botframework.streaming.payloads.models import Header

from .streaming_fix import SDK_PROCESS_RESPONSE, _process_response

RESPONSE = {"statusCode": 200, "streams": [{"id": "", "type": "application/json; charset=utf-8", "length": 2}]}


def a_response_assembler(completed: list) -> ReceiveResponseAssembler:
    async def on_completed(identifier, response) -> None:
        completed.append((identifier, response))

    return ReceiveResponseAssembler(Header(type="B", id=uuid.uuid4(), end=True), StreamManager(), on_completed)


async def test_the_sdk_still_cannot_read_a_response_whose_stream_ids_are_guids():
    """Once it can, the fix is no longer needed."""
    stream_id = str(uuid.uuid4())
    document = json.dumps({**RESPONSE, "streams": [{**RESPONSE["streams"][0], "id": stream_id}]}).encode()

    with pytest.raises(ValueError, match="is not a Guid"):
        await SDK_PROCESS_RESPONSE(a_response_assembler([]), list(document))


async def test_the_fixed_reading_completes_the_response_with_its_guid_stream():
    stream_id = str(uuid.uuid4())
    document = json.dumps({**RESPONSE, "streams": [{**RESPONSE["streams"][0], "id": stream_id}]}).encode()
    completed: list = []
    assembler = a_response_assembler(completed)

    await _process_response(assembler, list(document))

    ((identifier, response),) = completed
    assert identifier == assembler.identifier
    assert response.status_code == 200 and [str(stream.identifier) for stream in response.streams] == [stream_id]
