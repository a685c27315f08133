"""A send the channel refuses, or cannot take because it is gone, is not a crash (docs/call-flow.md, section 9).

Every way the bot closes a conversation is tried against a channel that
answers 400, 403 or 404, and one that drops the connection: the conversation
is over, with one warning line, the call forgotten and its timer cancelled,
no apology and no second attempt. Other refusals are answered where they
happen, with words that are true.
"""

import logging

import pytest

from dialogs import prompts
from dialogs.main_menu import MAIN_MENU, MenuAction
from dialogs.payment import PaymentDialog
from telephony import HANDOFF_INITIATE, RecordingCommand
from telephony.sdk import ActivityTypes
from telephony.testing import FakeChannel

from ..call_harness import OFF_MENU_KEY, ONE_STEP_MENU, call_at_menu, key, kinds, phone_call
from .test_turn_errors import at_menu

#: How the channel fails: its HTTP status, or None for a dropped connection.
FAILURES = [400, 403, 404, None]
FAILURE_IDS = ["400", "403", "404", "dropped"]
END = ActivityTypes.end_of_conversation.value
AGAIN = f"{prompts.ANYTHING_ELSE} {MAIN_MENU.spoken}"


async def started(channel: str, **settings) -> FakeChannel:
    if channel == "telephony":
        return await call_at_menu(**settings)
    call = phone_call(channel=channel, **settings)
    await call.connect()
    return call


