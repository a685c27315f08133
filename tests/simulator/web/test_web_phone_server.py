"""The web phone's server over real HTTP and WebSocket, and what it reads from SSML.

The page's own behaviour is tested in a browser (test_web_phone.py); these
check what no page would send: bad messages, unknown files, other sites.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest
from botbuilder.core import TurnContext

from devtools.processes import ROOT
from dialogs.main_menu import MAIN_MENU
from simulator.web.speech import Speech, rate_multiple, speech_for
from telephony import Voice, say_as

from .browser import WebPhoneServer, web_phone
from ..scripted_bot import ScriptedBot, ScriptedBotServer, speak


@pytest.fixture
async def server(bot) -> AsyncIterator[WebPhoneServer]:
    async with web_phone(bot.url) as running:
        yield running


MENU_START = MAIN_MENU.spoken.split(".")[0]


async def exchange(server: WebPhoneServer, *messages: object) -> list[dict]:
    """Send `messages` over the page's socket; return what came back until it goes quiet."""
    received: list[dict] = []
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(server.url + "ws") as socket:
            for message in messages:
                if isinstance(message, str):
                    await socket.send_str(message)
                else:
                    await socket.send_json(message)
            while True:
                try:
                    received.append(await socket.receive_json(timeout=1.0))
                except asyncio.TimeoutError:
                    return received


async def until(socket: aiohttp.ClientWebSocketResponse, wanted) -> dict:
    """The first message from the server that is `wanted`."""
    while True:
        message = await socket.receive_json(timeout=10)
        if wanted(message):
            return message


def errors(received: list[dict]) -> list[str]:
    return [m["message"] for m in received if m["type"] == "error"]


async def test_bad_messages_from_the_page_are_answered_with_a_reason(server):
    received = await exchange(
        server,
        "not json",
        ["a", "list"],
        {"action": "fly"},
        {"action": "press", "keys": "12a"},
        {"action": "say", "words": " "},
        {"action": "faults", "command": "rewind", "fault": "fail", "failTransfer": False},
        {"action": "faults", "command": "pause", "fault": "fail", "failTransfer": "yes"},
        {"action": "press", "keys": "1"},
        {"action": "hang_up"},
    )
    assert errors(received) == [
        "a message must be JSON",
        "a message must be a JSON object",
        "unknown action 'fly'",
        "keys must be one or more of 0-9, * and #",
        "words must be 1 to 500 characters",
        "command must be start, pause, resume or stop; fault none, fail, delay or never_answer",
        "failTransfer must be true or false",
        "there is no call: press Call first",
        "there is no call: press Call first",
    ]
    assert received[0] == {"type": "call", "call": None, "faults": {"recording": None, "failTransfer": False}}


async def test_a_call_placed_over_the_socket_hears_the_bot_and_ends_when_the_page_closes(server):
    received = await exchange(server, {"action": "dial"}, {"action": "dial"})
    assert "a call is already in progress" in errors(received)
    said = [entry["text"] for entry in received[-1]["call"]["transcript"] if entry["from"] == "bot"]
    assert said and said[0].startswith("Welcome")
    (call,) = server.calls
    await asyncio.wait_for(call.wait_for_end(), 10)
    assert call.status.value == "hung_up"


@pytest.mark.parametrize("fault", ["fail", "delay", "never_answer"])
async def test_fault_toggles_set_from_the_page_are_armed_and_shown_back(server, fault):
    received = await exchange(server, {"action": "faults", "command": "start", "fault": fault, "failTransfer": True})
    assert received[-1]["faults"] == {"recording": {"command": "start", "fault": fault}, "failTransfer": True}
    received = await exchange(server, {"action": "faults", "command": "start", "fault": "none", "failTransfer": False})
    assert received[-1]["faults"] == {"recording": None, "failTransfer": False}


