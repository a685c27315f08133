"""The ACS stand-in behaves like Call Automation towards the real SDK and towards the app."""

from __future__ import annotations

import aiohttp
import jwt
import pytest
from azure.communication.callautomation import (
    DtmfTone, FileSource, PhoneNumberIdentifier, RecognizeInputType, SsmlSource, TextSource,
)
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from simulator.acs import AcsStandIn, client_connector

from .conftest import Receiver, sdk_client

AI = "https://standin-ai.cognitiveservices.azure.com/"


async def answered_call(standin: AcsStandIn, client, receiver: Receiver, ai: str | None = AI):
    call = await standin.place_call(receiver.url("/api/calls/incoming?code=secret"))
    incoming = receiver.incoming[-1]["data"]
    await client.answer_call(incoming["incomingCallContext"], receiver.url("/api/calls/callback?token=t"),
                             cognitive_services_endpoint=ai)
    await call.answered()
    return call


async def test_incoming_call_arrives_as_an_event_grid_notification(standin, receiver):
    call = await standin.place_call(receiver.url("/api/calls/incoming?code=secret"), caller="+14255550199")
    (event,) = receiver.incoming
    assert event["eventType"] == "Microsoft.Communication.IncomingCall"
    assert event["data"]["from"]["phoneNumber"]["value"] == "+14255550199"
    assert event["data"]["serverCallId"] == call.server_call_id
    assert call.state == "ringing"


async def test_subscription_validation_returns_the_webhooks_answer(standin, receiver):
    answer = await standin.validate_subscription(receiver.url("/api/calls/incoming?code=secret"))
    assert set(answer) == {"validationResponse"}


async def test_a_wrong_access_key_is_refused(standin, receiver):
    wrong = standin.connection_string.replace(standin.access_key, "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmc=")
    call = await standin.place_call(receiver.url("/api/calls/incoming"))
    async with sdk_client(standin, wrong) as bad:
        with pytest.raises(ClientAuthenticationError) as refused:
            await bad.answer_call(call.incoming_call_context, receiver.url("/api/calls/callback"))
    assert refused.value.status_code == 401
    assert call.state == "ringing"


async def test_answer_posts_call_connected_signed_by_the_published_key(standin, client, receiver):
    call = await answered_call(standin, client, receiver)
    await call.delivered()
    assert receiver.types()[:2] == ["CallConnected", "ParticipantsUpdated"]
    event, authorization = receiver.callbacks[0]
    assert event["data"]["callConnectionId"] == call.call_connection_id
    assert event["data"]["serverCallId"] == call.server_call_id
    async with aiohttp.ClientSession(connector=client_connector(standin.ca_path)) as http:
        async with http.get(standin.openid_configuration_url) as response:
            configuration = await response.json()
        async with http.get(configuration["jwks_uri"]) as response:
            jwks = await response.json()
    token = authorization.removeprefix("Bearer ")
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(jwt.PyJWK(k) for k in jwks["keys"] if k["kid"] == kid)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=standin.resource_id,
                        issuer=configuration["issuer"])
    assert claims["exp"] - claims["iat"] == 300
    assert call.callbacks[0][2] == 200


@pytest.mark.parametrize("mode", ["forged", "expired", "wrong_audience"])
async def test_callback_token_faults_do_not_verify(standin, client, receiver, mode):
    standin.faults.callback_token = mode
    call = await answered_call(standin, client, receiver)
    await call.delivered()
    async with aiohttp.ClientSession(connector=client_connector(standin.ca_path)) as http:
        async with http.get(standin.openid_configuration_url) as response:
            configuration = await response.json()
        async with http.get(configuration["jwks_uri"]) as response:
            key = jwt.PyJWK((await response.json())["keys"][0])
    token = receiver.callbacks[0][1].removeprefix("Bearer ")
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(token, key.key, algorithms=["RS256"], audience=standin.resource_id, issuer=configuration["issuer"])


async def test_a_missing_token_sends_no_authorization(standin, client, receiver):
    standin.faults.callback_token = "missing"
    call = await answered_call(standin, client, receiver)
    await call.delivered()
    assert receiver.callbacks[0][1] is None


async def test_unknown_call_connection_is_not_found(client):
    with pytest.raises(HttpResponseError) as refused:
        await client.get_call_connection("00000000-0000-0000-0000-000000000000").get_call_properties()
    assert refused.value.status_code == 404
    assert refused.value.error.code == "8522"


