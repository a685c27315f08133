"""How the bot is hosted: outbound Bot Framework clients, conversation state storage, turn pacing,
and the streaming (WebSocket) protocol the Telephony channel speaks (`hosting.streaming`, served
through `StreamingCloudAdapter`).

`create_authentication(config)` and `create_storage(config)` are the entry points
`app.py` wires; both are plain constructors and own resources closed at shutdown.
`TurnPacedCollector` is bot middleware that `app.py` starts and stops with the app.
`TurnLeaseMiddleware(create_leases(storage))` is bot middleware that runs one turn per
call at a time across every instance sharing the storage (`turn_lease.py` says why a lease);
with state only this process sees, `app.py` leaves it out (`Leases.shared_by_instances`).
"""
