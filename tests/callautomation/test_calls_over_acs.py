"""Whole calls through Call Automation: the real app and the real SDK against the
local ACS stand-in. Each test follows one path of the call flow (docs/call-flow.md)
and checks what the caller heard and what ACS was asked to do.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta, timezone

import aiohttp

from app import STORAGE
from callautomation.calls import CallBook, call_key
from config import DefaultConfig
from dialogs import prompts as P
from dialogs.main_menu import MAIN_MENU
from dialogs.payment import PAY_OFFER

from ..call_harness import account_step_key
from ..leak_search import forms, found
from .caller import Caller, cloud_event, signed_post
from .conftest import PhoneLine

AGENT = DefaultConfig().AGENT_PHONE_NUMBER
ACCOUNT = "123456"
CARD = "4111111111111111"
EXPIRY = "1299"
CODE = "123"
# What ACS speaks: the SSML, where amounts are `say-as` currency for the voice to read.
BALANCE = "Your balance is 42.17 USD"
APPROVED = "Your payment of 42.17 USD was approved."
# Timestamps and epoch seconds in state and logs are the clock's digits, not the caller's.
CLOCK_DIGITS = re.compile(r"\d{4}-\d{2}-\d{2}[T ][\d:.]+(?:[+-]\d{2}:\d{2}|Z)?|\b\d{10}\.\d+")
CARD_ENDING = P.CARD_ENDING.split("{last_four}")[0]  # the digits follow as `say-as` characters
CARD_PROMPTS = (P.CARD_NUMBER, P.CARD_EXPIRY, P.SECURITY_CODE)


async def at_menu(line: PhoneLine) -> Caller:
    caller = Caller(await line.call())
    await caller.hears(P.WELCOME)
    await caller.hears(MAIN_MENU.spoken)
    await caller.recording_is("active")
    return caller


async def accept_payment_offer(caller: Caller) -> None:
    await caller.press("1")
    await caller.hears(P.ACCOUNT_NUMBER)
    await caller.press(ACCOUNT)
    await caller.hears(PAY_OFFER.spoken)
    await caller.press("1")


async def enter_card(caller: Caller, card: str = CARD, expiry: str = EXPIRY, code: str = CODE) -> None:
    """From the card-number prompt: the card, expiry and code, then 1 to confirm."""
    await caller.hears(P.CARD_NUMBER)
    await caller.press(card + "#")
    await caller.hears(P.CARD_EXPIRY)
    await caller.press(expiry)
    await caller.hears(P.SECURITY_CODE)
    await caller.press(code + "#")
    await caller.hears(CARD_ENDING)
    await caller.press("1")


async def test_the_consent_notice_is_heard_first_as_recording_starts_and_the_menu_is_recorded(line):
    caller = await at_menu(line)
    welcome, menu = caller.call.plays[:2]
    assert P.WELCOME in caller.call.heard[0]
    assert welcome.recording_state == "active"  # the bot asks to record, then says so, in one turn
    assert menu.recording_state == "active"
    assert len(caller.call.recordings) == 1


async def test_nine_repeats_the_menu(line):
    caller = await at_menu(line)
    await caller.press("9")
    await caller.hears(MAIN_MENU.spoken)
    await caller.call.hang_up()


async def test_words_the_menu_does_not_know_get_the_no_match_reprompt(line):
    caller = await at_menu(line)
    await caller.say("pizza")
    await caller.hears(P.NO_MATCH)


async def test_the_balance_is_read_out(line):
    caller = await at_menu(line)
    await caller.press("2")
    await caller.hears(P.ACCOUNT_NUMBER)
    await caller.press(ACCOUNT)
    await caller.hears(BALANCE)
    await caller.hears(P.ANYTHING_ELSE)


async def test_no_card_digit_is_recorded_and_recording_resumes_before_the_outcome(line):
    caller = await at_menu(line)
    await accept_payment_offer(caller)
    await caller.hears(P.PAUSING_FOR_CARD)
    card_prompt = await caller.hears(P.CARD_NUMBER)
    assert caller.call.recording.state == "paused"
    assert caller.call.plays[card_prompt].recording_state == "paused"
    await caller.press(CARD + "#")
    await caller.hears(P.CARD_EXPIRY)
    await caller.press(EXPIRY)
    await caller.hears(P.SECURITY_CODE)
    await caller.press(CODE + "#")
    await caller.hears(CARD_ENDING)
    assert caller.call.recording.state == "paused"
    await caller.press("1")
    outcome = await caller.hears(APPROVED)
    assert caller.call.plays[outcome].recording_state == "active"
    assert caller.call.recording.history.count("paused") == 1


async def test_a_refused_pause_takes_no_card_details_and_transfers(line):
    caller = await at_menu(line)
    line.standin.faults.refuse("pause_recording", status=400, code="8522", message="Recording is not active")
    await accept_payment_offer(caller)
    await caller.hears(P.CANNOT_SECURE)
    assert await caller.ended() == "transferred"
    assert caller.call.transfers == [AGENT]
    assert not any(prompt in heard for heard in caller.call.heard for prompt in CARD_PROMPTS)


async def test_zero_transfers_to_an_agent_with_the_recording_paused(line):
    caller = await at_menu(line)
    await caller.press("0")
    await caller.hears(P.TRANSFER_HOLD)
    assert await caller.ended() == "transferred"
    assert caller.call.transfers == [AGENT]
    assert caller.call.recording.history[-1] in ("paused", "stopped")
    assert "active" != caller.call.recording.state


async def test_a_failed_transfer_resumes_recording_and_returns_to_the_menu(line):
    caller = await at_menu(line)
    line.standin.faults.fail_transfer(code=500, sub_code=7504, message="no route to the agent")
    await caller.press("0")
    await caller.hears(P.TRANSFER_HOLD)
    await caller.hears(P.NO_AGENT)
    await caller.hears(MAIN_MENU.spoken)
    await caller.recording_is("active")
    assert caller.call.state == "connected"


async def test_star_stops_the_recording_for_the_rest_of_the_call(line):
    caller = await at_menu(line)
    await caller.press("*")
    await caller.hears(P.RECORDING_STOPPED)
    await caller.recording_is("stopped")


async def test_saying_goodbye_ends_the_call(line):
    caller = await at_menu(line)
    await caller.say("goodbye")
    await caller.hears(P.GOODBYE)
    assert await caller.ended() == "disconnected"
    assert caller.call.hung_up_by_app


async def test_a_caller_who_hangs_up_is_forgotten(line):
    caller = await at_menu(line)
    book = CallBook(line.app[STORAGE])
    key = call_key(caller.call.callback_url.split("/")[-2])
    assert await book.get(key) is not None
    await caller.call.hang_up()
    await caller.call.delivered()
    answered = [status for kind, _data, status in caller.call.callbacks if kind.endswith("CallDisconnected")]
    assert answered == [200]
    assert not caller.call.hung_up_by_app
    assert await book.get(key) is None


async def test_a_refused_start_is_announced_and_the_call_goes_on(line):
    line.standin.faults.refuse("start_recording", status=400, code="8501", message="Action is not valid")
    caller = Caller(await line.call())
    await caller.hears(P.RECORDING_FAILED)
    await caller.hears(MAIN_MENU.spoken)
    assert caller.call.recording is None


async def test_a_start_acs_never_confirms_counts_as_failed(line):
    line.standin.faults.never_confirm("start")
    caller = Caller(await line.call())
    await caller.hears(P.RECORDING_FAILED)
    await caller.hears(MAIN_MENU.spoken)


async def test_keys_arrive_once_and_in_order_however_acs_delivers_them(line):
    caller = await at_menu(line)
    await caller.press(account_step_key())
    await caller.hears(P.ACCOUNT_NUMBER)
    caller.call.duplicate_next_tones(2)
    caller.call.reorder_next_tones(3)
    await caller.press(ACCOUNT)
    await caller.hears(BALANCE)


async def test_keys_pressed_during_a_prompt_that_ignores_input_are_dropped(line):
    line.standin.play_seconds = None  # prompts play until the test finishes them
    caller = Caller(await line.call())
    await caller.call.wait_for(lambda c: len(c.plays) >= 1)
    await caller.press("0")  # during the welcome, which ignores input
    await caller.call.finish_play()
    await caller.hears(MAIN_MENU.spoken)
    await caller.call.finish_play()
    await caller.press("9")
    await caller.hears(MAIN_MENU.spoken)
    assert caller.call.transfers == []


async def test_a_key_cuts_a_prompt_that_accepts_input(line):
    line.standin.play_seconds = None
    caller = Caller(await line.call())
    await caller.call.wait_for(lambda c: len(c.plays) >= 1)
    await caller.call.finish_play()  # the welcome
    await caller.hears(MAIN_MENU.spoken)
    await caller.press("9")  # while the menu plays
    await caller.hears(MAIN_MENU.spoken)
    assert caller.call.plays[1].outcome == "canceled"


async def test_card_details_reach_no_log_no_stored_state_and_no_prompt(line, caplog):
    card, expiry, code = "4012888888881881", "0931", "8642"
    storage = line.app[STORAGE]
    written: list[str] = []
    write = storage.write

    async def keep_a_copy(changes):
        written.append(json.dumps(changes, default=str))
        await write(changes)

    storage.write = keep_a_copy
    with caplog.at_level(logging.DEBUG):
        caller = await at_menu(line)
        await accept_payment_offer(caller)
        await enter_card(caller, card, expiry, code)
        await caller.hears(APPROVED)
        await caller.call.hang_up()
    everything = CLOCK_DIGITS.sub("<time>", "\n".join([caplog.text, *written, *caller.call.heard]))
    for secret in (card, expiry, code):  # whole digit runs: a GUID's or a token's digits are chance
        assert not found(forms(secret), [everything]), secret
    assert written, "the bridge and the bot stored state"


async def test_a_late_recording_change_does_not_confirm_a_later_pause(line):
    caller = await at_menu(line)
    line.standin.faults.never_confirm("pause")
    await accept_payment_offer(caller)
    await caller.hears(P.PAUSING_FOR_CARD)
    call = caller.call
    stale = cloud_event(
        "Microsoft.Communication.RecordingStateChanged",
        {"callConnectionId": call.call_connection_id, "serverCallId": call.server_call_id,
         "recordingId": call.recording.id, "state": "inactive"},
        time=datetime.now(timezone.utc) - timedelta(minutes=5),  # before the recording started
    )
    async with aiohttp.ClientSession() as http:
        response = await signed_post(line, http, call.callback_url, json.dumps([stale]).encode())
    assert response.status == 200
    await caller.hears(P.CANNOT_SECURE)
    assert await caller.ended() == "transferred"
    assert not any(prompt in heard for heard in call.heard for prompt in CARD_PROMPTS)
