"""Authentication that answers every refused token with 401.

botbuilder 4.17 refuses a tokenless WebSocket upgrade even when authentication
is disabled ("argument auth_header is null", a 500), so no local streaming
client could connect; and a token it cannot read, or whose key is endorsed for
another channel, ends in a 500 (`ValueError`, `IndexError`, a bare `Exception`).
This wrapper turns every refusal into a `PermissionError` (401) with one log
line, and lets through only `SigningKeysUnavailable` (503: the keys to decide
with could not be fetched). It also puts the SDK's key fetching off the event
loop (`hosting.auth.signing_keys`). Everything else is delegated unchanged.
"""

from __future__ import annotations

import logging
from typing import Awaitable, TypeVar

from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

from hosting.auth import signing_keys
from hosting.auth.signing_keys import SigningKeysUnavailable
from hosting.local_mode import warn_authentication_off

log = logging.getLogger(__name__)

T = TypeVar("T")


class GuardedAuthentication(BotFrameworkAuthentication):
    """Delegates to `inner`; see the module docstring for what it changes."""

    def __init__(self, inner: BotFrameworkAuthentication, *, local_mode: bool, serving_messages: bool = True):
        """`serving_messages` False: /api/messages is not served, so local mode opens nothing to warn about."""
        self._inner = inner
        self._local_mode = local_mode
        signing_keys.install()
        if local_mode and serving_messages:
            warn_authentication_off()

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        return await _decided(self._inner.authenticate_request(activity, auth_header))

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        if not auth_header:
            if not self._local_mode:
                raise PermissionError("Unauthorized: a streaming connection needs a bearer token")
            result = AuthenticateRequestResult()
            result.claims_identity = ClaimsIdentity({}, True, AuthenticationConstants.ANONYMOUS_AUTH_TYPE)
            result.audience = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
            result.caller_id = None
            return result
        return await _decided(self._inner.authenticate_streaming_request(auth_header, channel_id_header))

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._inner.create_connector_factory(claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        return await self._inner.create_user_token_client(claims_identity)

    def create_bot_framework_client(self):
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await _decided(self._inner.authenticate_channel_request(auth_header))

    async def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            await close()


async def _decided(authentication: Awaitable[T]) -> T:
    """`authentication`'s result; any refusal, whatever the SDK raised, as a PermissionError (401)."""
    try:
        return await authentication
    except SigningKeysUnavailable:
        raise
    except Exception as error:  # noqa: BLE001 - the SDK refuses tokens with many exception types
        # One line; the SDK's messages may quote claims, so only the type is logged.
        log.info("refused a bearer token (%s)", type(error).__name__)
        raise PermissionError("Unauthorized") from None
