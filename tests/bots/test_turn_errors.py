"""An unhandled error in a turn (docs/call-flow.md, section 9): apologise, transfer, start the call afresh."""

import logging

from dialogs import prompts
from dialogs.main_menu import MAIN_MENU
from hosting.state.memory_storage import MemoryStorage
from telephony import HANDOFF_TARGET_KEY, RecordingCommand
from telephony.testing import FakeChannel

from ..call_harness import OFF_MENU_KEY, ONE_STEP_MENU, kinds, phone_call

SECRET_LOOKING = "4111 1111 1111 1111"
AGAIN = f"{prompts.ANYTHING_ELSE} {MAIN_MENU.spoken}"
CALL_AN_AGENT = prompts.CALL_AN_AGENT.format(number="+14255550100")


class FailingStorage(MemoryStorage):
    """Storage that breaks on the next read, or on every operation, once armed."""

    def __init__(self):
        super().__init__()
        self.armed = False
        self.down = False

    async def read(self, keys):
        self._fail_if_down()
        if self.armed:
            self.armed = False
            raise RuntimeError(f"storage is down while reading {SECRET_LOOKING}")
        return await super().read(keys)

    async def write(self, changes):
        self._fail_if_down()
        return await super().write(changes)

    async def delete(self, keys):
        self._fail_if_down()
        return await super().delete(keys)

    def _fail_if_down(self):
        if self.down:
            raise RuntimeError(f"storage is down for {SECRET_LOOKING}")


def failing_call(**settings) -> tuple[FakeChannel, FailingStorage]:
    storage = FailingStorage()
    return phone_call(storage=storage, **settings), storage


async def at_menu(**settings) -> tuple[FakeChannel, FailingStorage]:
    call, storage = failing_call(**settings)
    await call.connect()
    await call.answer(RecordingCommand.START)
    return call, storage


async def test_on_the_phone_an_error_is_apologised_for_and_the_caller_transferred(caplog):
    call, storage = await at_menu()
    storage.armed = True
    with caplog.at_level(logging.ERROR):
        sent = await call.press(OFF_MENU_KEY)
    assert kinds(sent) == [prompts.SOMETHING_WENT_WRONG, "pause"]
    assert "RuntimeError" in caplog.text
    assert SECRET_LOOKING not in caplog.text, "the exception's message may quote the caller"
    transfer = await call.silence()  # the transfer delay, so the apology is heard; no turn waited for it
    assert kinds(transfer) == ["handoff.initiate"]
    assert transfer[0].value == {HANDOFF_TARGET_KEY: "+14255550100"}


async def test_after_an_error_the_call_starts_afresh_but_for_its_recording():
    call, storage = await at_menu(menu=ONE_STEP_MENU)
    await call.press("1")  # asked for an account number
    storage.armed = True
    await call.press("1")
    (state,) = storage.snapshot().values()
    assert state["recording"]["state"] == "pausing", "the channel's recording is still known"
    assert "account-number" not in str(state["dialogs"]), "the failed step is gone"


async def test_after_an_error_a_failed_transfer_resumes_and_brings_the_caller_back_to_the_menu():
    call, storage = await at_menu()
    storage.armed = True
    await call.press(OFF_MENU_KEY)
    await call.answer(RecordingCommand.PAUSE)
    await call.silence()
    assert kinds(await call.handoff_failed()) == ["resume", prompts.NO_AGENT, AGAIN]


async def test_in_a_chat_an_error_is_apologised_for_with_the_agents_number_and_the_chat_goes_on():
    call, storage = failing_call(channel="webchat")
    await call.connect()
    storage.armed = True
    assert kinds(await call.say(OFF_MENU_KEY)) == [prompts.SORRY_ERROR + " " + CALL_AN_AGENT, AGAIN]
    assert "call-1" in str(storage.snapshot()), "the chat goes on, started afresh"


async def test_an_error_while_the_call_is_ending_says_nothing():
    call, storage = await at_menu()
    storage.armed = True
    assert kinds(await call.hang_up()) == []
    assert storage.snapshot() == {}


async def test_when_recovery_fails_too_the_caller_is_hung_up_on_and_nothing_raises(caplog):
    call, storage = await at_menu()
    storage.down = True
    with caplog.at_level(logging.ERROR):
        assert kinds(await call.press(OFF_MENU_KEY)) == ["endOfConversation"]
    assert "Could not recover the call" in caplog.text
    assert SECRET_LOOKING not in caplog.text
