"""The bridge's settings, taken from `config.DefaultConfig` once."""

from __future__ import annotations

from dataclasses import dataclass

from config import DefaultConfig

INCOMING_PATH = "/api/calls/incoming"
CALLBACKS_PATH = "/api/calls/{token}/events"

# How long ACS listens for speech after a prompt before giving up. The bot's own
# no-input timer reprompts (and listens again) well before this.
LISTEN_FOR_S = 30


@dataclass(frozen=True)
class BridgeSettings:
    callback_base_url: str
    cognitive_services_endpoint: str
    voice_name: str
    locale: str
    bot_id: str

    @classmethod
    def from_config(cls, config: DefaultConfig) -> "BridgeSettings":
        return cls(
            callback_base_url=config.CALLBACK_BASE_URL.rstrip("/"),
            cognitive_services_endpoint=config.COGNITIVE_SERVICES_ENDPOINT,
            voice_name=config.VOICE_NAME,
            locale=config.VOICE_LOCALE,
            bot_id=config.MicrosoftAppId or "callautomation-bot",
        )

    def callback_url(self, token: str) -> str:
        return self.callback_base_url + CALLBACKS_PATH.format(token=token)
