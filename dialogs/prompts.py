"""Everything the caller hears, in one place.

Forks change the words here. Each prompt has its display text as a constant
(tests and the simulator import them) and a method that builds the message
with SSML and the right barge-in hint.
"""

from __future__ import annotations

from botbuilder.schema import Activity

from telephony.caller_input import Reprompt
from telephony.messages import spoken
from telephony.ssml import Ssml, Voice
from telephony.wire import InputHint

COMPANY = "Contoso Energy"

WELCOME = (
    f"Welcome to {COMPANY}. This call may be recorded for quality assurance. "
    "To stop the recording at any time, press star."
)
ONE_MOMENT = "One moment please."
RECORDING_FAILED = "Recording has failed, but your call will continue."
RECORDING_STOPPED = "Recording stopped for this call."

MENU = (
    "For billing and payments, press 1. To hear your balance, press 2. "
    "To speak with an agent, press 0. To hear these options again, press 9."
)
NO_MATCH = "Sorry, I didn't catch that."
NO_INPUT = "Are you still there?"
ANYTHING_ELSE = "Is there anything else?"

TRANSFER_HOLD = "Please hold while I transfer you to an agent."
NO_AGENT = "Sorry, no agent is available right now."
GOODBYE = f"Thank you for calling {COMPANY}. Goodbye."
SOMETHING_WENT_WRONG = "Sorry, something went wrong. Let me transfer you to an agent."
NOT_YET_AVAILABLE = "Sorry, that service is not yet available."

REPROMPT_PREFIX = {Reprompt.NO_MATCH: NO_MATCH, Reprompt.NO_INPUT: NO_INPUT}


class Prompts:
    """Builds the messages; one voice for the whole call."""

    def __init__(self, voice: Voice):
        self.voice = voice

    def say(self, *parts: Ssml | str, hint: InputHint = InputHint.ACCEPTING) -> Activity:
        return spoken(self.voice, *parts, hint=hint)

    def welcome(self) -> Activity:
        # Played whole: the consent notice must not be cut short by a key press.
        return self.say(WELCOME, hint=InputHint.IGNORING)

    def one_moment(self) -> Activity:
        return self.say(ONE_MOMENT)

    def recording_failed(self) -> Activity:
        return self.say(RECORDING_FAILED)

    def recording_stopped(self) -> Activity:
        return self.say(RECORDING_STOPPED)

    def menu(self, reason: Reprompt, options: dict) -> Activity:
        prefix = REPROMPT_PREFIX.get(reason) or (ANYTHING_ELSE if options.get("again") else "")
        return self.say(f"{prefix} {MENU}".strip(), hint=InputHint.EXPECTING)

    def transfer_hold(self) -> Activity:
        return self.say(TRANSFER_HOLD, hint=InputHint.IGNORING)

    def no_agent(self) -> Activity:
        return self.say(NO_AGENT)

    def goodbye(self) -> Activity:
        return self.say(GOODBYE, hint=InputHint.IGNORING)

    def something_went_wrong(self) -> Activity:
        return self.say(SOMETHING_WENT_WRONG, hint=InputHint.IGNORING)

    def not_yet_available(self) -> Activity:
        return self.say(NOT_YET_AVAILABLE)
