"""The Bot Framework streaming protocol (the Telephony channel's WebSocket), for the adapter.

`frames` is the packet format, `assembly` turns received bytes into requests
and responses, `connection` serves one socket, `connector` sends the bot's
activities over it, and `calls` keeps which socket carries which call.
"""
