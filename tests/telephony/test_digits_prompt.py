"""Collecting digits across turns: keys, words, terminators, timeouts, misses, sealing.

A small bot hosts one `DigitsPrompt` on botbuilder's TestAdapter, with real
`CallTimers` driven by a fake clock, so no test waits for real time but one.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json

import pytest
from botbuilder.core import ConversationState, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogSet, DialogTurnStatus
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount, Entity

from hosting.memory_storage import MemoryStorage
from telephony.caller_input import InputPolicy, InputResult, InputStatus, Reprompt
from telephony.digits_prompt import DigitsPrompt
from telephony.keypad import DigitSpec
from telephony.messages import spoken
from telephony.sealed import Sealer
from telephony.ssml import Voice
from telephony.timers import TIMER_EVENT, CallTimers
from telephony.wire import DTMF_ENTITY_TYPE, TELEPHONY_CHANNEL

PROMPT = "digits"
USE_KEYPAD = "use the keypad"
FIRST_S, INTER_S = 8.0, 3.0


class FakeClock:
    """An event-loop clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future, asyncio.Task]] = []
        self._order = itertools.count()

    async def sleep(self, delay_s: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + delay_s, next(self._order), future, asyncio.current_task()))
        await future

    async def advance(self, seconds: float) -> None:
        """Move on; every sleep that ends meanwhile wakes, and its work runs to completion."""
        await asyncio.sleep(0)  # timers armed since the last step start sleeping now
        self.now += seconds
        woken = []
        while self._sleepers and self._sleepers[0][0] <= self.now:
            _, _, future, task = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
                woken.append(task)
        if woken:
            await asyncio.wait(woken)


def prompt_for(reason: Reprompt, options: dict) -> Activity:
    return spoken(Voice(), f"{reason.value}: enter digits")


def use_keypad() -> Activity:
    return spoken(Voice(), USE_KEYPAD)


class PromptHost:
    """One bot instance running a DigitsPrompt; several may share storage, like processes do."""

    def __init__(
        self,
        spec: DigitSpec,
        *,
        storage: MemoryStorage | None = None,
        channel: str = TELEPHONY_CHANNEL,
        real_time: bool = False,
        max_misses: int = 3,
        **prompt_options,
    ) -> None:
        self.storage = storage or MemoryStorage()
        self.channel = channel
        self.adapter = TestAdapter(
            template_or_conversation=Activity(
                channel_id=channel,
                service_url="https://channel.invalid/",
                from_property=ChannelAccount(id="caller"),
                recipient=ChannelAccount(id="bot"),
                conversation=ConversationAccount(id="call-7"),
            )
        )
        self.adapter.logic = self._turn
        self.state = ConversationState(self.storage)
        self.dialogs = DialogSet(self.state.create_property("dialogs"))
        self.clock = FakeClock()
        self.timers = CallTimers(self.adapter, self._turn, sleep=asyncio.sleep if real_time else self.clock.sleep)
        self.tokens: list[str] = []
        arm = self.timers.arm

        def arm_and_note(context: TurnContext, delay_s: float) -> str:
            self.tokens.append(arm(context, delay_s))
            return self.tokens[-1]

        self.timers.arm = arm_and_note
        policy = InputPolicy(max_misses=max_misses, no_input_timeout_s=FIRST_S)
        self.dialogs.add(DigitsPrompt(PROMPT, self.timers, policy, prompt_for, spec, **prompt_options))
        self.results: list[InputResult] = []

    async def _turn(self, context: TurnContext) -> None:
        dc = await self.dialogs.create_context(context)
        if context.activity.type == ActivityTypes.conversation_update:
            outcome = await dc.begin_dialog(PROMPT)
        else:
            outcome = await dc.continue_dialog()
        if outcome.status == DialogTurnStatus.Complete:
            self.results.append(outcome.result)
        await self.state.save_changes(context)

    # ---- the caller ------------------------------------------------------
    async def start(self) -> list[str]:
        return await self._receive(Activity(type=ActivityTypes.conversation_update))

    async def press(self, keys: str) -> list[str]:
        said = []
        for key in keys:
            dtmf = [Entity(type=DTMF_ENTITY_TYPE)]
            said += await self._receive(Activity(type=ActivityTypes.message, text=key, entities=dtmf))
        return said

    async def type(self, text: str) -> list[str]:
        """Speech on the phone; typed text elsewhere."""
        return await self._receive(Activity(type=ActivityTypes.message, text=text))

    async def wait(self, seconds: float) -> list[str]:
        before = len(self.adapter.activity_buffer)
        await self.clock.advance(seconds)
        return [a.text for a in self.adapter.activity_buffer[before:]]

    async def late_timer(self, token: str) -> list[str]:
        """A timer event that arrives after its time: fired elsewhere, or queued behind input."""
        return await self._receive(Activity(type=ActivityTypes.event, name=TIMER_EVENT, value={"token": token}))

    async def _receive(self, activity: Activity) -> list[str]:
        before = len(self.adapter.activity_buffer)
        await self.adapter.receive_activity(activity)
        return [a.text for a in self.adapter.activity_buffer[before:]]

    @property
    def result(self) -> InputResult:
        (result,) = self.results
        return result