async def test_pause_with_no_recording_is_refused_with_acs_error(standin, client, receiver):
    await answered_call(standin, client, receiver)
    with pytest.raises(HttpResponseError) as refused:
        await client.pause_recording("no-such-recording")
    assert refused.value.status_code == 404
    assert refused.value.error.code == "8522"


async def test_recording_moves_through_start_pause_resume_stop(standin, client, receiver):
    call = await answered_call(standin, client, receiver)
    started = await client.start_recording(server_call_id=call.server_call_id,
                                           recording_state_callback_url=receiver.url("/api/calls/callback?rec=1"))
    assert started.recording_state == "active"
    with pytest.raises(HttpResponseError) as again:
        await client.start_recording(server_call_id=call.server_call_id)
    assert again.value.error.code == "8559"
    await client.pause_recording(started.recording_id)
    with pytest.raises(HttpResponseError):
        await client.pause_recording(started.recording_id)
    await client.resume_recording(started.recording_id)
    await client.stop_recording(started.recording_id)
    await call.delivered()
    assert call.recording.history == ["active", "paused", "active", "stopped"]
    changes = [(e["data"]["state"], e["data"]["recordingId"]) for e, _ in receiver.callbacks
               if e["type"] == "Microsoft.Communication.RecordingStateChanged"]
    assert changes == [(s, started.recording_id) for s in ["active", "inactive", "active", "inactive"]]


async def test_keys_arrive_only_while_continuous_dtmf_is_on(standin, client, receiver):
    call = await answered_call(standin, client, receiver)
    connection = client.get_call_connection(call.call_connection_id)
    await call.press("1")
    await connection.start_continuous_dtmf_recognition(target_participant=PhoneNumberIdentifier(call.caller))
    await call.press_keys("2#")
    await connection.stop_continuous_dtmf_recognition(target_participant=PhoneNumberIdentifier(call.caller))
    await call.press("3")
    await call.delivered()
    tones = [(e["data"]["tone"], e["data"]["sequenceId"]) for e, _ in receiver.callbacks
             if e["type"].endswith("ContinuousDtmfRecognitionToneReceived")]
    assert tones == [("two", 1), ("pound", 2)]


async def test_dtmf_faults_drop_duplicate_and_reorder_tone_events(standin, client, receiver):
    call = await answered_call(standin, client, receiver)
    connection = client.get_call_connection(call.call_connection_id)
    await connection.start_continuous_dtmf_recognition(target_participant=PhoneNumberIdentifier(call.caller))
    call.drop_next_tones(1)
    await call.press("1")
    call.duplicate_next_tones(1)
    await call.press("2")
    call.reorder_next_tones(2)
    await call.press_keys("34")
    await call.delivered()
    sequence = [e["data"]["sequenceId"] for e, _ in receiver.callbacks
                if e["type"].endswith("ContinuousDtmfRecognitionToneReceived")]
    assert sequence == [2, 2, 4, 3]


async def test_text_play_without_ai_services_is_refused(standin, client, receiver):
    call = await answered_call(standin, client, receiver, ai=None)
    connection = client.get_call_connection(call.call_connection_id)
    with pytest.raises(HttpResponseError) as refused:
        await connection.play_media(TextSource(text="Hello"))
    assert (refused.value.status_code, refused.value.error.code) == (405, "8522")
    await connection.play_media(FileSource(url="https://example.com/hello.wav"))
    assert call.plays[-1].kind == "file"


async def test_a_play_completes_and_cancel_cancels_the_current_one(standin, client, receiver):
    call = await answered_call(standin, client, receiver)
    connection = client.get_call_connection(call.call_connection_id)
    await connection.play_media(TextSource(text="Welcome", voice_name="en-US-JennyNeural"),
                                       operation_context="welcome")
    standin.play_seconds = None
    await connection.play_media(
        [SsmlSource(
            ssml_text="<speak><voice name='x'>Main menu</voice></speak>")], operation_context="menu")
    await connection.cancel_all_media_operations()
    await call.delivered()
    assert call.heard == ["Welcome", "Main menu"]
    assert [p.outcome for p in call.plays] == ["completed", "canceled"]
    assert [t for t in receiver.types() if t.startswith("Play")] == [
        "PlayStarted", "PlayCompleted", "PlayStarted", "PlayCanceled"]


