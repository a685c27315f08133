"""Every secret of the deployment is in Key Vault, and the Web App reads it there.

App settings are readable by anyone with `Microsoft.Web/sites/config/list/action` (Website
Contributor and up), and deployment parameters that are not securestring are kept in the
deployment history. So the BotApp template gives the app every secret as a Key Vault
reference (`@Microsoft.KeyVault(VaultName=...;SecretName=...)`), resolved by App Service with
the app's identity; it generates the card-data key and the Event Grid secret in the vault only
when the vault does not hold them yet (a redeploy keeps them); and the Event Grid templates
read the webhook secret from the vault themselves. Each choice is evaluated as ARM would,
through the new-group wrappers too, with marked values for the secrets a user passes.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from telephony import Sealer
from tests.deployment.arm_expressions import Deferred, Scope
from tests.deployment.evaluation import (
    APP_ID,
    APP_NAME,
    APP_SECRET,
    INSIGHTS_CONNECTION_STRING,
    deferred_calls,
    deployed,
    key_vault_reference,
    nested,
    settings,
)
from tests.deployment.test_templates import (
    AZURE_BOT_PATHS,
    BOT_APP_PATHS,
    INCOMING_CALLS_PATHS,
    all_resources,
    load,
    relative,
    resources_of_type,
)

# Settings that hold a secret, and the name it has in the vault.
VAULTED = {
    "MicrosoftAppPassword": "microsoft-app-password",
    "CARD_DATA_KEY": "card-data-key",
    "EVENTGRID_SECRET": "eventgrid-secret",
    "APPLICATIONINSIGHTS_CONNECTION_STRING": "applicationinsights-connection-string",
}
# Keys the app must not be given in Azure at all: it reaches Blob Storage and ACS with its identity.
KEYS = ("AZURE_STORAGE_CONNECTION_STRING", "ACS_CONNECTION_STRING")
# What a value read from a resource is a secret when it is named so.
SECRET_PATH = re.compile(r"key|secret|password|connectionstring", re.IGNORECASE)
SENTINELS = (APP_SECRET, INSIGHTS_CONNECTION_STRING)
NEW_GROUP = {"groupName": "contoso-ivr-app", "groupLocation": "westus2"}

CHOICES = [
    {"channel": "callAutomation", "appId": "", "telemetry": "newApplicationInsights"},
    {"channel": "callAutomation", "appId": "", "telemetry": "existingApplicationInsights"},
    {"channel": "callAutomation", "appId": APP_ID, "appType": "SingleTenant", "telemetry": "off"},
    {"channel": "telephony", "appId": APP_ID, "appType": "SingleTenant", "telemetry": "newApplicationInsights"},
    {"channel": "telephony", "appId": APP_ID, "appType": "UserAssignedMSI", "UMSIName": "bot-msi",
     "UMSIResourceGroupName": "identities", "telemetry": "off"},
    {"channel": "telephony", "appId": APP_ID, "appType": "SingleTenant", "existingKeyVaultName": "kv-contoso-shared",
     "telemetry": "existingApplicationInsights"},
]


def choice_id(choice: dict[str, Any]) -> str:
    return "-".join(str(v) for k, v in choice.items() if k in ("channel", "appType", "telemetry", "existingKeyVaultName"))


def bot_app(path: Path, choice: dict[str, Any]) -> tuple[dict[str, Any], Scope]:
    given = {"appServiceName": APP_NAME, "appSecret": APP_SECRET, "applicationInsightsConnectionString": INSIGHTS_CONNECTION_STRING,
             **choice}
    if "groupName" in load(path)["parameters"]:
        given.update(NEW_GROUP)
    return deployed(path, given)


def secretish(value: Any) -> list[str]:
    """What in `value` is a secret's value rather than a reference to it."""
    found = [f"the secret {s[:12]}..." for s in SENTINELS if s in json.dumps(value, default=repr)]
    for call in deferred_calls(value):
        if call.function.startswith("list"):
            found.append(f"{call.function}(): a resource's keys")
        if call.function == "reference" and any(SECRET_PATH.search(str(step)) for step in call.path):
            found.append(f"reference(...).{'.'.join(map(str, call.path))}")
    return found


# ---------------------------------------------------------------- app settings


