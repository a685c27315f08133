"""What the browser should say for one prompt: words, voice and rate from its SSML.

The channel speaks a prompt's `speak` document with an Azure neural voice; the
web phone has only the browser's speech synthesis. This reads from the SSML
what the browser can honour (the words as they would be read, the voice's
name and language, the prosody rate) so a prompt sounds as close as it can
to the call, and falls back to the display text when the SSML is unusable.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import asdict, dataclass

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# SSML's named rates, as multiples of the voice's normal rate (the Speech service's values).
_NAMED_RATES = {"x-slow": 0.5, "slow": 0.64, "medium": 1.0, "fast": 1.55, "x-fast": 2.0, "default": 1.0}
# Read character by character, as the service reads these `say-as` kinds.
_SPELLED_OUT = {"digits", "characters", "spell-out", "telephone", "number_digit"}
_MIN_RATE, _MAX_RATE = 0.1, 10.0
_DEFAULT_LANG = "en-US"


@dataclass(frozen=True)
class Speech:
    """One utterance for `speechSynthesis`: `rate` 1 is the voice's normal speed."""

    text: str
    voice: str = ""
    lang: str = _DEFAULT_LANG
    rate: float = 1.0

    @property
    def voice_hint(self) -> str:
        """The part of an Azure voice name browsers also use ("Jenny" of "en-US-JennyNeural")."""
        short = self.voice.rsplit("-", 1)[-1]
        return re.sub(r"(Multilingual)?Neural$", "", short)

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "voiceHint": self.voice_hint}


@functools.lru_cache(maxsize=512)  # the page's picture is rebuilt on every change; prompts repeat
def speech_for(ssml: str, display_text: str) -> Speech:
    """The utterance for a prompt with `ssml` (its `speak` field) and `display_text`."""
    try:
        root = ElementTree.fromstring(ssml) if ssml.strip() else None
    except ElementTree.ParseError:
        root = None
    if root is None or _local(root.tag) != "speak":
        return Speech(_squash(display_text))
    voice = next((e for e in root.iter() if _local(e.tag) == "voice"), None)
    prosody = next((e for e in root.iter() if _local(e.tag) == "prosody" and e.get("rate")), None)
    lang = (voice.get(_XML_LANG) if voice is not None else None) or root.get(_XML_LANG) or _DEFAULT_LANG
    text = _squash(_words(root)) or _squash(display_text)
    return Speech(
        text=text,
        voice=voice.get("name", "") if voice is not None else "",
        lang=lang,
        rate=rate_multiple(prosody.get("rate", "")) if prosody is not None else 1.0,
    )


def rate_multiple(rate: str) -> float:
    """An SSML prosody rate ("slow", "+20%", "-10%", "1.2") as a multiple of the normal rate."""
    value = rate.strip().lower()
    if value in _NAMED_RATES:
        return _NAMED_RATES[value]
    try:
        if value.endswith("%"):
            multiple = 1.0 + float(value[:-1]) / 100.0
        else:
            multiple = float(value)
    except ValueError:
        return 1.0
    return round(min(max(multiple, _MIN_RATE), _MAX_RATE), 3)


def _words(element: ElementTree.Element) -> str:
    """The text a listener hears, with spelled-out `say-as` content spaced by character."""
    parts: list[str] = []
    tag = _local(element.tag)
    own = element.text or ""
    if tag == "say-as" and element.get("interpret-as", "") in _SPELLED_OUT:
        own = " ".join(own.replace(" ", ""))
    parts.append(own)
    for child in element:
        parts.append(_words(child))
        if _local(child.tag) == "break":
            parts.append(" ")
        parts.append(child.tail or "")
    return "".join(parts)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _squash(text: str) -> str:
    return " ".join(text.split())
