"""Is a posted JSON document an activity the Agents SDK and the bot can take?

The Agents SDK 1.9.0 validates a posted body with pydantic where nothing catches
its error: `{"type": 5}` was a 500 with a traceback. Here a document passes the
bot's own rules first (`inbound.activity_rules`: a conversation id, a channel id,
usable identifiers, an http(s) service URL, lists of at most `MAX_LIST_ITEMS` items
and no null in one), then the SDK's own model; any failure is `ActivityShapeError`
with a one-line reason naming the field, and the caller answers 400.
"""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import Activity
from pydantic import ValidationError

from inbound.activity_rules import MAX_LIST_ITEMS, ActivityShapeError, check_activity_document


def read_activity(document: Any, *, replies_over_http: bool = True) -> Activity:
    """The `Activity` in `document` (parsed JSON), or `ActivityShapeError` saying what is wrong."""
    check_activity_document(document, replies_over_http=replies_over_http)
    _check_lists(document, "")
    try:
        return Activity.model_validate(document)
    except ValidationError as error:
        raise ActivityShapeError(_reason(error)) from None


def _check_lists(value: Any, path: str) -> None:
    """No list longer than a channel sends, and no null in one (the SDK's handlers iterate without a check)."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_lists(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            raise ActivityShapeError(f"'{path}' holds more than {MAX_LIST_ITEMS} items")
        for index, item in enumerate(value):
            if item is None:
                raise ActivityShapeError(f"'{path}[{index}]' is null")
            _check_lists(item, f"{path}[{index}]")


def _reason(error: ValidationError) -> str:
    """The first problem pydantic found, as one line naming the field by its wire name."""
    first = error.errors(include_url=False, include_input=False)[0]
    path = ""
    for part in first["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    message = " ".join(str(first["msg"]).split())
    return f"'{path}' is invalid: {message}" if path else f"the activity is invalid: {message}"
