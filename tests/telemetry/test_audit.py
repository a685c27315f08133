"""The audit's flag turns true whenever card keys arrive while the recording may be capturing."""

from __future__ import annotations

import pytest

from telemetry.audit import RecordingAudit
from telemetry.calls import CallOutcome
from telephony import RecordingState, TransferReason

SAFE = {RecordingState.IDLE, RecordingState.PAUSED, RecordingState.STOPPED, RecordingState.OPTED_OUT, RecordingState.FAILED}


@pytest.mark.parametrize("state", list(RecordingState))
def test_card_keys_in_each_recording_state(state):
    audit = RecordingAudit("call", state=state)
    audit.keys_entered("payment.card-number")
    record = audit.record("goodbye")
    assert record["card_entry_while_recording_may_capture"] is (state not in SAFE)
    assert record["card_entry_steps"][0]["recording"] == state.value


def test_card_keys_in_a_call_seen_mid_way_count_as_maybe_captured():
    audit = RecordingAudit("call", complete=False, state=None)
    audit.keys_entered("payment.card-number")
    record = audit.record("caller-hung-up")
    assert record["card_entry_while_recording_may_capture"] is True and record["complete"] is False


def test_every_transfer_reason_has_its_outcome():
    assert {CallOutcome.transferred(reason) for reason in TransferReason} == {
        o for o in CallOutcome if o.value.startswith("transferred-")
    }
