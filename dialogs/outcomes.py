"""How a step of the call ended, as seen by the menu that started it."""

from enum import Enum


class StepOutcome(str, Enum):
    DONE = "done"  # back to "Is there anything else?"
    CALL_ENDED = "call-ended"  # hung up or transferred: nothing more to say
