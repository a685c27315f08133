"""The same bot in a chat (docs/call-flow.md, section 10): honest words, no card details, a clean goodbye.

Every text channel the Agents Playground plays (`webchat`, `emulator`,
`msteams`, `directline`) gets the same answers: the agent's number instead of
"please hold", the way to pay by phone instead of card entry, and a goodbye
that ends the chat whether or not the channel takes `endOfConversation`.
"""

import logging

import pytest

from dialogs import prompts
from dialogs.main_menu import MAIN_MENU, MenuAction
from dialogs.payment import PaymentDialog
from telephony import Menu
from telephony.sdk import ActivityTypes
from telephony.testing import FakeChannel

from ..call_harness import ONE_STEP_MENU, key, kinds, phone_call

TEXT_CHANNELS = ["webchat", "emulator", "msteams", "directline"]
AGENT = "+14255550100"
AGAIN = f"{prompts.ANYTHING_ELSE} {MAIN_MENU.spoken}"
CALL_AN_AGENT = prompts.CALL_AN_AGENT.format(number=AGENT)
PAY_BY_PHONE = prompts.PAY_BY_PHONE.format(number=AGENT)
BALANCE = prompts.BALANCE.format(amount="42 dollars and 17 cents", due_date="March 3rd")
CARD_WORDS = ("card number", "expiry", "security code")


async def chat(channel: str, menu: Menu = MAIN_MENU, **settings) -> FakeChannel:
    call = phone_call(channel=channel, menu=menu, **settings)
    assert kinds(await call.connect()) == [prompts.WELCOME, menu.spoken]
    return call


@pytest.fixture(params=TEXT_CHANNELS)
async def text_chat(request) -> FakeChannel:
    return await chat(request.param)


@pytest.mark.parametrize("ask", [None, "agent", "I want a human"])
async def test_asking_for_an_agent_gives_the_agents_number_and_the_menu_never_please_hold(text_chat, ask):
    sent = await text_chat.say(ask or key(MenuAction.TRANSFER))
    assert kinds(sent) == [CALL_AN_AGENT, AGAIN]
    assert prompts.TRANSFER_HOLD not in kinds(text_chat.sent)
    assert '<say-as interpret-as="telephone">+14255550100</say-as>' in sent[0].speak
    assert text_chat.transfers() == [] and text_chat.commands() == []


async def test_the_number_given_is_the_lines_agent_number():
    call = await chat("webchat", AGENT_PHONE_NUMBER="+442071234567")
    assert kinds(await call.say("agent")) == [prompts.CALL_AN_AGENT.format(number="+442071234567"), AGAIN]


async def test_a_chat_that_cannot_be_understood_is_given_the_agents_number(text_chat):
    await text_chat.say("what")
    await text_chat.say("what")
    assert kinds(await text_chat.say("what")) == [CALL_AN_AGENT, AGAIN]


async def test_a_chat_that_asks_to_pay_hears_how_to_pay_by_phone_and_is_never_asked_for_a_card(text_chat):
    assert kinds(await text_chat.say(key(PaymentDialog))) == [prompts.ACCOUNT_NUMBER]
    assert kinds(await text_chat.say("123456")) == [BALANCE, PAY_BY_PHONE, AGAIN]
    await text_chat.say(key(PaymentDialog))  # the menu's payment option again, not a "pay now" key
    await text_chat.say("123456")
    await text_chat.say("4111111111111111")
    said = " ".join(a.text.lower() for a in text_chat.sent if a.type == ActivityTypes.message)
    assert not any(words in said for words in CARD_WORDS)
    assert prompts.PAUSING_FOR_CARD not in kinds(text_chat.sent)


async def test_nothing_to_pay_is_said_as_on_the_phone(text_chat):
    await text_chat.say("pay")
    sent = kinds(await text_chat.say("654321"))
    assert sent[1:] == [prompts.NOTHING_TO_PAY, AGAIN]


@pytest.mark.parametrize("channel", TEXT_CHANNELS)
async def test_goodbye_closes_the_chat_and_the_next_message_starts_afresh(channel):
    text_chat = await chat(channel, ONE_STEP_MENU)
    assert kinds(await text_chat.say("1")) == [prompts.ACCOUNT_NUMBER]
    assert kinds(await text_chat.say("goodbye")) == [prompts.GOODBYE, "endOfConversation"]
    assert text_chat.storage.snapshot() == {} and len(text_chat.timers) == 0
    assert kinds(await text_chat.say("hello")) == [prompts.WELCOME, ONE_STEP_MENU.spoken]


@pytest.mark.parametrize("channel", TEXT_CHANNELS)
async def test_a_goodbye_the_chat_refuses_to_end_still_ends_it_with_one_warning(channel, caplog):
    call = await chat(channel)
    call.fail_sends(ActivityTypes.end_of_conversation, 400)  # what the Agents Playground answers
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert kinds(await call.say("bye")) == [prompts.GOODBYE]
    assert call.storage.snapshot() == {} and len(call.timers) == 0
    assert [r.levelname for r in caplog.records if r.levelno >= logging.WARNING] == ["WARNING"]
    assert "HTTP 400 to the bot's endOfConversation" in caplog.text
    assert prompts.SORRY_ERROR not in " ".join(kinds(call.sent))
