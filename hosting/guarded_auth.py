"""Authentication that answers every caller mistake with 401.

botbuilder 4.17 refuses a tokenless WebSocket upgrade even when authentication
is disabled ("argument auth_header is null", a 500), so no local streaming
client could connect; and a malformed bearer token ends in a 500 as well. This
wrapper fixes both and delegates everything else unchanged.
"""

from __future__ import annotations

import logging

import jwt
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

log = logging.getLogger(__name__)

# What the SDK raises on a token it cannot read, as opposed to a rejected one.
_MALFORMED_TOKEN_ERRORS = (jwt.PyJWTError, ValueError, KeyError, IndexError, TypeError)


class GuardedAuthentication(BotFrameworkAuthentication):
    """Delegates to `inner`; see the module docstring for what it changes."""

    def __init__(self, inner: BotFrameworkAuthentication, *, local_mode: bool):
        self._inner = inner
        self._local_mode = local_mode

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        try:
            return await self._inner.authenticate_request(activity, auth_header)
        except _MALFORMED_TOKEN_ERRORS as error:
            raise PermissionError("Unauthorized: the bearer token could not be read") from error

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
        try:
            return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)
        except _MALFORMED_TOKEN_ERRORS as error:
            raise PermissionError("Unauthorized: the bearer token could not be read") from error

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._inner.create_connector_factory(claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        return await self._inner.create_user_token_client(claims_identity)

    def create_bot_framework_client(self):
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)

    async def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            await close()