@pytest.mark.parametrize("choice", CHOICES, ids=choice_id)
@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_no_app_setting_carries_a_secret_value_only_key_vault_references(path: Path, choice: dict[str, Any]):
    template, scope = bot_app(path, choice)
    deployed_settings = settings(template, scope)
    for name, value in deployed_settings.items():
        assert not secretish(value), f"{path.name}: {name} carries {secretish(value)}"
    vault = scope.value("[variables('keyVaultName')]")
    for name, secret in VAULTED.items():
        assert deployed_settings[name] in ("", key_vault_reference(vault, secret)), f"{path.name}: {name}={deployed_settings[name]!r}"
    assert deployed_settings["CARD_DATA_KEY"] and deployed_settings["EVENTGRID_SECRET"], "always from the vault"
    for name in KEYS:
        assert deployed_settings[name] == "", f"{path.name}: {name} must be empty: the app signs in with its identity"


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_the_app_password_and_telemetry_are_referenced_only_when_there_is_one(path: Path):
    vaulted = lambda choice: settings(*bot_app(path, choice))  # noqa: E731
    without = vaulted({"channel": "callAutomation", "appId": "", "telemetry": "off"})
    assert without["MicrosoftAppPassword"] == "" and without["APPLICATIONINSIGHTS_CONNECTION_STRING"] == ""
    msi = vaulted({"channel": "telephony", "appId": APP_ID, "appType": "UserAssignedMSI", "UMSIName": "m",
                   "UMSIResourceGroupName": "g", "telemetry": "off"})
    assert msi["MicrosoftAppPassword"] == "", "a user-assigned managed identity has no password"
    both = vaulted({"channel": "telephony", "appId": APP_ID, "appType": "SingleTenant", "telemetry": "newApplicationInsights"})
    assert both["MicrosoftAppPassword"] and both["APPLICATIONINSIGHTS_CONNECTION_STRING"]


def test_a_planted_secret_value_is_caught():
    """The check above, against the mistakes it exists for: a key, a passed secret, a connection string."""
    assert secretish(Deferred("listKeys", (Deferred("resourceId", ("Microsoft.Storage/storageAccounts", "s")), "2023-01-01")))
    assert secretish(f"Password={APP_SECRET}")
    assert secretish(Deferred("reference", (Deferred("resourceId", ("Microsoft.Insights/components", "i")),), ("ConnectionString",)))
    assert not secretish(key_vault_reference("kv-contoso", "card-data-key"))


# ---------------------------------------------------------------- the vault's secrets


def secrets_deployment(path: Path, choice: dict[str, Any]) -> tuple[dict[str, Any], Scope, Scope]:
    template, scope = bot_app(path, choice)
    inner, inner_scope = nested(template, scope, "secretsDeploymentName")
    return inner, inner_scope, scope


def secret_resources(inner: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in inner["resources"].items() if r["type"] == "Microsoft.KeyVault/vaults/secrets"}


@pytest.mark.parametrize("choice", CHOICES, ids=choice_id)
@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_every_secret_the_app_reads_is_one_the_deployment_writes_into_that_vault(path: Path, choice: dict[str, Any]):
    inner, inner_scope, scope = secrets_deployment(path, choice)
    vault = scope.value("[variables('keyVaultName')]")
    assert inner_scope.value("[parameters('vaultName')]") == vault
    written = {}
    for resource in secret_resources(inner).values():
        if inner_scope.value(resource.get("condition", True)):
            name = inner_scope.value(resource["name"])
            written[name.args[-1] if isinstance(name, Deferred) else name.split("/")[-1]] = resource
    referenced = {VAULTED[n] for n, v in settings(*bot_app(path, choice)).items() if n in VAULTED and v}
    assert referenced <= set(written), f"{path.name}: referenced but never written: {referenced - set(written)}"


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_generated_secrets_are_created_only_when_the_vault_lacks_them(path: Path):
    """`onlyIfNotExists` (template language 2.0): a redeploy keeps the card-data key and the webhook secret."""
    inner, _, _ = secrets_deployment(path, CHOICES[0])
    assert inner["languageVersion"] == "2.0"
    (deployment,) = [r for r in all_resources(load(path)) if r.get("type") == "Microsoft.Resources/deployments"
                     and "secretsDeploymentName" in r["name"]]
    passed = set(deployment["properties"]["parameters"])
    generated = {"cardDataKey", "eventGridSecret"}
    for name, resource in secret_resources(inner).items():
        create_only = resource.get("@options", {}).get("onlyIfNotExists") == []
        assert create_only == (name in generated), f"{name}: create-only is {create_only}"
        seeds = re.findall(r"parameters\('(\w+)'\)", resource["properties"]["value"])
        if name in generated:
            for seed in seeds:
                spec = inner["parameters"][seed]
                assert spec["type"] == "securestring" and spec["defaultValue"] == "[newGuid()]"
                assert seed not in passed, f"{seed} is random in the vault's deployment, never passed in"
        else:
            assert resource["condition"] == f"[not(empty(parameters('{seeds[0]}')))]", "written only when given"


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_a_generated_card_data_key_is_one_the_app_accepts_and_the_webhook_secret_is_url_safe(path: Path):
    inner, _, _ = secrets_deployment(path, CHOICES[0])
    seeds = {name: str(uuid.uuid4()) for name in inner["parameters"] if "Seed" in name}
    scope = Scope(inner, {"vaultName": "kv-x", "createVault": True, "location": "westus2", "tenantId": "t",
                          "principalId": "p", "roleDefinitionId": "r", "secretNames": {}, "appPassword": "",
                          "applicationInsightsConnectionString": "", **seeds})
    key = scope.value(inner["resources"]["cardDataKey"]["properties"]["value"])
    assert len(base64.b64decode(key, validate=True)) == 32
    Sealer.from_config(key, setting="CARD_DATA_KEY").seal("4111111111111111", "call-1")
    webhook = scope.value(inner["resources"]["eventGridSecret"]["properties"]["value"])
    assert re.fullmatch(r"[0-9a-f]{64}", webhook) and quote(webhook, safe="") == webhook
    again = Scope(inner, {**scope._parameters, **{n: str(uuid.uuid4()) for n in seeds}})
    assert again.value(inner["resources"]["cardDataKey"]["properties"]["value"]) != key, "random, not derived"


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_the_vault_uses_azure_rbac_allows_template_deployment_and_lets_the_app_read_secrets_only(path: Path):
    inner, inner_scope, scope = secrets_deployment(path, CHOICES[0])
    vault = inner["resources"]["vault"]
    assert inner_scope.value(vault["condition"]) is True
    assert vault["properties"]["enableRbacAuthorization"] is True
    assert vault["properties"]["enabledForTemplateDeployment"] is True, "the Event Grid templates read the webhook secret"
    (role,) = [r for r in inner["resources"].values() if r["type"] == "Microsoft.Authorization/roleAssignments"]
    assert inner_scope.value(role["properties"]["roleDefinitionId"]) == Deferred(
        "subscriptionResourceId", ("Microsoft.Authorization/roleDefinitions", "4633458b-17de-408a-b874-0445c86b69e6")
    ), "Key Vault Secrets User: reads secret values, nothing else"
    assert inner_scope.value(role["properties"]["principalId"]) == Deferred(
        "reference", (scope.value("[variables('identityId')]"), "2023-01-31"), ("principalId",)
    )
    existing, existing_scope, _ = secrets_deployment(path, CHOICES[-1])
    assert existing_scope.value(existing["resources"]["vault"]["condition"]) is False, "an existing vault is taken as it is"


