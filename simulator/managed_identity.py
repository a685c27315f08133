"""App Service's managed identity endpoint, served locally.

In App Service an app gets tokens for its managed identity from a local endpoint named
by two environment variables: `IDENTITY_ENDPOINT` (where to GET) and `IDENTITY_HEADER`
(a secret sent back as `X-IDENTITY-HEADER`). azure-identity's `ManagedIdentityCredential`,
and so `DefaultAzureCredential`, asks it for a token per resource
(`?api-version=2019-08-01&resource=https://storage.azure.com&client_id=<identity>`).

This endpoint answers exactly that, so the app under test signs in with its real
credential code. Its tokens are RS256 JWTs shaped like Microsoft Entra's (issuer
`https://sts.windows.net/<tenant>/`, audience the resource, `oid` the identity's
principal id): Azurite's basic OAuth accepts them, and the ACS stand-in verifies them
with `verify` before it checks the identity's role on its resource.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

TOKEN_PATH = "/msi/token"
API_VERSION = "2019-08-01"
TOKEN_LIFETIME_S = 3600


@dataclass(frozen=True)
class Identity:
    """One user-assigned managed identity: what the app is told (client id) and what roles name (principal id)."""

    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    principal_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class Issued:
    """One token the endpoint handed out."""

    client_id: str
    resource: str


class ManagedIdentityEndpoint:
    """Issues tokens for its identities to whoever sends the identity header."""

    def __init__(self) -> None:
        self.tenant_id = str(uuid.uuid4())
        self.header_secret = secrets.token_hex(16)
        self.issued: list[Issued] = []
        self._identities: dict[str, Identity] = {}
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def issuer(self) -> str:
        return f"https://sts.windows.net/{self.tenant_id}/"

    def add_identity(self) -> Identity:
        identity = Identity()
        self._identities[identity.client_id] = identity
        return identity

    def environment(self, identity: Identity) -> dict[str, str]:
        """The settings App Service gives an app with `identity` as its user-assigned identity."""
        return {
            "IDENTITY_ENDPOINT": f"http://127.0.0.1:{self.port}{TOKEN_PATH}",
            "IDENTITY_HEADER": self.header_secret,
            "AZURE_CLIENT_ID": identity.client_id,
        }

    def verify(self, token: str, audiences: set[str]) -> dict:
        """The claims of a token this endpoint issued for one of `audiences`; raises `jwt.InvalidTokenError`."""
        return jwt.decode(
            token, self._key.public_key(), algorithms=["RS256"], audience=list(audiences), issuer=self.issuer,
            options={"require": ["exp", "iat", "nbf", "oid"]},
        )

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(TOKEN_PATH, self._token)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> "ManagedIdentityEndpoint":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _token(self, request: web.Request) -> web.Response:
        if request.headers.get("X-IDENTITY-HEADER") != self.header_secret:
            return _refusal(401, "the X-IDENTITY-HEADER is missing or wrong")
        if request.query.get("api-version") != API_VERSION:
            return _refusal(400, f"api-version must be {API_VERSION}")
        resource = request.query.get("resource", "")
        identity = self._identities.get(request.query.get("client_id", ""))
        if not resource or identity is None:
            return _refusal(400, "no such identity, or no resource asked for")
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": resource,
            "tid": self.tenant_id,
            "oid": identity.principal_id,
            "sub": identity.principal_id,
            "appid": identity.client_id,
            "idtyp": "app",
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME_S,
        }
        self.issued.append(Issued(identity.client_id, resource))
        return web.json_response({
            "access_token": jwt.encode(claims, self._key, algorithm="RS256"),
            "expires_on": str(now + TOKEN_LIFETIME_S),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": identity.client_id,
        })


def _refusal(status: int, reason: str) -> web.Response:
    return web.json_response({"error": "invalid_request", "error_description": reason}, status=status)
