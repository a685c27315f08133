"""Proof that a callback comes from Call Automation.

Each callback carries `Authorization: Bearer <JWT>`, a new token per event,
signed with a key Call Automation publishes through its OpenID configuration.
A token counts only if its signature verifies with a published key, its issuer
is the configuration's, its audience is this ACS resource's immutable id, and it
has not expired. Keys are fetched once, again when a token names a key id not
seen before (keys rotate), at most every 10 seconds so a flood of forged key ids
cannot turn into a flood of fetches, and again once a day.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable

import aiohttp
import jwt

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256"]
REFETCH_AFTER_S = 10.0
RETRY_FAILED_FETCH_AFTER_S = 5.0
KEYS_LAST_S = 24 * 3600.0  # then fetched again, so a withdrawn key stops counting
LEEWAY_S = 30  # clock skew between ACS and this host


class CallbackRejected(Exception):
    """The callback's token is missing, forged, expired or meant for another resource."""


class CallbackAuthenticator:
    def __init__(
        self,
        openid_configuration_url: str,
        audience: str,
        connector: Callable[[], aiohttp.BaseConnector] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = openid_configuration_url
        self._audience = audience
        self._connector = connector
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None
        self._issuer: str | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._fetching = asyncio.Lock()

    async def verify(self, authorization: str | None) -> dict[str, Any]:
        """The token's claims; raises `CallbackRejected` saying why not (never the token)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise CallbackRejected("no bearer token")
        try:
            header = jwt.get_unverified_header(token.strip())
        except jwt.PyJWTError:
            raise CallbackRejected("not a JWT") from None
        key = await self._key(header.get("kid"))
        try:
            return jwt.decode(
                token.strip(),
                key.key,
                algorithms=ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise CallbackRejected(type(error).__name__) from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _key(self, kid: Any) -> jwt.PyJWK:
        if not isinstance(kid, str) or not kid:
            raise CallbackRejected("token names no key")
        stale = self._fetched_at is not None and self._clock() - self._fetched_at >= KEYS_LAST_S
        if kid not in self._keys or stale:
            await self._fetch()  # or wait for the fetch already under way
        if kid not in self._keys:
            raise CallbackRejected("token signed with an unknown key")
        return self._keys[kid]

    def _may_fetch(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= REFETCH_AFTER_S

    async def _fetch(self) -> None:
        async with self._fetching:
            if not self._may_fetch():  # fetched a moment ago, maybe while this callback waited
                return
            self._fetched_at = self._clock()
            try:
                configuration = await self._get_json(self._url)
                keys = jwt.PyJWKSet.from_dict(await self._get_json(configuration["jwks_uri"]))
                issuer = configuration["issuer"]
            except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, TypeError, ValueError, jwt.PyJWTError) as error:
                log.warning("Could not fetch Call Automation's signing keys (%s)", type(error).__name__)
                self._fetched_at = self._clock() - REFETCH_AFTER_S + RETRY_FAILED_FETCH_AFTER_S
                return
            self._issuer = issuer
            self._keys = {key.key_id: key for key in keys.keys if key.key_id}

    async def _get_json(self, url: str) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=self._connector() if self._connector else None, timeout=aiohttp.ClientTimeout(total=10)
            )
        async with self._session.get(url) as response:
            response.raise_for_status()
            return await response.json(content_type=None)