async def test_a_delayed_start_leaves_the_call_unrecorded_until_the_late_answer(server):
    received = await exchange(
        server, {"action": "faults", "command": "start", "fault": "delay", "failTransfer": False}, {"action": "dial"}
    )
    assert received[-1]["call"]["recording"]["state"] == "stopped"  # the answer is 3 s late
    (call,) = server.calls
    assert call.timeline.first_prompt("Welcome") is not None


async def test_a_bot_that_is_not_running_is_named_in_the_error():
    async with web_phone("http://127.0.0.1:9/api/messages") as server:
        received = await exchange(server, {"action": "dial"})
    (error,) = errors(received)
    assert "cannot reach the bot at http://127.0.0.1:9/api/messages" in error and "make run" in error
    assert received[-1]["call"] is None


async def test_a_bot_that_goes_away_mid_call_is_reported_and_closing_the_page_logs_no_traceback(caplog):
    bot = ScriptedBot()

    async def greet(context: TurnContext) -> None:
        await context.send_activity(speak("Hello."))

    bot.script = greet
    bot_server = ScriptedBotServer(bot)
    await bot_server.start()
    async with web_phone(bot_server.url) as server:
        async with aiohttp.ClientSession() as session, session.ws_connect(server.url + "ws") as socket:
            await socket.send_json({"action": "dial"})
            await until(socket, lambda m: m["type"] == "call" and bool(m["call"]) and bool(m["call"]["transcript"]))
            await bot_server.stop()
            await socket.send_json({"action": "press", "keys": "1"})
            error = await until(socket, lambda m: m["type"] == "error")
        await asyncio.sleep(0.5)  # the server notices the page is gone and hangs up
    assert "cannot reach the bot" in error["message"] and "make run" in error["message"]
    assert [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") or r.exc_info] == []


async def test_unknown_call_files_are_404_and_other_sites_cannot_open_the_socket(server):
    async with aiohttp.ClientSession() as session:
        async with session.get(server.url + "calls/nope/nope-timeline.json") as response:
            assert response.status == 404
        async with session.get(server.url + "static/../server.py") as response:
            assert response.status in (403, 404)
        async with session.get(server.url + "ws", headers={"Origin": "https://evil.example"}) as response:
            assert response.status == 403
        async with session.get(server.url) as response:
            assert response.status == 200
            assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


async def test_python_m_simulator_phone_prints_the_address_and_serves_the_page(bot):
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "phone", "--port", "0", "--bot", bot.url,
        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert line.startswith("Web phone: open http://localhost:")
        url = line.split("open ", 1)[1].split(" ", 1)[0]
        async with aiohttp.ClientSession() as session, session.get(url.replace("localhost", "127.0.0.1")) as page:
            assert page.status == 200 and "Web phone" in await page.text()
    finally:
        process.terminate()
        await process.wait()


def test_speech_takes_the_words_voice_and_language_from_the_bots_ssml():
    voice = Voice(name="en-GB-SoniaNeural", locale="en-GB")
    ssml = voice.speak("Your code is ", say_as("1234", "digits"), ".")
    assert speech_for(ssml, "Your code is 1234.") == Speech("Your code is 1 2 3 4.", "en-GB-SoniaNeural", "en-GB", 1.0)
    assert speech_for(ssml, "").voice_hint == "Sonia"


def test_speech_takes_the_rate_from_prosody():
    ssml = (
        "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='en-US'>"
        "<voice name='en-US-JennyNeural'><prosody rate='-20%'>Slowly now.</prosody></voice></speak>"
    )
    assert speech_for(ssml, "Slowly now.").rate == 0.8


@pytest.mark.parametrize(
    ("rate", "multiple"),
    [("slow", 0.64), ("x-fast", 2.0), ("+50%", 1.5), ("1.2", 1.2), ("0", 0.1), ("fast-ish", 1.0), ("", 1.0)],
)
def test_prosody_rates_become_multiples_of_the_normal_rate(rate, multiple):
    assert rate_multiple(rate) == multiple


@pytest.mark.parametrize("ssml", ["", "<speak>unclosed", "<p>not speak</p>", "plain words"])
def test_unusable_ssml_falls_back_to_the_display_text(ssml):
    assert speech_for(ssml, "  Hello   there ") == Speech("Hello there")


SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Cache-Control")


async def test_every_answer_carries_the_security_headers_refusals_included(server):
    async with aiohttp.ClientSession() as session:
        for path, headers, status in [
            ("", {}, 200),
            ("static/phone.js", {}, 200),
            ("nope", {}, 404),
            ("calls/nope/nope-timeline.json", {}, 404),
            ("ws", {"Origin": "https://evil.example"}, 403),
        ]:
            async with session.get(server.url + path, headers=headers) as response:
                assert response.status == status, path
                assert all(name in response.headers for name in SECURITY_HEADERS), (path, dict(response.headers))
                assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "host, origin",
    [
        ("rebound.example:{port}", "http://rebound.example:{port}"),  # DNS rebinding: Host and Origin agree
        ("127.0.0.1:{port}", "http://rebound.example:{port}"),
        ("127.0.0.1:{port}", "http://127.0.0.1:1"),
        ("127.0.0.1:{port}", "https://127.0.0.1:{port}"),
        ("127.0.0.1:{port}", "null"),
    ],
)
async def test_a_page_from_any_other_origin_cannot_open_the_socket_or_read_the_server(server, host, origin):
    port = server.url.rsplit(":", 1)[1].strip("/")
    headers = {"Host": host.format(port=port), "Origin": origin.format(port=port)}
    async with aiohttp.ClientSession() as session:
        async with session.get(server.url + "ws", headers={**headers, "Upgrade": "websocket", "Connection": "Upgrade",
                                                             "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                                                             "Sec-WebSocket-Version": "13"}) as response:
            assert response.status == 403
        async with session.get(server.url, headers={"Host": headers["Host"]}) as response:
            assert response.status == (200 if headers["Host"].startswith("127.0.0.1") else 403)


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1"])
async def test_the_page_at_its_own_address_opens_the_socket(server, name):
    port = server.url.rsplit(":", 1)[1].strip("/")
    own = f"{name}:{port}"
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(server.url + "ws", headers={"Host": own, "Origin": f"http://{own}"}) as socket:
            first = await socket.receive_json(timeout=5)
    assert first["type"] == "call"


async def test_a_message_nested_thousands_deep_is_refused_and_the_socket_stays(server, caplog):
    received = await exchange(server, "[" * 30_000 + "]" * 30_000, {"action": "dial", "x": [[[[]]]]}, {"action": "hang_up"})
    assert errors(received)[:2] == ["a message must be JSON", "a message holds only strings and true or false"]
    assert errors(received)[2:] == ["there is no call: press Call first"]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= 40]


async def test_a_request_from_the_page_sends_one_picture_of_the_call_however_many_keys_it_presses(server):
    async with aiohttp.ClientSession() as session, session.ws_connect(server.url + "ws", max_msg_size=0) as socket:
        await socket.send_json({"action": "dial"})
        await until(socket, lambda m: m["type"] == "call" and bool(m["call"]) and m["call"]["status"] == "connected"
                    and any(MENU_START in e["text"] for e in m["call"]["transcript"] if e["from"] == "bot"))
        await asyncio.sleep(0.5)  # the menu's own pictures have gone out
        while True:
            try:
                await socket.receive_json(timeout=0.3)
            except asyncio.TimeoutError:
                break
        await socket.send_json({"action": "press", "keys": "9" * 200})
        pictures = []
        while True:
            try:
                message = await socket.receive_json(timeout=3)
            except asyncio.TimeoutError:
                break
            pictures.append(message)
    keys = [mark for mark in pictures[-1]["call"]["timeline"]["marks"] if mark["kind"] == "key"]
    assert len(keys) == 200
    assert len(pictures) == 1, len(pictures)
