"""Azurite, the Azure Storage emulator, as a local Blob Storage for tests and benchmarks.

Azurite comes from `node_modules` (`make test` runs `npm install`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

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


@asynccontextmanager
async def azurite_blob_service(workspace: Path, timeout_s: float = START_TIMEOUT_S) -> AsyncIterator[str]:
    """Azurite's blob service on a free loopback port, storing in `workspace`; yields its connection string.

    Its output goes to `azurite.log` in `workspace`.
    """
    port = free_port()
    argv = [str(AZURITE), "--blobHost", LOOPBACK, "--blobPort", str(port), "--location", str(workspace),
            "--skipApiVersionCheck", "--loose", "--silent"]
    with child_process(argv, cwd=ROOT, env=os.environ, log=workspace / "azurite.log") as process:
        await wait_for_port(LOOPBACK, port, timeout_s, process)
        yield connection_string(port)
