"""What must not leave in a span even when an instrumentation library puts it there.

The aiohttp instrumentations record request URLs. Query strings here carry
secrets (the Event Grid subscription's `?code=`), so they are dropped from every
URL attribute as each span starts, before any exporter sees it.
"""

from __future__ import annotations

from typing import Optional
from urllib.parse import urlsplit, urlunsplit

from opentelemetry.context import Context
from opentelemetry.sdk.trace import Span, SpanProcessor

_URL_ATTRIBUTES = ("http.url", "url.full", "http.target")
_QUERY_ATTRIBUTES = ("url.query",)


def without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class DropQueryStrings(SpanProcessor):
    def on_start(self, span: Span, parent_context: Optional[Context] = None) -> None:
        attributes = span.attributes or {}
        for name in _URL_ATTRIBUTES:
            value = attributes.get(name)
            if isinstance(value, str) and ("?" in value or "#" in value):
                span.set_attribute(name, without_query(value))
        for name in _QUERY_ATTRIBUTES:
            if name in attributes:
                span.set_attribute(name, "")

    def on_end(self, span) -> None:
        pass

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
