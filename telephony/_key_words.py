r"""How a menu's words offer keys, in the language they are spoken in: data a bot passes to its `Menu`.

The library holds no business words, but a menu's check ("does this row's
words name its own key?") has to read them. So the language is a parameter:
English is the default, and a bot in another language passes its own
`KeyWords`, the phrase it offers a key with and the names of the keys:

    FRENCH = KeyWords(r"\bappuyez sur (?:la touche )?(\w+)", {"1": "1", "un": "1", "dièse": "#", ...})
    Menu(MenuOption("payer", "1", "Pour payer, appuyez sur 1."), key_words=FRENCH)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from ._wire import DTMF_KEYS


@dataclass(frozen=True)
class KeyWords:
    """How one language's words offer a key: the phrase around the key's name, and the keys' names.

    `press` is a regular expression (matched ignoring case) whose one group is a
    key's name: English says "press 1", French "appuyez sur 1". `names` maps each
    name a key may be given, in lower case, to the key ("one" and "1" to "1",
    "hash" and "pound" to "#"). A `Menu` checks its rows' words with these.
    """

    press: str
    names: Mapping[str, str]
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = re.compile(self.press, re.IGNORECASE)
        if pattern.groups != 1:
            raise ValueError(f"the press phrase {self.press!r} must have one group: the key's name")
        for name, key in self.names.items():
            if key not in DTMF_KEYS or len(key) != 1:
                raise ValueError(f"the key name {name!r} names {key!r}, which is not one keypad key")
        object.__setattr__(self, "_pattern", pattern)
        object.__setattr__(self, "names", {name.lower(): key for name, key in self.names.items()})

    def offers(self, words: str) -> list[tuple[str, str | None]]:
        """Each phrase in `words` that offers a key ("press 4"), with the key it names (None when none)."""
        return [(said.group(0), self.names.get(said.group(1).lower())) for said in self._pattern.finditer(words)]


_DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

#: English, the default: "press 1", "press one", "press star", "press pound" or "press hash".
ENGLISH_KEY_WORDS = KeyWords(
    press=r"\bpress (\w+)",
    names={
        **{digit: digit for digit in "0123456789"},
        **{name: str(digit) for digit, name in enumerate(_DIGIT_NAMES)},
        "star": "*",
        "asterisk": "*",
        "pound": "#",
        "hash": "#",
    },
)
