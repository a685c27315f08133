"""How the bot is hosted on the Microsoft 365 Agents SDK (`BOT_SDK=agents`): one small room.

`hosting.AgentsHosting` is the front door: the SDK's `CloudAdapter` for activities
POSTed over HTTP, with the same guards as the botbuilder hosting beside it; a
WebSocket upgrade is refused (the Agents SDK has no streaming protocol, so the
Telephony channel stays on botbuilder). `settings` maps the bot's `Microsoft*`
settings to the SDK's identity, `clients` keeps the clients replies go out on, and
`activity_shape` checks a posted activity against the SDK's pydantic model.

Everything else the bot needs of its hosting is SDK-free and shared with the
botbuilder hosting: `hosting/state/` (state stores with ETags, leases, the
conversation state), `hosting/request_guards.py`, `hosting/collector.py` and `inbound/`.
"""

from .hosting import AgentsHosting

__all__ = ["AgentsHosting"]
