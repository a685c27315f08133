"""The bot's outbound bearer token, fetched off the event loop and reused for minutes.

The SDK's credentials (`MicrosoftAppCredentials` over msal) hand out a token from
msal's cache while it has at least five minutes left, and otherwise fetch one with
a blocking HTTPS call. Sending a reply asks for the token synchronously, so on the
event loop that call would stall every call in the process. `TokenKeeper` asks on a
worker thread instead, and keeps what it got for four minutes: a token msal returns
is valid for five more at least, so for four minutes no reply needs msal at all (no
thread hop, no cache lookup per turn).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Any, Optional

from botframework.connector.auth import AuthenticationConstants

# msal returns tokens with at least 300 s left; reuse one for less than that.
TOKEN_REUSE_S = 240.0


class TokenKeeper:
    """The token for one credentials object. `await refresh()` before sending, then `current()`."""

    def __init__(self, credentials: Any):
        self._credentials = credentials
        self._token: Optional[str] = None
        self._fetched_at = 0.0
        self._fetching: Optional[asyncio.Task] = None

    @property
    def needs_token(self) -> bool:
        """False in local mode (no app id) and for anonymous skills: nothing is sent."""
        app_id = getattr(self._credentials, "microsoft_app_id", None)
        return bool(app_id) and app_id != AuthenticationConstants.ANONYMOUS_SKILL_APP_ID

    def current(self) -> str:
        """The kept token while it is fresh; otherwise msal's answer, asked here (it may block)."""
        if self._token is not None and self._fresh():
            return self._token
        return self._credentials.get_access_token()

    async def refresh(self) -> None:
        """Make sure a fresh token is kept, asking msal on a worker thread if it is not.

        Turns that need a token at the same moment share one request.
        """
        if not self.needs_token or (self._token is not None and self._fresh()):
            return
        if self._fetching is None or self._fetching.done():
            self._fetching = asyncio.ensure_future(self._fetch())
        await asyncio.shield(self._fetching)

    def _fresh(self) -> bool:
        return time.monotonic() - self._fetched_at < TOKEN_REUSE_S

    async def _fetch(self) -> None:
        asked_at = time.monotonic()
        token = await asyncio.to_thread(self._credentials.get_access_token)
        self._token, self._fetched_at = token, asked_at


_KEEPERS: "weakref.WeakKeyDictionary[Any, TokenKeeper]" = weakref.WeakKeyDictionary()


def token_keeper(credentials: Any) -> TokenKeeper:
    """The one keeper of `credentials` (kept as long as the credentials are)."""
    keeper = _KEEPERS.get(credentials)
    if keeper is None:
        keeper = _KEEPERS[credentials] = TokenKeeper(credentials)
    return keeper
