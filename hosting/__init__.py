"""How the bot is hosted: outbound Bot Framework clients and conversation state storage.

`create_authentication(config)` and `create_storage(config)` are the two entry points
`app.py` wires; both are plain constructors and own resources closed at shutdown.
"""
