"""The real bot (`app.py` in a subprocess) in a chat, as Microsoft's Agents Playground plays one.

`simulator.chat.ChatChannel` posts what the Playground posts and answers as it
answers: 201 to a message, 400 to `endOfConversation` and to any event or
command. A whole chat (welcome and menu, a balance, an agent, a payment, a
goodbye) leaves no ERROR line and no traceback in the bot's log; a goodbye the
chat refuses (400, 403, 404) or drops still ends the conversation, once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from dialogs import prompts
from dialogs.balance import BalanceDialog
from dialogs.main_menu import MAIN_MENU
from dialogs.payment import PaymentDialog
from simulator.chat import TEXT_CHANNELS, Chat, ChatChannel
from telephony.sdk import SDK, SdkName

from ..call_harness import account_step_key, key
from .fixtures import RunningBot, running_bot

AGENT = "+14255550100"
NO_INPUT_TIMEOUT_S = 2.0
AGAIN = f"{prompts.ANYTHING_ELSE} {MAIN_MENU.spoken}"
BALANCE = prompts.BALANCE.format(amount="42 dollars and 17 cents", due_date="March 3rd")
REFUSED_GOODBYE = "to the bot's endOfConversation: the conversation is over"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chat_bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[RunningBot, Path]]:
    """The bot, with its own log (WARNING and up), for the chats of this module."""
    log = tmp_path_factory.mktemp("chat-bot") / "app.log"
    async with running_bot(log, NO_INPUT_TIMEOUT_S=str(NO_INPUT_TIMEOUT_S)) as bot:
        yield bot, log


def log_lines_since(log: Path, start: int) -> list[str]:
    """The bot's log lines written after the first `start` characters."""
    return log.read_text(errors="replace")[start:].splitlines()


def log_size(log: Path) -> int:
    return len(log.read_text(errors="replace"))


def assert_no_error(lines: list[str]) -> None:
    assert not [line for line in lines if " ERROR " in line or "CRITICAL" in line], "\n".join(lines)
    assert not [line for line in lines if "Traceback" in line], "\n".join(lines)


async def opened(channel: ChatChannel, channel_id: str) -> Chat:
    chat = channel.chat(channel_id)
    assert [reply["text"] for reply in await chat.open()] == [prompts.WELCOME, MAIN_MENU.spoken]
    return chat


async def said(chat: Chat, text: str) -> list[str]:
    return [reply["text"] for reply in await chat.say(text)]


@pytest.mark.parametrize("channel_id", TEXT_CHANNELS)
async def test_a_whole_chat_on_the_playground_leaves_no_error_in_the_log(chat_bot, channel_id):
    bot, log = chat_bot
    start = log_size(log)
    async with ChatChannel(bot.url) as channel:
        chat = await opened(channel, channel_id)
        assert await said(chat, key(BalanceDialog)) == [prompts.ACCOUNT_NUMBER]
        assert await said(chat, "123456") == [BALANCE, AGAIN]
        assert await said(chat, "agent") == [prompts.CALL_AN_AGENT.format(number=AGENT), AGAIN]
        assert await said(chat, key(PaymentDialog)) == [prompts.ACCOUNT_NUMBER]
        assert await said(chat, "123456") == [BALANCE, prompts.PAY_BY_PHONE.format(number=AGENT), AGAIN]
        assert await said(chat, "goodbye") == [prompts.GOODBYE]
        assert await said(chat, "hello") == [prompts.WELCOME, MAIN_MENU.spoken], "a new chat begins"
        assert await said(chat, "bye") == [prompts.GOODBYE]
    assert all(200 <= status < 300 for status in chat.statuses)
    assert [(activity["type"], status) for activity, status in chat.refused] == [("endOfConversation", 400)] * 2
    said_in_chat = " ".join(chat.texts()).lower()
    assert "card number" not in said_in_chat and "please hold" not in said_in_chat
    assert prompts.SORRY_ERROR not in said_in_chat
    lines = log_lines_since(log, start)
    assert_no_error(lines)
    assert len(lines) == 2 and all(line.endswith(f"answered HTTP 400 {REFUSED_GOODBYE}") for line in lines)


@pytest.mark.parametrize("failure", [400, 403, 404, None], ids=["400", "403", "404", "dropped"])
async def test_a_goodbye_the_chat_refuses_or_drops_ends_the_conversation_once(chat_bot, failure):
    bot, log = chat_bot
    start = log_size(log)
    async with ChatChannel(bot.url, refuse={"endOfConversation": failure}) as channel:
        chat = await opened(channel, "webchat")
        assert await said(chat, account_step_key()) == [prompts.ACCOUNT_NUMBER]  # a prompt waiting, with its timer
        assert await said(chat, "goodbye") == [prompts.GOODBYE]
        if failure is None:  # the same code for every failure: one wait is enough (the dialog tests try each)
            await asyncio.sleep(NO_INPUT_TIMEOUT_S + 1)
            assert chat.texts()[-1] == prompts.GOODBYE, "no reprompt: the timer was cancelled"
        assert await said(chat, "hi") == [prompts.WELCOME, MAIN_MENU.spoken], "the old chat was forgotten"
        assert await said(chat, "bye") == [prompts.GOODBYE]
    # The bot sends each goodbye once; botbuilder's HTTP transport (msrest) itself tries a dropped
    # connection twice, the Agents SDK's (aiohttp) once.
    attempts = 2 if failure is None and SDK is SdkName.BOTBUILDER else 1
    refused = [(activity["type"], status) for activity, status in chat.refused]
    assert refused == [("endOfConversation", failure)] * 2 * attempts
    lines = log_lines_since(log, start)
    assert_no_error(lines)
    assert len(lines) == 2, "one warning per goodbye"
    assert all(" WARNING telephony._bot: The channel " in line and line.endswith(REFUSED_GOODBYE) for line in lines)


async def test_a_chat_closed_while_the_bot_waits_ends_with_one_warning(chat_bot):
    bot, log = chat_bot
    start = log_size(log)
    async with ChatChannel(bot.url) as channel:
        chat = await opened(channel, "webchat")
        assert await said(chat, account_step_key()) == [prompts.ACCOUNT_NUMBER]
    await asyncio.sleep(NO_INPUT_TIMEOUT_S + 1)  # the reprompt finds the chat's connector gone
    lines = log_lines_since(log, start)
    assert_no_error(lines)
    (warning,) = lines
    assert "could not be reached" in warning and warning.endswith("to the bot's message: the conversation is over")
