"""Bot Framework authentication that keeps its outbound clients between turns.

The SDK's `ConfigurationBotFrameworkAuthentication` builds a new `ConnectorClient`,
a new `UserTokenClient` and new credentials on every turn. Each client build runs
msrest's retry-policy constructor (about 7 ms), each new credentials object starts
with an empty token cache, and each new client opens a fresh HTTP session: together
they cap a bot at a few dozen turns per second on two cores.

`CachingBotFrameworkAuthentication` validates inbound requests exactly as the SDK
does (it delegates to the SDK's public-cloud authentication) but hands out one
connector client per (service URL, audience, app id), one user-token client per app
id and one credentials object per (app id, scope, login endpoint). Connector clients
send through `hosting.wire.transport` (aiohttp on the event loop, one connection pool).
Credentials are the SDK's own (`MicrosoftAppCredentials` over an msal app), so token
caching and renewal before expiry are msal's; keeping one credentials object alive
is what lets that cache work across turns, and `hosting.wire.tokens` asks it off the
event loop.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, Hashable, Optional, TypeVar

import aiohttp
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConfiguration,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    BotFrameworkAuthenticationFactory,
    ClaimsIdentity,
    ConnectorFactory,
    ManagedIdentityServiceClientCredentialsFactory,
    PasswordServiceClientCredentialFactory,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)

# The SDK's own user-token client; 4.17.1 is the SDK's last release, so this
# private import cannot move under us.
from botframework.connector.auth._user_token_client_impl import _UserTokenClientImpl
from botframework.connector.about import __version__ as _SDK_VERSION
from botframework.connector.skills import BotFrameworkClient
from msrest.authentication import Authentication

from config import DefaultConfig
from hosting.wire.activity_shape import is_service_url
from hosting.wire.connector import ConnectorClient
from hosting.wire.tokens import token_keeper

USER_AGENT = f"Microsoft-BotFramework/3.1 (BotBuilder Python/{_SDK_VERSION})"

# Service URLs come from inbound activities; in local mode those are not
# authenticated, so the number of cached clients is bounded.
MAX_CACHED_CLIENTS = 256
# Open connections to all service URLs together; replies beyond it wait for a free one.
MAX_CONNECTIONS = 200

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class CloudEndpoints:
    """Where outbound tokens come from and which audience they are for."""

    login_endpoint: str = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
    oauth_scope: str = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
    token_service_url: str = AuthenticationConstants.OAUTH_URL
    validate_authority: bool = True


PUBLIC_CLOUD = CloudEndpoints()


def create_authentication(config: DefaultConfig) -> "CachingBotFrameworkAuthentication":
    """The bot's authentication for `config`, with outbound clients kept between turns."""
    return CachingBotFrameworkAuthentication(credentials_factory_for(config))


def credentials_factory_for(config: DefaultConfig) -> ServiceClientCredentialsFactory:
    """The SDK credentials factory the samples' `ConfigurationServiceClientCredentialFactory` picks."""
    if config.MicrosoftAppType == "UserAssignedMSI":
        return ManagedIdentityServiceClientCredentialsFactory(config.MicrosoftAppId)
    tenant = config.MicrosoftAppTenantId if config.MicrosoftAppType == "SingleTenant" else None
    # An empty app id disables authentication (local mode), as in the samples.
    return PasswordServiceClientCredentialFactory(
        config.MicrosoftAppId or None, config.MicrosoftAppPassword or None, tenant
    )


class _BoundedCache(Generic[K, V]):
    """Least-recently-used map. Evicted values are dropped, not closed: a turn may still hold one."""

    def __init__(self, limit: int):
        self._limit = limit
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> Optional[V]:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put_if_absent(self, key: K, value: V) -> V:
        """Store `value` unless another task stored one first; return the stored one."""
        existing = self.get(key)
        if existing is not None:
            return existing
        self._items[key] = value
        if len(self._items) > self._limit:
            self._items.popitem(last=False)
        return value

    def drain(self) -> list[V]:
        values = list(self._items.values())
        self._items.clear()
        return values

    def __len__(self) -> int:
        return len(self._items)


class _SharedCredentials(ServiceClientCredentialsFactory):
    """One credentials object per (app id, scope, login endpoint), so its token cache survives the turn."""

    def __init__(self, inner: ServiceClientCredentialsFactory):
        self._inner = inner
        self._credentials: _BoundedCache[tuple, Authentication] = _BoundedCache(MAX_CACHED_CLIENTS)

    async def is_valid_app_id(self, app_id: str) -> bool:
        return await self._inner.is_valid_app_id(app_id)

    async def is_authentication_disabled(self) -> bool:
        return await self._inner.is_authentication_disabled()

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        key = (app_id, oauth_scope, login_endpoint, validate_authority)
        cached = self._credentials.get(key)
        if cached is not None:
            return cached
        created = await self._inner.create_credentials(app_id, oauth_scope, login_endpoint, validate_authority)
        return self._credentials.put_if_absent(key, created)


