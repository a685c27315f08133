"""What the bot says at start-up when nothing it receives is authenticated (no `MicrosoftAppId`)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def warn_authentication_off() -> None:
    """One warning, whichever SDK hosts the bot: local mode must never be exposed by accident."""
    log.warning(
        "MicrosoftAppId is empty: authentication is OFF. Anyone who can reach this port can post "
        "activities as any caller and have the bot send to any service URL. Keep HOST=127.0.0.1, "
        "or set MicrosoftAppId and MicrosoftAppPassword before exposing the bot."
    )
