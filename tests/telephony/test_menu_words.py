"""A menu's words name its keys in the menu's own language: English by default, any other passed in.

The check that a row's words say its own key reads them with a `KeyWords`: the
phrase that offers a key and the names of the keys. English knows digits as
figures and as words, "star", "pound" and "hash"; a French table passes French.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from telephony import ENGLISH_KEY_WORDS, KeyWords, Menu, MenuError, MenuOption
from telephony.sdk import Activity


@pytest.mark.parametrize(
    ("words", "key"),
    [
        ("To pay, press 1.", "1"),
        ("To pay, press one.", "1"),
        ("To pay, Press ONE.", "1"),
        ("For an agent, press zero.", "0"),
        ("To stop the recording, press star.", "*"),
        ("To end your entry, press pound.", "#"),
        ("To end your entry, press hash.", "#"),
    ],
)
def test_english_names_a_key_by_its_figure_its_word_star_pound_or_hash(words, key):
    menu = Menu(MenuOption("row", key, words))
    assert menu.by_key(key).words == words


def test_english_is_what_a_menu_reads_unless_told_otherwise():
    assert Menu(MenuOption("pay", "1", "To pay, press 1.")).key_words is ENGLISH_KEY_WORDS
    with pytest.raises(MenuError, match=re.escape("option 'pay' says 'press two', but no option is on that key")):
        Menu(MenuOption("pay", "1", "To pay, press two."))


# ---- a French table ------------------------------------------------------------

FRENCH = KeyWords(
    r"\bappuyez sur (?:la touche )?(\w+)",
    {
        **{digit: digit for digit in "0123456789"},
        "zéro": "0", "un": "1", "deux": "2", "trois": "3", "quatre": "4",
        "cinq": "5", "six": "6", "sept": "7", "huit": "8", "neuf": "9",
        "étoile": "*", "dièse": "#",
    },
)
PAY = MenuOption("payer", "1", "Pour payer, appuyez sur 1.", ("payer", "paiement"))
AGENT = MenuOption("conseiller", "0", "Pour parler à un conseiller, appuyez sur zéro.", ("conseiller",))
REPEAT = MenuOption("répéter", "#", "Pour réécouter, appuyez sur la touche dièse.", ("répéter", "réécouter"))


def test_a_french_table_offers_its_keys_in_french():
    menu = Menu(PAY, AGENT, REPEAT, key_words=FRENCH)
    assert menu.keys == "10#"
    assert menu.spoken == (
        "Pour payer, appuyez sur 1. Pour parler à un conseiller, appuyez sur zéro. "
        "Pour réécouter, appuyez sur la touche dièse."
    )


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("Pour payer, appuyez sur 4.", "option 'payer' says 'appuyez sur 4', but no option is on that key"),
        ("Pour payer, appuyez sur zéro.", "option 'payer' says 'appuyez sur zéro', but that key is 'conseiller''s"),
        ("Pour payer, press 1.", "option 'payer' is on key '1' but its words never say which"),
    ],
)
def test_a_french_row_whose_words_and_key_disagree_is_refused_naming_the_row(words, message):
    with pytest.raises(MenuError, match=re.escape(message)):
        Menu(replace(PAY, words=words), AGENT, key_words=FRENCH)


def test_french_words_fail_the_english_check_naming_the_row():
    with pytest.raises(MenuError, match=re.escape("option 'payer' is on key '1' but its words never say which")):
        Menu(PAY)


@pytest.mark.parametrize(
    ("said", "row"),
    [("Je voudrais faire un paiement.", "payer"), ("Un conseiller, s'il vous plaît", "conseiller"), ("Réécouter", "répéter")],
)
def test_french_words_choose_their_rows_accents_and_all(said, row):
    menu = Menu(PAY, AGENT, REPEAT, key_words=FRENCH)
    assert menu.choose(Activity(type="message", text=said)).name == row


@pytest.mark.parametrize(
    ("press", "names", "error"),
    [
        (r"\bpress \w+", {"1": "1"}, "must have one group"),
        (r"\bpress (\w+)", {"ten": "10"}, "'ten' names '10', which is not one keypad key"),
    ],
)
def test_key_words_that_cannot_name_one_key_are_refused(press, names, error):
    with pytest.raises(ValueError, match=re.escape(error)):
        KeyWords(press, names)
