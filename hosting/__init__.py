"""How the bot is hosted: on the Bot Framework SDK (botbuilder), a room per concern; on the Agents SDK, `agents/`.

`adapter.StreamingCloudAdapter` is the bot's adapter: the SDK's `CloudAdapter` for
activities posted over HTTP, and this project's streaming stack for the Telephony
channel's WebSocket. Beside it, `request_guards` (what every route gets: bounded body
reads, a 4xx for each caller's mistake), `server_logs` (what aiohttp and gunicorn log
themselves: no secret in the access log, no traceback for a head they cannot read) and
`collector.TurnPacedCollector` (garbage collected between turns). `app.py` wires them; `app.use_turn_middleware` puts every turn
middleware on every adapter, in one order.

The rooms, and when a fork changes each:

- `auth/`: who may talk to the bot, and the credentials it answers with. Inbound tokens
  refused with 401, the keys they are signed with fetched off the event loop; outbound
  clients and credentials kept between turns. Changed for another cloud or another way
  of authenticating.
- `wire/`: activities as bytes. JSON in and out with msrest's results, the shape check
  that answers a malformed activity with 400, the POST handler, the connector that sends
  replies over aiohttp with a kept token, the turn context. Changed when the channel's
  activities change, or to send replies some other way.
- `state/`: where a call's state lives (memory, or Blob Storage with ETags) and which
  instance may run its turn (leases). Changed to keep state somewhere else.
- `streaming/`: the Bot Framework streaming protocol. Changed only with the protocol.

`inbound/` (beside `hosting/`, not in it) reads what is posted to the app: bounded JSON
bodies and Event Grid deliveries, for this hosting, `callautomation/` and `recordings/`.

Each SDK has its own front door, and `app.channel_hosting` picks the one `telephony.sdk`
loaded (`BOT_SDK`): `bot_framework.BotFrameworkHosting` for botbuilder, over the rooms above,
and `agents/` for the Microsoft 365 Agents SDK, a small room of its own beside them (its
adapter and reply clients, its settings, its shape check; HTTP only, as that SDK has no
streaming protocol).

What is tied to botbuilder: `bot_framework.py`, `adapter.py`, `auth/` and `wire/` (with msrest)
throughout, and `streaming/connector.py`. What serves both SDKs, through `telephony.sdk`:
`state/` (the stores and their ETag rules, the leases, the conversation state, the lease
middleware), `collector.py`, `request_guards.py` (which answers 503 for any
`unavailable.AuthenticationUnavailable`), `server_logs.py`, `local_mode.py`; `streaming/`'s
frames, assembly, connection and calls name no SDK; and `inbound/`, with the rules every
posted activity must follow (`inbound.activity_rules`).
"""
