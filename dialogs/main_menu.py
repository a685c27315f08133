"""The main menu (call flow section 2), and the loop back to it after each task."""

from __future__ import annotations

from enum import Enum
from typing import Mapping

from botbuilder.dialogs import ComponentDialog, Dialog, WaterfallDialog, WaterfallStepContext
from botbuilder.dialogs import DialogTurnResult

from telephony.caller_input import InputResult, InputStatus, KeypadMenu, MenuChoice

from .dependencies import CallDependencies
from .goodbye import GOODBYE_DIALOG
from .outcomes import StepOutcome
from .transfer import TRANSFER_DIALOG

MAIN_MENU_DIALOG = "main-menu"
_MENU_PROMPT = "main-menu.prompt"
_LOOP = "main-menu.loop"


class MenuChoiceValue(str, Enum):
    PAYMENT = "payment"
    BALANCE = "balance"
    AGENT = "agent"
    REPEAT = "repeat"
    GOODBYE = "goodbye"


AGENT_WORDS = ("agent", "operator", "representative", "human")
GOODBYE_WORDS = ("goodbye", "good bye", "bye", "hang up")

CHOICES = (
    MenuChoice("1", MenuChoiceValue.PAYMENT.value, ("pay", "payment", "bill")),
    MenuChoice("2", MenuChoiceValue.BALANCE.value, ("balance",)),
    MenuChoice("0", MenuChoiceValue.AGENT.value, AGENT_WORDS),
    MenuChoice("9", MenuChoiceValue.REPEAT.value, ("repeat", "menu")),
    MenuChoice(None, MenuChoiceValue.GOODBYE.value, GOODBYE_WORDS),
)


#: The step each menu choice runs: a dialog, or the id of one the call already holds.
TaskDialogs = Mapping[MenuChoiceValue, "str | Dialog"]


class MainMenuDialog(ComponentDialog):
    """Offers the menu, runs the chosen task, and offers the menu again.

    Options: `{"again": True}` opens with "Is there anything else?";
    `{"choice": "agent"}` skips the menu and acts on that choice at once (used
    when the caller says a global word in the middle of another task).

    Task dialogs given as dialogs are held by the menu itself: botbuilder's
    `ComponentDialog.reprompt_dialog` looks only in the component's own set,
    so a task found in an outer set could not be reprompted (after "stop
    recording", say).
    """

    def __init__(self, deps: CallDependencies, task_dialogs: TaskDialogs):
        super().__init__(MAIN_MENU_DIALOG)
        self.task_dialogs = {MenuChoiceValue.AGENT: TRANSFER_DIALOG, MenuChoiceValue.GOODBYE: GOODBYE_DIALOG}
        for choice, task in task_dialogs.items():
            if isinstance(task, Dialog):
                self.add_dialog(task)
                task = task.id
            self.task_dialogs[choice] = task
        self.add_dialog(KeypadMenu(_MENU_PROMPT, deps.timers, deps.input_policy, deps.prompts.menu, CHOICES))
        self.add_dialog(WaterfallDialog(_LOOP, [self._offer, self._run_task, self._loop]))
        self.initial_dialog_id = _LOOP

    async def _offer(self, step: WaterfallStepContext) -> DialogTurnResult:
        options = step.options or {}
        if options.get("choice"):
            return await step.next(InputResult(InputStatus.RECOGNIZED, options["choice"]))
        return await step.begin_dialog(_MENU_PROMPT, {"again": bool(options.get("again"))})

    async def _run_task(self, step: WaterfallStepContext) -> DialogTurnResult:
        result: InputResult = step.result
        if result.status is InputStatus.EXHAUSTED:
            return await step.begin_dialog(TRANSFER_DIALOG)
        choice = MenuChoiceValue(result.value)
        if choice is MenuChoiceValue.REPEAT:
            return await step.replace_dialog(_LOOP, {"again": False})
        return await step.begin_dialog(self.task_dialogs[choice])

    async def _loop(self, step: WaterfallStepContext) -> DialogTurnResult:
        if step.result is StepOutcome.CALL_ENDED:
            return await step.end_dialog(StepOutcome.CALL_ENDED)
        return await step.replace_dialog(_LOOP, {"again": True})
