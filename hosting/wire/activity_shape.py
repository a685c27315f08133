"""Is a posted JSON document an activity the SDK and the bot can take?

botbuilder turns the body into an `Activity` with msrest, which raises on a `from`
that is a string, an `entities` that is an object, a `timestamp` that is not ISO
8601, and so on: each was a 500 with a traceback. And the SDK accepts activities
the bot cannot answer (no conversation id, no channel id), on which the turn
error handler itself fails. This module checks a document against the SDK's own
schema (the msrest attribute maps of `botbuilder.schema`, so the check follows
the models) plus what the bot relies on (no null in a list, a service URL a client
requests as it is), and returns the deserialized `Activity`
(read as msrest reads it, by `hosting.wire.activity_json`) or raises
`ActivityShapeError` with a one-line reason.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import botbuilder.schema as schema
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError
from msrest.serialization import Model

from hosting.wire.activity_json import read_activity_json
from hosting.wire.iso_time import read_iso

# More items in one list than any channel sends in an activity.
MAX_LIST_ITEMS = 256
# Identifiers go into reply URLs and storage keys: no control characters, and not unbounded.
MAX_ID_CHARS = 1024
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
_HOST_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?"
_SERVICE_URL = re.compile(
    rf"https?://(?:{_HOST_LABEL}(?:\.{_HOST_LABEL})*\.?|\[[0-9A-Fa-f:.]+\])"  # a name, an IPv4 or a bracketed IPv6
    r"(?::[0-9]{1,5})?"
    r"(?:/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*)?",  # RFC 3986 path characters
    re.ASCII,
)


class ActivityShapeError(ValueError):
    """The document is not an activity the bot can take; the message says why, in one line."""


def read_activity(document: Any, *, replies_over_http: bool = True) -> Activity:
    """The `Activity` in `document` (parsed JSON), checked field by field first.

    `replies_over_http` requires an http(s) `serviceUrl`; over a WebSocket the
    replies go back on the socket, and the service URL is not used.
    """
    if not isinstance(document, dict):
        raise ActivityShapeError("the body is not an activity: expected a JSON object")
    _check_model(document, Activity, "")
    _check_required(document)
    if replies_over_http:
        _check_service_url(document)
    try:
        return read_activity_json(document)
    except (DeserializationError, ValueError, TypeError, AttributeError) as error:
        raise ActivityShapeError(f"the activity could not be read: {type(error).__name__}") from None


def _check_required(document: dict[str, Any]) -> None:
    """What every activity from a channel carries, and the bot needs to answer it."""
    if not document.get("type"):
        raise ActivityShapeError("'type' is required")
    if not document.get("channelId"):
        raise ActivityShapeError("'channelId' is required")
    conversation = document.get("conversation")
    if not isinstance(conversation, dict) or not conversation.get("id"):
        raise ActivityShapeError("'conversation.id' is required")
    for account in ("from", "recipient"):
        if not isinstance(document.get(account), dict):
            raise ActivityShapeError(f"'{account}' is required")
    identifiers = {
        "id": document.get("id"),
        "replyToId": document.get("replyToId"),
        "channelId": document["channelId"],
        "conversation.id": conversation["id"],
        "from.id": document["from"].get("id"),
        "recipient.id": document["recipient"].get("id"),
    }
    for path, identifier in identifiers.items():
        if identifier is not None and not _usable_identifier(identifier):
            raise ActivityShapeError(f"'{path}' holds control characters, is not valid text, or is too long")


def _check_service_url(document: dict[str, Any]) -> None:
    service_url = document.get("serviceUrl")
    if not service_url:
        raise ActivityShapeError("'serviceUrl' is required")
    if not is_service_url(service_url):
        raise ActivityShapeError("'serviceUrl' must be an http or https URL: a host, a port, a path of URL characters")


def _usable_identifier(identifier: str) -> bool:
    if len(identifier) > MAX_ID_CHARS or _CONTROL_CHARACTER.search(identifier):
        return False
    try:
        identifier.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


@lru_cache(maxsize=1024)
def is_service_url(url: str) -> bool:
    """Replies go to http(s) URLs with a host, and nowhere else.

    The URL must be one a client requests as it is: a host name or address,
    a port, a path of URL characters (no query, no user, nothing aiohttp or
    msrest would refuse or rewrite, such as `{` or a space). Asked of every
    activity's service URL twice (its shape, then its connector client), and a
    channel uses few: the answers are kept.
    """
    if len(url) > MAX_ID_CHARS or not _SERVICE_URL.fullmatch(url):
        return False
    try:
        urlsplit(url).port  # raises on a port out of range
    except ValueError:
        return False
    return True


def _check_model(document: dict[str, Any], model: type[Model], path: str) -> None:
    for attribute in model._attribute_map.values():  # noqa: SLF001 - msrest's public schema table
        key = attribute["key"]
        if key in document and document[key] is not None:
            _check_value(document[key], attribute["type"], f"{path}{key}")


def _check_value(value: Any, type_name: str, path: str) -> None:
    if type_name == "object":
        return
    if type_name.startswith("["):
        if not isinstance(value, list):
            raise ActivityShapeError(f"'{path}' must be a list")
        if len(value) > MAX_LIST_ITEMS:
            raise ActivityShapeError(f"'{path}' holds more than {MAX_LIST_ITEMS} items")
        for index, item in enumerate(value):
            if item is None:  # no channel sends one, and the SDK's handlers iterate without a check
                raise ActivityShapeError(f"'{path}[{index}]' is null")
            _check_value(item, type_name[1:-1], f"{path}[{index}]")
        return
    if type_name.startswith("{"):
        if not isinstance(value, dict):
            raise ActivityShapeError(f"'{path}' must be an object")
        for key, item in value.items():
            if item is not None:
                _check_value(item, type_name[1:-1], f"{path}.{key}")
        return
    expected = _BASIC_TYPES.get(type_name)
    if expected is not None:
        if not expected(value):
            raise ActivityShapeError(f"'{path}' must be {_DESCRIPTIONS[type_name]}")
        if type_name == "iso-8601":
            try:
                read_iso(value)
            except DeserializationError:
                raise ActivityShapeError(f"'{path}' must be an ISO 8601 date and time") from None
        return
    model = getattr(schema, type_name, None)
    if not (isinstance(model, type) and issubclass(model, Model)):
        raise ActivityShapeError(f"'{path}' has a type this server does not read")
    if not isinstance(value, dict):
        raise ActivityShapeError(f"'{path}' must be an object")
    _check_model(value, model, f"{path}.")


_BASIC_TYPES = {
    "str": lambda v: isinstance(v, str),
    "iso-8601": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}
_DESCRIPTIONS = {
    "str": "a string",
    "iso-8601": "an ISO 8601 date and time",
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
}
