"""The JSON of an invoke's answer, as the Agents SDK 1.9.0 makes it.

Like botbuilder 4.17 (`hosting/wire/invoke_response.py`), the Agents SDK answers an
`adaptiveCard/action` invoke it cannot take with an `AdaptiveCardInvokeResponse`
whose `value` is a Python `Exception(code, message)`, which no JSON encoder takes:
the protocol's 400 became a 500. Here the value goes out as the error the Universal
Actions protocol describes, `{"code": ..., "message": ...}`.
"""

from __future__ import annotations

from typing import Any


def invoke_body(body: Any) -> Any:
    """`body` (an `InvokeResponse`'s) as JSON-ready data."""
    if hasattr(body, "model_dump"):
        body = body.model_dump(by_alias=True, exclude_none=True)
    if isinstance(body, dict) and isinstance(body.get("value"), Exception):
        code, message = (*map(str, body["value"].args), "", "")[:2]
        body = {**body, "value": {"code": code, "message": message}}
    return body
