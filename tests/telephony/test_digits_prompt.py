"""Collecting digits across turns: keys, words, terminators, timeouts, misses, sealing.

The library's fake channel hosts one `DigitsPrompt` per call, with real
`CallTimers` driven by its fake clock, so no test waits for real time but one.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from hosting.state.memory_storage import MemoryStorage
from telephony import (
    TELEPHONY_CHANNEL,
    DigitSpec,
    DigitsPrompt,
    InputPolicy,
    InputResult,
    InputStatus,
    Reprompt,
    Sealer,
    Voice,
    spoken,
)
from telephony.sdk import Activity
from telephony.testing import FakeChannel, texts

PROMPT = "digits"
USE_KEYPAD = "use the keypad"
FIRST_S, INTER_S = 8.0, 3.0


def prompt_for(reason: Reprompt, options: None) -> Activity:
    return spoken(Voice(), f"{reason.value}: enter digits")


def use_keypad() -> Activity:
    return spoken(Voice(), USE_KEYPAD)


def prompt_host(
    spec: DigitSpec, *, max_misses: int = 3, storage: MemoryStorage | None = None, channel: str = TELEPHONY_CHANNEL,
    real_time: bool = False, **prompt_options,
) -> FakeChannel:
    """A bot running one DigitsPrompt per call; several may share storage, like processes do."""
    policy = InputPolicy(max_misses=max_misses, no_input_timeout_s=FIRST_S)
    return FakeChannel.for_dialog(
        lambda timers, recorder: DigitsPrompt(PROMPT, timers, policy, prompt_for, spec, **prompt_options),
        storage=storage if storage is not None else MemoryStorage(),
        channel=channel,
        real_time=real_time,
    )


FIRST = "first: enter digits"
NO_MATCH = "no-match: enter digits"
NO_INPUT = "no-input: enter digits"


def spec(**rules) -> DigitSpec:
    return DigitSpec(**rules, first_digit_timeout_s=FIRST_S, inter_digit_timeout_s=INTER_S)


async def started(rules: dict | None = None, **options) -> FakeChannel:
    host = prompt_host(spec(**(rules or {"length": 6})), **options)
    assert texts(await host.connect()) == [FIRST]
    return host


# ---- entries -----------------------------------------------------------------


async def test_a_fixed_length_entry_completes_at_its_last_key():
    host = await started({"length": 6})
    assert texts(await host.press("12345")) == []
    assert host.results == []
    assert texts(await host.press("6")) == []
    assert host.result == InputResult(InputStatus.RECOGNIZED, "123456")


async def test_the_terminator_ends_a_variable_entry_and_is_not_part_of_it():
    host = await started({"min_length": 3, "max_length": 8, "terminator": "#"})
    texts(await host.press("4321#"))
    assert host.result == InputResult(InputStatus.RECOGNIZED, "4321")


async def test_with_a_terminator_the_entry_waits_for_it_even_at_max_length():
    host = await started({"min_length": 3, "max_length": 4, "terminator": "#"})
    texts(await host.press("1234"))
    assert host.results == []
    texts(await host.press("#"))
    assert host.result.value == "1234"


async def test_several_digits_typed_in_one_message():
    host = await started({"length": 6}, channel="emulator")
    assert texts(await host.say("123456")) == []
    assert host.result.value == "123456"


@pytest.mark.parametrize(
    ("words", "digits"),
    [
        ("four one one one", "4111"),
        ("one to three four", "1234"),
        ("too two oh nine", "2209"),
        ("1, 2, 3, 4", "1234"),
        ("12 34", "1234"),
    ],
)
async def test_spoken_digits(words, digits):
    host = await started({"length": 4})
    texts(await host.say(words))
    assert host.result.value == digits


async def test_spoken_and_pressed_keys_add_up_to_one_entry():
    host = await started({"length": 4})
    texts(await host.say("four one"))
    texts(await host.press("12"))
    assert host.result.value == "4112"


async def test_words_that_are_not_digits_are_a_miss_and_start_the_entry_over():
    host = await started({"length": 4})
    texts(await host.press("12"))
    assert texts(await host.say("what was that")) == [NO_MATCH]
    texts(await host.press("3456"))
    assert host.result.value == "3456"


async def test_too_short_with_the_terminator_is_a_miss():
    host = await started({"min_length": 4, "max_length": 6, "terminator": "#"})
    assert texts(await host.press("12#")) == [NO_MATCH]


async def test_a_pattern_mismatch_is_a_miss():
    host = await started({"length": 4, "pattern": r"(0[1-9]|1[0-2])\d\d"})
    assert texts(await host.press("1399")) == [NO_MATCH]
    texts(await host.press("1299"))
    assert host.result.value == "1299"


async def test_a_validator_refusal_is_a_miss():
    host = await started({"length": 4}, validator=lambda digits: digits != "0000")
    assert texts(await host.press("0000")) == [NO_MATCH]
    texts(await host.press("0001"))
    assert host.result.value == "0001"


async def test_an_async_validator_is_awaited():
    seen = []

    async def known(digits: str) -> bool:
        seen.append(digits)
        return digits == "2222"

    host = await started({"length": 4}, validator=known)
    assert texts(await host.press("1111")) == [NO_MATCH]
    texts(await host.press("2222"))
    assert host.result.value == "2222" and seen == ["1111", "2222"]


async def test_the_cancel_key_abandons_the_entry():
    host = await started({"min_length": 3, "max_length": 6, "terminator": "#", "cancel_key": "*"})
    texts(await host.press("12*"))
    assert host.result == InputResult(InputStatus.CANCELLED)


async def test_star_is_a_miss_where_it_does_not_cancel():
    host = await started({"length": 4})
    assert texts(await host.press("1*")) == [NO_MATCH]


async def test_a_lone_pound_before_any_digit_is_ignored():
    host = await started({"length": 4})
    assert texts(await host.press("#")) == []
    texts(await host.press("1234"))
    assert host.result.value == "1234"


async def test_misses_up_to_the_limit_end_exhausted():
    host = await started({"length": 4}, validator=lambda digits: False)
    assert texts(await host.press("1111")) == [NO_MATCH]
    assert texts(await host.press("2222")) == [NO_MATCH]
    assert texts(await host.press("3333")) == []
    assert host.result.status is InputStatus.EXHAUSTED


# ---- keypad only -------------------------------------------------------------


async def test_keypad_only_drops_speech_and_asks_for_the_keypad():
    host = await started({"length": 4}, keypad_only=True, use_keypad=use_keypad)
    texts(await host.press("12"))
    assert texts(await host.say("three four")) == [USE_KEYPAD]
    assert host.results == []
    texts(await host.press("34"))
    assert host.result.value == "1234"


async def test_keypad_only_still_reads_typed_digits_off_the_phone():
    host = await started({"length": 4}, channel="emulator", keypad_only=True, use_keypad=use_keypad)
    texts(await host.say("1234"))
    assert host.result.value == "1234"


def test_keypad_only_needs_the_keypad_message():
    with pytest.raises(ValueError, match="use_keypad"):
        DigitsPrompt(PROMPT, None, InputPolicy(), prompt_for, spec(length=4), keypad_only=True)


# ---- timing ------------------------------------------------------------------


async def test_silence_before_the_first_digit_reprompts_after_the_first_digit_timeout():
    host = await started({"length": 4})
    assert texts(await host.wait(FIRST_S - 0.5)) == []
    assert texts(await host.wait(0.5)) == [NO_INPUT]


async def test_the_inter_digit_timeout_completes_an_acceptable_entry():
    host = await started({"min_length": 3, "max_length": 6, "terminator": "#"})
    texts(await host.press("123"))
    assert texts(await host.wait(INTER_S)) == []
    assert host.result.value == "123"


async def test_the_inter_digit_timeout_refuses_a_short_entry():
    host = await started({"min_length": 4, "max_length": 6, "terminator": "#"})
    texts(await host.press("12"))
    assert texts(await host.wait(INTER_S - 0.1)) == []
    assert texts(await host.wait(0.1)) == [NO_MATCH]


async def test_silence_up_to_the_limit_ends_exhausted():
    host = await started({"length": 4})
    assert texts(await host.wait(FIRST_S)) == [NO_INPUT]
    assert texts(await host.wait(FIRST_S)) == [NO_INPUT]
    assert texts(await host.wait(FIRST_S)) == []
    assert host.result == InputResult(InputStatus.EXHAUSTED, Reprompt.NO_INPUT)
    assert len(host.timers) == 0


async def test_a_timer_that_fires_after_the_caller_answered_does_nothing():
    host = await started({"length": 4})
    first_wait = host.timer_tokens[-1]
    texts(await host.press("1"))
    assert texts(await host.late_timer(first_wait)) == []
    texts(await host.press("234"))
    assert host.result.value == "1234"


async def test_a_timer_that_fires_after_the_entry_ended_does_nothing():
    host = await started({"length": 4})
    texts(await host.press("123"))
    last_wait = host.timer_tokens[-1]
    texts(await host.press("4"))
    assert texts(await host.late_timer(last_wait)) == []
    assert len(host.results) == 1 and len(host.timers) == 0


async def test_in_real_time_silence_reprompts():
    host = prompt_host(DigitSpec(length=4, first_digit_timeout_s=0.05, inter_digit_timeout_s=0.05), real_time=True)
    await host.connect()
    for _ in range(200):  # up to 10 s on a busy machine; usually one round
        if len(host.adapter.activity_buffer) > 1:
            break
        await asyncio.sleep(0.05)
    assert [a.text for a in host.adapter.activity_buffer][:2] == [FIRST, NO_INPUT]
    await host.timers.close()


# ---- between turns -----------------------------------------------------------


async def test_an_entry_may_be_served_by_different_processes():
    storage, key = MemoryStorage(), Sealer.generate()
    rules = {"min_length": 12, "max_length": 19, "terminator": "#"}
    first = prompt_host(spec(**rules), storage=storage, sealer=key)
    second = prompt_host(spec(**rules), storage=storage, sealer=key)
    await first.connect()
    for index, key_pressed in enumerate("4111111111111111#"):
        await (first if index % 2 else second).press(key_pressed)
    assert (first.results + second.results) == [InputResult(InputStatus.RECOGNIZED, "4111111111111111")]


async def test_a_sealed_entry_keeps_no_digit_in_clear_in_storage():
    host = await started({"min_length": 12, "max_length": 19, "terminator": "#"}, sealer=Sealer.generate())
    texts(await host.press("4111111111"))
    stored = json.dumps(host.storage.snapshot(), default=str)
    assert "4111111111" not in stored and "1111" not in stored


async def test_an_unsealed_entry_is_stored_as_it_is():
    host = await started({"length": 6})
    texts(await host.press("123"))
    assert "123" in json.dumps(host.storage.snapshot(), default=str)


async def test_nothing_of_a_finished_entry_is_left_in_storage():
    host = await started({"min_length": 12, "max_length": 19, "terminator": "#"}, sealer=Sealer.generate())
    texts(await host.press("4111111111111111#"))
    stored = json.dumps(host.storage.snapshot(), default=str)
    assert "sealed" not in stored and "4111" not in stored
