"""Azurite (the Azure Storage emulator) for tests that need real Blob Storage.

Register the fixture in a conftest with ``from tests.azurite import azurite_connection_string``.
Azurite comes from ``node_modules`` (``make test`` runs ``npm install``); it is
started once per test session on a free loopback port, in a temporary folder,
and stopped at the end.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

AZURITE = Path(__file__).resolve().parent.parent / "node_modules" / ".bin" / "azurite-blob"
# Azurite's fixed, documented development account.
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
START_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Azurite exited with status {process.returncode}; see azurite.err in its workspace")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Azurite did not listen on port {port} within {START_TIMEOUT_S} s")


@pytest.fixture(scope="session")
def azurite_connection_string(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A connection string to a fresh Azurite blob service, shared by the session."""
    if not AZURITE.exists():
        pytest.fail(f"{AZURITE} is missing: run `npm install` (make test does)")
    workspace = tmp_path_factory.mktemp("azurite")
    port = _free_port()
    errors = open(workspace / "azurite.err", "wb")
    process = subprocess.Popen(
        [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(workspace),
         "--skipApiVersionCheck", "--loose", "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    try:
        _wait_for_port(port, process, time.monotonic() + START_TIMEOUT_S)
        yield (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{port}/{ACCOUNT};"
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors.close()
