"""The bot's outbound bearer token, fetched off the event loop and reused for minutes.

The SDK's credentials (`MicrosoftAppCredentials` over msal) hand out a token from
msal's cache while it has at least five minutes left, and otherwise fetch one with
a blocking HTTPS call. Sending a reply asks for the token synchronously, so on the
event loop that call would stall every call in the process. `TokenKeeper` asks on a
worker thread instead, and keeps what it got for four minutes: a token msal returns
is valid for five more at least, so for four minutes no reply needs msal at all (no
thread hop, no cache lookup per turn).

When the token cannot be had (Azure AD unreachable, or refusing the bot's
credentials), every turn that needed it was a 500 with a long traceback, and each
tried again. Here a fetch is bounded by `FETCH_TIMEOUT_S`, its failure is logged
once and remembered for `FAILURE_MEMORY_S`, and meanwhile `refresh` raises
`TokenUnavailable` at once: a 503 with `Retry-After`, as when the channel's
signing keys cannot be fetched.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Any, Callable, Optional

from botframework.connector.auth import AuthenticationConstants

from hosting.unavailable import AuthenticationUnavailable
from inbound.log_safety import loggable

log = logging.getLogger(__name__)

# msal returns tokens with at least 300 s left; reuse one for less than that.
TOKEN_REUSE_S = 240.0
FETCH_TIMEOUT_S = 10.0
FAILURE_MEMORY_S = 10.0


class TokenUnavailable(AuthenticationUnavailable, ConnectionError):
    """The bot's outbound token cannot be had now; try again in `retry_after_s` seconds.

    A `ConnectionError`: like a channel that cannot be reached, nothing can be sent meanwhile.
    """

    def __init__(self, retry_after_s: int):
        super().__init__("the bot's token could not be fetched from Azure AD")
        self.retry_after_s = retry_after_s


class TokenKeeper:
    """The token for one credentials object. `await refresh()` before sending, then `current()`."""

    def __init__(self, credentials: Any, clock: Callable[[], float] = time.monotonic):
        self._credentials = credentials
        self._clock = clock
        self._token: Optional[str] = None
        self._fetched_at = 0.0
        self._failed_at: Optional[float] = None
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

        Turns that need a token at the same moment share one request. Raises
        `TokenUnavailable` when it cannot be had, at once while a failure is remembered.
        """
        if not self.needs_token or (self._token is not None and self._fresh()):
            return
        if self._failed_at is not None:
            remaining = FAILURE_MEMORY_S - (self._clock() - self._failed_at)
            if remaining > 0:
                raise TokenUnavailable(max(1, round(remaining)))
        if self._fetching is None or self._fetching.done():
            self._fetching = asyncio.ensure_future(self._fetch())
        try:
            await asyncio.wait_for(asyncio.shield(self._fetching), FETCH_TIMEOUT_S)
        except asyncio.TimeoutError:
            self._failed(f"no answer within {FETCH_TIMEOUT_S:g} s")
            raise TokenUnavailable(round(FAILURE_MEMORY_S)) from None

    def _fresh(self) -> bool:
        return self._clock() - self._fetched_at < TOKEN_REUSE_S

    async def _fetch(self) -> None:
        asked_at = self._clock()
        try:
            token = await asyncio.to_thread(self._credentials.get_access_token)
        except Exception as error:  # noqa: BLE001 - msal and requests fail in many ways; all mean "not now"
            self._failed(f"{type(error).__name__}: {loggable(error, limit=200)}")
            raise TokenUnavailable(round(FAILURE_MEMORY_S)) from None
        self._token, self._fetched_at, self._failed_at = token, asked_at, None

    def _failed(self, reason: str) -> None:
        if self._failed_at is None or self._clock() - self._failed_at >= FAILURE_MEMORY_S:
            log.warning(
                "Could not get the bot's token from Azure AD (%s); replies wait %g s before it is asked again",
                reason, FAILURE_MEMORY_S,
            )
        self._failed_at = self._clock()


_KEEPERS: "weakref.WeakKeyDictionary[Any, TokenKeeper]" = weakref.WeakKeyDictionary()


def token_keeper(credentials: Any) -> TokenKeeper:
    """The one keeper of `credentials` (kept as long as the credentials are)."""
    keeper = _KEEPERS.get(credentials)
    if keeper is None:
        keeper = _KEEPERS[credentials] = TokenKeeper(credentials)
    return keeper
