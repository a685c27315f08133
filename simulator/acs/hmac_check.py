"""The HMAC-SHA256 check ACS applies to every request signed with an access key.

The SDK signs ``METHOD\\npath?query\\n<x-ms-date>;<host>;<x-ms-content-sha256>``
with the key, where host is the endpoint's authority from the connection string
(with its port when it has one). Requests to the resource carry that host in
``Host``; recording downloads go to a storage host and name the resource in
``x-ms-host`` (without a port) instead.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote

from aiohttp import web

PREFIX = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="
MAX_CLOCK_SKEW_S = 300


def signature_ok(request: web.Request, body: bytes, access_key: str, resource_host: str, port: int) -> bool:
    """True when the request is signed with `access_key` for the resource (`host` or `host:port`)."""
    date = request.headers.get("x-ms-date", "")
    content_hash = request.headers.get("x-ms-content-sha256", "")
    auth = request.headers.get("Authorization", "")
    named = request.headers.get("x-ms-host") or request.host
    if named.split(":")[0] != resource_host:
        return False
    try:
        if abs((dt.datetime.now(dt.timezone.utc) - parsedate_to_datetime(date)).total_seconds()) > MAX_CLOCK_SKEW_S:
            return False
    except (TypeError, ValueError):
        return False
    if content_hash != base64.b64encode(hashlib.sha256(body).digest()).decode():
        return False
    if not auth.startswith(PREFIX):
        return False
    secret = base64.b64decode(access_key)
    # The path as sent, or as the SDK signed it before the HTTP client normalised its escapes
    # (the SDK quotes path parameters, so a recording id's "==" is signed as "%3D%3D").
    path_only, _, query = request.raw_path.partition("?")
    sdk_quoted = quote(unquote(path_only), safe="/:") + (f"?{query}" if query else "")
    for path in {request.raw_path, sdk_quoted}:
        for host in (resource_host, f"{resource_host}:{port}"):
            to_sign = f"{request.method}\n{path}\n{date};{host};{content_hash}"
            expected = base64.b64encode(hmac.new(secret, to_sign.encode(), hashlib.sha256).digest()).decode()
            if hmac.compare_digest(auth[len(PREFIX):], expected):
                return True
    return False
