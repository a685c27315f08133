"""Azurite (the Azure Storage emulator) for tests that need real Blob Storage.

Register the fixtures in a conftest with ``from tests.azurite import azurite_connection_string``
(``azurite_over_https`` for the same over https with OAuth).
It starts Azurite once per test session on a free loopback port, in a temporary
folder, and stops it at the end (see `devtools.azurite`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from devtools.azurite import AZURITE, AzuriteOverHttps, azurite_blob_service, azurite_blob_service_with_oauth


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def azurite_connection_string(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A connection string to a fresh Azurite blob service, shared by the session."""
    _require_azurite()
    async with azurite_blob_service(tmp_path_factory.mktemp("azurite")) as connection_string:
        yield connection_string


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def azurite_over_https(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AzuriteOverHttps]:
    """Azurite's blob service over https, taking bearer tokens as Blob Storage does, shared by the session."""
    _require_azurite()
    async with azurite_blob_service_with_oauth(tmp_path_factory.mktemp("azurite-oauth")) as azurite:
        yield azurite


def _require_azurite() -> None:
    if not AZURITE.exists():
        pytest.fail(f"{AZURITE} is missing: run `npm install` (make test does)")
