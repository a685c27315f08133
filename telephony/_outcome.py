"""How a step of the call ended, as seen by whatever started it."""

from enum import Enum


class StepOutcome(str, Enum):
    DONE = "done"  # the caller is still with the bot: offer what comes next
    CALL_ENDED = "call-ended"  # hung up or transferred: nothing more to say
