"""How the bridge answers each Call Automation event: what changes on the call,
and which activities the bot receives (docs/call-automation.md, "How a call flows").

| event | the bridge | the bot receives |
|---|---|---|
| `CallConnected` | listens for the caller's keys | `conversationUpdate`, caller added |
| `ContinuousDtmfRecognitionToneReceived` | orders keys; a key cuts an interruptible prompt | one `message` per key, with a DTMF entity |
| `PlayCompleted` / `PlayFailed` / `PlayCanceled` | after the last prompt, listens for speech unless it ignored input | nothing |
| `RecognizeCompleted` (speech) | | a `message` with the words |
| `RecordingStateChanged` | | the `commandResult` of the command it confirms |
| `CallTransferFailed` | | `handoff.status` failed |
| `CallDisconnected` | forgets the call | `endOfConversation` (unless the bot hung up) |
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Callable

from inbound.log_safety import loggable
from telephony import Sealer
from telephony.sdk import Activity

from . import dtmf
from .actions import CallActions
from .activities import CallAddress, after
from .calls import BridgeCall
from .events import CallEvent, CallEventType
from .settings import BridgeSettings

log = logging.getLogger(__name__)

_E = CallEventType


class Reactions:
    def __init__(
        self, actions: CallActions, settings: BridgeSettings, sealer: Sealer, clock: Callable[[], float] = time.time
    ) -> None:
        self._actions = actions
        self._settings = settings
        self._sealer = sealer
        self._clock = clock

    def address(self, call: BridgeCall) -> CallAddress:
        return CallAddress(call, self._settings.callback_base_url, self._settings.bot_id, self._settings.locale)

    async def react(self, call: BridgeCall, event: CallEvent, answers: list[Activity]) -> None:
        """Apply `event` to `call`, appending what the bot must receive to `answers`."""
        address = self.address(call)
        if event.type is _E.CALL_CONNECTED:
            if not call.connected:
                call.connected = True
                await self._actions.listen_for_keys(call)
                answers.append(address.call_connected(event.time))
        elif event.type is _E.TONE_RECEIVED:
            assert event.sequence_id is not None
            keys = dtmf.arrange(call, event.sequence_id, event.key, self._sealer, self._clock())
            await self.keys_pressed(call, keys, event, answers)
        elif event.type.ends_a_play:
            if event.type is _E.PLAY_FAILED:
                log.warning("A prompt could not be played (%s)", loggable(event.failure))
            await self._play_ended(call, event.operation_context)
        elif event.type.ends_listening:
            if event.operation_context == call.listening:
                call.listening = None
                if event.type is _E.RECOGNIZE_COMPLETED and event.speech and event.speech.strip():
                    answers.append(address.speech(event.speech.strip(), event.time))
        elif event.type is _E.RECORDING_STATE_CHANGED:
            if not _newer(event, call.recording_changed_at):
                return  # a late or repeated change must not confirm a later command
            call.recording_changed_at = event.time.isoformat()
            call.recording_id = call.recording_id or event.recording_id
            pending = call.pending
            if pending is not None and pending.expects_active == event.recording_active:
                call.pending = None
                answers.append(address.command_result(pending.name, pending.command_id))
        elif event.type is _E.TRANSFER_FAILED:
            log.info("The transfer failed (%s)", loggable(event.failure))
            answers.append(address.handoff_failed(event.result.message if event.result else "", event.time))
        elif event.type is _E.TRANSFER_ACCEPTED:
            log.info("The call was transferred")
        elif event.type is _E.TONE_FAILED:
            log.warning("ACS stopped hearing the caller's keys (%s)", loggable(event.failure))
        elif event.type is _E.CALL_DISCONNECTED and not call.ended_by_bot:
            answers.append(address.call_ended("completedSuccessfully", event.time))

    async def keys_pressed(
        self, call: BridgeCall, keys: list[str], event: CallEvent | None, answers: list[Activity]
    ) -> None:
        """Deliver `keys`, unless the prompt playing ignores them; a key cuts any other prompt."""
        if not keys:
            return
        if call.plays and call.plays[0].drops_keys:
            log.debug("Dropped %d key(s) pressed during a prompt that ignores them", len(keys))
            return
        if call.plays or call.listening:
            await self._actions.stop_media(call)
        address = self.address(call)
        for step, key in enumerate(keys):
            answers.append(address.key_press(key, after(event.time, step) if event is not None else None))

    async def _play_ended(self, call: BridgeCall, operation_context: str | None) -> None:
        ended = next((p for p in call.plays if p.operation_context == operation_context), None)
        if ended is None:
            return  # cancelled by a key, or not ours
        call.plays.remove(ended)
        if not call.plays and ended.listens_after and call.listening is None:
            await self._actions.listen(call)



def _newer(event: CallEvent, last: str | None) -> bool:
    """`event` happened after the change applied last (both times are ACS's clock)."""
    return last is None or event.time > datetime.fromisoformat(last)
