"""What the page may ask of the web phone, read from its JSON into typed requests.

Anything else (text that is not JSON, nesting of any depth, unknown actions,
keys that are not phone keys, a fault that does not exist) is refused with a
sentence the page shows, never an exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

from telephony import DTMF_KEYS, RecordingCommand

MAX_WORDS = 500  # a caller's sentence, not a document
# The page names commands by their last word: "start", "pause", "resume", "stop".
COMMANDS = {command.value.rsplit(".", 1)[-1]: command for command in RecordingCommand}


class BadRequest(ValueError):
    """The page sent something the phone cannot do; the message says what."""


class Action(str, Enum):
    DIAL = "dial"
    PRESS = "press"
    SAY = "say"
    HANG_UP = "hang_up"
    FAULTS = "faults"


class CommandFaultChoice(str, Enum):
    """The page's choices for the next recording command."""

    NONE = "none"
    REFUSE = "fail"
    DELAY = "delay"
    NEVER_ANSWER = "never_answer"


@dataclass(frozen=True)
class FaultChoice:
    """The fault toggles as the caller set them."""

    command: RecordingCommand
    fault: CommandFaultChoice
    fail_transfer: bool


@dataclass(frozen=True)
class Request:
    action: Action
    keys: str = ""
    words: str = ""
    faults: FaultChoice | None = None


def read_request(text: str) -> Request:
    """The request in one message from the page, as it came (JSON text)."""
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):  # nesting deeper than the parser recurses is not JSON to us either
        raise BadRequest("a message must be JSON") from None
    if not isinstance(message, dict):
        raise BadRequest("a message must be a JSON object")
    if any(isinstance(value, (dict, list)) for value in message.values()):
        raise BadRequest("a message holds only strings and true or false")
    try:
        action = Action(message.get("action"))
    except ValueError:
        raise BadRequest(f"unknown action {message.get('action')!r}") from None
    if action is Action.PRESS:
        keys = message.get("keys")
        if not isinstance(keys, str) or not keys or not set(keys) <= DTMF_KEYS:
            raise BadRequest("keys must be one or more of 0-9, * and #")
        return Request(action, keys=keys)
    if action is Action.SAY:
        words = message.get("words")
        if not isinstance(words, str) or not words.strip() or len(words) > MAX_WORDS:
            raise BadRequest(f"words must be 1 to {MAX_WORDS} characters")
        return Request(action, words=words.strip())
    if action is Action.FAULTS:
        return Request(action, faults=_fault_choice(message))
    return Request(action)


def _fault_choice(message: dict[str, Any]) -> FaultChoice:
    command = COMMANDS.get(str(message.get("command")))
    fault = next((choice for choice in CommandFaultChoice if choice.value == message.get("fault")), None)
    if command is None or fault is None:
        raise BadRequest("command must be start, pause, resume or stop; fault none, fail, delay or never_answer")
    fail_transfer = message.get("failTransfer")
    if not isinstance(fail_transfer, bool):
        raise BadRequest("failTransfer must be true or false")
    return FaultChoice(command, fault, fail_transfer)
