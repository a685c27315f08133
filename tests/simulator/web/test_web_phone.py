"""The web phone in real headless Chromium, against the real bot.

What a person at the page would check: the prompts appear and are spoken,
the indicator shows the pause before any card prompt, the card keys sit
masked inside a paused stretch of the timeline, a refused pause ends in a
transfer, and the call's files download. Screenshots land in
test-artifacts/web-phone/.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, expect

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from dialogs import prompts as P
from dialogs.main_menu import MAIN_MENU
from dialogs.payment import PAY_OFFER
from simulator.web.speech import speech_for

from .browser import WAIT_MS, PhonePage, WebPhoneServer, chromium, phone_page, web_phone
from ..scripted_bot import ScriptedBot, ScriptedBotServer
from ..test_e2e_payment import ACCOUNT, APPROVED, CARD, CODE, EXPIRY, card_ending


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


@pytest.fixture
async def server(bot) -> AsyncIterator[WebPhoneServer]:
    async with web_phone(bot.url) as running:
        yield running


@pytest.fixture
async def phone(browser: Browser, server: WebPhoneServer) -> AsyncIterator[PhonePage]:
    async with phone_page(browser, server.url) as page:
        yield page


async def give_account(phone: PhonePage, choice: str) -> None:
    """Call, choose `choice` from the menu on the keyboard and type the account number."""
    await phone.call()
    await phone.wait_for_bot(MAIN_MENU.spoken)
    await phone.type_keys(choice)
    await phone.wait_for_bot(P.ACCOUNT_NUMBER)
    await phone.type_keys(ACCOUNT)


async def to_payment_offer(phone: PhonePage) -> None:
    """Billing and payments, the account number, then accept the offer on the dial pad."""
    await give_account(phone, "1")
    await phone.wait_for_bot(PAY_OFFER.spoken)
    await phone.click_keys("1")


async def pay_by_card(phone: PhonePage) -> None:
    await to_payment_offer(phone)
    await phone.wait_for_bot(P.CARD_NUMBER)
    await phone.type_keys(CARD + "#")
    await phone.wait_for_bot(P.CARD_EXPIRY)
    await phone.type_keys(EXPIRY)
    await phone.wait_for_bot(P.SECURITY_CODE)
    await phone.screenshot("card-entry.png")
    await phone.type_keys(CODE + "#")
    await phone.wait_for_bot(card_ending(CARD))
    await phone.click_keys("1")
    await phone.wait_for_bot(APPROVED)


def inside(mark: dict[str, float], stretches: list[dict[str, float]]) -> bool:
    middle = mark["x"] + mark["width"] / 2
    return any(s["x"] <= middle <= s["x"] + s["width"] for s in stretches)


async def test_a_paid_call_pauses_the_recording_before_the_card_prompt_and_masks_the_card_keys(phone, server):
    await pay_by_card(phone)
    await phone.wait_for_indicator("Recording")
    await phone.hang_up()
    await phone.wait_for_status("You hung up")
    await phone.screenshot("paid-call.png")

    seen = await phone.seen()
    paused_at = next(s["batch"] for s in seen if s.get("indicator") == "paused")
    card_prompt_at = next(s["batch"] for s in seen if s.get("prompt") == P.CARD_NUMBER)
    assert paused_at < card_prompt_at  # on screen first, not merely in the same update

    key_marks = phone.page.locator("#marks .mark[data-kind=key] .mark-label")
    masked = await phone.boxes("#marks .mark[data-kind=key][data-masked=true]")
    assert len(masked) == len(CARD + "#" + EXPIRY + CODE + "#" + "1")  # every key from card number to confirmation
    paused = await phone.boxes("#stretches .stretch[data-kind=paused]")
    recorded = await phone.boxes("#stretches .stretch[data-kind=recorded]")
    assert paused and all(inside(mark, paused) for mark in masked)
    assert not any(inside(mark, recorded) for mark in masked)
    shown_keys = "".join(await key_marks.all_text_contents())
    assert CARD not in shown_keys and set(shown_keys) == set("1" + ACCOUNT + "•")
    assert CARD not in await phone.page.content()


async def test_the_transcript_is_the_bots_prompts_and_each_is_spoken_once(phone, server):
    await give_account(phone, "2")
    await phone.wait_for_bot(P.ANYTHING_ELSE)
    (call,) = server.calls
    assert await phone.bot_lines() == call.said
    spoken = await phone.spoken()
    assert [s["text"] for s in spoken] == [speech_for(p.speak, p.text).text for p in call.prompts]
    assert spoken[0]["text"] == P.WELCOME
    assert {(s["lang"], s["rate"]) for s in spoken} == {("en-US", 1)}


async def test_muting_stops_the_voice_and_later_prompts_are_not_spoken(phone):
    await phone.call()
    await phone.wait_for_bot(MAIN_MENU.spoken)
    before = len(await phone.spoken())
    await phone.page.get_by_label("Mute the bot's voice").check()
    assert await phone.page.evaluate("window.__cancelled") >= 1
    await phone.type_keys("2")
    await phone.wait_for_bot(P.ACCOUNT_NUMBER)
    assert len(await phone.spoken()) == before
    await phone.page.get_by_label("Mute the bot's voice").uncheck()
    await phone.type_keys("999999")
    await phone.wait_for_bot(P.ACCOUNT_NOT_FOUND)
    spoken = await phone.spoken()
    assert len(spoken) > before and spoken[-1]["text"].startswith(P.ACCOUNT_NOT_FOUND)


async def test_a_refused_pause_takes_no_card_details_and_ends_in_the_transfer(phone, server):
    await phone.page.get_by_label("Command").select_option("pause")
    await phone.page.get_by_label("Channel answers").select_option("fail")
    await to_payment_offer(phone)
    await phone.wait_for_bot(P.CANNOT_SECURE)
    await phone.wait_for_status("Transferred to an agent")
    await phone.screenshot("refused-pause.png")

    lines = await phone.bot_lines()
    assert not any(text in lines for text in (P.CARD_NUMBER, P.CARD_EXPIRY, P.SECURITY_CODE))
    marks = await phone.page.locator("#marks .mark").evaluate_all("items => items.map(i => i.dataset.kind)")
    assert "command_result" in marks  # the refusal is drawn
    assert marks[-2:] == ["transfer", "call_ended"]
    await expect(phone.page.locator("#indicator")).to_contain_text("Not recording")
    # The fault was used: the toggle is back to normal for the next call.
    await expect(phone.page.get_by_label("Channel answers")).to_have_value("none")


async def test_a_failed_transfer_keeps_the_caller_on_the_line(phone):
    await phone.page.get_by_label("Fail the next transfer").check()
    await phone.call()
    await phone.wait_for_bot(MAIN_MENU.spoken)
    await phone.type_keys("0")
    await phone.wait_for_bot(P.NO_AGENT)
    await phone.wait_for_status("Connected")
    assert await phone.page.locator("#marks .mark[data-kind=handoff_status]").count() == 1
    await expect(phone.page.get_by_label("Fail the next transfer")).not_to_be_checked()


async def test_star_shows_the_caller_opted_out(phone):
    await phone.call()
    await phone.wait_for_bot(MAIN_MENU.spoken)
    await phone.wait_for_indicator("Recording")
    await phone.click_keys("*")
    await phone.wait_for_bot(P.RECORDING_STOPPED)
    await phone.wait_for_indicator("Opted out")
    await expect(phone.page.locator("#indicator .indicator-symbol")).to_have_text("⊘")


async def test_the_whole_call_can_be_made_with_the_keyboard_alone(phone):
    page = phone.page
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Call")).to_be_focused()
    await page.keyboard.press("Enter")
    await phone.wait_for_bot(MAIN_MENU.spoken)
    await expect(page.get_by_role("button", name="Hang up")).to_be_focused()
    await phone.type_keys("2")
    await phone.wait_for_bot(P.ACCOUNT_NUMBER)
    await page.get_by_label("Say (sent as recognised speech)").focus()
    await page.keyboard.type("goodbye")
    await page.keyboard.press("Enter")
    await phone.wait_for_bot(P.GOODBYE)
    await phone.wait_for_status("The bot hung up")
    await expect(page.locator("#transcript .from-caller")).to_have_text(["You: goodbye"])


async def test_every_control_has_a_name_and_the_indicator_has_words(phone):
    unnamed = await phone.page.evaluate(
        """() => [...document.querySelectorAll('button, input, select, a, [tabindex]')]
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
              .map(e => e.outerHTML)"""
    )
    assert unnamed == []
    assert await phone.page.locator("#indicator .indicator-words").inner_text() == "Not recording"


async def test_the_calls_files_download_with_card_keys_masked(phone, server):
    await pay_by_card(phone)
    await phone.hang_up()
    async with phone.page.expect_download() as timeline_download:
        await phone.page.get_by_role("link", name="Download Timeline (JSON)").click()
    timeline = json.loads((await (await timeline_download.value).path()).read_text())
    async with phone.page.expect_download() as metadata_download:
        await phone.page.get_by_role("link", name="Download ACS metadata, recording 1").click()
    metadata = json.loads((await (await metadata_download.value).path()).read_text())

    (call,) = server.calls
    assert timeline == call.records()[f"{call.call_id}-timeline.json"]
    keys = "".join(e["text"] for e in timeline["events"] if e["kind"] == "key")
    assert CARD not in keys and "•" * len(CARD) in keys
    assert metadata["callId"] == call.call_id and len(metadata["pauseResumeIntervals"]) == 1


async def test_the_page_loads_nothing_from_another_site(browser, server):
    requested: list[str] = []
    async with phone_page(browser, server.url) as phone:
        phone.page.on("request", lambda request: requested.append(request.url))
        await phone.page.reload()
        await expect(phone.page.get_by_role("button", name="Call")).to_be_enabled(timeout=WAIT_MS)
    assert requested and all(url.startswith(server.url) or url.startswith(server.url.replace("http", "ws")) for url in requested)


async def test_the_voice_language_and_rate_come_from_the_prompts_ssml(browser):
    bot = ScriptedBot()
    slow_british = (
        "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='en-US'>"
        "<voice name='en-GB-SoniaNeural' xml:lang='en-GB'><prosody rate='-20%'>Mind the gap.</prosody></voice></speak>"
    )

    async def script(context: TurnContext) -> None:
        if context.activity.type == "conversationUpdate":
            await context.send_activity(Activity(type="message", text="Mind the gap.", speak=slow_british))

    bot.script = script
    bot_server = ScriptedBotServer(bot)
    await bot_server.start()
    try:
        async with web_phone(bot_server.url) as server, phone_page(browser, server.url) as phone:
            await phone.call()
            await phone.wait_for_bot("Mind the gap.")
            (spoken,) = await phone.spoken()
            assert spoken == {"text": "Mind the gap.", "lang": "en-GB", "rate": pytest.approx(0.8), "voice": None}
    finally:
        await bot_server.stop()


async def test_a_site_whose_name_points_at_this_machine_gets_neither_the_page_nor_the_socket(server):
    """DNS rebinding: another site's name, resolved to 127.0.0.1, as an attacker's DNS server would."""
    port = server.url.rsplit(":", 1)[1].strip("/")
    async with chromium("--host-resolver-rules=MAP rebound.example 127.0.0.1") as browser:
        context = await browser.new_context()
        try:
            page = await context.new_page()
            response = await page.goto(f"http://rebound.example:{port}/")
            assert response is not None and response.status == 403
            opened = await page.evaluate(
                """url => new Promise(done => {
                    const socket = new WebSocket(url);
                    socket.onopen = () => done(true);
                    socket.onerror = () => done(false);
                })""",
                f"ws://rebound.example:{port}/ws",
            )
            assert opened is False
            assert server.calls == []
        finally:
            await context.close()
