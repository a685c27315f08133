"""The web phone: the local channel simulator in a browser page.

`python -m simulator.web` (or `make phone`) serves a page with a dial pad,
the bot's prompts spoken aloud, the recording indicator and the call's
timeline. See docs/web-phone.md.
"""

from .server import phone_app, serve

__all__ = ["phone_app", "serve"]
