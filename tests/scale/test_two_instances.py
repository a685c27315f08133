"""One call spread over two bot processes that share state in Blob Storage (Azurite).

Every turn of the call lands on the other instance than the turn before, as a load
balancer without affinity would send it. The call must go exactly as on one instance.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any, Iterator

import aiohttp
from azure.storage.blob.aio import BlobServiceClient

from config import DefaultConfig
from dialogs.main_menu import MAIN_MENU
from dialogs.prompts import NO_INPUT
from telephony import (
    COMMAND_ACTIVITY,
    COMMAND_RESULT_ACTIVITY,
    DTMF_ENTITY_TYPE,
    HANDOFF_INITIATE,
    HANDOFF_TARGET_KEY,
    RecordingCommand,
)
from tests.call_harness import OFF_MENU_KEY
from tests.scale.conftest import CALLER, Instance, ServiceUrl, call_activity

CARD_NUMBER = "4111111111111111"


class PhoneCall:
    """The Telephony channel's side of one call, posting each activity to a chosen instance."""

    def __init__(self, service: ServiceUrl, http: aiohttp.ClientSession):
        self.service = service
        self.http = http
        self.conversation_id = f"call-{uuid.uuid4().hex}"
        self._ids = itertools.count(1)

    def _activity(self, activity_type: str, **fields: Any) -> dict[str, Any]:
        activity_id = f"{self.conversation_id}-{next(self._ids)}"
        return call_activity(self.conversation_id, activity_id, self.service.url, activity_type, **fields)

    async def post(self, instance: Instance, activity: dict[str, Any]) -> list[dict[str, Any]]:
        """Post one activity; return what the bot sent during that turn."""
        before = len(self.service.received)
        async with self.http.post(instance.url, json=activity) as response:
            assert response.status < 300, f"{instance.name} answered {response.status}"
        return self.service.since(before)

    async def connect(self, instance: Instance) -> list[dict[str, Any]]:
        return await self.post(
            instance, self._activity("conversationUpdate", membersAdded=[{"id": CALLER, "name": CALLER}])
        )

    async def press(self, instance: Instance, key: str) -> list[dict[str, Any]]:
        return await self.post(instance, self._activity("message", text=key, entities=[{"type": DTMF_ENTITY_TYPE}]))

    async def succeed(self, instance: Instance, command: dict[str, Any]) -> list[dict[str, Any]]:
        """Report success for a recording command the bot sent."""
        value = {"commandId": (command.get("value") or {}).get("commandId")}
        return await self.post(instance, self._activity(COMMAND_RESULT_ACTIVITY, name=command["name"], value=value))


def commands(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in sent if a.get("type") == COMMAND_ACTIVITY]


def said(sent: list[dict[str, Any]]) -> str:
    return " ".join(a.get("text") or "" for a in sent if a.get("type") == "message").lower()


def alternating(instances: list[Instance]) -> Iterator[Instance]:
    return itertools.cycle(instances)


async def connect_with_recording(call: PhoneCall, turns: Iterator[Instance]) -> None:
    sent = await call.connect(next(turns))
    (start,) = commands(sent)
    assert start["name"] == RecordingCommand.START.value
    assert "recorded" in said(sent)
    assert MAIN_MENU.spoken.lower() in said(await call.succeed(next(turns), start))


async def transfer(call: PhoneCall, turns: Iterator[Instance]) -> dict[str, Any]:
    """Press 0; the bot pauses recording, then hands the call off. Returns the handoff event."""
    sent = await call.press(next(turns), "0")
    assert "transfer you to an agent" in said(sent)
    (pause,) = commands(sent)
    assert pause["name"] == RecordingCommand.PAUSE.value
    sent = await call.succeed(next(turns), pause)
    since = len(call.service.received) - len(sent)
    # The handoff follows TRANSFER_DELAY_S after the pause result, possibly after the turn.
    return await call.service.wait_for(lambda a: a.get("name") == HANDOFF_INITIATE, since, 10)


