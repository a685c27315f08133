"""The caller's keys in the order they were pressed, each once.

Call Automation sends one `ContinuousDtmfRecognitionToneReceived` per key with a
`sequenceId` counting up from 1. Callbacks can arrive late, twice, or out of
order, and a key typed into a card number must not be lost or repeated: a key
seen before is dropped, a key that comes early waits (sealed) for the ones
before it, and if those have not come within `WAIT_FOR_MISSING_S` they are taken
as lost and the waiting keys go on in order.
"""

from __future__ import annotations

from telephony import Sealer

from .calls import BridgeCall

FIRST_SEQUENCE_ID = 1
WAIT_FOR_MISSING_S = 0.5
_NO_KEY = ""  # a tone no keypad has: it holds its place in the sequence only


def arrange(call: BridgeCall, sequence_id: int, key: str | None, sealer: Sealer, now: float) -> list[str]:
    """The keys now due to the bot, in order (possibly none)."""
    expected = call.next_sequence if call.next_sequence is not None else min(sequence_id, FIRST_SEQUENCE_ID)
    if sequence_id < expected or str(sequence_id) in call.held:
        return []  # seen before
    call.held[str(sequence_id)] = sealer.seal(key or _NO_KEY, _context(call, sequence_id))
    call.next_sequence = expected
    if call.held_since is None or sequence_id == expected:
        call.held_since = now
    return release(call, sealer, now)


def release(call: BridgeCall, sealer: Sealer, now: float) -> list[str]:
    """Keys whose turn has come: the run starting at the expected id, or every waiting
    key once the missing ones have been waited for long enough."""
    due: list[str] = []
    released = False
    expected = call.next_sequence if call.next_sequence is not None else FIRST_SEQUENCE_ID
    gave_up = call.held_since is not None and now - call.held_since >= WAIT_FOR_MISSING_S
    for sequence_id in sorted(int(s) for s in call.held):
        if sequence_id != expected and not gave_up:
            break
        key = sealer.open(call.held.pop(str(sequence_id)), _context(call, sequence_id))
        released = True
        if key != _NO_KEY:
            due.append(key)
        expected = sequence_id + 1
    call.next_sequence = expected
    if not call.held:
        call.held_since = None
    elif released:  # a later gap: its wait starts now
        call.held_since = now
    return due


def waiting(call: BridgeCall) -> bool:
    return bool(call.held)


def _context(call: BridgeCall, sequence_id: int) -> str:
    return f"dtmf/{call.key}/{sequence_id}"
