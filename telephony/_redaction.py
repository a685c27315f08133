"""Keeping long digit runs out of logs.

Whatever a caller keys in may end up in a log line by accident: an exception
whose message quotes its input, a debug line with an activity's text. This
module masks every run of six or more digits, and every run of twelve or more
with spaces or dashes between them (a card number as people write it, "4111
1111-1111 1111"), before any handler writes the record. Shorter spaced runs are
left alone so that log lines such as an access log's "200 175" stay readable.

Two layers, both set up by `install_redaction`:

- `DigitRunRedactor`, a `logging.Filter`, on the handlers of the given logger
  (the root logger by default). Handler filters see every record that reaches
  the handler, including those propagated from other loggers, and they run
  after `extra=` fields are attached.
- A wrapper around the process's log record factory, which masks each record as
  it is created. This covers handlers added later (by gunicorn, by a test, by a
  fork's telemetry exporter) without anyone remembering to add the filter.

`logging` attaches `extra=` fields after the factory has run, so on a handler
added after `install_redaction` they are not masked: configure handlers first,
then install (calling it again after adding handlers is safe), or add a
`DigitRunRedactor` to the new handler yourself.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Callable

_DIGIT_RUN = re.compile(r"\d(?:[ \-]?\d){11,}|\d{6,}")
# ISO dates ("2027-03-03") have eight digits but are never secrets.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_REDACTION_FAILED = "[log message withheld: redaction failed]"

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def mask_digit_runs(text: str) -> str:
    """`text` with each long digit run replaced by "[redacted N digits]"."""
    return _DIGIT_RUN.sub(_mask, text)


def _mask(match: re.Match[str]) -> str:
    run = match.group()
    if _ISO_DATE.fullmatch(run):
        return run
    return f"[redacted {sum(c.isdigit() for c in run)} digits]"


class DigitRunRedactor(logging.Filter):
    """Masks digit runs in a record's message, arguments, exception, stack and extras.

    The message is formatted with its arguments, masked and stored back with
    the arguments dropped; the exception is formatted into `exc_text`, masked,
    and the exception object itself detached, so no later formatter can render
    it afresh. It never rejects a record and never raises: if masking fails,
    the message is withheld instead.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            redact_record(record)
        except Exception:  # a log call must never fail because of redaction
            record.msg, record.args = _REDACTION_FAILED, ()
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def redact_record(record: logging.LogRecord) -> None:
    """Mask `record` in place (see `DigitRunRedactor`)."""
    try:
        message = record.getMessage()
    except Exception:  # bad arguments: logging would print them to stderr
        message = f"{record.msg} [arguments withheld: they did not match the message]"
    record.msg, record.args = mask_digit_runs(str(message)), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    record.exc_info = None
    if record.exc_text:
        record.exc_text = mask_digit_runs(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_digit_runs(record.stack_info)
    for name, value in vars(record).items():
        if name not in _STANDARD_ATTRIBUTES and isinstance(value, str):
            setattr(record, name, mask_digit_runs(value))


class _RedactingRecordFactory:
    """Wraps the current record factory so every new record comes out masked."""

    def __init__(self, inner: Callable[..., logging.LogRecord], redactor: DigitRunRedactor) -> None:
        self.inner = inner
        self._redactor = redactor

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        self._redactor.filter(record)
        return record


def install_redaction(logger: logging.Logger | None = None) -> DigitRunRedactor:
    """Mask digit runs in everything logged from now on. Safe to call more than once.

    Adds a `DigitRunRedactor` to each handler of `logger` (default: the root
    logger) and wraps the log record factory so records reaching handlers
    added later are masked too. Call it once logging is configured, at
    start-up; `remove_redaction` undoes it.
    """
    target = logger or logging.getLogger()
    redactor = DigitRunRedactor()
    for handler in target.handlers:
        if not any(isinstance(f, DigitRunRedactor) for f in handler.filters):
            handler.addFilter(redactor)
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _RedactingRecordFactory):
        logging.setLogRecordFactory(_RedactingRecordFactory(factory, redactor))
    return redactor


def remove_redaction(logger: logging.Logger | None = None) -> None:
    """Undo `install_redaction` for `logger`'s handlers and the record factory."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        for existing in [f for f in handler.filters if isinstance(f, DigitRunRedactor)]:
            handler.removeFilter(existing)
    factory = logging.getLogRecordFactory()
    if isinstance(factory, _RedactingRecordFactory):
        logging.setLogRecordFactory(factory.inner)
