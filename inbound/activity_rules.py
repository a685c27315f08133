"""What every posted activity must be before an SDK reads it, whichever SDK that is.

Both SDKs accept activities the bot cannot answer (no conversation id, no channel
id, no service URL to reply to), on which the turn's error handler itself fails,
and identifiers that end up in reply URLs and storage keys unchecked. These rules
are the bot's, not a schema's: each SDK's hosting checks a document against its own
models as well (`hosting/wire/activity_shape.py` for botbuilder's msrest models,
`hosting/agents/activity_shape.py` for the Agents SDK's pydantic ones).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

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


def check_activity_document(document: Any, *, replies_over_http: bool = True) -> dict[str, Any]:
    """`document` (parsed JSON), if it is an object carrying what the bot needs to answer it.

    `replies_over_http` requires an http(s) `serviceUrl`; over a WebSocket the
    replies go back on the socket, and the service URL is not used.
    """
    if not isinstance(document, dict):
        raise ActivityShapeError("the body is not an activity: expected a JSON object")
    check_required(document)
    if replies_over_http:
        check_service_url(document)
    return document


def check_required(document: dict[str, Any]) -> None:
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
        if identifier is not None and not usable_identifier(identifier):
            raise ActivityShapeError(f"'{path}' holds control characters, is not valid text, or is too long")


def check_service_url(document: dict[str, Any]) -> None:
    service_url = document.get("serviceUrl")
    if not service_url:
        raise ActivityShapeError("'serviceUrl' is required")
    if not is_service_url(service_url):
        raise ActivityShapeError("'serviceUrl' must be an http or https URL: a host, a port, a path of URL characters")


def usable_identifier(identifier: Any) -> bool:
    if not isinstance(identifier, str):
        return False
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
    if not isinstance(url, str) or len(url) > MAX_ID_CHARS or not _SERVICE_URL.fullmatch(url):
        return False
    try:
        urlsplit(url).port  # raises on a port out of range
    except ValueError:
        return False
    return True
