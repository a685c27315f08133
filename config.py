"""Settings for the bot, read once from the environment (and a `.env` file).

Every setting has a default that works on a laptop with no Azure account, so
`make run` needs no configuration. Invalid values stop start-up with a message
that names the variable and says what it expects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import Callable, Mapping, TypeVar
from urllib.parse import urlsplit

from dotenv import dotenv_values

from telephony import E164_EXAMPLE, defaults, is_e164
from telephony.sdk import SDK, SdkName


T = TypeVar("T")


class ConfigError(ValueError):
    """A setting has a value the bot cannot work with."""

    def __init__(self, name: str, expected: str, value: str):
        self.name = name
        super().__init__(f"{name}={value!r} is invalid: expected {expected}")


# Hosts Azure Communication Services serves recordings from (the Call
# Automation SDK itself refuses any other); a forged event naming any other host
# is refused before a download is attempted.
DEFAULT_RECORDING_HOSTS = (
    "*.asm.skype.com",
    "*.asyncgw.teams.microsoft.com",
    "*.ams.gov.teams.microsoft.us",
)


# App Service puts this where a Key Vault reference could not be resolved, instead of the secret.
KEY_VAULT_REFERENCE_PREFIX = "@Microsoft.KeyVault("


class RecordingsScope(str, Enum):
    """Which recordings of the ACS resource this app exports (`RECORDINGS_SCOPE`)."""

    # Every recording the resource announces: the Telephony channel starts recordings
    # without telling the bot their ids, so a bot on that channel cannot tell its own apart.
    RESOURCE = "resource"
    # Only the recordings of calls this app answered (Call Automation): several bots can
    # share one ACS resource, each exporting its own calls only (recordings/claims.py).
    OWN_CALLS = "own-calls"


# Where Call Automation publishes the keys that sign its callbacks.
ACS_OPENID_CONFIGURATION = (
    "https://acscallautomation.communication.azure.com/calling/.well-known/acsopenidconfiguration"
)


@dataclass(frozen=True)
class DefaultConfig:
    """The bot's settings. Field names match the environment variable names."""

    # Bot Framework authentication, as in the SDK samples. An empty app id means
    # local mode: the Emulator (and the local simulator) connect without tokens.
    MicrosoftAppId: str = ""
    MicrosoftAppPassword: str = field(default="", repr=False)
    MicrosoftAppType: str = "MultiTenant"
    MicrosoftAppTenantId: str = ""

    # The SDK the bot runs on: botbuilder (the Bot Framework SDK: the Telephony channel, HTTP
    # channels, Call Automation) or agents (the Microsoft 365 Agents SDK: HTTP channels and
    # Call Automation). Read once, when `telephony.sdk` is first imported, from the same
    # environment and `.env`: the default is what it read (docs/sdks.md).
    BOT_SDK: str = SDK.value

    # Where `python app.py` listens. Loopback by default: in local mode nothing is authenticated.
    # Set 0.0.0.0 to accept connections from other machines (App Service does).
    HOST: str = "127.0.0.1"
    PORT: int = 3978

    # The call flow (docs/call-flow.md).
    AGENT_PHONE_NUMBER: str = "+14255550100"
    RECORDING_RESULT_TIMEOUT_S: float = defaults.RECORDING_RESULT_TIMEOUT_S
    NO_INPUT_TIMEOUT_S: float = defaults.NO_INPUT_TIMEOUT_S
    MAX_RETRIES: int = defaults.MAX_MISSES
    TRANSFER_DELAY_S: float = defaults.TRANSFER_DELAY_S
    STOP_RECORDING_ON_HANGUP: bool = False
    VOICE_NAME: str = "en-US-JennyNeural"
    VOICE_LOCALE: str = "en-US"
    VOICE_STYLE: str = ""

    # Card data kept between turns is encrypted with this key (base64, 32 bytes).
    # Unset: a key is generated per process, which breaks calls spread over
    # several instances; set it in production.
    CARD_DATA_KEY: str = field(default="", repr=False)

    # Conversation state: "memory" (one process) or "blob" (shared by instances).
    STORAGE: str = "memory"
    # Blob Storage (state, leases, recordings) is reached one of two ways: a connection
    # string (local development and Azurite), or the account's blob endpoint with the
    # app's own identity (Azure: no key anywhere). The connection string wins when both are set.
    AZURE_STORAGE_CONNECTION_STRING: str = field(default="", repr=False)
    AZURE_STORAGE_ACCOUNT_URL: str = ""  # https://<account>.blob.core.windows.net/
    STATE_BLOB_CONTAINER: str = "bot-state"

    # The client id of the user-assigned managed identity the app signs in to Azure with
    # (Blob Storage, ACS). Empty: DefaultAzureCredential's own choice (a system-assigned
    # identity in Azure, your `az login` on a laptop).
    AZURE_CLIENT_ID: str = ""

    # After the call: recording export (recordings/).
    RECORDINGS_STORE: str = "local"
    RECORDINGS_DIR: str = "data/recordings"
    RECORDINGS_BLOB_CONTAINER: str = "recordings"
    ACS_CONNECTION_STRING: str = field(default="", repr=False)
    EVENTGRID_SECRET: str = field(default="", repr=False)
    RECORDING_HOST_ALLOWLIST: tuple[str, ...] = DEFAULT_RECORDING_HOSTS
    RECORDINGS_SCOPE: str = RecordingsScope.RESOURCE.value

    # Bot Framework activities at /api/messages (the Telephony channel, the Emulator).
    # false: the route is not served, so a Call Automation line needs no app registration.
    SERVE_API_MESSAGES: bool = True

    # Phone calls through Azure Communication Services Call Automation
    # (docs/call-automation.md). Off until CALLBACK_BASE_URL is set.
    CALLBACK_BASE_URL: str = ""  # this app's public https address, as ACS reaches it
    ACS_ENDPOINT: str = ""  # https://<resource>.communication.azure.com, with the app's identity
    ACS_RESOURCE_ID: str = ""  # the resource's immutable id: the audience of ACS's callback tokens
    COGNITIVE_SERVICES_ENDPOINT: str = ""  # Azure AI services: text to speech and speech recognition
    ACS_OPENID_CONFIGURATION_URL: str = ACS_OPENID_CONFIGURATION
    # Past these, an incoming call is rejected as busy (docs/call-automation.md, "How many calls").
    ACS_MAX_CONCURRENT_CALLS: int = 100  # calls this instance has answered and that have not ended
    ACS_MAX_CALLS_PER_DELIVERY: int = 10  # calls answered from one Event Grid delivery

    LOG_LEVEL: str = "INFO"

    # The names botbuilder's ConfigurationBotFrameworkAuthentication reads.
    @property
    def APP_ID(self) -> str:
        return self.MicrosoftAppId

    @property
    def APP_PASSWORD(self) -> str:
        return self.MicrosoftAppPassword

    @property
    def APP_TYPE(self) -> str:
        return self.MicrosoftAppType

    @property
    def APP_TENANTID(self) -> str:
        return self.MicrosoftAppTenantId

    @property
    def sdk(self) -> SdkName:
        return SdkName(self.BOT_SDK)

    @property
    def local_mode(self) -> bool:
        """True when no app id is set: requests are not authenticated."""
        return not self.MicrosoftAppId

    @property
    def call_automation(self) -> bool:
        """True when calls are answered through Call Automation."""
        return bool(self.CALLBACK_BASE_URL)

    @property
    def storage_by_identity(self) -> bool:
        """True when Blob Storage is reached with the app's identity rather than a connection string."""
        uses_blobs = "blob" in (self.STORAGE, self.RECORDINGS_STORE)
        return uses_blobs and not self.AZURE_STORAGE_CONNECTION_STRING

    @property
    def acs_by_identity(self) -> bool:
        """True when ACS is reached at ACS_ENDPOINT with the app's identity rather than an access key."""
        return bool(self.ACS_ENDPOINT) and not self.ACS_CONNECTION_STRING

    @property
    def recordings_scope(self) -> RecordingsScope:
        return RecordingsScope(self.RECORDINGS_SCOPE)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
    ) -> "DefaultConfig":
        """Read settings from `env` (default: the process environment over `.env`)."""
        if env is None:
            values: dict[str, str] = {}
            if env_file and Path(env_file).is_file():
                values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
            values.update(os.environ)
            env = values
        return cls(**_parse(env))

    def __post_init__(self) -> None:
        if not is_e164(self.AGENT_PHONE_NUMBER):
            raise ConfigError("AGENT_PHONE_NUMBER", f"an E.164 number such as {E164_EXAMPLE}", self.AGENT_PHONE_NUMBER)
        if self.MicrosoftAppType not in ("MultiTenant", "SingleTenant", "UserAssignedMSI"):
            raise ConfigError(
                "MicrosoftAppType", "MultiTenant, SingleTenant or UserAssignedMSI", self.MicrosoftAppType
            )
        self._check_bot_identity()
        if self.BOT_SDK not in {name.value for name in SdkName}:
            raise ConfigError("BOT_SDK", "botbuilder or agents", self.BOT_SDK)
        if self.STORAGE not in ("memory", "blob"):
            raise ConfigError("STORAGE", "memory or blob", self.STORAGE)
        if self.RECORDINGS_STORE not in ("local", "blob"):
            raise ConfigError("RECORDINGS_STORE", "local or blob", self.RECORDINGS_STORE)
        for name in ("STORAGE", "RECORDINGS_STORE"):
            if getattr(self, name) == "blob" and not (self.AZURE_STORAGE_CONNECTION_STRING or self.AZURE_STORAGE_ACCOUNT_URL):
                raise ConfigError(
                    "AZURE_STORAGE_CONNECTION_STRING",
                    f"a connection string, or AZURE_STORAGE_ACCOUNT_URL for the app's identity, when {name}=blob", "",
                )
        for name in ("AZURE_STORAGE_ACCOUNT_URL", "ACS_ENDPOINT"):
            value = getattr(self, name)
            if value and (urlsplit(value).scheme != "https" or not urlsplit(value).hostname):
                raise ConfigError(name, "an https URL: tokens of the app's identity are sent only over https", value)
        if self.RECORDINGS_SCOPE not in {scope.value for scope in RecordingsScope}:
            raise ConfigError("RECORDINGS_SCOPE", "resource or own-calls", self.RECORDINGS_SCOPE)
        if self.recordings_scope is RecordingsScope.OWN_CALLS and not self.call_automation:
            raise ConfigError(
                "RECORDINGS_SCOPE", "resource unless CALLBACK_BASE_URL is set: only calls this app answers "
                "through Call Automation can be told apart", self.RECORDINGS_SCOPE,
            )
        if not self.SERVE_API_MESSAGES and not self.call_automation:
            raise ConfigError(
                "SERVE_API_MESSAGES", "true unless CALLBACK_BASE_URL is set: with neither, no call reaches the bot", "false"
            )
        if self.call_automation:
            self._check_call_automation()
        if self.LOG_LEVEL.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ConfigError("LOG_LEVEL", "DEBUG, INFO, WARNING, ERROR or CRITICAL", self.LOG_LEVEL)


    def _check_bot_identity(self) -> None:
        """Half an identity would start the bot and then fail every reply (or accept anyone).

        An app id without its secret cannot get a token; a secret, tenant or non-default
        app type without an app id would silently run in local mode, unauthenticated.
        """
        if not self.MicrosoftAppId:
            for name, value, meaning in (
                ("MicrosoftAppPassword", bool(self.MicrosoftAppPassword), "a secret"),
                ("MicrosoftAppTenantId", bool(self.MicrosoftAppTenantId), "a tenant id"),
                ("MicrosoftAppType", self.MicrosoftAppType != "MultiTenant", self.MicrosoftAppType),
            ):
                if value:
                    raise ConfigError(
                        "MicrosoftAppId", f"the app id that goes with {name} ({meaning}); "
                        "or leave all four Microsoft* settings empty for local mode", ""
                    )
            return
        if self.MicrosoftAppType != "MultiTenant" and not self.MicrosoftAppTenantId:
            raise ConfigError("MicrosoftAppTenantId", f"a tenant id for {self.MicrosoftAppType}", "")
        if self.MicrosoftAppType != "UserAssignedMSI" and not self.MicrosoftAppPassword:
            raise ConfigError(
                "MicrosoftAppPassword",
                f"the client secret of app {self.MicrosoftAppId} ({self.MicrosoftAppType} bots need one to reply)",
                "",
            )

    def _check_call_automation(self) -> None:
        base = urlsplit(self.CALLBACK_BASE_URL)
        loopback = base.hostname in ("localhost", "127.0.0.1", "::1")
        if base.scheme != "https" and not (base.scheme == "http" and loopback) or not base.hostname:
            raise ConfigError(
                "CALLBACK_BASE_URL", "an https URL such as https://mybot.azurewebsites.net", self.CALLBACK_BASE_URL
            )
        if not (self.ACS_CONNECTION_STRING or self.ACS_ENDPOINT):
            raise ConfigError("ACS_CONNECTION_STRING", "a connection string, or ACS_ENDPOINT, for Call Automation", "")
        if not self.EVENTGRID_SECRET:
            raise ConfigError(
                "EVENTGRID_SECRET", "the ?code= of the Event Grid subscription that delivers incoming calls", ""
            )
        if not self.ACS_RESOURCE_ID:
            raise ConfigError("ACS_RESOURCE_ID", "the ACS resource's immutable id, for Call Automation", "")
        if not self.COGNITIVE_SERVICES_ENDPOINT:
            raise ConfigError(
                "COGNITIVE_SERVICES_ENDPOINT", "an Azure AI services endpoint: Call Automation speaks with it", ""
            )