async def test_plays_queue_one_after_another(standin, client, receiver):
    call = await answered_call(standin, client, receiver)
    connection = client.get_call_connection(call.call_connection_id)
    standin.play_seconds = None
    await connection.play_media(TextSource(text="First"), operation_context="first")
    await connection.play_media(TextSource(text="Second"), operation_context="second")
    await call.delivered()
    assert [t for t in receiver.types() if t.startswith("Play")] == ["PlayStarted"]
    await call.finish_play()
    await call.delivered()
    assert [t for t in receiver.types() if t.startswith("Play")] == ["PlayStarted", "PlayCompleted", "PlayStarted"]
    assert [p.outcome for p in call.plays] == ["completed", "playing"]


async def test_speech_and_silence_end_a_recognize(standin, client, receiver):
    call = await answered_call(standin, client, receiver)
    connection = client.get_call_connection(call.call_connection_id)
    assert not await call.say("balance")
    await connection.start_recognizing_media(RecognizeInputType.SPEECH, PhoneNumberIdentifier(call.caller))
    assert await call.say("balance")
    await connection.start_recognizing_media(RecognizeInputType.SPEECH, PhoneNumberIdentifier(call.caller))
    await call.silence()
    await connection.start_recognizing_media(RecognizeInputType.DTMF, PhoneNumberIdentifier(call.caller),
                                             dtmf_max_tones_to_collect=2)
    await call.press_keys("42")
    await call.delivered()
    results = [(e["type"].removeprefix("Microsoft.Communication."), e["data"]) for e, _ in receiver.callbacks
               if "Recognize" in e["type"]]
    assert results[0][1]["speechResult"]["speech"] == "balance"
    assert results[1][0] == "RecognizeFailed" and results[1][1]["resultInformation"]["subCode"] == 8510
    assert results[2][1]["dtmfResult"]["tones"] == [DtmfTone.FOUR, DtmfTone.TWO]


async def test_refused_and_unconfirmed_recording_operations(standin, client, receiver):
    call = await answered_call(standin, client, receiver)
    standin.faults.refuse("pause_recording", status=400, code="8583", message="Precondition failed.")
    started = await client.start_recording(server_call_id=call.server_call_id)
    with pytest.raises(HttpResponseError) as refused:
        await client.pause_recording(started.recording_id)
    assert refused.value.error.code == "8583"
    standin.faults.never_confirm("pause")
    await client.pause_recording(started.recording_id)
    await call.delivered()
    states = [e["data"]["state"] for e, _ in receiver.callbacks if e["type"].endswith("RecordingStateChanged")]
    assert call.recording.state == "paused" and states == ["active"]


async def test_transfer_is_accepted_or_fails_under_the_fault(standin, client, receiver):
    call = await answered_call(standin, client, receiver)
    connection = client.get_call_connection(call.call_connection_id)
    standin.faults.fail_transfer(code=500, sub_code=8538, message="declined")
    await connection.transfer_call_to_participant(PhoneNumberIdentifier("+18005550111"))
    await call.delivered()
    assert call.state == "connected" and receiver.types()[-1] == "CallTransferFailed"
    await connection.transfer_call_to_participant(PhoneNumberIdentifier("+18005550111"))
    await call.wait_for(lambda c: c.state == "transferred")
    await call.delivered()
    assert receiver.types()[-2:] == ["CallTransferAccepted", "CallDisconnected"]
    assert call.transfers == ["+18005550111", "+18005550111"]


async def test_caller_hang_up_ends_the_recording_and_the_call(standin, client, receiver):
    call = await answered_call(standin, client, receiver)
    await client.start_recording(server_call_id=call.server_call_id)
    await call.hang_up()
    await call.delivered()
    assert call.state == "disconnected" and not call.hung_up_by_app
    assert call.recording.state == "stopped"
    assert receiver.types()[-2:] == ["RecordingStateChanged", "CallDisconnected"]


async def test_app_hang_up_for_everyone_ends_the_call(standin, client, receiver):
    call = await answered_call(standin, client, receiver)
    await client.get_call_connection(call.call_connection_id).hang_up(is_for_everyone=True)
    await call.wait_for(lambda c: c.state == "disconnected")
    assert call.hung_up_by_app


async def test_callbacks_can_be_routed_round_robin_to_other_instances(standin, client, receiver):
    standin.route_callbacks_to([receiver.url("/"), receiver.url("/")])
    call = await answered_call(standin, client, receiver)
    await call.delivered()
    assert [status for _, _, status in call.callbacks] == [200, 200]