def problems(caplog) -> list[str]:
    """Warnings and worse, as `LEVEL message`, from the bot's own loggers."""
    return [f"{r.levelname} {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING]


async def goodbye_to_a_failing_channel(call: FakeChannel, status: int | None, caplog, words: str = "goodbye"):
    """Say `words` to a channel that fails every `endOfConversation` with `status`; what the bot sent."""
    call.fail_sends(END, status)
    caplog.clear()
    return kinds(await call.say(words))


def over_quietly(call: FakeChannel, caplog, kind: str = END, logged_as: str | None = None) -> None:
    """The conversation ended: one warning about `kind`, nothing kept, nothing waiting, nothing more tried."""
    (warning,) = problems(caplog)
    assert warning.startswith("WARNING The channel ") and f"the bot's {logged_as or kind}:" in warning
    assert warning.endswith("the conversation is over")
    assert "Traceback" not in caplog.text
    assert call.storage.snapshot() == {}, "the call is forgotten"
    assert len(call.timers) == 0, "its timer is cancelled"
    assert [a.name or a.type for a in call.undelivered] == [kind], "no second attempt"
    assert not any(prompts.SORRY_ERROR in text for text in kinds(call.sent)), "no apology"


@pytest.mark.parametrize("status", FAILURES, ids=FAILURE_IDS)
@pytest.mark.parametrize("channel", ["telephony", "webchat"])
async def test_a_goodbye_whose_hang_up_is_refused_or_dropped_ends_the_conversation_quietly(channel, status, caplog):
    call = await started(channel)
    assert await goodbye_to_a_failing_channel(call, status, caplog) == [prompts.GOODBYE]
    over_quietly(call, caplog)


@pytest.mark.parametrize("status", FAILURES, ids=FAILURE_IDS)
async def test_a_goodbye_said_mid_step_whose_hang_up_is_refused_ends_the_conversation_quietly(status, caplog):
    call = await call_at_menu(menu=ONE_STEP_MENU)
    assert kinds(await call.press("1")) == [prompts.ACCOUNT_NUMBER]
    await call.press("12")
    assert await goodbye_to_a_failing_channel(call, status, caplog, "bye") == [prompts.GOODBYE]
    over_quietly(call, caplog)


@pytest.mark.parametrize("status", FAILURES, ids=FAILURE_IDS)
async def test_a_goodbye_that_stops_the_recording_first_and_is_refused_ends_quietly(status, caplog):
    call = await call_at_menu(STOP_RECORDING_ON_HANGUP=True)
    assert await goodbye_to_a_failing_channel(call, status, caplog) == [prompts.GOODBYE, "stop"]
    over_quietly(call, caplog)
    assert kinds(await call.answer(RecordingCommand.STOP)) == [], "a late result finds nothing to continue"


@pytest.mark.parametrize("status", FAILURES, ids=FAILURE_IDS)
async def test_a_hang_up_after_a_failed_recovery_that_is_refused_is_one_warning(status, caplog):
    call, storage = await at_menu()
    call.fail_sends(END, status)
    storage.down = True
    caplog.clear()
    assert kinds(await call.press(OFF_MENU_KEY)) == []
    unhandled, not_recovered, hang_up, not_forgotten = problems(caplog)  # the storage is down: errors, rightly
    assert unhandled.startswith("ERROR Unhandled RuntimeError") and not_recovered.startswith("ERROR Could not recover")
    assert hang_up.startswith("WARNING The channel ")
    assert hang_up.endswith("to the bot's endOfConversation after an error")
    assert not_forgotten.startswith("ERROR Could not forget the call")
    assert len(call.undelivered) == 1


@pytest.mark.parametrize("status", [400, 403, 404], ids=FAILURE_IDS[:3])
async def test_a_transfer_the_channel_refuses_to_start_resumes_and_offers_the_menu(status, caplog):
    call = await call_at_menu()
    call.fail_sends(HANDOFF_INITIATE, status)
    await call.press(key(MenuAction.TRANSFER))
    await call.answer(RecordingCommand.PAUSE)
    caplog.clear()
    assert kinds(await call.silence()) == ["resume", prompts.NO_AGENT, AGAIN]
    (warning,) = problems(caplog)
    assert warning.endswith("the caller stays with the bot")
    assert len(call.undelivered) == 1


async def test_a_transfer_the_channel_drops_ends_the_conversation_quietly(caplog):
    call = await call_at_menu()
    call.fail_sends(HANDOFF_INITIATE, None)
    await call.press(key(MenuAction.TRANSFER))
    await call.answer(RecordingCommand.PAUSE)
    caplog.clear()
    assert kinds(await call.silence()) == []
    over_quietly(call, caplog, HANDOFF_INITIATE, logged_as=f"event {HANDOFF_INITIATE}")


@pytest.mark.parametrize("channel", ["telephony", "webchat"])
async def test_a_reprompt_to_a_channel_that_is_gone_ends_the_conversation_quietly(channel, caplog):
    call = await started(channel)  # the chat window was closed while the menu waited
    call.fail_sends(ActivityTypes.message.value, None)
    caplog.clear()
    assert kinds(await call.silence()) == []
    over_quietly(call, caplog, ActivityTypes.message.value)


@pytest.mark.parametrize("status", [400, 403, 404], ids=FAILURE_IDS[:3])
async def test_a_refused_message_gets_the_apology_once_then_the_conversation_is_over(status, caplog):
    call = await started("webchat")
    call.fail_sends(ActivityTypes.message.value, status)
    caplog.clear()
    assert kinds(await call.say(OFF_MENU_KEY)) == []
    first, second = problems(caplog)
    assert first.startswith(f"WARNING The channel answered HTTP {status} to the bot's message in a message turn")
    assert second.endswith("the conversation is over")
    assert "Traceback" not in caplog.text
    apology = f"{prompts.SORRY_ERROR} {prompts.CALL_AN_AGENT.format(number='+14255550100')}"
    assert [a.text for a in call.undelivered] == [f"{prompts.NO_MATCH} {MAIN_MENU.spoken}", apology], "the reprompt, then the apology, once"
    assert call.storage.snapshot() == {}


@pytest.mark.parametrize("status", [400, 403, 404], ids=FAILURE_IDS[:3])
async def test_a_recording_start_the_channel_refuses_to_take_is_a_failed_recording(status, caplog):
    call = phone_call()
    call.fail_sends(RecordingCommand.START.value, status)
    assert kinds(await call.connect()) == [prompts.WELCOME, prompts.RECORDING_FAILED, MAIN_MENU.spoken]
    assert not [line for line in problems(caplog) if line.startswith("ERROR")]


@pytest.mark.parametrize("status", [400, 403, 404], ids=FAILURE_IDS[:3])
async def test_a_recording_pause_the_channel_refuses_to_take_means_no_card_entry(status):
    call = await call_at_menu()
    await call.press(key(PaymentDialog))
    await call.press("123456")
    call.fail_sends(RecordingCommand.PAUSE.value, status)
    sent = kinds(await call.press("1"))
    assert sent == [prompts.PAUSING_FOR_CARD, prompts.CANNOT_SECURE, prompts.TRANSFER_HOLD]
    assert prompts.CARD_NUMBER not in kinds(call.sent)


async def test_a_back_end_that_cannot_be_reached_is_the_bots_error_not_the_channels(caplog):
    """Only what a send raises speaks for the channel: a storage connection lost once gets the apology."""
    call, storage = await at_menu()
    read = storage.read

    async def unreachable_once(keys):
        storage.read = read
        raise ConnectionRefusedError("the storage account cannot be reached")

    storage.read = unreachable_once
    assert kinds(await call.press(OFF_MENU_KEY)) == [prompts.SOMETHING_WENT_WRONG, "pause"]
    assert "Unhandled ConnectionRefusedError" in caplog.text
