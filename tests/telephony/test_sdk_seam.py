"""`telephony.sdk`: one set of names, on either SDK, and what each SDK does differently said once."""

from __future__ import annotations

from telephony.sdk import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationState,
    MemoryStorage,
    TurnContext,
    activity_from_json,
    activity_to_json,
    call_next,
    continuation_activity,
    conversation_reference,
    save_state,
)
from telephony.testing import FakeAdapter


def a_message(conversation_id: str, text: str = "1") -> Activity:
    return Activity(
        type="message",
        channel_id="telephony",
        service_url="https://channel.invalid/",
        conversation=ConversationAccount(id=conversation_id),
        from_property=ChannelAccount(id="+14255550123"),
        recipient=ChannelAccount(id="bot"),
        text=text,
    )


def a_turn(conversation_id: str) -> TurnContext:
    activity = a_message(conversation_id)
    return TurnContext(FakeAdapter(activity), activity)


async def test_a_save_writes_its_own_turns_state_when_another_call_loaded_since():
    storage = MemoryStorage()
    state = ConversationState(storage)
    step = state.create_property("step")
    call_a, call_b = a_turn("call-a"), a_turn("call-b")

    await step.set(call_a, "from A")
    await step.set(call_b, "from B")  # the last load: call B's
    await save_state(state, call_a)
    await save_state(state, call_b)

    assert await step.get(a_turn("call-a")) == "from A"
    assert await step.get(a_turn("call-b")) == "from B"
    assert state.get(call_a)["step"] == "from A", "a turn reads its own state"


def test_a_reference_continues_the_conversation_it_was_taken_from():
    reference = conversation_reference(a_message("call-1"))
    continuation = continuation_activity(reference)
    assert continuation.conversation.id == "call-1" and continuation.service_url == "https://channel.invalid/"
    assert continuation.type == "event"


def test_an_activity_goes_to_the_wire_as_camel_case_json_and_back():
    document = activity_to_json(a_message("call-1", text="5"))
    assert document["conversation"] == {"id": "call-1"} and document["from"]["id"] == "+14255550123"
    assert document["serviceUrl"] == "https://channel.invalid/" and "service_url" not in document
    assert activity_from_json(document).text == "5"


async def test_a_middleware_runs_the_rest_of_the_turn_through_call_next():
    ran: list[str] = []

    class Marks:
        async def on_turn(self, context, logic):
            ran.append("before")
            await call_next(logic, context)
            ran.append("after")

    activity = a_message("call-1")
    adapter = FakeAdapter(activity)
    adapter.use(Marks())

    async def turn(context: TurnContext) -> None:
        ran.append("turn")

    adapter.logic = turn
    await adapter.receive_activity(a_message("call-1"))
    assert ran == ["before", "turn", "after"]
