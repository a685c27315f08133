"""What the HTTP server itself logs: no secret in its access log, no traceback for a client's mistake.

The access log (on under `python app.py`, and under gunicorn when its
`--access-logfile` asks for one) writes each request line as it came: the
Event Grid webhooks take their secret in `?code=`, each call's callbacks carry
the call's token in their path, and a Referer may carry anyone's query. Its
lines lose every query string, and the variable parts of the app's routes
read as the route's template (`/api/calls/{token}/events`).

aiohttp reads a request's head before any handler or middleware sees it. A
head it cannot read (a header over 8,190 bytes, a line without a colon, TLS
or other bytes that are not HTTP) is answered 400, and was logged at ERROR
with the parser's traceback and the first 100 bytes of the offending line: a
client's mistake, before any authentication, filling the log. Each such
record becomes one INFO line naming the error's type.

The filters sit on aiohttp's loggers (`python app.py`) and on gunicorn's,
which aiohttp's gunicorn worker logs to instead (App Service).
"""

from __future__ import annotations

import logging
import re
from typing import TypeVar

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage

SERVER_LOGGERS = ("aiohttp.server", "gunicorn.error")
ACCESS_LOGGERS = ("aiohttp.access", "gunicorn.access")
# What aiohttp's access logger attaches to its records besides the line (`extra=`).
_ACCESS_EXTRAS = ("first_request_line", "request_header")
_QUERY = re.compile(r"\?[^\s\"]*")
_ROUTE_VARIABLE = re.compile(r"\{[^}]*\}")


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
    """The name of aiohttp's parser error behind `record` (the exception or one it came from), if any."""
    error = record.exc_info[1] if record.exc_info else None
    while error is not None:
        if isinstance(error, BadHttpMessage):
            return type(error).__name__
        error = error.__cause__ or error.__context__
    formatted = _FORMATTED_PARSER_ERROR.findall(record.exc_text or "")
    return formatted[-1] if formatted else None


class AccessLogRedaction(logging.Filter):
    """Drops query strings, and the values in routes' variable parts, from access log records."""

    def __init__(self) -> None:
        super().__init__()
        self._routes: dict[str, re.Pattern[str]] = {}

    def add_route(self, template: str) -> None:
        """Values matching `template`'s variables (`/api/calls/{token}/events`) read as the template."""
        literals = _ROUTE_VARIABLE.split(template)
        if len(literals) > 1 and template not in self._routes:
            self._routes[template] = re.compile('[^/\\s"]+'.join(map(re.escape, literals)))

    def redact(self, text: str) -> str:
        text = _QUERY.sub("", text)
        for template, pattern in self._routes.items():
            text = pattern.sub(lambda _match, template=template: template, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), ()
        for name in _ACCESS_EXTRAS:
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, self.redact(value))
            elif isinstance(value, dict):
                setattr(record, name, {key: self.redact(str(item)) for key, item in value.items()})
        return True


def install_server_log_filters(app: web.Application) -> None:
    """Put the filters on the server's loggers, once, with `app`'s routes (safe for every app built)."""
    for name in SERVER_LOGGERS:
        _filter_of(logging.getLogger(name), UnreadableRequestsInOneLine)
    for name in ACCESS_LOGGERS:
        redaction = _filter_of(logging.getLogger(name), AccessLogRedaction)
        for resource in app.router.resources():
            redaction.add_route(resource.canonical)


F = TypeVar("F", bound=logging.Filter)


def _filter_of(logger: logging.Logger, kind: type[F]) -> F:
    """`logger`'s filter of `kind`, added if it has none."""
    existing = next((f for f in logger.filters if isinstance(f, kind)), None)
    if existing is None:
        existing = kind()
        logger.addFilter(existing)
    return existing
