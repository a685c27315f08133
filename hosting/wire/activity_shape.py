"""Is a posted JSON document an activity the SDK and the bot can take?

botbuilder turns the body into an `Activity` with msrest, which raises on a `from`
that is a string, an `entities` that is an object, a `timestamp` that is not ISO
8601, and so on: each was a 500 with a traceback. And the SDK accepts activities
the bot cannot answer (no conversation id, no channel id), on which the turn
error handler itself fails. This module checks a document against the SDK's own
schema (the msrest attribute maps of `botbuilder.schema`, so the check follows
the models; no null in a list) plus what the bot relies on (`inbound.activity_rules`),
and returns the deserialized `Activity` (read as msrest reads it, by
`hosting.wire.activity_json`) or raises `ActivityShapeError` with a one-line reason.
"""

from __future__ import annotations

from typing import Any

import botbuilder.schema as schema
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError
from msrest.serialization import Model

from hosting.wire.activity_json import read_activity_json
from hosting.wire.iso_time import read_iso
from inbound.activity_rules import (
    MAX_LIST_ITEMS,
    ActivityShapeError,
    check_activity_document,
    is_service_url,
)

__all__ = ["ActivityShapeError", "is_service_url", "read_activity"]


def read_activity(document: Any, *, replies_over_http: bool = True) -> Activity:
    """The `Activity` in `document` (parsed JSON), checked field by field first.

    The SDK's schema first (its types say most precisely what is wrong), then the
    bot's own rules (`inbound.activity_rules`: a conversation id, a channel id,
    usable identifiers, an http(s) `serviceUrl` when `replies_over_http`).
    """
    if isinstance(document, dict):
        _check_model(document, Activity, "")
    check_activity_document(document, replies_over_http=replies_over_http)
    try:
        return read_activity_json(document)
    except (DeserializationError, ValueError, TypeError, AttributeError) as error:
        raise ActivityShapeError(f"the activity could not be read: {type(error).__name__}") from None


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