FIRST = "first: enter digits"
NO_MATCH = "no-match: enter digits"
NO_INPUT = "no-input: enter digits"


def spec(**rules) -> DigitSpec:
    return DigitSpec(**rules, first_digit_timeout_s=FIRST_S, inter_digit_timeout_s=INTER_S)


async def started(rules: dict | None = None, **options) -> PromptHost:
    host = PromptHost(spec(**(rules or {"length": 6})), **options)
    assert await host.start() == [FIRST]
    return host


# ---- entries -----------------------------------------------------------------


async def test_a_fixed_length_entry_completes_at_its_last_key():
    host = await started({"length": 6})
    assert await host.press("12345") == []
    assert host.results == []
    assert await host.press("6") == []
    assert host.result == InputResult(InputStatus.RECOGNIZED, "123456")


async def test_the_terminator_ends_a_variable_entry_and_is_not_part_of_it():
    host = await started({"min_length": 3, "max_length": 8, "terminator": "#"})
    await host.press("4321#")
    assert host.result == InputResult(InputStatus.RECOGNIZED, "4321")


async def test_with_a_terminator_the_entry_waits_for_it_even_at_max_length():
    host = await started({"min_length": 3, "max_length": 4, "terminator": "#"})
    await host.press("1234")
    assert host.results == []
    await host.press("#")
    assert host.result.value == "1234"


async def test_several_digits_typed_in_one_message():
    host = await started({"length": 6}, channel="emulator")
    assert await host.type("123456") == []
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
    await host.type(words)
    assert host.result.value == digits


async def test_spoken_and_pressed_keys_add_up_to_one_entry():
    host = await started({"length": 4})
    await host.type("four one")
    await host.press("12")
    assert host.result.value == "4112"


async def test_words_that_are_not_digits_are_a_miss_and_start_the_entry_over():
    host = await started({"length": 4})
    await host.press("12")
    assert await host.type("what was that") == [NO_MATCH]
    await host.press("3456")
    assert host.result.value == "3456"


async def test_too_short_with_the_terminator_is_a_miss():
    host = await started({"min_length": 4, "max_length": 6, "terminator": "#"})
    assert await host.press("12#") == [NO_MATCH]


async def test_a_pattern_mismatch_is_a_miss():
    host = await started({"length": 4, "pattern": r"(0[1-9]|1[0-2])\d\d"})
    assert await host.press("1399") == [NO_MATCH]
    await host.press("1299")
    assert host.result.value == "1299"


async def test_a_validator_refusal_is_a_miss():
    host = await started({"length": 4}, validator=lambda digits: digits != "0000")
    assert await host.press("0000") == [NO_MATCH]
    await host.press("0001")
    assert host.result.value == "0001"


async def test_an_async_validator_is_awaited():
    seen = []

    async def known(digits: str) -> bool:
        seen.append(digits)
        return digits == "2222"

    host = await started({"length": 4}, validator=known)
    assert await host.press("1111") == [NO_MATCH]
    await host.press("2222")
    assert host.result.value == "2222" and seen == ["1111", "2222"]


async def test_the_cancel_key_abandons_the_entry():
    host = await started({"min_length": 3, "max_length": 6, "terminator": "#", "cancel_key": "*"})
    await host.press("12*")
    assert host.result == InputResult(InputStatus.CANCELLED)


async def test_star_is_a_miss_where_it_does_not_cancel():
    host = await started({"length": 4})
    assert await host.press("1*") == [NO_MATCH]


async def test_a_lone_pound_before_any_digit_is_ignored():
    host = await started({"length": 4})
    assert await host.press("#") == []
    await host.press("1234")
    assert host.result.value == "1234"


