"""Encrypting values that must survive between turns of a call.

Conversation state is written to shared storage between turns. Secrets typed in
one turn and needed in a later one are sealed with AES-GCM; the conversation id
goes in as associated data, so a sealed value lifted from one call's state
cannot be opened in another call's.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_logger = logging.getLogger(__name__)

KEY_BYTES = 32
_NONCE_BYTES = 12
_TAG_BYTES = 16


class SealedValueError(Exception):
    """A sealed value could not be opened: other key, other context, or altered."""


class Sealer:
    """Seals and opens short strings with one AES-256-GCM key.

    Every instance sharing a key can open what the others sealed; that is what
    lets several processes serve turns of the same call.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"a sealing key is {KEY_BYTES} bytes")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "Sealer(key=<hidden>)"

    @classmethod
    def generate(cls) -> "Sealer":
        """A sealer with a fresh random key, known to this process only."""
        return cls(AESGCM.generate_key(bit_length=KEY_BYTES * 8))

    @classmethod
    def from_config(cls, key: str, *, setting: str) -> "Sealer":
        """A sealer from the base64 key read from the setting named `setting`, or a
        per-process one when it is empty.

        A per-process key works for a single instance only (and not across
        restarts), so it is announced with a warning. A malformed key raises
        ValueError naming the setting, never showing the key.
        """
        key = key.strip()
        if not key:
            _logger.warning(
                "%s is not set; generated a key for this process only. Sealed values "
                "cannot be opened by other instances or after a restart: set %s to the "
                "base64 encoding of %d random bytes in production.",
                setting, setting, KEY_BYTES,
            )
            return cls.generate()
        try:
            raw = base64.b64decode(key, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != KEY_BYTES:
            raise ValueError(
                f"{setting} is invalid: expected the base64 encoding of {KEY_BYTES} random bytes, "
                "e.g. from: python -c \"import base64, os; "
                f"print(base64.b64encode(os.urandom({KEY_BYTES})).decode())\""
            )
        return cls(raw)

    def seal(self, plaintext: str, context: str) -> str:
        """`plaintext` encrypted and bound to `context`, as base64 text (nonce, then ciphertext)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), _context_bytes(context))
        return base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, token: str, context: str) -> str:
        """The plaintext of a `seal` result, if it was sealed with this key for `context`."""
        aad = _context_bytes(context)
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise SealedValueError("sealed value is not valid base64") from None
        if len(raw) < _NONCE_BYTES + _TAG_BYTES:
            raise SealedValueError("sealed value is too short")
        try:
            plaintext = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad)
        except InvalidTag:
            raise SealedValueError(
                "sealed value could not be opened: other key, other context, or altered"
            ) from None
        return plaintext.decode("utf-8")


def _context_bytes(context: str) -> bytes:
    if not context:
        raise ValueError("a context (such as the conversation id) is required to seal or open")
    return context.encode("utf-8")
