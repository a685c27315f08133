"""A phone call to the sample bot, on the library's fake channel.

`telephony.testing.FakeChannel` plays the Telephony channel; this only builds
the sample's bot on it with test settings.
"""

from __future__ import annotations

import dataclasses

from app import create_bot
from config import DefaultConfig
from dialogs.main_menu import MAIN_MENU
from hosting.state.memory_storage import MemoryStorage
from telephony import TELEPHONY_CHANNEL, Menu, RecordingCommand
from telephony.testing import CALLER, FakeChannel, kinds, texts

__all__ = ["CALLER", "call_at_menu", "kinds", "phone_call", "texts"]



def phone_call(
    channel: str = TELEPHONY_CHANNEL,
    conversation_id: str = "call-1",
    storage: MemoryStorage | None = None,
    menu: Menu = MAIN_MENU,
    telemetry: object | None = None,
    **settings,
) -> FakeChannel:
    """A call to the sample bot; `settings` override `DefaultConfig` fields. Kept on the channel as `config`.

    With `telemetry` (a `telemetry.wiring.Telemetry`; its tests pass one), the call is traced and
    observed as in the app with telemetry on.
    """
    config = dataclasses.replace(DefaultConfig(), **settings)

    def build(adapter, storage, sleep):
        return create_bot(config, adapter, storage, sleep, menu, telemetry=telemetry)

    call = FakeChannel(build, channel=channel, conversation_id=conversation_id, storage=storage or MemoryStorage())
    call.config = config
    return call


async def call_at_menu(**settings) -> FakeChannel:
    """A telephony call whose recording started and whose menu is up."""
    call = phone_call(**settings)
    await call.connect()
    await call.answer(RecordingCommand.START)
    return call
