"""Long digit runs never reach log output, whatever path they take into a record."""

from __future__ import annotations

import io
import logging
from typing import Iterator

import pytest

from telephony import DigitRunRedactor, install_redaction, mask_digit_runs, remove_redaction

CARD = "4111111111111111"


@pytest.fixture
def redacted() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    install_redaction()
    yield
    remove_redaction()
    assert logging.getLogRecordFactory() is factory


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """A plain StreamHandler on a test logger, added after redaction is installed."""
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield output
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("card 4111111111111111 ok", "card [redacted 16 digits] ok"),
        ("card 4111 1111-1111 1111.", "card [redacted 16 digits]."),
        ("account 123456", "account [redacted 6 digits]"),
        ("amex 3782-822463-10005", "amex [redacted 15 digits]"),
        ("press 1, then 12345", "press 1, then 12345"),
        ("expiry 12/27, code 123, balance 42.17", "expiry 12/27, code 123, balance 42.17"),
        ("due 2027-03-03", "due 2027-03-03"),
        ("1 2 3 4 5 6 7 8 9 0 1 2", "[redacted 12 digits]"),
        ("1 2 3 4 5 6", "1 2 3 4 5 6"),
        ('"POST /api/messages HTTP/1.1" 201 175', '"POST /api/messages HTTP/1.1" 201 175'),
        ("123  456, 789", "123  456, 789"),
    ],
)
def test_masks_long_runs_and_card_numbers_written_in_groups(text: str, masked: str) -> None:
    assert mask_digit_runs(text) == masked


@pytest.mark.usefixtures("redacted")
def test_arguments_are_masked_in_captured_and_streamed_output(
    caplog: pytest.LogCaptureFixture, stream: io.StringIO
) -> None:
    logger = logging.getLogger("tests.redaction")
    with caplog.at_level(logging.INFO):
        logger.info("charging %s for %s", "4111 1111-1111 1111", "account 123456")
        logger.info("by name %(card)s", {"card": CARD})
    for output in (caplog.text, stream.getvalue()):
        assert "1111" not in output and "123456" not in output
        assert "charging [redacted 16 digits] for account [redacted 6 digits]" in output
        assert "by name [redacted 16 digits]" in output
    assert all(record.args == () for record in caplog.records)


@pytest.mark.usefixtures("redacted")
def test_exceptions_quoting_a_card_number_are_masked(
    caplog: pytest.LogCaptureFixture, stream: io.StringIO
) -> None:
    logger = logging.getLogger("tests.redaction")
    with caplog.at_level(logging.INFO):
        try:
            raise ValueError(f"gateway refused {CARD}")
        except ValueError:
            logger.exception("charge failed")
    for output in (caplog.text, stream.getvalue()):
        assert "Traceback" in output and "ValueError: gateway refused [redacted 16 digits]" in output
        assert "4111" not in output
    record = caplog.records[-1]
    assert record.exc_info is None and "4111" not in (record.exc_text or "")


def test_extra_fields_and_stack_are_masked_on_handlers_present_at_install() -> None:
    logger = logging.getLogger("tests.redaction.extra")
    logger.propagate = False
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(logging.Formatter("%(message)s %(caller_input)s"))
    logger.addHandler(handler)
    try:
        install_redaction(logger)
        # The stack shows this source line, literal digits included.
        logger.warning("keys 5555555555554444", extra={"caller_input": CARD}, stack_info=True)
    finally:
        remove_redaction(logger)
        logger.removeHandler(handler)
        logger.propagate = True
    text = output.getvalue()
    assert text.startswith("keys [redacted 16 digits] [redacted 16 digits]\nStack (most recent call last)")
    assert 'logger.warning("keys [redacted 16 digits]"' in text
    assert "4111" not in text and "5555" not in text


@pytest.mark.usefixtures("redacted")
def test_arguments_that_do_not_fit_the_message_are_not_printed(
    stream: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.getLogger("tests.redaction").info("%s and %s", CARD)
    captured = capsys.readouterr()
    assert "4111" not in stream.getvalue() + captured.err + captured.out
    assert "arguments withheld" in stream.getvalue()


def test_a_message_that_cannot_be_rendered_is_withheld_not_raised() -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError(CARD)

    record = logging.LogRecord("x", logging.INFO, __file__, 1, Unprintable(), None, None)
    assert DigitRunRedactor().filter(record) is True
    assert record.getMessage() == "[log message withheld: redaction failed]"


def test_the_filter_on_existing_handlers_works_alone(caplog: pytest.LogCaptureFixture) -> None:
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.addFilter(DigitRunRedactor())
    logger = logging.getLogger("tests.redaction.filter_only")
    logger.addHandler(handler)
    try:
        logger.warning("card %s", CARD)
    finally:
        logger.removeHandler(handler)
    assert output.getvalue() == "card [redacted 16 digits]\n"


def test_install_attaches_one_filter_per_handler_and_remove_detaches_it() -> None:
    logger = logging.getLogger("tests.redaction.install")
    logger.propagate = False
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    logger.addHandler(handler)
    factory = logging.getLogRecordFactory()
    try:
        install_redaction(logger)
        install_redaction(logger)
        assert sum(isinstance(f, DigitRunRedactor) for f in handler.filters) == 1
        logger.warning("card %s", CARD)
        remove_redaction(logger)
        assert not handler.filters and logging.getLogRecordFactory() is factory
        logger.warning("order %s", "98765432")
    finally:
        remove_redaction(logger)
        logger.removeHandler(handler)
        logger.propagate = True
    assert output.getvalue() == "card [redacted 16 digits]\norder 98765432\n"
