"""Key presses: DTMF on the phone, a single typed key elsewhere."""

from __future__ import annotations

from ._wire import DTMF_ENTITY_TYPE, DTMF_KEYS, TELEPHONY_CHANNEL
from .sdk import Activity, ActivityTypes


def is_dtmf(activity: Activity) -> bool:
    """True when the channel marked this message as a key press."""
    return any(getattr(e, "type", None) == DTMF_ENTITY_TYPE for e in activity.entities or ())


def pressed_key(activity: Activity) -> str | None:
    """The key this message carries, or None when it is not a key press.

    On the phone only messages with a DTMF entity count: a spoken "1" is speech.
    In the Emulator or Web Chat a message of exactly one key counts as a press,
    so the menus can be tried from a keyboard.
    """
    if activity.type != ActivityTypes.message:
        return None
    text = (activity.text or "").strip()
    if len(text) != 1 or text not in DTMF_KEYS:
        return None
    if activity.channel_id == TELEPHONY_CHANNEL and not is_dtmf(activity):
        return None
    return text