def _parse(env: Mapping[str, str]) -> dict[str, object]:
    """Convert the environment's strings to the field types, naming bad variables."""
    parsers: dict[str, Callable[[str, str], object]] = {
        "int": _positive_int,
        "float": _non_negative_float,
        "bool": _bool,
        "str": lambda _name, raw: raw.strip(),
        "tuple[str, ...]": lambda _name, raw: tuple(h.strip() for h in raw.split(",") if h.strip()),
    }
    parsed: dict[str, object] = {}
    for f in fields(DefaultConfig):
        raw = env.get(f.name)
        if raw is None or (raw.strip() == "" and f.type != "str"):
            continue
        if raw.strip().startswith(KEY_VAULT_REFERENCE_PREFIX):
            raise ConfigError(
                f.name, "its value from Key Vault, but App Service could not resolve the reference (the app's "
                "identity needs the Key Vault Secrets User role on the vault, and the secret must exist)", raw.strip(),
            )
        parsed[f.name] = parsers[str(f.type)](f.name, raw)
    return parsed


def _positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, "a whole number", raw) from None
    if value <= 0 or (name == "PORT" and value > 65535):
        raise ConfigError(name, "a positive whole number" + (" up to 65535" if name == "PORT" else ""), raw)
    return value


def _non_negative_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, "a number of seconds", raw) from None
    if not value >= 0 or value == float("inf"):
        raise ConfigError(name, "a number of seconds, zero or more", raw)
    return value


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(name, "true or false", raw)
