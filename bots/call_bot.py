"""The sample's bot: the call's dialog on the library's telephony bot. Thin on purpose.

`TelephonyBot` routes everything the channel sends (the call's start,
messages, recording results, transfer outcomes, timers, the hang-up) to the
call's dialog, saves the call's state after each turn, and recovers from
errors; this class only says which dialog runs and how it begins again after
an error. Override its hooks here to observe a call.
"""

from __future__ import annotations

from dialogs.call import AFTER_ERROR, CallDialog
from dialogs.dependencies import CallDependencies
from dialogs.main_menu import MAIN_MENU
from telephony import Menu, TelephonyBot
from telephony.sdk import ConversationState


class CallBot(TelephonyBot):
    def __init__(self, conversation_state: ConversationState, deps: CallDependencies, menu: Menu = MAIN_MENU):
        call_dialog = CallDialog(deps, menu)
        super().__init__(conversation_state, call_dialog, deps.recorder, deps.timers, after_error=AFTER_ERROR)
        self.deps = deps
