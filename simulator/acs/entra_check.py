"""Bearer tokens on requests to ACS: what a resource reached with Microsoft Entra ID accepts.

An app with a managed identity calls ACS with `Authorization: Bearer <token>` instead of
the HMAC signature: a token for the audience `https://communication.azure.com`, issued to
an identity that has a role on the resource (Microsoft's Call Automation samples give it
Contributor). The stand-in trusts the issuers it is told about and the identities it is
told have a role, and refuses every other token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import jwt
from aiohttp import web

BEARER = "Bearer "
# The Call Automation SDK asks for the scope https://communication.azure.com//.default.
AUDIENCES = {"https://communication.azure.com", "https://communication.azure.com/"}


class TokenIssuer(Protocol):
    def verify(self, token: str, audiences: set[str]) -> dict:
        """The token's claims, or `jwt.InvalidTokenError`."""


@dataclass
class RoleAssignments:
    """Identities (by principal id) with a role on the resource, and the issuers their tokens come from."""

    issuers: list[TokenIssuer] = field(default_factory=list)
    principals: set[str] = field(default_factory=set)
    accepted: int = 0  # requests let in by a bearer token

    def grant(self, issuer: TokenIssuer, principal_id: str) -> None:
        if issuer not in self.issuers:
            self.issuers.append(issuer)
        self.principals.add(principal_id)

    def revoke(self, principal_id: str) -> None:
        self.principals.discard(principal_id)

    def allows(self, request: web.Request) -> bool:
        """True when the request carries a valid token of an identity with a role here."""
        authorization = request.headers.get("Authorization", "")
        if not authorization.startswith(BEARER):
            return False
        for issuer in self.issuers:
            try:
                claims = issuer.verify(authorization[len(BEARER):], AUDIENCES)
            except jwt.InvalidTokenError:
                continue
            if claims.get("oid") in self.principals:
                self.accepted += 1
                return True
        return False