class _ClosableUserTokenClient(_UserTokenClientImpl):
    """The SDK's user-token client, with a way to release its HTTP session."""

    async def close(self) -> None:
        await self._client.__aexit__(None, None, None)


async def _close_connector(client: ConnectorClient) -> None:
    await client.__aexit__(None, None, None)


class _SharedConnectorFactory(ConnectorFactory):
    """Connector factory for one app id that returns the authentication's cached clients."""

    def __init__(self, owner: "CachingBotFrameworkAuthentication", app_id: Optional[str]):
        self._owner = owner
        self._app_id = app_id

    async def create(self, service_url: str, audience: Optional[str] = None) -> ConnectorClient:
        return await self._owner.connector_client(service_url, audience, self._app_id)


class CachingBotFrameworkAuthentication(BotFrameworkAuthentication):
    """SDK authentication for inbound requests; shared, long-lived clients for outbound ones.

    Call `close()` at shutdown to release the clients' HTTP sessions.
    """

    def __init__(
        self,
        credentials_factory: ServiceClientCredentialsFactory,
        *,
        endpoints: CloudEndpoints = PUBLIC_CLOUD,
        auth_configuration: Optional[AuthenticationConfiguration] = None,
    ):
        self._credentials = _SharedCredentials(credentials_factory)
        self._endpoints = endpoints
        # Inbound validation is the SDK's public-cloud one, unchanged.
        self._inner = BotFrameworkAuthenticationFactory.create(
            credential_factory=self._credentials,
            auth_configuration=auth_configuration or AuthenticationConfiguration(),
        )
        self._connectors: _BoundedCache[tuple, ConnectorClient] = _BoundedCache(MAX_CACHED_CLIENTS)
        self._token_clients: _BoundedCache[Optional[str], _ClosableUserTokenClient] = _BoundedCache(
            MAX_CACHED_CLIENTS
        )
        self._http: Optional[aiohttp.ClientSession] = None

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        result.connector_factory = self.create_connector_factory(result.claims_identity)
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _SharedConnectorFactory(self, _app_id(claims_identity))

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = _app_id(claims_identity)
        cached = self._token_clients.get(app_id)
        if cached is not None:
            return cached
        credentials = await self._credentials.create_credentials(
            app_id,
            self._endpoints.oauth_scope,
            self._endpoints.login_endpoint,
            self._endpoints.validate_authority,
        )
        created = _ClosableUserTokenClient(app_id, credentials, self._endpoints.token_service_url)
        stored = self._token_clients.put_if_absent(app_id, created)
        if stored is not created:
            await created.close()
        return stored

    async def connector_client(
        self, service_url: str, audience: Optional[str], app_id: Optional[str]
    ) -> ConnectorClient:
        """The shared connector client for replies to `service_url` on behalf of `app_id`."""
        if not is_service_url(service_url):
            raise ValueError("replies go to http(s) service URLs only")
        audience = audience or self._endpoints.oauth_scope
        credentials = await self._credentials.create_credentials(
            app_id, audience, self._endpoints.login_endpoint, self._endpoints.validate_authority
        )
        await token_keeper(credentials).refresh()
        key = (service_url, audience, app_id)
        cached = self._connectors.get(key)
        if cached is not None:
            return cached
        created = ConnectorClient(credentials, base_url=service_url)
        created.config.add_user_agent(USER_AGENT)
        created.use_aiohttp(self._http_session())
        stored = self._connectors.put_if_absent(key, created)
        if stored is not created:
            await _close_connector(created)
        return stored

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._endpoints.oauth_scope

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)

    def _http_session(self) -> aiohttp.ClientSession:
        """The connection pool every connector client sends through (created on the event loop)."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS))
        return self._http

    async def close(self) -> None:
        """Release every cached client and the connection pool. The object stays usable afterwards."""
        for connector in self._connectors.drain():
            await _close_connector(connector)
        for token_client in self._token_clients.drain():
            await token_client.close()
        if self._http is not None:
            await self._http.close()
            self._http = None


def _app_id(claims_identity: ClaimsIdentity) -> Optional[str]:
    """The bot's app id as the SDK reads it: audience claim from channels, appid claim from the Emulator."""
    app_id = claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
    if app_id is None:
        app_id = claims_identity.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
    return app_id
