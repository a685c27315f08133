"""The main menu (docs/call-flow.md, section 2), and the loop back to it after each task.

`MAIN_MENU` is the business in one table: each row is a key, the words that
offer it, what callers may say instead, and the step it starts. The spoken
menu, the keys and the task each choice runs are all read from it, and it is
checked when the bot starts. To add "3 = report an outage", add a row whose
step is your dialog's class (see the README, "Make it yours").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from telephony import (
    InputResult,
    InputStatus,
    KeypadMenu,
    Menu,
    MenuError,
    MenuOption,
    Reprompt,
    StepOutcome,
    TransferOptions,
    TransferReason,
    recognized,
)
from telephony.sdk import ComponentDialog, Dialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext

from .balance import BalanceDialog
from .dependencies import CallDependencies
from .goodbye import GOODBYE_DIALOG
from .payment import PaymentDialog
from .transfer import TRANSFER_DIALOG

MAIN_MENU_DIALOG = "main-menu"
_MENU_PROMPT = "main-menu.prompt"
_LOOP = "main-menu.loop"


class MenuAction(str, Enum):
    """Steps the call itself runs, for rows that start no dialog of their own."""

    REPEAT = "repeat"  # the menu again
    TRANSFER = "transfer"  # to an agent; these rows' words work from anywhere in the call
    GOODBYE = "goodbye"  # hang up; likewise


MAIN_MENU = Menu(
    MenuOption(
        "payment", "1", "For billing and payments, press 1.", ("pay", "payment", "bill"), step=PaymentDialog
    ),
    MenuOption("balance", "2", "To hear your balance, press 2.", ("balance",), step=BalanceDialog),
    MenuOption(
        "agent",
        "0",
        "To speak with an agent, press 0.",
        ("agent", "operator", "representative", "human"),
        step=MenuAction.TRANSFER,
    ),
    MenuOption("repeat", "9", "To hear these options again, press 9.", ("repeat", "menu"), step=MenuAction.REPEAT),
    MenuOption("goodbye", None, "", ("goodbye", "good bye", "bye", "hang up"), step=MenuAction.GOODBYE),
)


@dataclass(frozen=True)
class MenuOptions:
    """`again` opens with "Is there anything else?"; `choice` (a row's name) acts on that row at once."""

    again: bool = False
    choice: str | None = None


def global_options(menu: Menu) -> tuple[MenuOption, ...]:
    """Rows whose words work from anywhere in the call but card entry: the agent and goodbye."""
    return tuple(option for option in menu if option.step in (MenuAction.TRANSFER, MenuAction.GOODBYE))


class MainMenuDialog(ComponentDialog):
    """Offers the menu, runs the chosen row's step, and offers the menu again.

    Each row's step is a `MenuAction` or a dialog class taking the call's
    dependencies; the menu builds and holds those dialogs itself (botbuilder's
    `ComponentDialog.reprompt_dialog` looks only in the component's own set, so
    a task found in an outer set could not be reprompted after "stop
    recording"). A row with any other step stops start-up with `MenuError`.
    """

    def __init__(self, deps: CallDependencies, menu: Menu = MAIN_MENU):
        super().__init__(MAIN_MENU_DIALOG)
        self.deps = deps
        self.menu = menu
        self.tasks: dict[str, str] = {}
        for option in menu:
            if isinstance(option.step, MenuAction):
                continue
            if not (isinstance(option.step, type) and issubclass(option.step, Dialog)):
                raise MenuError(f"option {option.name!r} starts {option.step!r}: expected a dialog class or a MenuAction")
            task = option.step(deps)
            self.add_dialog(task)
            self.tasks[option.name] = task.id
        self.add_dialog(KeypadMenu(_MENU_PROMPT, deps.timers, deps.input_policy, self._prompt, menu))
        self.add_dialog(WaterfallDialog(_LOOP, [self._offer, self._run_task, self._loop]))
        self.initial_dialog_id = _LOOP

    def _prompt(self, reason: Reprompt, options: MenuOptions):
        return self.deps.prompts.menu(reason, self.menu, again=options.again)

    async def _offer(self, step: WaterfallStepContext) -> DialogTurnResult:
        options: MenuOptions = step.options or MenuOptions()
        if options.choice:
            return await step.next(recognized(options.choice))
        return await step.begin_dialog(_MENU_PROMPT, MenuOptions(again=options.again))

    async def _run_task(self, step: WaterfallStepContext) -> DialogTurnResult:
        result: InputResult = step.result
        if result.status is InputStatus.EXHAUSTED:
            return await step.begin_dialog(TRANSFER_DIALOG, TransferOptions(TransferReason.MISSES))
        option = self.menu[result.value]
        if option.step is MenuAction.REPEAT:
            return await step.replace_dialog(_LOOP, MenuOptions(again=False))
        if option.step is MenuAction.TRANSFER:
            return await step.begin_dialog(TRANSFER_DIALOG, TransferOptions(TransferReason.ASKED))
        if option.step is MenuAction.GOODBYE:
            return await step.begin_dialog(GOODBYE_DIALOG)
        return await step.begin_dialog(self.tasks[option.name])

    async def _loop(self, step: WaterfallStepContext) -> DialogTurnResult:
        if step.result is StepOutcome.CALL_ENDED:
            return await step.end_dialog(StepOutcome.CALL_ENDED)
        return await step.replace_dialog(_LOOP, MenuOptions(again=True))
