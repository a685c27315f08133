"""The clients a turn replies with, kept between turns.

The Agents SDK 1.9.0 makes two aiohttp sessions for every turn (a connector client
and a user-token client) and closes both when the turn ends, so every reply opens
a new connection to the channel, and in local mode each turn warns that the
user-token client has no app id. Here one session per (service URL, token) carries
every turn's replies until its token is replaced or the app closes; connections are
pooled across them. Replies follow no redirect (they carry the bot's token, and go
only where the channel said) and carry no null field (`_ReplySession`).

The bot signs no user in (no OAuth prompt), so the one user-token client is kept
without a token; a fork that adds sign-in gives it the bot's token, as the SDK's
`RestChannelServiceClientFactory` does.
"""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession, TCPConnector
from microsoft_agents.hosting.core import (
    AuthenticationConstants,
    ChannelServiceClientFactoryBase,
    ClaimsIdentity,
    ConnectorClient,
    Connections,
    TurnContext,
    UserTokenClient,
)

from inbound.activity_rules import is_service_url


class _ReplySession:
    """An aiohttp session as the SDK's clients use it: no redirect followed, no null sent.

    1.9.0's `send_to_conversation` (a reply to no activity: the first message of a Web
    Chat or Direct Line conversation) writes every field the SDK set to None as `null`,
    and the Agents Playground refuses such an activity with 400; its other sends leave
    nulls out, as botbuilder does.
    """

    def __init__(self, session: ClientSession):
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def request(self, method: str, url: Any, **kwargs: Any):
        if "json" in kwargs:
            kwargs["json"] = _without_nulls(kwargs["json"])
        return self._session.request(method, url, allow_redirects=False, **kwargs)

    def get(self, url: Any, **kwargs: Any):
        return self.request("GET", url, **kwargs)

    def post(self, url: Any, **kwargs: Any):
        return self.request("POST", url, **kwargs)

    def put(self, url: Any, **kwargs: Any):
        return self.request("PUT", url, **kwargs)

    def delete(self, url: Any, **kwargs: Any):
        return self.request("DELETE", url, **kwargs)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


class _KeptConnectorClient(ConnectorClient):
    """A connector client the adapter's end-of-turn `close` leaves open."""

    async def close(self) -> None:
        pass

    async def release(self) -> None:
        await self.client.close()


class _KeptUserTokenClient(UserTokenClient):
    async def close(self) -> None:
        pass

    async def release(self) -> None:
        await self.client.close()


class KeptClients(ChannelServiceClientFactoryBase):
    """The Agents SDK's client factory (`CloudAdapter(channel_service_client_factory=...)`), keeping its clients."""

    def __init__(self, connections: Connections, app_id: str):
        self._connections = connections
        self._app_id = app_id
        self._pool: TCPConnector | None = None
        self._connectors: dict[str, tuple[str, _KeptConnectorClient]] = {}  # service URL → (token, client)
        self._retired: list[_KeptConnectorClient] = []
        self._user_tokens: _KeptUserTokenClient | None = None

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> ConnectorClient:
        if not is_service_url(service_url):
            raise ValueError("replies go to an http or https service URL")
        token = ""
        if not use_anonymous:
            provider = self._connections.get_token_provider(claims_identity, service_url)
            token = await provider.get_access_token(audience, scopes or claims_identity.get_token_scope())
        kept = self._connectors.get(service_url)
        if kept is not None and kept[0] == token:
            return kept[1]
        if kept is not None:  # its token was replaced: closed once its turns are long over
            for retired in self._retired:
                await retired.release()
            self._retired = [kept[1]]
        client = _KeptConnectorClient(service_url, token, session=self._session(service_url))
        self._connectors[service_url] = (token, client)
        return client

    async def create_user_token_client(
        self, context: TurnContext, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> UserTokenClient:
        if self._user_tokens is None:
            endpoint = AuthenticationConstants.AGENTS_SDK_OAUTH_URL
            # Local mode has no app id, and nobody signs in there.
            self._user_tokens = _KeptUserTokenClient(
                endpoint, "", app_id=self._app_id or "local-mode", session=self._session(endpoint)
            )
        return self._user_tokens

    def _session(self, base_url: str) -> Any:
        if self._pool is None:
            self._pool = TCPConnector()
        base = base_url if base_url.endswith("/") else base_url + "/"
        return _ReplySession(ClientSession(base_url=base, connector=self._pool, connector_owner=False))

    async def close(self) -> None:
        """Close every kept session, then their connections (at shutdown)."""
        for client in [client for _, client in self._connectors.values()] + self._retired:
            await client.release()
        self._connectors.clear()
        self._retired.clear()
        if self._user_tokens is not None:
            await self._user_tokens.release()
            self._user_tokens = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
