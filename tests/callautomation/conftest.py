"""The app answering calls through the local ACS stand-in (`simulator/acs/`).

`line` runs the real app (`app.create_app`, served over HTTP on a loopback port)
with Call Automation configured against the stand-in; the real
`azure-communication-callautomation` SDK is its client. Tests place calls with
`line.call()` and act as the caller on the stand-in's call.
"""

from __future__ import annotations

import base64
import contextlib
import os
import uuid
from collections.abc import AsyncIterator

import pytest

from devtools.acs_line import INCOMING_SECRET, AcsLine, acs_line
from simulator.acs import AcsStandIn
from tests.acs_standin import standin, tls  # noqa: F401  (fixtures)
from tests.azurite import azurite_connection_string  # noqa: F401  (fixture)

SECRET = INCOMING_SECRET
PhoneLine = AcsLine

# Short waits so a whole call runs in seconds, and long enough for a busy two-core machine.
FAST_SETTINGS = {
    "NO_INPUT_TIMEOUT_S": "3",
    "TRANSFER_DELAY_S": "0.2",
    "RECORDING_RESULT_TIMEOUT_S": "2",
    "MAX_RETRIES": "3",
    "LOG_LEVEL": "WARNING",
}


def shared_state(azurite_connection_string: str) -> dict[str, str]:
    """Settings for instances that share one state container in Azurite (and one card-data key)."""
    return {
        "STORAGE": "blob",
        "AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string,
        "STATE_BLOB_CONTAINER": f"acs-{uuid.uuid4().hex[:12]}",
        "CARD_DATA_KEY": base64.b64encode(os.urandom(32)).decode(),
    }


@contextlib.asynccontextmanager
async def serve(standin: AcsStandIn, **settings: str) -> AsyncIterator[AcsLine]:
    async with acs_line(standin, {**FAST_SETTINGS, **settings}) as line:
        yield line



@pytest.fixture
async def line(standin: AcsStandIn) -> AsyncIterator[AcsLine]:
    async with serve(standin) as running:
        yield running
