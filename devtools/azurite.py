"""Azurite, the Azure Storage emulator, as a local Blob Storage for tests and benchmarks.

Azurite comes from `node_modules` (`make test` runs `npm install`). It serves plain http
with the development account's key, or https with OAuth (`--oauth basic`), where it
accepts bearer tokens as Blob Storage does from a managed identity: Azurite 3.37 checks
a token's lifetime (`nbf`, `exp`, `iat`), an issuer under `https://sts.windows.net/` and
the audience `https://storage.azure.com`, but not its signature or any role.
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from simulator.acs.tls import make_tls

from .processes import (
    LOOPBACK,
    ROOT,
    START_TIMEOUT_S,
    child_process,
    free_port,
    wait_for_port,
)

AZURITE = ROOT / "node_modules" / ".bin" / "azurite-blob"
# Azurite's fixed, documented development account.
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def connection_string(port: int) -> str:
    """The connection string of the development account on a local Azurite blob service."""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
        f"BlobEndpoint=http://{LOOPBACK}:{port}/{ACCOUNT};"
    )


@dataclass(frozen=True)
class AzuriteOverHttps:
    """Azurite's blob service over https with OAuth, and how to reach it."""

    account_url: str  # what the app is given, with its identity
    ca_path: Path  # the certificate authority its certificate comes from
    connection_string: str  # the development account's key, for a test to look inside


@asynccontextmanager
async def azurite_blob_service(workspace: Path, timeout_s: float = START_TIMEOUT_S) -> AsyncIterator[str]:
    """Azurite's blob service on a free loopback port, storing in `workspace`; yields its connection string.

    Its output goes to `azurite.log` in `workspace`.
    """
    port = free_port()
    async with _azurite(workspace, port, (), timeout_s):
        yield connection_string(port)


@asynccontextmanager
async def azurite_blob_service_with_oauth(
    workspace: Path, timeout_s: float = START_TIMEOUT_S
) -> AsyncIterator[AzuriteOverHttps]:
    """Azurite's blob service over https, accepting bearer tokens, with a certificate made for it."""
    ca, cert, key = make_tls(workspace / "tls", names=("localhost",), ip_addresses=(LOOPBACK,))
    port = free_port()
    # Stopped at once: asked to stop, its https server waits out idle TLS connections (10 s),
    # and what it stored is thrown away anyway.
    options = ("--oauth", "basic", "--cert", str(cert), "--key", str(key))
    async with _azurite(workspace, port, options, timeout_s, stop_signal=signal.SIGKILL):
        endpoint = f"https://{LOOPBACK}:{port}/{ACCOUNT}"
        yield AzuriteOverHttps(
            account_url=endpoint,
            ca_path=ca,
            connection_string=f"DefaultEndpointsProtocol=https;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={endpoint};",
        )


@asynccontextmanager
async def _azurite(
    workspace: Path, port: int, options: Sequence[str], timeout_s: float, stop_signal: signal.Signals = signal.SIGTERM
) -> AsyncIterator[None]:
    argv = [str(AZURITE), "--blobHost", LOOPBACK, "--blobPort", str(port), "--location", str(workspace),
            "--skipApiVersionCheck", "--loose", "--silent", *options]
    log = workspace / "azurite.log"
    with child_process(argv, cwd=ROOT, env=os.environ, log=log, stop_signal=stop_signal) as process:
        await wait_for_port(LOOPBACK, port, timeout_s, process)
        yield
