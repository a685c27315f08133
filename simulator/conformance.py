"""Checks on what a bot sends that a phone call would not survive.

Each returns plain-language problems; the call collects them in
`Call.violations` so a test can assert a bot speaks the protocol properly.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from typing import Any

from telephony import BREAK_LIMIT_MS, is_e164

_BREAK = re.compile(r"<break\b[^>]*\btime\s*=\s*['\"](?P<amount>[\d.]+)\s*(?P<unit>ms|s)['\"]", re.IGNORECASE)


def prompt_problems(activity: dict[str, Any]) -> list[str]:
    """Why this message would not be heard as intended, if it would not."""
    speak = activity.get("speak")
    if not isinstance(speak, str) or not speak.strip():
        return ["a message has no `speak`: callers hear nothing"]
    problems: list[str] = []
    try:
        root = ElementTree.fromstring(speak)
    except ElementTree.ParseError as error:
        return [f"`speak` is not well-formed SSML ({error})"]
    if not root.tag.endswith("speak"):
        problems.append("`speak` does not have <speak> as its root")
    for match in _BREAK.finditer(speak):
        amount = float(match["amount"]) * (1000 if match["unit"].lower() == "s" else 1)
        if amount > BREAK_LIMIT_MS:
            problems.append(f"a <break> of {amount:g} ms exceeds the {BREAK_LIMIT_MS} ms limit")
    return problems


def command_problems(activity: dict[str, Any]) -> list[str]:
    """Recording commands carry `value.commandId` and no `data`."""
    value = activity.get("value")
    if not isinstance(value, dict) or not value.get("commandId"):
        return ["a recording command has no `value.commandId`"]
    if value.get("data") is not None:
        return ["a recording command carries `data`; the channel expects none"]
    return []


__all__ = ["command_problems", "is_e164", "prompt_problems"]
