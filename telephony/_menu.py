"""Keypad menus as tables: one row per option, checked when the bot starts.

A row holds everything about one option: its key, the words that offer it
("For billing, press 1."), the words a caller may say instead, and what it
starts. The spoken menu, the keys a prompt accepts and the step each choice
runs are all read from the rows, so they cannot drift apart; `Menu` refuses a
table whose words and keys disagree, naming the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from ._dtmf import pressed_key
from ._input import CallerInputDialog, InputPolicy, PromptFor
from ._key_words import ENGLISH_KEY_WORDS, KeyWords
from ._observer import observe
from ._status import InputResult, InputStatus, recognized
from ._timers import CallTimers
from ._wire import DTMF_KEYS
from .sdk import Activity, DialogContext


class MenuError(ValueError):
    """A menu table that would confuse callers: raised at start-up, naming the row."""


@dataclass(frozen=True)
class MenuOption:
    """One row of a menu.

    `name` is what a choice of it is called in code and in state; `key` may be
    None for an option that is only said ("goodbye"); `words` offer it in the
    spoken menu and must say "press <key>" for its own key (empty for an
    unspoken option); `synonyms` are phrases that choose it when said; `step`
    is what it starts, for menus that start steps (a dialog, a dialog id, or a
    factory of the caller's own: the table does not look inside).
    """

    name: str
    key: str | None
    words: str = ""
    synonyms: tuple[str, ...] = ()
    step: Any = None


class Menu:
    """An ordered, checked table of `MenuOption`s.

    `key_words` is the language the rows' words are in (English by default): a
    row's words must name its own key the way that language does.
    """

    def __init__(self, *options: MenuOption, key_words: KeyWords = ENGLISH_KEY_WORDS):
        self.options: tuple[MenuOption, ...] = options
        self.key_words = key_words
        _check(options, key_words)

    def __iter__(self) -> Iterator[MenuOption]:
        return iter(self.options)

    def __len__(self) -> int:
        return len(self.options)

    @property
    def spoken(self) -> str:
        """The menu as the caller hears it: each option's words, in table order."""
        return " ".join(option.words for option in self.options if option.words)

    @property
    def keys(self) -> str:
        """Every key the menu answers to, in table order."""
        return "".join(option.key for option in self.options if option.key)

    def __getitem__(self, name: str) -> MenuOption:
        for option in self.options:
            if option.name == name:
                return option
        raise KeyError(name)

    def by_key(self, key: str) -> MenuOption | None:
        return next((option for option in self.options if option.key == key), None)

    def choose(self, activity: Activity) -> MenuOption | None:
        """The option a key press or spoken words choose; None when nothing matches.

        A key press is judged by its key alone: a pressed key that no row has
        is no match even if the message's text happens to be a synonym.
        """
        key = pressed_key(activity)
        if key is not None:
            return self.by_key(key)
        return next((option for option in self.options if find_phrase(activity.text or "", option.synonyms)), None)


def _check(options: Sequence[MenuOption], key_words: KeyWords) -> None:
    names: set[str] = set()
    keys: dict[str, str] = {}
    for option in options:
        if option.name in names:
            raise MenuError(f"two menu options are named {option.name!r}")
        names.add(option.name)
        if option.key is not None:
            if option.key not in DTMF_KEYS or len(option.key) != 1:
                raise MenuError(f"option {option.name!r}: key {option.key!r} is not one keypad key")
            if option.key in keys:
                raise MenuError(f"options {keys[option.key]!r} and {option.name!r} are both on key {option.key!r}")
            keys[option.key] = option.name
        if option.key is None and not option.synonyms:
            raise MenuError(f"option {option.name!r} has neither a key nor words that choose it")
    for option in options:
        offers = key_words.offers(option.words)
        for said, key in offers:
            if key is None or key not in keys:
                raise MenuError(f"option {option.name!r} says {said!r}, but no option is on that key")
            if key != option.key:
                raise MenuError(f"option {option.name!r} says {said!r}, but that key is {keys[key]!r}'s")
        if option.key is not None and option.words and not offers:
            raise MenuError(f"option {option.name!r} is on key {option.key!r} but its words never say which")


_NOT_WORDS = re.compile(r"[\W_]+")


def normalize_words(text: str) -> str:
    """Lower case, punctuation dropped, single spaces: what speech-to-text may give (in any alphabet)."""
    return " ".join(_NOT_WORDS.sub(" ", text.lower().replace("'", "")).split())


def find_phrase(text: str, phrases: Sequence[str]) -> str | None:
    """The first of `phrases` that occurs in `text` as whole words."""
    padded = f" {normalize_words(text)} "
    for phrase in phrases:
        if f" {normalize_words(phrase)} " in padded:
            return phrase
    return None


class KeypadMenu(CallerInputDialog):
    """Offers a `Menu` and waits for one key or a spoken word; ends with the chosen option's name."""

    def __init__(self, dialog_id: str, timers: CallTimers, policy: InputPolicy, prompt_for: PromptFor, menu: Menu):
        super().__init__(dialog_id, timers, policy, prompt_for)
        self.menu = menu

    async def recognize(self, dc: DialogContext, activity: Activity, state: dict) -> InputResult:
        option = self.menu.choose(activity)
        if option is None:
            return InputResult(InputStatus.NO_MATCH)
        observe(dc.context, lambda observer: observer.menu_chosen(dc.context, self.id, option.name))
        return recognized(option.name)