async def test_a_call_alternating_between_instances_reaches_the_menu_and_an_agent(start_instances, service_url, http):
    instances = await start_instances({}, {})
    call = PhoneCall(service_url, http)
    turns = alternating(instances)

    await connect_with_recording(call, turns)
    assert MAIN_MENU.spoken.lower() in said(await call.press(next(turns), OFF_MENU_KEY)), "the menu again"
    handoff = await transfer(call, turns)

    assert handoff["value"][HANDOFF_TARGET_KEY] == DefaultConfig().AGENT_PHONE_NUMBER


async def test_a_payment_alternating_between_instances_pauses_and_resumes_recording(
    start_instances, service_url, http, azurite_connection_string
):
    instances = await start_instances({}, {})
    call = PhoneCall(service_url, http)
    turns = alternating(instances)
    await connect_with_recording(call, turns)

    assert "account number" in said(await call.press(next(turns), "1"))
    for key in "12345":
        await call.press(next(turns), key)
    sent = await call.press(next(turns), "6")
    assert "42 dollars and 17 cents" in said(sent) or "42.17" in said(sent)

    sent = await call.press(next(turns), "1")
    assert "pausing the recording" in said(sent)
    (pause,) = commands(sent)
    assert pause["name"] == RecordingCommand.PAUSE.value
    assert "card number" in said(await call.succeed(next(turns), pause))

    for key in CARD_NUMBER:
        await call.press(next(turns), key)
    assert "expiry" in said(await call.press(next(turns), "#"))
    for key in "123":
        await call.press(next(turns), key)
    assert "security code" in said(await call.press(next(turns), "0"))
    for key in "123":
        await call.press(next(turns), key)
    assert "ending in 1 1 1 1" in said(await call.press(next(turns), "#"))

    sent = await call.press(next(turns), "1")
    (resume,) = commands(sent)
    assert resume["name"] == RecordingCommand.RESUME.value
    sent = await call.succeed(next(turns), resume)
    assert "approved" in said(sent)
    assert "anything else" in said(sent)
    state = await stored_state(azurite_connection_string, call.conversation_id)
    assert CARD_NUMBER not in state
    assert len(state.encode()) < 4096

    handoff = await transfer(call, turns)
    assert handoff["value"][HANDOFF_TARGET_KEY] == DefaultConfig().AGENT_PHONE_NUMBER
    everything = str(call.service.received)
    assert CARD_NUMBER not in everything and "4 1 1 1 1 1" not in everything


async def stored_state(connection_string: str, conversation_id: str) -> str:
    """Every state blob stored for the call, concatenated."""
    contents = []
    async with BlobServiceClient.from_connection_string(connection_string) as service:
        async for item in service.list_containers(name_starts_with="calls-"):
            container = service.get_container_client(item.name)
            async for blob in container.list_blobs():
                if conversation_id in blob.name:
                    downloader = await container.download_blob(blob.name)
                    contents.append((await downloader.readall()).decode())
    assert contents, "no state stored for the call"
    return "".join(contents)


async def test_a_no_input_timer_left_on_the_other_instance_does_nothing(start_instances, service_url, http):
    # Instance 0 would reprompt after 2 s, instance 1 after 6 s; two misses do not transfer yet.
    patience = {"MAX_RETRIES": "5"}
    quick, patient = await start_instances(
        {"NO_INPUT_TIMEOUT_S": "2", **patience}, {"NO_INPUT_TIMEOUT_S": "6", **patience}
    )
    call = PhoneCall(service_url, http)
    await connect_with_recording(call, iter([quick, patient]))

    await call.press(quick, OFF_MENU_KEY)  # a miss: arms a 2 s timer on the quick instance ...
    after_last_key = len(service_url.received)
    await call.press(patient, OFF_MENU_KEY)  # ... which this turn, on the other instance, makes stale.

    reprompt = await service_url.wait_for(lambda a: NO_INPUT.lower() in (a.get("text") or "").lower(), after_last_key, 15)
    reprompts = [a for a in service_url.since(after_last_key) if NO_INPUT.lower() in (a.get("text") or "").lower()]
    assert reprompts == [reprompt]
