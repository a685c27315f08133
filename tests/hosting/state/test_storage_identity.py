"""Blob Storage with the app's managed identity instead of the account key.

In Azure the app is given the account's blob endpoint (`AZURE_STORAGE_ACCOUNT_URL`) and no
connection string; its `DefaultAzureCredential` gets tokens from App Service's identity
endpoint. Here that endpoint is a local stand-in found through the same environment
variables, and Azurite runs over https taking bearer tokens (`--oauth basic`), so the real
azure-storage-blob client signs in exactly as in Azure. Azurite checks a token's issuer,
audience and lifetime, not the identity's role: the roles are the templates' to give
(`tests/deployment/test_identities.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity.aio import ManagedIdentityCredential
from azure.storage.blob.aio import BlobServiceClient

from devtools.azurite import AzuriteOverHttps
from devtools.processes import serve_app
from hosting.state.blob_storage import BlobStorage
from simulator.managed_identity import ManagedIdentityEndpoint
from tests.azurite import azurite_over_https  # noqa: F401  (fixture)
from tests.scale.conftest import CALLER, call_activity, service_url  # noqa: F401  (fixture)

STORAGE_AUDIENCE = "https://storage.azure.com"


@pytest.fixture
async def tokens() -> AsyncIterator[ManagedIdentityEndpoint]:
    async with ManagedIdentityEndpoint() as endpoint:
        yield endpoint


def keyed(azurite: AzuriteOverHttps) -> BlobServiceClient:
    """The test's own look inside the account, with the development key."""
    return BlobServiceClient.from_connection_string(azurite.connection_string, connection_verify=str(azurite.ca_path))


async def blob_names(azurite: AzuriteOverHttps, container: str) -> list[str]:
    async with keyed(azurite) as service:
        return [blob.name async for blob in service.get_container_client(container).list_blobs()]


async def test_state_is_written_and_read_back_with_a_token_of_the_apps_identity(azurite_over_https, tokens, monkeypatch):
    identity = tokens.add_identity()
    for name, value in tokens.environment(identity).items():
        monkeypatch.setenv(name, value)
    container = f"state-{uuid.uuid4().hex[:12]}"
    async with ManagedIdentityCredential(client_id=identity.client_id) as credential:
        service = BlobServiceClient(azurite_over_https.account_url, credential=credential,
                                    connection_verify=str(azurite_over_https.ca_path))
        storage = BlobStorage(service, container)
        try:
            await storage.write({"call-1/state": {"step": "menu"}})
            assert (await storage.read(["call-1/state"]))["call-1/state"]["step"] == "menu"
        finally:
            await storage.close()
    assert await blob_names(azurite_over_https, container)
    assert {(issued.client_id, issued.resource) for issued in tokens.issued} == {(identity.client_id, STORAGE_AUDIENCE)}


async def test_without_a_token_the_account_refuses_the_app(azurite_over_https):
    """What makes the test above mean something: the account takes no anonymous writes."""
    async with BlobServiceClient(azurite_over_https.account_url, connection_verify=str(azurite_over_https.ca_path)) as service:
        with pytest.raises(HttpResponseError):
            await service.get_container_client(f"state-{uuid.uuid4().hex[:12]}").create_container()


# ---------------------------------------------------------------- the app as App Service runs it


async def test_the_app_keeps_calls_and_recordings_in_blob_storage_with_its_identity_and_no_key(
    azurite_over_https, tokens, service_url, tmp_path: Path
):
    identity = tokens.add_identity()
    state, recordings = f"state-{uuid.uuid4().hex[:12]}", f"recordings-{uuid.uuid4().hex[:12]}"
    settings = {
        "STORAGE": "blob",
        "RECORDINGS_STORE": "blob",
        "AZURE_STORAGE_CONNECTION_STRING": "",
        "AZURE_STORAGE_ACCOUNT_URL": azurite_over_https.account_url,
        "STATE_BLOB_CONTAINER": state,
        "RECORDINGS_BLOB_CONTAINER": recordings,
        **tokens.environment(identity),
        "SSL_CERT_FILE": str(azurite_over_https.ca_path),  # Azurite's certificate, as Azure's would be trusted
        "LOG_LEVEL": "WARNING",
    }
    call_start = call_activity(f"call-{uuid.uuid4().hex[:8]}", "start-1", service_url.url, "conversationUpdate",
                               membersAdded=[{"id": CALLER}])
    async with serve_app(settings, log=tmp_path / "app.log") as server:
        async with aiohttp.ClientSession() as http:
            async with http.post(server.messages_url, json=call_start) as response:
                assert response.status in (200, 201), (response.status, server.process.output())
        await service_url.wait_for(lambda activity: activity.get("type") == "message", 0, timeout_s=20)
    assert await blob_names(azurite_over_https, state), "the call's state is in the state container"
    assert await blob_names(azurite_over_https, recordings) == [], "the recordings container was created at start-up"
    assert tokens.issued and {(issued.client_id, issued.resource) for issued in tokens.issued} == {
        (identity.client_id, STORAGE_AUDIENCE)
    }