# ---------------------------------------------------------------- the deployment history and outputs


@pytest.mark.parametrize("choice", CHOICES, ids=choice_id)
@pytest.mark.parametrize("path", BOT_APP_PATHS + AZURE_BOT_PATHS + INCOMING_CALLS_PATHS, ids=relative)
def test_a_secret_passed_to_a_nested_deployment_is_a_securestring_there_and_no_output_shows_one(path: Path, choice):
    given = {"appServiceName": APP_NAME}
    declared = load(path)["parameters"]
    given.update({k: v for k, v in {"appSecret": APP_SECRET, "applicationInsightsConnectionString": INSIGHTS_CONNECTION_STRING,
                                    "appId": APP_ID, **choice}.items() if k in declared})
    given.update({k: v for k, v in NEW_GROUP.items() if k in declared})
    if "azureBotId" in declared:
        given["azureBotId"] = "contoso-ivr"
    template, scope = deployed(path, given)
    for deployment in resources_of_type(template, "Microsoft.Resources/deployments"):
        inner = deployment["properties"]["template"]
        for name, entry in deployment["properties"]["parameters"].items():
            value = scope.value(entry["value"]) if "value" in entry else entry
            is_secret = bool(secretish(value)) or "reference" in entry
            if is_secret:
                assert inner["parameters"][name]["type"] == "securestring", (
                    f"{path.name} > {deployment['name']}: {name} would be shown in the deployment history"
                )
    outputs = {name: scope.value(output["value"]) for name, output in template["outputs"].items()}
    assert not secretish(outputs), f"{path.name}: outputs show {secretish(outputs)}"


# ---------------------------------------------------------------- the Event Grid webhooks


@pytest.mark.parametrize("path", AZURE_BOT_PATHS + INCOMING_CALLS_PATHS, ids=relative)
def test_the_webhook_secret_is_read_from_the_bots_vault_by_the_deployment_itself(path: Path):
    """No shell variable carries it: ARM resolves the Key Vault reference while deploying."""
    assert "eventGridSecret" not in load(path)["parameters"]
    given = {"appServiceName": APP_NAME, "phoneNumber": "+14255550199", "acsResourceName": "contoso-acs", **NEW_GROUP}
    if "azureBotId" in load(path)["parameters"]:
        given.update(azureBotId="contoso-ivr", appId=APP_ID, speechAccountName="contoso-speech")
    template, scope = deployed(path, {k: v for k, v in given.items() if k in load(path)["parameters"]})
    (events,) = resources_of_type(template, "Microsoft.Resources/deployments")
    reference = events["properties"]["parameters"]["eventGridSecret"]["reference"]
    assert reference["secretName"] == VAULTED["EVENTGRID_SECRET"]
    bot_app_template, bot_app_scope = deployed(BOT_APP_PATHS[0], {"appServiceName": APP_NAME})
    vault_id = scope.value(reference["keyVault"]["id"])
    assert vault_id == Deferred("resourceId", (
        bot_app_scope.value("[variables('keyVaultResourceGroupName')]"), "Microsoft.KeyVault/vaults",
        bot_app_scope.value("[variables('keyVaultName')]"),
    )), "the vault the BotApp template made for the same app, by default"
    existing = deployed(path, {**{k: v for k, v in given.items() if k in load(path)["parameters"]},
                               "keyVaultName": "kv-contoso-shared", "keyVaultResourceGroupName": "secrets"})[1]
    assert existing.value(reference["keyVault"]["id"]) == Deferred("resourceId", ("secrets", "Microsoft.KeyVault/vaults", "kv-contoso-shared"))
