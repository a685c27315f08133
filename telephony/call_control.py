"""Transfer to a phone number and hang up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from botbuilder.schema import Activity, ActivityTypes

from .wire import HANDOFF_FAILED, HANDOFF_INITIATE, HANDOFF_STATUS, HANDOFF_TARGET_KEY

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def is_e164(number: str) -> bool:
    """`+` then 7 to 15 digits: no spaces, dashes or `tel:`."""
    return bool(E164.match(number or ""))


def transfer_activity(phone_number: str) -> Activity:
    """`handoff.initiate` to `phone_number`; raises ValueError unless it is E.164."""
    if not is_e164(phone_number):
        raise ValueError(f"transfer target must be an E.164 number such as +14255550100, not {phone_number!r}")
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
