"""What a request cannot be answered for a moment, whichever SDK hosts the bot."""

from __future__ import annotations


class AuthenticationUnavailable(Exception):
    """A token cannot be checked or had now (`hosting.request_guards` answers 503 with `Retry-After`).

    Raised by the botbuilder hosting's signing keys and outbound tokens
    (`hosting.auth.signing_keys`, `hosting.wire.tokens`); `retry_after_s` says when to try again.
    """

    retry_after_s: int
