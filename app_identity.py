"""The app's own identity in Azure, and the Blob Storage account it reaches with it.

In Azure the app holds no storage or ACS key: App Service gives it a managed identity,
and the deployment gives that identity a role on each resource (Storage Blob Data
Contributor on the storage account, Contributor on the ACS resource). On a laptop the
same code signs in as whoever ran `az login`. Connection strings stay for local
development and Azurite, and win when set.
"""

from __future__ import annotations

from azure.core.credentials_async import AsyncTokenCredential
from azure.storage.blob.aio import BlobServiceClient

from config import DefaultConfig


def app_credential(config: DefaultConfig) -> AsyncTokenCredential | None:
    """The app's identity, or None when every Azure service it uses is reached with a key.

    `DefaultAzureCredential` finds App Service's managed identity from the environment
    (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`); `AZURE_CLIENT_ID` picks a user-assigned one.
    """
    if not (config.storage_by_identity or config.acs_by_identity):
        return None
    from azure.identity.aio import DefaultAzureCredential  # only needed without keys

    return DefaultAzureCredential(managed_identity_client_id=config.AZURE_CLIENT_ID or None)


def blob_service(config: DefaultConfig, credential: AsyncTokenCredential | None) -> BlobServiceClient:
    """The storage account of `STORAGE=blob` and `RECORDINGS_STORE=blob`: by connection string, or by identity."""
    if config.AZURE_STORAGE_CONNECTION_STRING:
        return BlobServiceClient.from_connection_string(config.AZURE_STORAGE_CONNECTION_STRING)
    if credential is None:
        raise ValueError("Blob Storage by AZURE_STORAGE_ACCOUNT_URL needs the app's credential")
    return BlobServiceClient(config.AZURE_STORAGE_ACCOUNT_URL, credential=credential)
