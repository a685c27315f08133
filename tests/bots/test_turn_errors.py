"""An unhandled error in a turn (section 9): apologise, transfer, forget the call."""

import logging

from dialogs import prompts
from hosting.memory_storage import MemoryStorage
from telephony.wire import HANDOFF_TARGET_KEY, RecordingCommand

from ..call_harness import Call, kinds

SECRET_LOOKING = "4111 1111 1111 1111"


class FailingStorage(MemoryStorage):
    """Storage that breaks on the next read once armed."""

    def __init__(self):
        super().__init__()
        self.armed = False

    async def read(self, keys):
        if self.armed:
            self.armed = False
            raise RuntimeError(f"storage is down while reading {SECRET_LOOKING}")
        return await super().read(keys)


def failing_call(**settings) -> tuple[Call, FailingStorage]:
    call = Call(TRANSFER_DELAY_S=0.0, **settings)
    storage = FailingStorage()
    # Rebuild the bot on the failing storage.
    from app import create_bot

    call.storage = storage
    call.bot, call.timers = create_bot(call.config, call.adapter, storage)
    call.adapter.logic = call.bot.on_turn
    return call, storage


async def test_on_the_phone_an_error_is_apologised_for_and_the_caller_transferred(caplog):
    call, storage = failing_call()
    await call.connect()
    await call.answer(RecordingCommand.START)
    storage.armed = True
    with caplog.at_level(logging.ERROR):
        sent = await call.press("9")
    assert kinds(sent) == [prompts.SOMETHING_WENT_WRONG, "pause", "handoff.initiate"]
    assert sent[-1].value == {HANDOFF_TARGET_KEY: "+14255550100"}
    assert "RuntimeError" in caplog.text
    assert SECRET_LOOKING not in caplog.text, "the exception's message may quote the caller"
    assert storage.snapshot() == {}, "the call's state is cleared"


async def test_after_an_error_a_failed_transfer_brings_the_caller_back_to_the_menu():
    call, storage = failing_call()
    await call.connect()
    await call.answer(RecordingCommand.START)
    storage.armed = True
    await call.press("9")
    assert kinds(await call.handoff_failed()) == [prompts.NO_AGENT, f"{prompts.ANYTHING_ELSE} {prompts.MENU}"]


async def test_off_the_phone_an_error_ends_the_conversation():
    call, storage = failing_call(channel="emulator")
    await call.connect()
    storage.armed = True
    assert kinds(await call.say("9")) == [prompts.SOMETHING_WENT_WRONG, "endOfConversation"]


async def test_an_error_while_the_call_is_ending_says_nothing():
    call, storage = failing_call()
    await call.connect()
    storage.armed = True
    assert kinds(await call.hang_up()) == []
