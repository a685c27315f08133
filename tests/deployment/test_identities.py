"""The app signs in to Azure with its own identity, and each resource gives that identity a role.

No storage account key and no ACS access key reaches the app: it has a user-assigned managed
identity (created before the Web App, so its roles exist when the app starts), App Service
gives its tokens to the app (`AZURE_CLIENT_ID` picks it), and the templates assign it
Storage Blob Data Contributor on the storage account (which takes no shared key at all),
Contributor on the ACS resource (the role Microsoft's Call Automation samples give) and Key
Vault Secrets User on the vault (`test_secrets.py`). What the app does with those settings is
tested against Azurite and the ACS stand-in (`tests/hosting/test_storage_identity.py`,
`tests/callautomation/test_identity.py`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.deployment.arm_expressions import Deferred, Scope
from tests.deployment.evaluation import ACS_WITH_IDENTITY, APP_ID, APP_NAME, deployed, nested, one, settings
from tests.deployment.test_templates import BOT_APP_PATHS, all_resources, declared, load, relative, without_prose

NEW_GROUP = {"groupName": "contoso-ivr-app", "groupLocation": "westus2"}
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"


def bot_app(path: Path, **choice: Any) -> tuple[dict[str, Any], Scope]:
    given = {"appServiceName": APP_NAME, "storageAccountName": "contosoivrstate", "acsResourceName": "contoso-acs", **choice}
    if "groupName" in load(path)["parameters"]:
        given.update(NEW_GROUP)
    return deployed(path, given, ACS_WITH_IDENTITY)


def role(scope: Scope, assignment: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(scope, role definition, principal) of a role assignment, evaluated."""
    properties = assignment["properties"]
    return (scope.value(assignment["scope"]), scope.value(properties["roleDefinitionId"]),
            scope.value(properties["principalId"]))


def role_definition(guid: str) -> Deferred:
    return Deferred("subscriptionResourceId", ("Microsoft.Authorization/roleDefinitions", guid))


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_no_template_asks_azure_for_a_key_of_the_storage_account_or_the_acs_resource(path: Path):
    used = json.dumps(without_prose(load(path)))
    assert "listKeys" not in used and "primaryConnectionString" not in used


@pytest.mark.parametrize("channel", ["callAutomation", "telephony"])
@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_the_app_runs_as_its_user_assigned_identity_and_is_told_which_one(path: Path, channel: str):
    template, scope = bot_app(path, channel=channel, appId=APP_ID)
    identity = one(template, "Microsoft.ManagedIdentity/userAssignedIdentities")
    identity_id = scope.value("[variables('identityId')]")
    assert identity_id == Deferred("resourceId", ("Microsoft.ManagedIdentity/userAssignedIdentities", scope.value(identity["name"])))
    site = one(template, "Microsoft.Web/sites")
    assert identity_id in scope.value(site["identity"])["userAssignedIdentities"]
    assert scope.value(site["identity"])["type"] == "UserAssigned"
    assert scope.value(site["properties"]["keyVaultReferenceIdentity"]) == identity_id, "it also resolves the Key Vault references"
    assert identity_id in [scope.value(d) for d in site["dependsOn"]]
    deployed_settings = settings(template, scope)
    assert deployed_settings["AZURE_CLIENT_ID"] == Deferred("reference", (identity_id, "2023-01-31"), ("clientId",))
    assert deployed_settings["AZURE_STORAGE_ACCOUNT_URL"] == Deferred(
        "reference", (scope.value("[variables('storageAccountId')]"), "2023-01-01"), ("primaryEndpoints", "blob")
    )
    acs = Deferred("reference", (scope.value("[variables('acsResourceId')]"), "2023-04-01"), ("hostName",))
    assert deployed_settings["ACS_ENDPOINT"] == Deferred("concat", ("https://", acs, "/")), "recordings download by identity too"


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_a_bot_registered_as_a_user_assigned_identity_keeps_it_beside_the_apps_own(path: Path):
    template, scope = bot_app(path, channel="telephony", appId=APP_ID, appType="UserAssignedMSI", UMSIName="bot-msi",
                              UMSIResourceGroupName="identities")
    identities = scope.value(one(template, "Microsoft.Web/sites")["identity"])["userAssignedIdentities"]
    assert len(identities) == 2 and scope.value("[variables('identityId')]") in identities


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_the_storage_account_takes_no_key_and_the_app_identity_may_use_its_blobs(path: Path):
    template, scope = bot_app(path)
    account = one(template, "Microsoft.Storage/storageAccounts")
    assert account["properties"]["allowSharedKeyAccess"] is False
    assert account["properties"]["defaultToOAuthAuthentication"] is True
    principal = Deferred("reference", (scope.value("[variables('identityId')]"), "2023-01-31"), ("principalId",))
    assignments = [role(scope, r) for r in declared(template) if r["type"] == "Microsoft.Authorization/roleAssignments"
                   and scope.value(r.get("condition", True))]
    assert (f"Microsoft.Storage/storageAccounts/{scope.value(account['name'])}", role_definition(STORAGE_BLOB_DATA_CONTRIBUTOR),
            principal) in assignments
    settings_resource = one(template, "Microsoft.Web/sites/config")
    assert any("storageBlobDataContributorRoleId" in d for d in settings_resource["dependsOn"]), (
        "the settings that switch the app to its identity wait for its role"
    )


@pytest.mark.parametrize("channel", ["callAutomation", "telephony"])
@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_the_app_identity_gets_a_role_on_the_acs_resource_in_the_resource_group_it_is_in(path: Path, channel: str):
    template, scope = bot_app(path, channel=channel, appId=APP_ID, acsResourceGroupName="contoso-phone")
    access, access_scope = nested(template, scope, "acsAccessDeploymentName")
    (deployment,) = [r for r in all_resources(template) if r.get("type") == "Microsoft.Resources/deployments"
                     and "acsAccessDeploymentName" in r["name"]]
    assert scope.value(deployment["resourceGroup"]) == "contoso-phone"
    assert scope.value(deployment.get("condition", True)) is True, "recordings are downloaded with it on both paths"
    (assignment,) = access["resources"]
    where, definition, principal = role(access_scope, assignment)
    assert where == "Microsoft.Communication/communicationServices/contoso-acs"
    assert definition == role_definition(CONTRIBUTOR)
    assert principal == Deferred("reference", (scope.value("[variables('identityId')]"), "2023-01-31"), ("principalId",))
