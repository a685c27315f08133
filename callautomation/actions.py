"""What the bot's activities do to the call, through the Call Automation SDK.

| the bot sends | the bridge calls |
|---|---|
| a message with `speak` (else `text`) | `play_media` with `SsmlSource` (else `TextSource` in the configured voice) |
| `recording.start` / `pause` / `resume` / `stop` | `start_recording` / `pause_recording` / `resume_recording` / `stop_recording` |
| `handoff.initiate` | `transfer_call_to_participant` to a `PhoneNumberIdentifier` |
| `endOfConversation` | `hang_up(is_for_everyone=True)` |

Answers reach the bot later, in turns of their own, as the channel's would: a
recording command is answered only when ACS confirms the new state
(`RecordingStateChanged`), or at once with `error` when ACS refuses it; a refused
transfer is a failed `handoff.status`. Nothing here waits for ACS beyond its
answer to the request.
"""

from __future__ import annotations

import logging
from typing import Any

from azure.communication.callautomation import (
    CommunicationIdentifier,
    CommunicationUserIdentifier,
    PhoneNumberIdentifier,
    RecognizeInputType,
    RecordingChannel,
    RecordingContent,
    RecordingFormat,
    SsmlSource,
    TextSource,
    UnknownIdentifier,
)
from azure.communication.callautomation.aio import CallAutomationClient, CallConnectionClient
from azure.core.exceptions import AzureError, HttpResponseError

from telephony import (
    COMMAND_ACTIVITY,
    HANDOFF_INITIATE,
    HANDOFF_TARGET_KEY,
    ChannelError,
    InputHint,
    RecordingCommand,
    Sealer,
    is_e164,
)
from telephony.sdk import Activity, ActivityTypes

from .activities import CallAddress
from .calls import BridgeCall, PendingCommand, QueuedPlay
from .settings import LISTEN_FOR_S, BridgeSettings

log = logging.getLogger(__name__)

NOT_A_PHONE_NUMBER = "The transfer target is not an E.164 phone number"
# What the channel answers a pause, resume or stop before any start; ACS cannot be asked
# without a recording id.
NOT_STARTED = {"code": "RecordingNotStarted", "message": ChannelError.NOT_STARTED.value}

# The recording state that confirms each command.
CONFIRMED_BY_ACTIVE = {
    RecordingCommand.START: True,
    RecordingCommand.PAUSE: False,
    RecordingCommand.RESUME: True,
    RecordingCommand.STOP: False,
}


def participant(raw_id: str) -> CommunicationIdentifier:
    """The SDK identifier for a raw id ("4:+1425…" is a phone, "8:acs:…" an ACS user)."""
    if raw_id.startswith("4:"):
        return PhoneNumberIdentifier(raw_id[2:])
    if raw_id.startswith("8:acs:"):
        return CommunicationUserIdentifier(raw_id)
    return UnknownIdentifier(raw_id)


def acs_error(error: HttpResponseError) -> dict[str, str]:
    """ACS's refusal as the `error` of a `commandResult`: its code and message."""
    detail = error.error
    code = (detail.code if detail is not None else None) or str(error.status_code or "Error")
    message = (detail.message if detail is not None else None) or (error.reason or "Refused by ACS")
    return {"code": code, "message": message}


