"""Drive the web phone in real headless Chromium, as a person at the page would.

Chromium comes from the system's package manager (`make test` installs it
when it is missing and it can); Playwright for Python drives that binary.
Headless Chromium has no voices, so `speechSynthesis.speak` and `cancel` are
wrapped to record what the page asks to say, and a mutation observer records
the order in which the indicator and the transcript change on screen.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from simulator import Call, ChannelOptions, Transport
from simulator.web import phone_app
from simulator.web.server import PHONE

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "test-artifacts" / "web-phone"
WAIT_MS = 20_000  # a busy two-core machine runs the bot, the simulator and a browser at once

WATCH_THE_PAGE = """
window.__spoken = [];
window.__cancelled = 0;
const realSpeak = speechSynthesis.speak.bind(speechSynthesis);
const realCancel = speechSynthesis.cancel.bind(speechSynthesis);
speechSynthesis.speak = (utterance) => {
  window.__spoken.push({text: utterance.text, lang: utterance.lang, rate: utterance.rate,
                        voice: utterance.voice ? utterance.voice.name : null});
  realSpeak(utterance);
};
speechSynthesis.cancel = () => { window.__cancelled += 1; realCancel(); };
window.__seen = [];
document.addEventListener("DOMContentLoaded", () => {
  // One callback per batch of changes the page made in one go (one message from the server):
  // changes in different batches were on screen one after the other, not together.
  const indicator = document.getElementById("indicator");
  let batch = 0;
  const observer = new MutationObserver((changes) => {
    batch += 1;
    for (const change of changes) {
      if (change.target === indicator) window.__seen.push({batch, indicator: indicator.dataset.state});
      for (const node of change.addedNodes)
        window.__seen.push({batch, prompt: node.querySelector(".text").textContent});
    }
  });
  observer.observe(indicator, {attributes: true, attributeFilter: ["data-state"]});
  observer.observe(document.getElementById("transcript"), {childList: true});
});
"""


@contextlib.asynccontextmanager
async def chromium(*arguments: str) -> AsyncIterator[Browser]:
    """Headless Chromium from the system, with `arguments`; the browser tests fail (never skip) without it."""
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `make test` installs it as root, or run `sudo apt-get install chromium`")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", *arguments])
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class WebPhoneServer:
    url: str
    app: web.Application

    @property
    def calls(self) -> list[Call]:
        return list(self.app[PHONE].calls.values())


@contextlib.asynccontextmanager
async def web_phone(bot_url: str, transport: Transport = Transport.HTTP, out: Path | None = None) -> AsyncIterator[WebPhoneServer]:
    """The web phone's server on a free loopback port, against the bot at `bot_url`."""
    app = phone_app(bot_url, transport, out=out, options=ChannelOptions(timeout_s=15))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield WebPhoneServer(f"http://127.0.0.1:{runner.addresses[0][1]}/", app)
    finally:
        await runner.cleanup()


class PhonePage:
    """The page, through what a person sees and does."""

    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self, url: str) -> None:
        await self.page.goto(url)
        await expect(self.page.get_by_role("button", name="Call")).to_be_enabled(timeout=WAIT_MS)

    async def call(self) -> None:
        await self.page.get_by_role("button", name="Call").click()
        await expect(self.page.get_by_role("button", name="Hang up")).to_be_enabled(timeout=WAIT_MS)

    async def hang_up(self) -> None:
        await self.page.get_by_role("button", name="Hang up").click()
        await expect(self.page.get_by_role("button", name="Call")).to_be_enabled(timeout=WAIT_MS)

    async def type_keys(self, keys: str) -> None:
        """Keys typed on the computer's keyboard."""
        for key in keys:
            await self.page.keyboard.press(key)

    async def click_keys(self, keys: str) -> None:
        """Keys clicked on the dial pad."""
        names = {"*": "Star", "#": "Pound"}
        for key in keys:
            await self.page.get_by_role("group", name="Dial pad").get_by_role(
                "button", name=names.get(key, key), exact=True
            ).click()

    async def say(self, words: str) -> None:
        await self.page.get_by_label("Say (sent as recognised speech)").fill(words)
        await self.page.get_by_role("button", name="Say", exact=True).click()

    def bot_line(self, contains: str) -> Locator:
        return self.page.locator("#transcript .from-bot .text", has_text=contains).first

    async def wait_for_bot(self, contains: str) -> None:
        await expect(self.bot_line(contains)).to_be_visible(timeout=WAIT_MS)

    async def wait_for_indicator(self, words: str) -> None:
        await expect(self.page.locator("#indicator")).to_contain_text(words, timeout=WAIT_MS)

    async def wait_for_status(self, words: str) -> None:
        await expect(self.page.locator("#status")).to_contain_text(words, timeout=WAIT_MS)

    async def bot_lines(self) -> list[str]:
        return await self.page.locator("#transcript .from-bot .text").all_inner_texts()

    async def spoken(self) -> list[dict[str, Any]]:
        return await self.page.evaluate("window.__spoken")

    async def seen(self) -> list[dict[str, Any]]:
        return await self.page.evaluate("window.__seen")

    async def boxes(self, selector: str) -> list[dict[str, float]]:
        return [box for box in [await item.bounding_box() for item in await self.page.locator(selector).all()] if box]

    async def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        await self.page.screenshot(path=str(path), full_page=True)
        return path


@contextlib.asynccontextmanager
async def phone_page(browser: Browser, url: str) -> AsyncIterator[PhonePage]:
    """A fresh page of the web phone at `url`, watched (see WATCH_THE_PAGE)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    try:
        page = await context.new_page()
        await page.add_init_script(WATCH_THE_PAGE)
        phone = PhonePage(page)
        await phone.open(url)
        yield phone
    finally:
        await context.close()
