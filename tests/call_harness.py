"""A phone call to the sample bot, on the library's fake channel.

`telephony.testing.FakeChannel` plays the Telephony channel; this only builds
the sample's bot on it with test settings.
"""

from __future__ import annotations

import dataclasses

from app import create_bot
from config import DefaultConfig
from dialogs.balance import BalanceDialog
from dialogs.main_menu import MAIN_MENU, MenuAction
from dialogs.payment import PaymentDialog
from hosting.state.memory_storage import MemoryStorage
from telephony import TELEPHONY_CHANNEL, Menu, MenuOption, RecordingCommand
from telephony.testing import CALLER, FakeChannel, kinds, texts

__all__ = [
    "CALLER", "OFF_MENU_KEY", "ONE_STEP_MENU", "account_step_key", "call_at_menu", "key", "kinds", "phone_call", "texts"
]

#: A key no row of the sample's menu is on: a miss at the menu, whatever rows a fork adds or removes.
OFF_MENU_KEY = next(digit for digit in "5678342190" if MAIN_MENU.by_key(digit) is None)


#: A menu of one step, on 1, that waits for the caller (the sample's account number prompt), and
#: "goodbye": for tests of what happens in the middle of a step, whatever rows the sample's menu has.
ONE_STEP_MENU = Menu(
    MenuOption("balance", "1", "To hear your balance, press 1.", step=BalanceDialog),
    MenuOption("goodbye", None, "", ("goodbye", "bye"), step=MenuAction.GOODBYE),
)


def key(step: object) -> str:
    """The key of the sample menu's row that starts `step` (a dialog class or a `MenuAction`).

    Tests reach a step through the row that starts it: adding a row, or renaming,
    renumbering or rewording one, breaks none of them.
    """
    for option in MAIN_MENU:
        if option.step == step and option.key is not None:
            return option.key
    raise LookupError(f"no row of the sample's menu with a key starts {step!r}")


def account_step_key() -> str:
    """The key of a step that asks for the account number, then reads the balance out.

    The balance's row, or the payment's when a fork has none (the payment begins alike): for
    tests that need a caller in a step, or the balance read, over a real channel.
    """
    for step in (BalanceDialog, PaymentDialog):
        if any(option.step == step and option.key for option in MAIN_MENU):
            return key(step)
    raise LookupError("no row of the sample's menu asks for an account number")


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
