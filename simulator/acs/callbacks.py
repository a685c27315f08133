"""Mid-call callbacks as Call Automation sends them: signed CloudEvents, in order per call.

Each event is POSTed to the call's callback URL as a JSON array holding one
CloudEvent, with ``Authorization: Bearer <JWT>``: RS256, a new token per event,
issuer ``https://acscallautomation.communication.azure.com``, audience the ACS
resource's immutable id, valid for five minutes. The signing key is published
at the OpenID configuration's ``jwks_uri`` (served by the stand-in).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import itertools
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

log = logging.getLogger(__name__)

ISSUER = "https://acscallautomation.communication.azure.com"
OPENID_PATH = "/calling/.well-known/acsopenidconfiguration"
JWKS_PATH = "/calling/keys"
TOKEN_LIFETIME_S = 300


class CallbackToken(str, enum.Enum):
    """How callbacks are authenticated (a fault setting; `valid` is what ACS does)."""

    VALID = "valid"
    FORGED = "forged"  # signed by a key the JWKS does not hold, under the published kid
    EXPIRED = "expired"
    WRONG_AUDIENCE = "wrong_audience"
    MISSING = "missing"


class CallbackSigner:
    """The stand-in's signing key, its JWKS and OpenID configuration, and the tokens it issues."""

    def __init__(self, resource_id: str):
        self.resource_id = resource_id
        self.kid = uuid.uuid4().hex
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def rotate(self) -> None:
        """Sign with a new key under a new key id from now on (the JWKS publishes only the new one)."""
        self.kid = uuid.uuid4().hex
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def openid_configuration(self, base_url: str) -> dict:
        return {
            "issuer": ISSUER,
            "jwks_uri": f"{base_url}{JWKS_PATH}",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        }

    def authorization(self, mode: CallbackToken) -> str | None:
        """The Authorization header value for one callback, or None (no header)."""
        if mode is CallbackToken.MISSING:
            return None
        now = int(time.time())
        issued = now - 2 * TOKEN_LIFETIME_S if mode is CallbackToken.EXPIRED else now
        claims = {
            "iss": ISSUER,
            "aud": str(uuid.uuid4()) if mode is CallbackToken.WRONG_AUDIENCE else self.resource_id,
            "iat": issued,
            "nbf": issued,
            "exp": issued + TOKEN_LIFETIME_S,
        }
        key = self._forger if mode is CallbackToken.FORGED else self._key
        return "Bearer " + jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})


def cloud_event(event_type: str, data: dict, call_connection_id: str) -> dict:
    """One Call Automation CloudEvent (`event_type` without the Microsoft.Communication. prefix)."""
    subject = f"calling/callConnections/{call_connection_id}"
    return {
        "id": str(uuid.uuid4()),
        "source": subject,
        "type": f"Microsoft.Communication.{event_type}",
        "data": data,
        "time": dt.datetime.now(dt.timezone.utc).isoformat(),
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "subject": subject,
    }


@dataclass(frozen=True)
class Delivered:
    """One callback as the app answered it (status 0: the app could not be reached)."""

    event_type: str
    data: dict
    status: int
    url: str  # where it was posted (after routing)
    posted_at: float = 0.0  # time.monotonic() when the POST began: where a benchmark's ACS turn starts


class CallbackRouter:
    """Where callbacks go: as addressed, or round-robin over other instances' base URLs."""

    def __init__(self) -> None:
        self._bases: list[str] = []
        self._turn = itertools.count()

    def route_to(self, bases: list[str]) -> None:
        self._bases = list(bases)

    def target(self, url: str) -> str:
        if not self._bases:
            return url
        base = urlsplit(self._bases[next(self._turn) % len(self._bases)])
        parts = urlsplit(url)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


class CallbackQueue:
    """Posts one call's events in order, one at a time, and records what the app answered."""

    def __init__(
        self,
        session: Callable[[], aiohttp.ClientSession],
        signer: CallbackSigner,
        token_mode: Callable[[], CallbackToken],
        router: CallbackRouter,
        on_delivered: Callable[[Delivered], None],
    ):
        self._session = session
        self._signer = signer
        self._token_mode = token_mode
        self._router = router
        self._on_delivered = on_delivered
        self._queue: asyncio.Queue[tuple[str, str, dict, str]] = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._run())

    def post(self, url: str, event_type: str, data: dict, call_connection_id: str) -> None:
        self._queue.put_nowait((url, event_type, data, call_connection_id))

    async def drained(self) -> None:
        await self._queue.join()

    async def close(self) -> None:
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass

    async def _run(self) -> None:
        while True:
            url, event_type, data, call_connection_id = await self._queue.get()
            try:
                target = self._router.target(url)
                posted_at = time.monotonic()
                status = await self._deliver(target, event_type, data, call_connection_id)
                self._on_delivered(Delivered(event_type, data, status, target, posted_at))
            finally:
                self._queue.task_done()

    async def _deliver(self, url: str, event_type: str, data: dict, call_connection_id: str) -> int:
        headers = {"Content-Type": "application/json"}
        if (authorization := self._signer.authorization(self._token_mode())) is not None:
            headers["Authorization"] = authorization
        body = json.dumps([cloud_event(event_type, data, call_connection_id)])
        try:
            async with self._session().post(url, data=body, headers=headers) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            log.info("callback %s to %s not delivered: %s", event_type, url, type(e).__name__)
            return 0
