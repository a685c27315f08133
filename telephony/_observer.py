"""Hooks for whoever watches calls (metrics, traces, an audit): the library reports, never decides.

An observer is put into a turn's `turn_state` under `OBSERVER_KEY` (a
middleware does it for every turn); the library calls it where things happen:
a call begins or ends, a recording command is sent, answered or times out, the
caller misses, chooses, is transferred, or presses keys into sealed entry.
With no observer installed every hook site costs one dictionary lookup.

Hooks receive names and enums, never what the caller said or pressed.
Observers must not raise: a failing hook is logged and the call goes on.

What an observer must remember between turns (when a command left, the audit
so far) goes in `call_notes(context)`: a dict kept in the call's conversation
state. It is saved with the call after each turn, so the next turn finds it on
whichever instance runs it; it survives the bot's recovery from an error, and
is forgotten with the call.
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import TYPE_CHECKING, Callable

from .sdk import TurnContext

if TYPE_CHECKING:
    from ._commands import CommandResult
    from ._recording import RecordingState
    from ._status import InputStatus
    from ._transfer_reason import TransferReason
    from ._wire import RecordingCommand

log = logging.getLogger(__name__)

OBSERVER_KEY = "telephony.observer"
#: The property of the call's conversation state that holds observers' notes.
NOTES_PROPERTY = "observers"
#: Where `TelephonyBot` puts its `ConversationState` for the turn, for `call_notes`.
CALL_STATE_KEY = "telephony.callState"


class CallEnding(str, Enum):
    """How a call's end looked from the bot."""

    DIALOG_OVER = "dialog-over"  # the call's dialog ended (goodbye, or a transfer off the phone)
    CHANNEL_ENDED = "channel-ended"  # endOfConversation: a hang-up, or the end of a transfer
    BOT_FAILED = "bot-failed"  # the bot could not recover from an error and hung up


class CallObserver:
    """Every hook does nothing; override the ones you need."""

    def call_started(self, context: TurnContext) -> None:
        """The call's dialog began."""

    def call_ended(self, context: TurnContext, ending: CallEnding) -> None:
        """The call is over and its state is about to be forgotten."""

    def recording_command_sent(self, context: TurnContext, command: "RecordingCommand", command_id: str) -> None:
        """A recording command left for the channel."""

    def recording_changed(
        self,
        context: TurnContext,
        before: "RecordingState",
        after: "RecordingState",
        result: "CommandResult | None",
    ) -> None:
        """The recording's state moved; `result` is the channel's answer that moved it, if one did."""

    def recording_command_timed_out(self, context: TurnContext, command: "RecordingCommand") -> None:
        """The wait for a recording command's result ran out."""

    def input_missed(self, context: TurnContext, step_id: str, status: "InputStatus") -> None:
        """A prompt heard nothing usable (NO_INPUT) or something meaningless (NO_MATCH)."""

    def menu_chosen(self, context: TurnContext, menu_id: str, option: str) -> None:
        """A menu option (by its name in the table) was chosen."""

    def transfer_started(self, context: TurnContext, reason: "TransferReason") -> None:
        """The caller is being transferred to a person."""

    def transfer_failed(self, context: TurnContext) -> None:
        """The channel could not transfer: the caller is back with the bot."""

    def secure_step(self, context: TurnContext, step_id: str, secured: bool) -> None:
        """A step that needs the recording paused begins (`secured`) or is refused."""

    def sensitive_keys(self, context: TurnContext, step_id: str) -> None:
        """Keys went into an entry that is sealed (card details): never the keys themselves."""

    def outcome(self, context: TurnContext, name: str, value: str) -> None:
        """An outcome only the bot's own dialogs know (a payment approved or declined)."""


def call_notes(context: TurnContext) -> dict | None:
    """The call's notes for observers (plain JSON values only), or None outside a call's turn."""
    state = context.turn_state.get(CALL_STATE_KEY)
    values = state.get(context) if state is not None else None
    if values is None:
        return None
    return values.setdefault(NOTES_PROPERTY, {})


def observe(context: TurnContext, hook: Callable[[CallObserver], None]) -> None:
    """Call `hook` with the turn's observer, if there is one; a failing observer never fails the call."""
    observer = context.turn_state.get(OBSERVER_KEY)
    if observer is None:
        return
    try:
        hook(observer)
    except Exception as error:  # the call matters more than its telemetry
        log.warning("A call observer failed: %s", type(error).__name__)
