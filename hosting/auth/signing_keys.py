"""The keys inbound tokens are signed with, fetched off the event loop and cached.

botbuilder 4.17 fetches a channel's OpenID metadata and its key set with
`requests.get` on the event loop and without a timeout: while the metadata host
is slow every request of every call waits, and while it fails every request
with a plausible token fetches again. `SigningKeys` replaces the SDK's per-URL
metadata cache (`install()` points `JwtTokenExtractor` at it):

* fetches run on a worker thread, bounded by `FETCH_TIMEOUT_S`, and requests
  that need keys at the same moment share one fetch;
* keys are kept for a day; a token naming a key not held triggers a new fetch
  at most every `UNKNOWN_KEY_REFETCH_S`, so forged key ids cannot make the bot
  hammer the metadata host;
* a failed fetch is remembered for `FAILURE_MEMORY_S`: meanwhile the keys held
  keep being used, and with no keys at all requests are answered at once with
  `SigningKeysUnavailable` (a 503 with `Retry-After`), not after another wait.

Every other reason to refuse a token is a `PermissionError` (a 401).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

import requests
from botframework.connector.auth import JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm

from hosting.unavailable import AuthenticationUnavailable

log = logging.getLogger(__name__)

FETCH_TIMEOUT_S = 5.0
KEYS_LIFETIME_S = 24 * 3600.0
UNKNOWN_KEY_REFETCH_S = 300.0
FAILURE_MEMORY_S = 30.0


class SigningKeysUnavailable(AuthenticationUnavailable):
    """No signing keys are held and the metadata host cannot be reached now."""

    def __init__(self, url: str, retry_after_s: int):
        super().__init__(f"no signing keys: the OpenID metadata at {url} could not be fetched")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class SigningKey:
    """What the SDK's `JwtTokenExtractor` reads from a key (the shape of its `_OpenIdConfig`)."""

    public_key: Any
    endorsements: list[str]


class SigningKeys:
    """The keys published by one OpenID metadata URL."""

    def __init__(self, url: str, *, clock: Callable[[], float] = time.monotonic):
        self.url = url
        self._clock = clock
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: Optional[float] = None
        self._attempted_at: Optional[float] = None
        self._failed_at: Optional[float] = None
        self._fetching: Optional[asyncio.Future[dict[str, SigningKey]]] = None

    async def get(self, key_id: Optional[str]) -> SigningKey:
        """The key `key_id`; raises PermissionError when it is not published."""
        if self._fetched_at is None or self._since(self._fetched_at) > KEYS_LIFETIME_S:
            await self._refresh()
        key = self._keys.get(key_id or "")
        if key is None and self._keys and self._since(self._attempted_at) > UNKNOWN_KEY_REFETCH_S:
            await self._refresh()
            key = self._keys.get(key_id or "")
        if key is None:
            raise PermissionError("the token is not signed with a published key")
        return key

    def _since(self, moment: Optional[float]) -> float:
        return float("inf") if moment is None else self._clock() - moment

    async def _refresh(self) -> None:
        """Fetch the keys (or join a fetch under way) unless a fetch failed a moment ago."""
        if self._since(self._failed_at) < FAILURE_MEMORY_S:
            self._raise_if_no_keys()
            return
        if self._fetching is None:
            self._attempted_at = self._clock()
            self._fetching = asyncio.ensure_future(asyncio.to_thread(_download_keys, self.url))
            self._fetching.add_done_callback(self._fetched)
        try:
            await asyncio.wait_for(asyncio.shield(self._fetching), FETCH_TIMEOUT_S)
        except asyncio.TimeoutError:
            self._failed_at = self._clock()  # a later request need not wait again
            log.warning("OpenID metadata at %s did not answer within %.0f s", self.url, FETCH_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - logged once by _fetched
            pass
        self._raise_if_no_keys()

    def _fetched(self, fetching: asyncio.Future[dict[str, SigningKey]]) -> None:
        self._fetching = None
        if fetching.cancelled():
            return
        error = fetching.exception()
        if error is not None or not fetching.result():
            self._failed_at = self._clock()
            reason = f"{type(error).__name__}: {error}" if error else "no usable keys"
            log.warning("OpenID metadata at %s could not be fetched (%s)", self.url, reason)
            return
        self._keys, self._fetched_at, self._failed_at = fetching.result(), self._clock(), None

    def _raise_if_no_keys(self) -> None:
        if not self._keys:
            remaining = FAILURE_MEMORY_S - self._since(self._failed_at)
            raise SigningKeysUnavailable(self.url, max(1, round(remaining if remaining > 0 else FAILURE_MEMORY_S)))


def _download_keys(url: str) -> dict[str, SigningKey]:
    """The metadata's key set, read on a worker thread (requests honours the proxy and CA settings)."""
    timeout = (3.05, FETCH_TIMEOUT_S)
    metadata = requests.get(url, timeout=timeout)
    metadata.raise_for_status()
    key_set = requests.get(metadata.json()["jwks_uri"], timeout=timeout)
    key_set.raise_for_status()
    keys: dict[str, SigningKey] = {}
    for jwk in key_set.json().get("keys", []):
        try:
            keys[jwk["kid"]] = SigningKey(RSAAlgorithm.from_jwk(json.dumps(jwk)), list(jwk.get("endorsements", [])))
        except (KeyError, TypeError, ValueError) as error:
            log.warning("OpenID metadata at %s: skipped an unreadable key (%s)", url, type(error).__name__)
    return keys


_BY_URL: dict[str, SigningKeys] = {}


def signing_keys_at(url: str) -> SigningKeys:
    """The one `SigningKeys` of `url` in this process."""
    keys = _BY_URL.get(url)
    if keys is None:
        keys = _BY_URL[url] = SigningKeys(url)
    return keys


def forget_all() -> None:
    """Drop every cached key set (tests start from an empty cache)."""
    _BY_URL.clear()


def install() -> None:
    """Make the SDK's token validation ask `signing_keys_at` for keys. Idempotent."""
    JwtTokenExtractor.get_open_id_metadata = staticmethod(signing_keys_at)
