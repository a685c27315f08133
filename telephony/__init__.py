"""The Azure Bot Service Telephony channel, as a small library.

Nothing here knows what the bot is for; lift the folder into another bot.
Everything public is imported from `telephony` itself; the `_modules` behind it
may change. `telephony.testing` holds `FakeChannel`, for testing dialogs.

The call: `TelephonyBot` runs one dialog per call and turns everything the
channel sends (messages, recording results, transfer outcomes, the bot's own
timers, the hang-up) into turns of it, and recovers from errors. A
`CallObserver` in the turn's state hears what happens (for metrics, traces
and audits) and decides nothing.

Steps a call is made of: `KeypadMenu` over a checked `Menu` table,
`DigitsPrompt` for digit entry, `TransferStep` to a person, `SecureStep` for
card details with the recording paused (on a phone only, sealed between
turns), `RecordingStepDialog` to change the recording and wait for the
channel's answer; `RecordingPolicy` says when the call is recorded.

Phones and chats: `is_phone` tells a call from a chat (the Emulator, Web Chat,
Teams, the Agents Playground). A channel that refuses what the bot sends, or
is gone, raises `Undelivered` from the turn's sends; `TelephonyBot` ends the
conversation when that was a closing activity.

Underneath: the wire names, recording commands and their results, the
recording state machine (`Recording`, `CallRecorder`), SSML, key presses and
spoken digits, timers, sealing and log redaction, one turn at a time per call.

Public classes and functions say they are `telephony.X` (in tracebacks, reprs and
pickles), not `telephony._module.X`: the name a fork imports is the name it reads.
"""

from inspect import isclass, isfunction

from . import _defaults as defaults
from ._bot import TelephonyBot, command_result_of
from ._call_control import (
    E164_EXAMPLE,
    HandoffStatus,
    hang_up_activity,
    is_e164,
    parse_handoff_status,
    require_e164,
    transfer_activity,
)
from ._channels import PHONE_CHANNELS, is_phone
from ._channel_rules import CHANNEL_RULES, ChannelRecordingState, Refusal, channel_answer
from ._commands import CommandResult, command_activity, parse_command_result
from ._delivery import SendFailure, Undelivered, send_failure
from ._digits import DigitsPrompt, Validator
from ._dtmf import is_dtmf, pressed_key
from ._input import CallerInputDialog, InputPolicy, PromptFor, Reprompt
from ._keypad import DigitBuffer, DigitSpec, Entry, InvalidReason, keys_from_text
from ._key_words import ENGLISH_KEY_WORDS, KeyWords
from ._menu import KeypadMenu, Menu, MenuError, MenuOption, find_phrase, normalize_words
from ._messages import spoken
from ._observer import OBSERVER_KEY, CallEnding, CallObserver, call_notes, observe
from ._outcome import StepOutcome
from ._policy import RecordingPolicy
from ._recorder import CallRecorder
from ._recording import Goal, Recording, RecordingState
from ._recording_step import RecordingStepDialog, RecordingStepOptions, RecordingStepResult
from ._redaction import DigitRunRedactor, install_redaction, mask_digit_runs, remove_redaction
from ._result_seal import DIGITS_RESULT, ResultSeal
from ._sealed import SealedValueError, Sealer
from ._secure_step import SecureResult, SecureStep
from ._serial_turns import SerialTurnsMiddleware
from ._ssml import Ssml, Voice, join, pause, say_as
from ._status import InputResult, InputStatus, recognized
from ._timers import TIMER_EVENT, CallTimers, Sleep, timer_token
from ._transfer import TransferOptions, TransferStep
from ._transfer_reason import TransferReason
from ._wire import (
    BREAK_LIMIT_MS,
    COMMAND_ACTIVITY,
    COMMAND_RESULT_ACTIVITY,
    DTMF_ENTITY_TYPE,
    DTMF_KEYS,
    HANDOFF_FAILED,
    HANDOFF_INITIATE,
    HANDOFF_STATUS,
    HANDOFF_TARGET_KEY,
    TELEPHONY_CHANNEL,
    ChannelError,
    InputHint,
    RecordingCommand,
)

__all__ = [
    # the call
    "TelephonyBot",
    "CallObserver",
    "CallEnding",
    "OBSERVER_KEY",
    "observe",
    "call_notes",
    "command_result_of",
    "StepOutcome",
    # steps
    "CallerInputDialog",
    "InputPolicy",
    "PromptFor",
    "Reprompt",
    "InputStatus",
    "InputResult",
    "recognized",
    "Menu",
    "MenuOption",
    "MenuError",
    "KeypadMenu",
    "ENGLISH_KEY_WORDS",
    "KeyWords",
    "find_phrase",
    "normalize_words",
    "DigitsPrompt",
    "Validator",
    "TransferStep",
    "TransferOptions",
    "TransferReason",
    "SecureStep",
    "SecureResult",
    "ResultSeal",
    "DIGITS_RESULT",
    "RecordingStepDialog",
    "RecordingStepOptions",
    "RecordingStepResult",
    "RecordingPolicy",
    # recording
    "Recording",
    "RecordingState",
    "Goal",
    "CallRecorder",
    "CommandResult",
    "command_activity",
    "parse_command_result",
    "CHANNEL_RULES",
    "ChannelRecordingState",
    "Refusal",
    "channel_answer",
    # what the caller hears
    "Voice",
    "Ssml",
    "say_as",
    "pause",
    "join",
    "spoken",
    # keys and digits
    "pressed_key",
    "is_dtmf",
    "keys_from_text",
    "DigitSpec",
    "DigitBuffer",
    "Entry",
    "InvalidReason",
    # phones and chats
    "is_phone",
    "PHONE_CHANNELS",
    "Undelivered",
    "SendFailure",
    "send_failure",
    # call control
    "transfer_activity",
    "hang_up_activity",
    "HandoffStatus",
    "parse_handoff_status",
    "is_e164",
    "require_e164",
    "E164_EXAMPLE",
    # timers and turns
    "CallTimers",
    "TIMER_EVENT",
    "Sleep",
    "timer_token",
    "SerialTurnsMiddleware",
    # card data
    "Sealer",
    "SealedValueError",
    "DigitRunRedactor",
    "install_redaction",
    "remove_redaction",
    "mask_digit_runs",
    # the wire
    "TELEPHONY_CHANNEL",
    "InputHint",
    "RecordingCommand",
    "ChannelError",
    "COMMAND_ACTIVITY",
    "COMMAND_RESULT_ACTIVITY",
    "DTMF_ENTITY_TYPE",
    "DTMF_KEYS",
    "HANDOFF_INITIATE",
    "HANDOFF_STATUS",
    "HANDOFF_TARGET_KEY",
    "HANDOFF_FAILED",
    "BREAK_LIMIT_MS",
    # settings' defaults
    "defaults",
]


def _name_from_here() -> None:
    for name in __all__:
        value = globals()[name]
        if isclass(value) or isfunction(value):
            value.__module__ = __name__


_name_from_here()
del _name_from_here, isclass, isfunction
