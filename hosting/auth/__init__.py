"""Who may talk to the bot, and the credentials it talks back with (Bot Framework authentication).

`authentication.create_authentication` keeps the SDK's outbound clients and credentials
between turns; `guarded.GuardedAuthentication` answers every refused inbound token with
401; `signing_keys` fetches and caches the keys inbound tokens are signed with, off the
event loop.
"""
