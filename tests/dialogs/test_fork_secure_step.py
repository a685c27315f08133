"""A fork's second secure step, a bank account number, built only from public parts (`bank_account.py`).

It pauses the recording with its own words, asks with the keypad-only prompt
builder, lets no global word or speech in while the caller types, says its own
"cannot secure" words when the pause fails, and resumes after.
"""

from __future__ import annotations

from dialogs import prompts
from telephony import InputHint, RecordingCommand, Refusal
from telephony.testing import FakeChannel

from ..call_harness import kinds, phone_call
from .bank_account import ACCOUNT_INVALID, DETAILS, ENTER_ACCOUNT, THANKS, bank_menu

PAUSING = prompts.PAUSING_FOR.format(details=DETAILS)
NUMBER = "12345678"


async def at_the_menu() -> FakeChannel:
    call = phone_call(menu=bank_menu())
    await call.connect()
    await call.answer(RecordingCommand.START)
    return call


async def asked_for_the_number() -> FakeChannel:
    call = await at_the_menu()
    assert kinds(await call.press("3")) == [PAUSING, "pause"]
    (prompt,) = await call.answer(RecordingCommand.PAUSE)
    assert prompt.text == ENTER_ACCOUNT
    assert prompt.input_hint == InputHint.IGNORING_SPEECH.value, "speech must not barge in or be transcribed"
    return call


async def test_the_number_is_asked_for_only_once_paused_and_the_thanks_comes_after_the_resume():
    call = await asked_for_the_number()
    assert kinds(await call.press(NUMBER + "#")) == ["resume"]
    assert kinds(await call.answer(RecordingCommand.RESUME))[0] == THANKS


async def test_its_own_words_say_what_it_cannot_secure_and_the_caller_is_transferred():
    call = await at_the_menu()
    call.answer_commands = True
    call.refuse(RecordingCommand.PAUSE, Refusal(code="RecordingFailed", message="no"))
    sent = kinds(await call.press("3"))
    cannot = prompts.CANNOT_SECURE_FOR.format(details=DETAILS)
    assert sent[:3] == [PAUSING, "pause", cannot]
    assert prompts.TRANSFER_HOLD in sent and ENTER_ACCOUNT not in kinds(call.sent)
    assert "card" not in cannot


async def test_speech_and_global_words_are_kept_out_while_the_caller_types():
    call = await asked_for_the_number()
    await call.press("1234")
    assert kinds(await call.say("agent")) == [prompts.USE_KEYPAD], "no transfer, and the words are not read"
    assert kinds(await call.press("5678#")) == ["resume"], "the keys before the words still count"


async def test_a_refused_number_is_asked_again_with_its_own_words():
    call = await asked_for_the_number()
    assert kinds(await call.press("12#")) == [f"{ACCOUNT_INVALID} {ENTER_ACCOUNT}"]


async def test_star_cancels_the_entry_and_the_recording_resumes():
    call = await asked_for_the_number()
    await call.press("12")
    assert kinds(await call.press("*")) == ["resume"], "the cancel key, not the opt-out: no global words here"
    sent = kinds(await call.answer(RecordingCommand.RESUME))
    assert THANKS not in sent and sent[-1].startswith(prompts.ANYTHING_ELSE)


async def test_a_chat_never_reaches_the_number():
    call = phone_call(channel="webchat", menu=bank_menu())
    await call.connect()
    sent = kinds(await call.say("3"))
    assert ENTER_ACCOUNT not in sent and PAUSING not in sent
    assert prompts.CANNOT_SECURE_FOR.format(details=DETAILS) in sent
