"""SSML for the Telephony channel's text-to-speech.

The channel speaks the `speak` field of each message; it must be a full
`<speak>` document naming a neural voice. Everything the caller hears goes
through `Voice.speak`, so escaping and the voice are never forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from ._wire import BREAK_LIMIT_MS

SSML_NAMESPACE = "http://www.w3.org/2001/10/synthesis"
MSTTS_NAMESPACE = "http://www.w3.org/2001/mstts"


@dataclass(frozen=True)
class Ssml:
    """A fragment of SSML markup, already escaped. Plain `str` parts are text."""

    markup: str

    def __add__(self, other: "Ssml | str") -> "Ssml":
        return Ssml(self.markup + to_markup(other))

    def __radd__(self, other: str) -> "Ssml":
        return Ssml(to_markup(other) + self.markup)


def to_markup(part: "Ssml | str") -> str:
    """Escape plain text; pass SSML fragments through."""
    return part.markup if isinstance(part, Ssml) else escape(part)


def say_as(text: str, interpret_as: str, format: str | None = None) -> Ssml:
    """`<say-as>`: read `text` as digits, a date, currency, a telephone number..."""
    attrs = f"interpret-as={quoteattr(interpret_as)}"
    if format:
        attrs += f" format={quoteattr(format)}"
    return Ssml(f"<say-as {attrs}>{escape(text)}</say-as>")


def pause(milliseconds: int) -> Ssml:
    """`<break>`, capped at the 5000 ms the service allows."""
    ms = max(0, min(int(milliseconds), BREAK_LIMIT_MS))
    return Ssml(f"<break time='{ms}ms'/>")


def join(*parts: "Ssml | str") -> Ssml:
    """Concatenate text and SSML fragments."""
    return Ssml("".join(to_markup(p) for p in parts))


@dataclass(frozen=True)
class Voice:
    """The voice every prompt is spoken with."""

    name: str = "en-US-JennyNeural"
    locale: str = "en-US"
    style: str | None = None

    def speak(self, *parts: "Ssml | str") -> str:
        """A complete `<speak>` document for the given text and fragments."""
        body = "".join(to_markup(p) for p in parts)
        if self.style:
            body = f"<mstts:express-as style={quoteattr(self.style)}>{body}</mstts:express-as>"
        return (
            f"<speak version='1.0' xmlns='{SSML_NAMESPACE}' xmlns:mstts='{MSTTS_NAMESPACE}' "
            f"xml:lang={quoteattr(self.locale)}><voice name={quoteattr(self.name)}>{body}</voice></speak>"
        )
