"""Azurite (the Azure Storage emulator) for tests that need real Blob Storage.

Register the fixture in a conftest with ``from tests.azurite import azurite_connection_string``.
It starts Azurite once per test session on a free loopback port, in a temporary
folder, and stops it at the end (see `devtools.azurite`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from devtools.azurite import AZURITE, azurite_blob_service


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def azurite_connection_string(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A connection string to a fresh Azurite blob service, shared by the session."""
    if not AZURITE.exists():
        pytest.fail(f"{AZURITE} is missing: run `npm install` (make test does)")
    async with azurite_blob_service(tmp_path_factory.mktemp("azurite")) as connection_string:
        yield connection_string
