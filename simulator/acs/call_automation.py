"""The Call Automation REST API of the ACS resource, with call and recording state by ACS's rules.

Paths and bodies are those of ``azure-communication-callautomation``'s generated
operations (api-version is accepted as sent). Refusals answer ACS's error body;
accepted operations post their callbacks in order through the call's queue.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from aiohttp import web
from azure.communication.callautomation._generated import models as m

from . import errors
from .callbacks import CallbackQueue, CallbackToken
from .calls import Play, Recognize, Recording, StandInCall, event_data, result
from .errors import AcsError

OK = result(200, 0, "Action completed successfully.")


@dataclass(frozen=True)
class Refusal:
    error: AcsError


@dataclass(frozen=True)
class TransferFailure:
    code: int
    sub_code: int
    message: str


@dataclass
class Faults:
    """What goes wrong next. Operation names: answer, reject, play, recognize, transfer, hang_up,
    cancel_media, start_continuous_dtmf, stop_continuous_dtmf, start_recording,
    pause_recording, resume_recording, stop_recording."""

    callback_token: CallbackToken | str = CallbackToken.VALID
    refusals: dict[str, list[AcsError]] = field(default_factory=dict)
    unconfirmed: dict[str, int] = field(default_factory=dict)
    transfer_failures: list[TransferFailure] = field(default_factory=list)

    def refuse(self, operation: str, status: int = 500, code: str = "9999",
               message: str = "Unknown internal server error.") -> None:
        """The next `operation` answers this ACS error instead of acting."""
        self.refusals.setdefault(operation, []).append(AcsError(status, str(code), message))

    def never_confirm(self, change: str) -> None:
        """The next recording `change` (start|pause|resume|stop) is accepted but never confirmed."""
        self.unconfirmed[change] = self.unconfirmed.get(change, 0) + 1

    def fail_transfer(self, code: int = 500, sub_code: int = 8538,
                      message: str = "Action failed, the transfer target declined the call.") -> None:
        """The next transfer is accepted (202) and then fails with CallTransferFailed."""
        self.transfer_failures.append(TransferFailure(code, sub_code, message))

    def token_mode(self) -> CallbackToken:
        return CallbackToken(self.callback_token)

    def take_refusal(self, operation: str) -> AcsError | None:
        queue = self.refusals.get(operation)
        return queue.pop(0) if queue else None

    def take_unconfirmed(self, change: str) -> bool:
        if self.unconfirmed.get(change):
            self.unconfirmed[change] -= 1
            return True
        return False


Handler = Callable[[web.Request, Any], Awaitable[web.StreamResponse]]


class CallAutomation:
    """Calls and recordings of the resource, and the REST routes that act on them."""

    def __init__(self, new_queue: Callable[[Callable[..., None]], CallbackQueue], play_seconds: Callable[[], float | None]):
        self._new_queue = new_queue
        self._play_seconds = play_seconds
        self.faults = Faults()
        self.calls: list[StandInCall] = []
        self._timers: set[asyncio.TimerHandle] = set()

    # ---- calls ---------------------------------------------------------------------------
    def new_call(self, caller: str, called: str) -> StandInCall:
        ids = {
            "call_connection_id": str(uuid.uuid4()),
            "server_call_id": base64.urlsafe_b64encode(
                f"https://standin.conv.skype.com/conv/{secrets.token_urlsafe(12)}?i=1".encode()).decode(),
            "correlation_id": str(uuid.uuid4()),
            "incoming_call_context": "standin." + secrets.token_urlsafe(32),
        }
        holder: list[StandInCall] = []
        queue = self._new_queue(lambda delivered: holder[0].delivered_one(delivered))
        call = StandInCall(self, caller, called, ids, queue)
        holder.append(call)
        self.calls.append(call)
        return call

    def find(self, call_connection_id: str) -> StandInCall:
        for call in self.calls:
            if call.call_connection_id == call_connection_id and call.state != "ringing":
                return call
        raise errors.CALL_NOT_FOUND

    def connected(self, call_connection_id: str) -> StandInCall:
        call = self.find(call_connection_id)
        if call.state != "connected":
            raise errors.CALL_TERMINATED
        return call

    async def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for call in self.calls:
            await call._queue.close()

    # ---- routes ------------------------------------------------------------------------------
    def routes(self) -> list[tuple[str, str, Handler]]:
        c = "/calling/callConnections/{id}"
        return [
            ("POST", "/calling/callConnections:answer", self.answer),
            ("POST", "/calling/callConnections:reject", self.reject),
            ("GET", c, self.get_call),
            ("DELETE", c, self.hang_up),
            ("POST", c + ":terminate", self.terminate),
            ("POST", c + ":play", self.play),
            ("POST", c + ":recognize", self.recognize),
            ("POST", c + ":cancelAllMediaOperations", self.cancel_media),
            ("POST", c + ":startContinuousDtmfRecognition", self.start_continuous_dtmf),
            ("POST", c + ":stopContinuousDtmfRecognition", self.stop_continuous_dtmf),
            ("POST", c + ":transferToParticipant", self.transfer),
            ("GET", c + "/participants", self.participants),
            ("POST", "/calling/recordings", self.start_recording),
            ("GET", "/calling/recordings/{id}", self.recording_properties),
            ("DELETE", "/calling/recordings/{id}", self.stop_recording),
            ("POST", "/calling/recordings/{id}:pause", self.pause_recording),
            ("POST", "/calling/recordings/{id}:resume", self.resume_recording),
        ]

    def _refused(self, operation: str) -> None:
        if refusal := self.faults.take_refusal(operation):
            raise refusal

    async def answer(self, request: web.Request, body: Any) -> web.Response:
        self._refused("answer")
        answer = m.AnswerCallRequest.deserialize(body)
        if not answer.incoming_call_context or not answer.callback_uri:
            raise errors.INVALID_REQUEST
        call = self._ringing(answer.incoming_call_context)
        call.state = "connected"
        call.callback_url = answer.callback_uri
        if answer.call_intelligence_options:
            call.cognitive_services_endpoint = answer.call_intelligence_options.cognitive_services_endpoint
        call.post(None, "CallConnected", event_data(m.CallConnected, **call._ids(answer.operation_context),
                                                    result_information=OK))
        participants = [m.CallParticipant(identifier=phone(call.caller), is_muted=False, is_on_hold=False)]
        call.post(None, "ParticipantsUpdated", event_data(
            m.ParticipantsUpdated, **call._ids(), sequence_number=1, participants=participants))
        call.changed()
        return web.json_response(self._properties(call, "connecting"))

    async def reject(self, request: web.Request, body: Any) -> web.Response:
        """The app turns the call away: the caller hears `reason` (busy, or forbidden); no callback follows."""
        self._refused("reject")
        rejection = m.RejectCallRequest.deserialize(body)
        call = self._ringing(rejection.incoming_call_context)
        call.state = "rejected"
        call.rejected_as = str(rejection.call_reject_reason or "none")
        call.changed()
        return web.Response(status=204)

    def _ringing(self, incoming_call_context: str | None) -> StandInCall:
        """The call an answer or a rejection names, while it still rings."""
        call = next((c for c in self.calls if c.incoming_call_context == incoming_call_context), None)
        if call is None:
            raise errors.CALL_NOT_FOUND
        if call.state != "ringing":
            raise errors.CALL_TERMINATED
        return call

    def _properties(self, call: StandInCall, state: str | None = None) -> dict:
        return m.CallConnectionProperties(
            call_connection_id=call.call_connection_id, server_call_id=call.server_call_id,
            targets=[phone(call.called)], call_connection_state=state or call.state,
            callback_uri=call.callback_url, source=phone(call.caller), correlation_id=call.correlation_id,
            answered_for=m.PhoneNumberIdentifierModel(value=call.called),
        ).serialize()

    async def get_call(self, request: web.Request, body: Any) -> web.Response:
        return web.json_response(self._properties(self.find(request.match_info["id"])))

    async def hang_up(self, request: web.Request, body: Any) -> web.Response:
        self._refused("hang_up")
        self.end_call(self.connected(request.match_info["id"]), by_app=True)
        return web.Response(status=204)

    async def terminate(self, request: web.Request, body: Any) -> web.Response:
        self._refused("hang_up")
        self.end_call(self.connected(request.match_info["id"]), by_app=True)
        return web.Response(status=204)

    def end_call(self, call: StandInCall, *, by_app: bool, state: str = "disconnected") -> None:
        if call.state not in ("connected", "ringing"):
            return
        call.state = state
        call.hung_up_by_app = by_app
        self._cancel_media(call, notify=False)
        if call.recording and call.recording.state != "stopped":
            self._recording_change(call, call.recording, "stopped", notify=True)
        call.continuous_dtmf = False
        call.post(None, "CallDisconnected", event_data(m.CallDisconnected, **call._ids(), result_information=OK))
        call.changed()

    # ---- media -------------------------------------------------------------------------------
    def _play_from(self, source: m.PlaySource, call: StandInCall, **extra: Any) -> Play:
        kind = str(source.kind)
        if kind in ("text", "ssml") and not call.cognitive_services_endpoint:
            raise errors.NO_COGNITIVE_SERVICES
        extra["recording_state"] = call.recording.state if call.recording else None
        if kind == "text" and source.text:
            return Play("text", text=source.text.text, voice_name=source.text.voice_name, **extra)
        if kind == "ssml" and source.ssml:
            return Play("ssml", ssml=source.ssml.ssml_text, **extra)
        if kind == "file" and source.file:
            return Play("file", url=source.file.uri, **extra)
        raise errors.INVALID_REQUEST

    async def play(self, request: web.Request, body: Any) -> web.Response:
        self._refused("play")
        call = self.connected(request.match_info["id"])
        play = m.PlayRequest.deserialize(body)
        if not play.play_sources:
            raise errors.INVALID_REQUEST
        interrupt = bool(play.interrupt_call_media_operation)
        plays = [self._play_from(source, call, operation_context=play.operation_context,
                                 interrupt_call_media_operation=interrupt, callback_url=play.operation_callback_uri)
                 for source in play.play_sources]
        if interrupt:
            self._cancel_media(call, notify=True)
        # One request is one operation: its sources play in a row and end with one event.
        call.plays.extend(plays)
        for extra in plays[1:]:
            extra.outcome = "completed"
        self._start_next(call)  # plays queue: this one starts when those before it have ended
        call.changed()
        return web.Response(status=202)

    def _start_next(self, call: StandInCall) -> None:
        """Start the oldest play still to be heard, if none is playing (ACS plays one at a time)."""
        waiting = [p for p in call.plays if p.outcome == "playing"]
        if not waiting or waiting[0].started:
            return
        head = waiting[0]
        head.started = True
        if not head.prompt:
            call.post(head.callback_url, "PlayStarted", event_data(
                m.PlayStarted, **call._ids(head.operation_context), result_information=OK))
        self._schedule_end(call, head)

    def _schedule_end(self, call: StandInCall, play: Play) -> None:
        seconds = self._play_seconds()
        if seconds is None:
            return
        if seconds <= 0:
            self._complete(call, play)
            return
        timer = asyncio.get_running_loop().call_later(seconds, self._complete, call, play)
        self._timers.add(timer)

    def _complete(self, call: StandInCall, play: Play) -> None:
        if play.outcome != "playing" or call.state != "connected":
            return
        play.outcome = "completed"
        if not play.prompt:
            call.post(play.callback_url, "PlayCompleted", event_data(
                m.PlayCompleted, **call._ids(play.operation_context), result_information=OK))
        self._start_next(call)
        call.changed()

    def finish_play(self, call: StandInCall) -> None:
        playing = [p for p in call.plays if p.outcome == "playing" and not p.prompt]
        if playing:
            self._complete(call, playing[0])

    def _cancel_media(self, call: StandInCall, *, notify: bool) -> None:
        for play in call.plays:
            if play.outcome == "playing":
                play.outcome = "canceled"
                if notify and not play.prompt:
                    call.post(play.callback_url, "PlayCanceled", event_data(
                        m.PlayCanceled, **call._ids(play.operation_context),
                        result_information=result(400, 8508, "Action failed, the operation was cancelled.")))
        if call.recognize is not None:
            recognize, call.recognize = call.recognize, None
            if notify:
                call.post(recognize.callback_url, "RecognizeCanceled", event_data(
                    m.RecognizeCanceled, **call._ids(recognize.operation_context),
                    result_information=result(400, 8508, "Action failed, the operation was cancelled.")))

    async def recognize(self, request: web.Request, body: Any) -> web.Response:
        self._refused("recognize")
        call = self.connected(request.match_info["id"])
        recognize = m.RecognizeRequest.deserialize(body)
        options = recognize.recognize_options
        input_type = str(recognize.recognize_input_type or "")
        if options is None or input_type not in ("dtmf", "speech", "speechOrDtmf", "choices"):
            raise errors.INVALID_REQUEST
        if input_type != "dtmf" and not call.cognitive_services_endpoint:
            raise errors.NO_COGNITIVE_SERVICES
        sources = list(recognize.play_prompts or []) or ([recognize.play_prompt] if recognize.play_prompt else [])
        interrupt_prompt = bool(options.interrupt_prompt)
        prompts = [self._play_from(source, call, operation_context=recognize.operation_context, prompt=True,
                                   interrupt_prompt=interrupt_prompt, callback_url=recognize.operation_callback_uri)
                   for source in sources]
        if recognize.interrupt_call_media_operation:
            self._cancel_media(call, notify=True)
        dtmf = options.dtmf_options
        call.recognize = Recognize(
            input_type=input_type, operation_context=recognize.operation_context,
            callback_url=recognize.operation_callback_uri,
            max_tones=dtmf.max_tones_to_collect if dtmf and dtmf.max_tones_to_collect else 1,
            stop_tones=[str(t) for t in (dtmf.stop_tones or [])] if dtmf else [],
            interrupt_prompt=interrupt_prompt, prompts=prompts, choices=list(options.choices or []),
        )
        call.plays.extend(prompts)
        for prompt in prompts[1:]:  # one operation: its prompts play in a row and end as one
            prompt.outcome = "completed"
        self._start_next(call)
        call.changed()
        return web.Response(status=202)

    async def cancel_media(self, request: web.Request, body: Any) -> web.Response:
        self._refused("cancel_media")
        call = self.connected(request.match_info["id"])
        self._cancel_media(call, notify=True)
        call.changed()
        return web.Response(status=202)

    def _targets_caller(self, call: StandInCall, body: Any) -> m.ContinuousDtmfRecognitionRequest:
        request = m.ContinuousDtmfRecognitionRequest.deserialize(body)
        target = request.target_participant
        if target is None or identifier_raw_id(target) != call.caller_raw_id:
            raise errors.AcsError(400, "8523", "Invalid target participant.")
        return request

    async def start_continuous_dtmf(self, request: web.Request, body: Any) -> web.Response:
        self._refused("start_continuous_dtmf")
        call = self.connected(request.match_info["id"])
        self._targets_caller(call, body)
        call.continuous_dtmf = True
        call.changed()
        return web.Response(status=200)

    async def stop_continuous_dtmf(self, request: web.Request, body: Any) -> web.Response:
        self._refused("stop_continuous_dtmf")
        call = self.connected(request.match_info["id"])
        stop = self._targets_caller(call, body)
        call.continuous_dtmf = False
        call.post(stop.operation_callback_uri, "ContinuousDtmfRecognitionStopped", event_data(
            m.ContinuousDtmfRecognitionStopped, **call._ids(stop.operation_context), result_information=OK))
        call.changed()
        return web.Response(status=200)

    async def transfer(self, request: web.Request, body: Any) -> web.Response:
        self._refused("transfer")
        call = self.connected(request.match_info["id"])
        transfer = m.TransferToParticipantRequest.deserialize(body)
        target = transfer.target_participant
        number = target.phone_number.value if target is not None and target.phone_number else None
        if not number:
            raise errors.AcsError(400, "8523", "Invalid transfer target.")
        call.transfers.append(number)
        ids = call._ids(transfer.operation_context)
        url = transfer.operation_callback_uri
        if self.faults.transfer_failures:
            failure = self.faults.transfer_failures.pop(0)
            call.post(url, "CallTransferFailed", event_data(
                m.CallTransferFailed, **ids, result_information=result(failure.code, failure.sub_code, failure.message)))
        else:
            call.post(url, "CallTransferAccepted", event_data(
                m.CallTransferAccepted, **ids, result_information=OK, transfer_target=phone(number),
                transferee=phone(call.caller)))
            self.end_call(call, by_app=False, state="transferred")
        call.changed()
        return web.json_response(m.TransferCallResponse(operation_context=transfer.operation_context).serialize(),
                                 status=202)

    async def participants(self, request: web.Request, body: Any) -> web.Response:
        call = self.connected(request.match_info["id"])
        return web.json_response({"value": [m.CallParticipant(identifier=phone(call.caller), is_muted=False,
                                                              is_on_hold=False).serialize()]})

    # ---- recording ------------------------------------------------------------------------------
    def _recording(self, recording_id: str) -> tuple[StandInCall, Recording]:
        for call in self.calls:
            for recording in call.recordings:
                if recording.id == recording_id and recording.state != "stopped":
                    return call, recording
        raise errors.RECORDING_NOT_FOUND

    async def start_recording(self, request: web.Request, body: Any) -> web.Response:
        self._refused("start_recording")
        start = m.StartCallRecordingRequest.deserialize(body)
        locator = start.call_locator
        if locator is not None and locator.server_call_id:
            call = next((c for c in self.calls if c.server_call_id == locator.server_call_id), None)
        elif start.call_connection_id:
            call = next((c for c in self.calls if c.call_connection_id == start.call_connection_id), None)
        else:
            raise errors.INVALID_REQUEST
        if call is None:
            raise errors.CALL_NOT_FOUND
        if call.state != "connected":
            raise errors.CALL_NOT_ESTABLISHED
        if call.recording is not None and call.recording.state != "stopped":
            raise errors.RECORDING_IN_PROGRESS
        recording = Recording(id=base64.urlsafe_b64encode(json.dumps(
            {"PlatformEndpointId": str(uuid.uuid4()), "ResourceSpecificId": str(uuid.uuid4())}).encode()).decode(),
            state="paused" if start.pause_on_start else "active", callback_url=start.recording_state_callback_uri,
            started=dt.datetime.now(dt.timezone.utc))
        recording.history.append(recording.state)
        call.recording = recording
        call.recordings.append(recording)
        if not self.faults.take_unconfirmed("start"):
            self._notify_recording(call, recording)
        call.changed()
        return web.json_response(self._recording_state(recording), status=200)

    @staticmethod
    def _recording_state(recording: Recording) -> dict:
        return m.RecordingStateResponse(recording_id=recording.id,
                                        recording_state="active" if recording.state == "active" else "inactive",
                                        recording_kind="azureCommunicationServices").serialize()

    async def recording_properties(self, request: web.Request, body: Any) -> web.Response:
        _, recording = self._recording(request.match_info["id"])
        return web.json_response(self._recording_state(recording))

    async def pause_recording(self, request: web.Request, body: Any) -> web.Response:
        self._refused("pause_recording")
        call, recording = self._recording(request.match_info["id"])
        if recording.state == "paused":
            raise errors.RECORDING_ALREADY_PAUSED
        self._recording_change(call, recording, "paused", notify=not self.faults.take_unconfirmed("pause"))
        return web.Response(status=202)

    async def resume_recording(self, request: web.Request, body: Any) -> web.Response:
        self._refused("resume_recording")
        call, recording = self._recording(request.match_info["id"])
        if recording.state != "paused":
            raise errors.RECORDING_NOT_PAUSED
        self._recording_change(call, recording, "active", notify=not self.faults.take_unconfirmed("resume"))
        return web.Response(status=202)

    async def stop_recording(self, request: web.Request, body: Any) -> web.Response:
        self._refused("stop_recording")
        call, recording = self._recording(request.match_info["id"])
        self._recording_change(call, recording, "stopped", notify=not self.faults.take_unconfirmed("stop"))
        return web.Response(status=204)

    def _recording_change(self, call: StandInCall, recording: Recording, state: str, *, notify: bool) -> None:
        recording.state = state
        recording.history.append(state)
        if notify:
            self._notify_recording(call, recording)
        call.changed()

    @staticmethod
    def _notify_recording(call: StandInCall, recording: Recording) -> None:
        """RecordingStateChanged knows two states: active, and inactive (paused or stopped)."""
        call.post(recording.callback_url, "RecordingStateChanged", event_data(
            m.RecordingStateChanged, **call._ids(), recording_id=recording.id,
            state="active" if recording.state == "active" else "inactive", start_date_time=recording.started,
            recording_kind="azureCommunicationServices"))


def phone(number: str) -> m.CommunicationIdentifierModel:
    return m.CommunicationIdentifierModel(kind="phoneNumber", raw_id=f"4:{number}",
                                          phone_number=m.PhoneNumberIdentifierModel(value=number))


def identifier_raw_id(identifier: m.CommunicationIdentifierModel) -> str | None:
    if identifier.raw_id:
        return identifier.raw_id
    if identifier.phone_number and identifier.phone_number.value:
        return f"4:{identifier.phone_number.value}"
    return None
