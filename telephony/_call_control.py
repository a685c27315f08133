"""Transfer to a phone number and hang up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._wire import HANDOFF_FAILED, HANDOFF_INITIATE, HANDOFF_STATUS, HANDOFF_TARGET_KEY
from .sdk import Activity, ActivityTypes

E164 = re.compile(r"\+[1-9]\d{6,14}")
E164_EXAMPLE = "+14255550100"


def is_e164(number: object) -> bool:
    """`+` then 7 to 15 digits, and nothing else: no spaces, dashes, `tel:` or trailing newline."""
    return isinstance(number, str) and E164.fullmatch(number) is not None


def require_e164(number: str, what: str) -> str:
    """`number` if it is E.164; otherwise ValueError naming `what` and showing the expected form."""
    if not is_e164(number):
        raise ValueError(f"{what} must be an E.164 number such as {E164_EXAMPLE}, not {number!r}")
    return number


def transfer_activity(phone_number: str) -> Activity:
    """`handoff.initiate` to `phone_number`; raises ValueError unless it is E.164."""
    require_e164(phone_number, "transfer target")
    return Activity(type=ActivityTypes.event, name=HANDOFF_INITIATE, value={HANDOFF_TARGET_KEY: phone_number})


def hang_up_activity() -> Activity:
    return Activity(type=ActivityTypes.end_of_conversation)


@dataclass(frozen=True)
class HandoffStatus:
    state: str
    message: str = ""

    @property
    def failed(self) -> bool:
        return self.state.lower() == HANDOFF_FAILED


def parse_handoff_status(activity: Activity) -> HandoffStatus | None:
    """Read a `handoff.status` event; None for anything else."""
    if activity.type != ActivityTypes.event or activity.name != HANDOFF_STATUS:
        return None
    value = activity.value if isinstance(activity.value, dict) else {}
    return HandoffStatus(state=str(value.get("state") or ""), message=str(value.get("message") or ""))
