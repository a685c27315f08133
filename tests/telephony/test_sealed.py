"""Sealing values kept between turns: only the same key and the same call can open them."""

from __future__ import annotations

import base64
import logging
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony import Sealer, SealedValueError


def key_text(raw: bytes | None = None) -> str:
    return base64.b64encode(raw if raw is not None else os.urandom(32)).decode()


@given(st.text(max_size=200), st.text(min_size=1, max_size=50))
def test_opens_what_it_sealed(plaintext: str, context: str) -> None:
    sealer = Sealer.from_config(key_text(b"k" * 32), setting="CARD_DATA_KEY")
    assert sealer.open(sealer.seal(plaintext, context), context) == plaintext


def test_sealed_text_hides_the_value_and_differs_each_time() -> None:
    sealer = Sealer.generate()
    first, second = sealer.seal("4111111111111111", "call-1"), sealer.seal("4111111111111111", "call-1")
    assert first != second
    for token in (first, second):
        assert "4111" not in token
        assert b"4111" not in base64.b64decode(token)


def test_another_instance_with_the_same_key_opens_it() -> None:
    key = key_text()
    token = Sealer.from_config(key, setting="CARD_DATA_KEY").seal("1227", "call-1")
    assert Sealer.from_config(key, setting="CARD_DATA_KEY").open(token, "call-1") == "1227"


def test_a_value_from_one_call_cannot_be_opened_in_another() -> None:
    sealer = Sealer.generate()
    token = sealer.seal("1227", "call-1")
    with pytest.raises(SealedValueError):
        sealer.open(token, "call-2")


def test_another_key_cannot_open_it() -> None:
    token = Sealer.generate().seal("1227", "call-1")
    with pytest.raises(SealedValueError):
        Sealer.generate().open(token, "call-1")


def test_altered_or_garbled_tokens_are_refused_without_plaintext() -> None:
    sealer = Sealer.generate()
    raw = bytearray(base64.b64decode(sealer.seal("4111111111111111", "call-1")))
    raw[-1] ^= 1
    for token in (base64.b64encode(bytes(raw)).decode(), "not base64!", "", base64.b64encode(b"short").decode()):
        with pytest.raises(SealedValueError) as raised:
            sealer.open(token, "call-1")
        assert "4111" not in str(raised.value)


def test_an_empty_context_is_refused() -> None:
    sealer = Sealer.generate()
    with pytest.raises(ValueError):
        sealer.seal("1227", "")
    with pytest.raises(ValueError):
        sealer.open(sealer.seal("1227", "call-1"), "")


def test_repr_never_shows_the_key() -> None:
    raw = os.urandom(32)
    sealer = Sealer.from_config(key_text(raw), setting="CARD_DATA_KEY")
    assert repr(sealer) == "Sealer(key=<hidden>)"
    assert key_text(raw) not in repr(sealer) and raw.hex() not in repr(sealer)


def test_unset_key_generates_one_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="telephony"):
        first = Sealer.from_config("", setting="CARD_DATA_KEY")
        second = Sealer.from_config("  ", setting="CARD_DATA_KEY")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert warnings[0].getMessage().startswith("CARD_DATA_KEY is not set; ")
    with pytest.raises(SealedValueError):
        second.open(first.seal("1227", "call-1"), "call-1")


def test_a_configured_key_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    key = key_text()
    with caplog.at_level(logging.DEBUG):
        Sealer.from_config(key, setting="CARD_DATA_KEY")
    assert caplog.records == []


@pytest.mark.parametrize(
    "bad",
    ["not base64 at all!", key_text(os.urandom(16)), key_text(os.urandom(33)), "QUJD", "====",
     key_text()[:-4]],
    ids=["not-base64", "16-bytes", "33-bytes", "3-bytes", "padding-only", "truncated"],
)
def test_malformed_key_names_the_setting_and_hides_the_value(bad: str) -> None:
    with pytest.raises(ValueError) as raised:
        Sealer.from_config(bad, setting="CARD_DATA_KEY")
    message = str(raised.value)
    assert message.startswith("CARD_DATA_KEY is invalid")
    assert bad not in message


def test_keys_of_the_wrong_size_are_refused() -> None:
    with pytest.raises(ValueError):
        Sealer(b"short")
