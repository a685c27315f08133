"""SSML and spoken messages: what the channel's text-to-speech receives."""

import xml.etree.ElementTree as ET

import pytest

from telephony import InputHint, Voice, join, pause, say_as, spoken

NS = {"s": "http://www.w3.org/2001/10/synthesis", "mstts": "http://www.w3.org/2001/mstts"}


def parse(document: str) -> ET.Element:
    return ET.fromstring(document)


def test_a_document_names_the_voice_and_locale():
    root = parse(Voice().speak("Hello"))
    assert root.tag == "{http://www.w3.org/2001/10/synthesis}speak"
    assert root.get("version") == "1.0"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US"
    voice = root.find("s:voice", NS)
    assert voice.get("name") == "en-US-JennyNeural" and voice.text == "Hello"


def test_text_is_escaped():
    document = Voice().speak("Tom & Jerry <b> 'quoted' \"double\"")
    assert parse(document).find("s:voice", NS).text == "Tom & Jerry <b> 'quoted' \"double\""


def test_an_optional_style_wraps_the_text():
    root = parse(Voice("en-GB-SoniaNeural", "en-GB", "customerservice").speak("Hi"))
    express = root.find("s:voice/mstts:express-as", NS)
    assert express.get("style") == "customerservice" and express.text == "Hi"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"


def test_attribute_values_cannot_break_out():
    root = parse(Voice(name="x' onload='y").speak("Hi"))
    assert root.find("s:voice", NS).get("name") == "x' onload='y"


@pytest.mark.parametrize("ms, expected", [(300, "300ms"), (5000, "5000ms"), (9000, "5000ms"), (-5, "0ms")])
def test_breaks_are_capped_at_five_seconds(ms, expected):
    root = parse(Voice().speak("a", pause(ms), "b"))
    assert root.find("s:voice/s:break", NS).get("time") == expected


def test_say_as_reads_digits_and_escapes():
    root = parse(Voice().speak("Card ending in ", say_as("1<2>", "characters")))
    element = root.find("s:voice/s:say-as", NS)
    assert element.get("interpret-as") == "characters" and element.text == "1<2>"


def test_say_as_with_a_format():
    element = ET.fromstring(say_as("0303", "date", format="md").markup)
    assert (element.get("interpret-as"), element.get("format"), element.text) == ("date", "md", "0303")


def test_fragments_join_with_text():
    fragment = join("a < b", pause(100))
    assert fragment.markup == "a &lt; b<break time='100ms'/>"


def test_a_spoken_message_has_display_text_ssml_and_an_explicit_hint():
    message = spoken(Voice(), "Balance: ", say_as("42.17", "currency"), pause(200), hint=InputHint.EXPECTING)
    assert message.type == "message"
    assert message.text == "Balance: 42.17"
    assert message.input_hint == "expectingInput"
    element = parse(message.speak).find("s:voice/s:say-as", NS)
    assert (element.get("interpret-as"), element.text) == ("currency", "42.17")


@pytest.mark.parametrize("hint", list(InputHint))
def test_every_hint_including_the_telephony_only_ones(hint):
    assert spoken(Voice(), "x", hint=hint).input_hint == hint.value
    assert {"ignoringSpeechInput", "ignoringNonSpeechInput"} <= {h.value for h in InputHint}


def test_display_text_keeps_characters_that_ssml_escapes():
    assert spoken(Voice(), "Q&A <now>").text == "Q&A <now>"
