"""The bot's Microsoft* settings, as the Agents SDK reads them.

The Agents SDK reads its identity from `CONNECTIONS__SERVICE_CONNECTION__SETTINGS__…`
variables; this template keeps one set of settings for both SDKs (`MicrosoftAppId`,
`MicrosoftAppPassword`, `MicrosoftAppType`, `MicrosoftAppTenantId`, as Azure Bot and
App Service name them), so they are mapped here, in code:

| `MicrosoftAppType` | the Agents SDK's `AUTHTYPE` | tenant |
|---|---|---|
| `MultiTenant` | `ClientSecret` | `MicrosoftAppTenantId`, else `botframework.com` (as botbuilder) |
| `SingleTenant` | `ClientSecret` | `MicrosoftAppTenantId` |
| `UserAssignedMSI` | `UserManagedIdentity` | `MicrosoftAppTenantId` |

No app id is local mode: anonymous requests are allowed and replies carry no token.
"""

from __future__ import annotations

from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import AgentAuthConfiguration, AuthTypes

from config import DefaultConfig

#: The connection the Agents SDK takes the bot's own identity from.
SERVICE_CONNECTION = "SERVICE_CONNECTION"
#: The tenant multi-tenant Bot Framework bots get their tokens from.
BOT_FRAMEWORK_TENANT = "botframework.com"

_AUTH_TYPES = {
    "MultiTenant": AuthTypes.client_secret,
    "SingleTenant": AuthTypes.client_secret,
    "UserAssignedMSI": AuthTypes.user_managed_identity,
}


def auth_configuration(config: DefaultConfig) -> AgentAuthConfiguration:
    """The bot's identity (`config` is already checked: a whole identity, or none)."""
    if config.local_mode:
        return AgentAuthConfiguration(anonymous_allowed=True)
    tenant = config.MicrosoftAppTenantId
    if config.MicrosoftAppType == "MultiTenant":
        tenant = tenant or BOT_FRAMEWORK_TENANT
    return AgentAuthConfiguration(
        auth_type=_AUTH_TYPES[config.MicrosoftAppType],
        client_id=config.MicrosoftAppId,
        tenant_id=tenant,
        client_secret=config.MicrosoftAppPassword or None,
        anonymous_allowed=False,
    )


def connection_manager(config: DefaultConfig) -> MsalConnectionManager:
    """Where the Agents SDK gets the bot's outbound tokens (MSAL, which keeps them until they expire)."""
    return MsalConnectionManager(connections_configurations={SERVICE_CONNECTION: auth_configuration(config)})
