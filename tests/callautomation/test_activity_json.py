"""The Call Automation bridge's activities read and write as msrest reads and writes them.

The bridge builds activities as models; the one-pass JSON of `hosting.wire.activity_json`
must give what msrest would, both ways (`tests/hosting/wire/test_activity_json.py` checks
the channel's and the Emulator's).
"""

from __future__ import annotations

import datetime
import json

import pytest
from botbuilder.schema import Activity

from callautomation.activities import CallAddress as BridgeAddress
from callautomation.calls import BridgeCall

from ..hosting.wire.test_activity_json import msrest_write, ours_write, reads_alike

pytestmark = pytest.mark.botbuilder_only  # botbuilder's msrest JSON; the Agents SDK's is pydantic's own


def bridge_activities() -> list[Activity]:
    """The Call Automation bridge builds models; the channel would send their msrest JSON."""
    address = BridgeAddress(
        BridgeCall("k-1", "+14255550123", "4:+14255550123", "+14255550199", "sealed"), "https://bridge.example/", "bot", "en-US"
    )
    at = datetime.datetime(2026, 11, 30, 23, 10, 0, 123456, tzinfo=datetime.timezone.utc)
    return [
        address.call_connected(at),
        address.key_press("5", at),
        address.key_press("#", None),
        address.speech("agent", at),
        address.command_result("channel/vnd.microsoft.telephony.recording.start", "c-1"),
        address.command_result("channel/vnd.microsoft.telephony.recording.pause", "c-2", {"code": "x", "message": "y"}),
        address.handoff_failed("No answer", at),
        address.call_ended("completedSuccessfully", at),
    ]


@pytest.mark.parametrize("built", bridge_activities(), ids=lambda a: a.type)
def test_the_call_automation_bridges_activities_read_and_write_as_msrest_does(built):
    assert ours_write(built) == msrest_write(built)
    reads_alike(json.loads(msrest_write(built)))
