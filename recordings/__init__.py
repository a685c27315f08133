"""After the call: fetch ACS recordings announced by Event Grid, keep them, and
answer data-subject requests (export, erase) and retention (purge).

`webhook.setup_recordings` wires it into the aiohttp app; ``python -m recordings``
is the command line for the stored recordings.
"""