async def test_misses_up_to_the_limit_end_exhausted():
    host = await started({"length": 4}, validator=lambda digits: False)
    assert await host.press("1111") == [NO_MATCH]
    assert await host.press("2222") == [NO_MATCH]
    assert await host.press("3333") == []
    assert host.result.status is InputStatus.EXHAUSTED


# ---- keypad only -------------------------------------------------------------


async def test_keypad_only_drops_speech_and_asks_for_the_keypad():
    host = await started({"length": 4}, keypad_only=True, use_keypad=use_keypad)
    await host.press("12")
    assert await host.type("three four") == [USE_KEYPAD]
    assert host.results == []
    await host.press("34")
    assert host.result.value == "1234"


async def test_keypad_only_still_reads_typed_digits_off_the_phone():
    host = await started({"length": 4}, channel="emulator", keypad_only=True, use_keypad=use_keypad)
    await host.type("1234")
    assert host.result.value == "1234"


def test_keypad_only_needs_the_keypad_message():
    with pytest.raises(ValueError, match="use_keypad"):
        DigitsPrompt(PROMPT, None, InputPolicy(), prompt_for, spec(length=4), keypad_only=True)


# ---- timing ------------------------------------------------------------------


async def test_silence_before_the_first_digit_reprompts_after_the_first_digit_timeout():
    host = await started({"length": 4})
    assert await host.wait(FIRST_S - 0.5) == []
    assert await host.wait(0.5) == [NO_INPUT]


async def test_the_inter_digit_timeout_completes_an_acceptable_entry():
    host = await started({"min_length": 3, "max_length": 6, "terminator": "#"})
    await host.press("123")
    assert await host.wait(INTER_S) == []
    assert host.result.value == "123"


async def test_the_inter_digit_timeout_refuses_a_short_entry():
    host = await started({"min_length": 4, "max_length": 6, "terminator": "#"})
    await host.press("12")
    assert await host.wait(INTER_S - 0.1) == []
    assert await host.wait(0.1) == [NO_MATCH]


async def test_silence_up_to_the_limit_ends_exhausted():
    host = await started({"length": 4})
    assert await host.wait(FIRST_S) == [NO_INPUT]
    assert await host.wait(FIRST_S) == [NO_INPUT]
    assert await host.wait(FIRST_S) == []
    assert host.result == InputResult(InputStatus.EXHAUSTED, Reprompt.NO_INPUT)
    assert len(host.timers) == 0


async def test_a_timer_that_fires_after_the_caller_answered_does_nothing():
    host = await started({"length": 4})
    first_wait = host.tokens[-1]
    await host.press("1")
    assert await host.late_timer(first_wait) == []
    await host.press("234")
    assert host.result.value == "1234"


async def test_a_timer_that_fires_after_the_entry_ended_does_nothing():
    host = await started({"length": 4})
    await host.press("123")
    last_wait = host.tokens[-1]
    await host.press("4")
    assert await host.late_timer(last_wait) == []
    assert len(host.results) == 1 and len(host.timers) == 0


async def test_in_real_time_silence_reprompts():
    host = PromptHost(DigitSpec(length=4, first_digit_timeout_s=0.05, inter_digit_timeout_s=0.05), real_time=True)
    await host.start()
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
    first = PromptHost(spec(**rules), storage=storage, sealer=key)
    second = PromptHost(spec(**rules), storage=storage, sealer=key)
    await first.start()
    for index, key_pressed in enumerate("4111111111111111#"):
        await (first if index % 2 else second).press(key_pressed)
    assert (first.results + second.results) == [InputResult(InputStatus.RECOGNIZED, "4111111111111111")]


async def test_a_sealed_entry_keeps_no_digit_in_clear_in_storage():
    host = await started({"min_length": 12, "max_length": 19, "terminator": "#"}, sealer=Sealer.generate())
    await host.press("4111111111")
    stored = json.dumps(host.storage.snapshot(), default=str)
    assert "4111111111" not in stored and "1111" not in stored


async def test_an_unsealed_entry_is_stored_as_it_is():
    host = await started({"length": 6})
    await host.press("123")
    assert "123" in json.dumps(host.storage.snapshot(), default=str)


async def test_nothing_of_a_finished_entry_is_left_in_storage():
    host = await started({"min_length": 12, "max_length": 19, "terminator": "#"}, sealer=Sealer.generate())
    await host.press("4111111111111111#")
    stored = json.dumps(host.storage.snapshot(), default=str)
    assert "sealed" not in stored and "4111" not in stored
