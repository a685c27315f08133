"""Which hosts recordings may be fetched from.

Event Grid payloads name the URLs to download, and the download request carries
our ACS signature: a forged event must not make the app call (and sign a request
to) an address of the attacker's choosing. Only https URLs on an allowed host pass.
"""

from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import urlsplit

# A DNS host name: dot-separated labels of letters, digits and inner hyphens.
HOST_NAME = re.compile(r"(?=.{1,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")
# Characters no well-formed https URL carries raw (controls, spaces, backslashes).
UNSAFE_CHARACTER = re.compile(r"[\x00-\x20\x7f\\]")


class HostAllowList:
    """Host patterns: "storage.asm.skype.com" exactly, or "*.asm.skype.com" for any subdomain."""

    def __init__(self, patterns: Iterable[str]):
        self._exact: set[str] = set()
        self._suffixes: list[str] = []
        for pattern in patterns:
            pattern = pattern.strip().lower().rstrip(".")
            if pattern.startswith("*."):
                self._suffixes.append(pattern[1:])
            elif pattern:
                self._exact.add(pattern)

    def permits(self, url: str) -> bool:
        """True when `url` is https, carries no credentials, and its host is an allowed host name."""
        if UNSAFE_CHARACTER.search(url):
            return False
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").rstrip(".")
            parts.port  # raises on a malformed port
        except ValueError:
            return False
        if parts.scheme != "https" or not HOST_NAME.fullmatch(host) or parts.username is not None:
            return False
        return host in self._exact or any(host.endswith(suffix) for suffix in self._suffixes)