class CallActions:
    """Acts on one call at a time; `answers` collects the activities the bot gets back."""

    def __init__(self, client: CallAutomationClient, settings: BridgeSettings, sealer: Sealer) -> None:
        self._client = client
        self._settings = settings
        self._sealer = sealer

    def connection(self, call: BridgeCall) -> CallConnectionClient:
        assert call.call_connection_id, "a call acted on before it connected"
        return self._client.get_call_connection(call.call_connection_id)

    async def perform(self, call: BridgeCall, activity: Activity, answers: list[Activity]) -> None:
        address = CallAddress(call, self._settings.callback_base_url, self._settings.bot_id, self._settings.locale)
        if not call.call_connection_id:
            log.info("Dropped a %s for a call that has not connected or has ended", activity.type)
        elif activity.type == ActivityTypes.message and (activity.speak or activity.text):
            await self.play(call, activity)
        elif activity.type == COMMAND_ACTIVITY and activity.name in {c.value for c in RecordingCommand}:
            await self._record(call, RecordingCommand(activity.name), _command_id(activity.value), address, answers)
        elif activity.type == ActivityTypes.event and activity.name == HANDOFF_INITIATE:
            await self._transfer(call, activity.value, address, answers)
        elif activity.type == ActivityTypes.end_of_conversation:
            await self._hang_up(call)

    async def play(self, call: BridgeCall, activity: Activity) -> None:
        if call.listening:  # the caller is answered: stop listening before the next prompt
            await self.stop_media(call)
        if activity.speak:
            source: Any = SsmlSource(ssml_text=activity.speak)
        else:
            source = TextSource(text=activity.text, voice_name=self._settings.voice_name,
                                source_locale=self._settings.locale)
        call.plays_started += 1
        play = QueuedPlay(f"play-{call.plays_started}", activity.input_hint or InputHint.ACCEPTING.value)
        try:
            await self.connection(call).play_media(source, operation_context=play.operation_context)
        except AzureError as error:
            _refused("ACS refused a prompt", error)
            return
        call.plays.append(play)

    async def listen(self, call: BridgeCall) -> None:
        """Recognize what the caller says next (their keys come through continuous DTMF)."""
        operation = f"listen-{call.plays_started}"
        try:
            await self.connection(call).start_recognizing_media(
                RecognizeInputType.SPEECH,
                participant(call.caller_raw_id),
                initial_silence_timeout=LISTEN_FOR_S,
                speech_language=self._settings.locale,
                operation_context=operation,
            )
        except AzureError as error:
            _refused("ACS would not listen for speech", error)
            return
        call.listening = operation

    async def listen_for_keys(self, call: BridgeCall) -> None:
        try:
            await self.connection(call).start_continuous_dtmf_recognition(participant(call.caller_raw_id))
        except AzureError as error:
            _refused("ACS would not listen for keys (the caller can only speak)", error)

    async def stop_media(self, call: BridgeCall) -> None:
        """Barge-in: stop every prompt playing or queued, and any listening."""
        call.plays.clear()
        call.listening = None
        try:
            await self.connection(call).cancel_all_media_operations()
        except AzureError as error:
            _refused("ACS would not stop the prompt", error)

    async def _record(
        self, call: BridgeCall, command: RecordingCommand, command_id: str, address: CallAddress,
        answers: list[Activity],
    ) -> None:
        if command is not RecordingCommand.START and not call.recording_id:
            answers.append(address.command_result(command.value, command_id, NOT_STARTED))
            return
        try:
            if command is RecordingCommand.START:
                token = self._sealer.open(call.sealed_token, call.key)
                started = await self._client.start_recording(
                    server_call_id=call.server_call_id,
                    recording_state_callback_url=self._settings.callback_url(token),
                    recording_content_type=RecordingContent.AUDIO,
                    recording_channel_type=RecordingChannel.MIXED,
                    recording_format_type=RecordingFormat.WAV,
                )
                call.recording_id = started.recording_id
            elif command is RecordingCommand.PAUSE:
                await self._client.pause_recording(call.recording_id)
            elif command is RecordingCommand.RESUME:
                await self._client.resume_recording(call.recording_id)
            else:
                await self._client.stop_recording(call.recording_id)
        except HttpResponseError as error:
            _refused(f"ACS refused {command.name.lower()}", error)
            answers.append(address.command_result(command.value, command_id, acs_error(error)))
            return
        except AzureError as error:  # no answer from ACS: no result, the bot's own timeout decides
            _refused(f"ACS did not answer {command.name.lower()}", error)
            return
        call.pending = PendingCommand(command.value, command_id, CONFIRMED_BY_ACTIVE[command])

    async def _transfer(self, call: BridgeCall, value: Any, address: CallAddress, answers: list[Activity]) -> None:
        target = value.get(HANDOFF_TARGET_KEY) if isinstance(value, dict) else None
        if not isinstance(target, str) or not is_e164(target):
            answers.append(address.handoff_failed(NOT_A_PHONE_NUMBER))
            return
        try:
            await self.connection(call).transfer_call_to_participant(
                PhoneNumberIdentifier(target), operation_context="transfer"
            )
        except AzureError as error:
            _refused("ACS refused the transfer", error)
            answers.append(address.handoff_failed(acs_error(error)["message"] if isinstance(
                error, HttpResponseError) else "The transfer could not be placed"))

    async def _hang_up(self, call: BridgeCall) -> None:
        call.ended_by_bot = True
        try:
            await self.connection(call).hang_up(is_for_everyone=True)
        except AzureError as error:
            _refused("ACS would not hang up", error)


# ACS's sub-codes for "the call is not (or no longer) connected": the caller hung up meanwhile.
CALL_GONE = {"8501", "8522", "8528"}


def _refused(what: str, error: AzureError) -> None:
    """Log ACS refusing an action: a warning, unless the call had simply ended (a hang-up is normal)."""
    gone = isinstance(error, HttpResponseError) and error.error is not None and error.error.code in CALL_GONE
    log.log(logging.INFO if gone else logging.WARNING, "%s (%s)", what, _describe(error))


def _command_id(value: Any) -> str:
    command_id = value.get("commandId") if isinstance(value, dict) else None
    return command_id if isinstance(command_id, str) else ""


def _describe(error: AzureError) -> str:
    """Status and ACS error code: enough to act on, and never a request body."""
    if isinstance(error, HttpResponseError):
        code = error.error.code if error.error is not None else None
        return f"{error.status_code} {code or ''}".strip()
    return type(error).__name__
