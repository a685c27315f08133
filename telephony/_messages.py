"""Messages meant to be heard: display text, SSML and a barge-in hint together."""

from __future__ import annotations

import re
from xml.sax.saxutils import unescape

from ._ssml import Ssml, Voice
from ._wire import InputHint
from .sdk import Activity, ActivityTypes

_TAGS = re.compile(r"<[^>]+>")


def spoken(
    voice: Voice,
    *parts: Ssml | str,
    hint: InputHint = InputHint.ACCEPTING,
    text: str | None = None,
) -> Activity:
    """A message with `text` for screens and `speak` for the phone.

    `text` defaults to the parts without their markup. The hint is always set
    explicitly: botbuilder would otherwise stamp `acceptingInput` on it.
    """
    if text is None:
        text = "".join(unescape(_TAGS.sub("", p.markup)) if isinstance(p, Ssml) else p for p in parts)
    return Activity(
        type=ActivityTypes.message,
        text=text,
        speak=voice.speak(*parts),
        input_hint=hint.value,
    )
