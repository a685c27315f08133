"""The JSON of an invoke's answer, whatever the SDK answered.

botbuilder 4.17 answers an `adaptiveCard/action` invoke it cannot take (no
value, no action, an action other than `Action.Execute`) with an
`AdaptiveCardInvokeResponse` whose `value` is a Python `Exception(code,
message)`. msrest cannot serialize that, so the protocol's 400 became a 500
with a traceback. Here the value goes out as the error the Universal Actions
protocol describes, `{"code": ..., "message": ...}`. Other invokes the bot
does not handle keep the SDK's own answer, 501.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import serializer_helper
from botbuilder.schema import AdaptiveCardInvokeResponse


def invoke_body(body: Any) -> Any:
    """`body` (an `InvokeResponse`'s) as JSON-ready data."""
    if isinstance(body, AdaptiveCardInvokeResponse) and isinstance(body.value, Exception):
        code, message = (*map(str, body.value.args), "", "")[:2]
        body = AdaptiveCardInvokeResponse(
            status_code=body.status_code, type=body.type, value={"code": code, "message": message}
        )
    return serializer_helper(body)
