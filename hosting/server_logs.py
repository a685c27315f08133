"""What the HTTP server itself logs: a request it cannot read in one line, not a traceback.

aiohttp reads a request's head before any handler or middleware sees it. A
head it cannot read (a header over 8,190 bytes, a line without a colon, TLS
or other bytes that are not HTTP) is answered 400, and logged at ERROR with
the parser's traceback and the first 100 bytes of the offending line: a
client's mistake, before any authentication, filling the log. This filter
turns each such record into one INFO line naming the error's type. It sits on
aiohttp's server logger (`python app.py`) and on gunicorn's error logger,
which aiohttp's gunicorn worker logs to instead (App Service).
"""

from __future__ import annotations

import logging
import re

from aiohttp.http_exceptions import BadHttpMessage

SERVER_LOGGERS = ("aiohttp.server", "gunicorn.error")


# How a parser error reads once formatted: `telephony`'s redaction formats a record's
# exception into its text as the record is made, before any logger filter sees it.
_FORMATTED_PARSER_ERROR = re.compile(r"^aiohttp\.http_exceptions\.(\w+):", re.MULTILINE)


class UnreadableRequestsInOneLine(logging.Filter):
    """Rewrites a record of a request head the server could not read; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = _parser_error(record)
        if error is not None:
            record.msg, record.args = "%s: %s", (record.getMessage(), error)
            record.exc_info = record.exc_text = record.stack_info = None
            if record.levelno > logging.INFO:
                record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        return True


def _parser_error(record: logging.LogRecord) -> str | None:
    """The name of aiohttp's parser error behind `record`, if there is one."""
    if record.exc_info and isinstance(record.exc_info[1], BadHttpMessage):
        return type(record.exc_info[1]).__name__
    formatted = _FORMATTED_PARSER_ERROR.findall(record.exc_text or "")
    return formatted[-1] if formatted else None


def install_server_log_filters() -> None:
    """Put the filter on the server loggers (once; safe to call for every app built)."""
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, UnreadableRequestsInOneLine) for existing in logger.filters):
            logger.addFilter(UnreadableRequestsInOneLine())
