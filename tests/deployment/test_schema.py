"""Every resource of every template, checked against Azure's resource type definitions.

The definitions (`azure_types/`, from Azure/bicep-types-az) are the ones for the exact
apiVersions the templates use; a template that moves to another apiVersion needs its
definition copied in, or the check says so.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.deployment.arm_schema import Problem, ProblemKind, TypeLibrary
from tests.deployment.test_templates import TEMPLATE_PATHS, all_resources, load, relative

LIBRARY = TypeLibrary()
BOT_APP = next(p for p in TEMPLATE_PATHS if p.name == "template-BotApp-with-rg.json")
AZURE_BOT = next(p for p in TEMPLATE_PATHS if p.name == "template-AzureBot-with-rg.json")


def problems_in(template: dict[str, Any], where: str) -> list[Problem]:
    return [problem for resource in all_resources(template) for problem in LIBRARY.check(resource, where)]


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=relative)
def test_every_resource_matches_its_type_definition(path: Path):
    problems = problems_in(load(path), path.name)
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=relative)
def test_every_resource_type_and_api_version_has_a_definition_here(path: Path):
    for resource in all_resources(load(path)):
        assert LIBRARY.knows(resource["type"], resource["apiVersion"]), (
            f"{path.name}: copy the definition of {resource['type']}@{resource['apiVersion']} into azure_types/"
        )


# ---------------------------------------------------------------- planted typos


def first(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return next(r for r in all_resources(template) if r["type"] == resource_type)


def misspell_https_only(t: dict[str, Any]) -> None:
    site = first(t, "Microsoft.Web/sites")
    site["properties"]["httpOnly"] = site["properties"].pop("httpsOnly")


def misspell_web_sockets(t: dict[str, Any]) -> None:
    config = first(t, "Microsoft.Web/sites")["properties"]["siteConfig"]
    config["websocketsEnabled"] = config.pop("webSocketsEnabled")


def drop_storage_sku(t: dict[str, Any]) -> None:
    del first(t, "Microsoft.Storage/storageAccounts")["sku"]


def set_read_only_default_host_name(t: dict[str, Any]) -> None:
    first(t, "Microsoft.Web/sites")["properties"]["defaultHostName"] = "bot.azurewebsites.net"


def wrong_container_access(t: dict[str, Any]) -> None:
    first(t, "Microsoft.Storage/storageAccounts/blobServices/containers")["properties"]["publicAccess"] = "Private"


def wrong_access_tier(t: dict[str, Any]) -> None:
    first(t, "Microsoft.Storage/storageAccounts")["properties"]["accessTier"] = "Warm"


def web_sockets_as_string(t: dict[str, Any]) -> None:
    first(t, "Microsoft.Web/sites")["properties"]["siteConfig"]["webSocketsEnabled"] = "true"


def capacity_as_string(t: dict[str, Any]) -> None:
    first(t, "Microsoft.EventGrid/systemTopics/eventSubscriptions")["properties"]["retryPolicy"][
        "maxDeliveryAttempts"
    ] = "30"


def unknown_channel(t: dict[str, Any]) -> None:
    first(t, "Microsoft.BotService/botServices/channels")["properties"]["channelName"] = "TelefonyChannel"


def misspell_phone_number_field(t: dict[str, Any]) -> None:
    channel = first(t, "Microsoft.BotService/botServices/channels")
    number = channel["properties"]["properties"]["phoneNumbers"][0]
    number["acsEndPoint"] = number.pop("acsEndpoint")


def old_api_version(t: dict[str, Any]) -> None:
    first(t, "Microsoft.CognitiveServices/accounts")["apiVersion"] = "2017-04-18"


def drop_component_kind(t: dict[str, Any]) -> None:
    del first(t, "Microsoft.Insights/components")["kind"]


def misspell_workspace_resource_id(t: dict[str, Any]) -> None:
    properties = first(t, "Microsoft.Insights/components")["properties"]
    properties["WorkspaceResourceID"] = properties.pop("WorkspaceResourceId")


def set_read_only_connection_string(t: dict[str, Any]) -> None:
    first(t, "Microsoft.Insights/components")["properties"]["ConnectionString"] = "InstrumentationKey=00000000"


def wrong_application_type(t: dict[str, Any]) -> None:
    first(t, "Microsoft.Insights/components")["properties"]["Application_Type"] = "website"


def misspell_workspace_sku(t: dict[str, Any]) -> None:
    first(t, "Microsoft.OperationalInsights/workspaces")["properties"]["sku"]["name"] = "PerGB2019"


def retention_as_string(t: dict[str, Any]) -> None:
    first(t, "Microsoft.OperationalInsights/workspaces")["properties"]["retentionInDays"] = "30"


def drop_workbook_data(t: dict[str, Any]) -> None:
    del first(t, "Microsoft.Insights/workbooks")["properties"]["serializedData"]


def workbook_as_object(t: dict[str, Any]) -> None:
    workbook = first(t, "Microsoft.Insights/workbooks")["properties"]
    workbook["serializedData"] = json.loads(workbook["serializedData"])


def wrong_workbook_kind(t: dict[str, Any]) -> None:
    first(t, "Microsoft.Insights/workbooks")["kind"] = "user"


def misspell_rbac_authorization(t: dict[str, Any]) -> None:
    vault = first(t, "Microsoft.KeyVault/vaults")["properties"]
    vault["enableRBACAuthorization"] = vault.pop("enableRbacAuthorization")


def wrong_vault_sku_family(t: dict[str, Any]) -> None:
    first(t, "Microsoft.KeyVault/vaults")["properties"]["sku"]["family"] = "B"


def secret_value_at_the_top(t: dict[str, Any]) -> None:
    secret = first(t, "Microsoft.KeyVault/vaults/secrets")
    secret["value"] = secret["properties"].pop("value")


def give_an_identity_properties(t: dict[str, Any]) -> None:
    """A user-assigned identity has none to set: its client and principal ids are Azure's."""
    first(t, "Microsoft.ManagedIdentity/userAssignedIdentities")["properties"] = {"clientId": "00000000"}


def misspell_shared_key_access(t: dict[str, Any]) -> None:
    properties = first(t, "Microsoft.Storage/storageAccounts")["properties"]
    properties["allowSharedKeyAcess"] = properties.pop("allowSharedKeyAccess")


TYPOS: list[tuple[Path, Callable[[dict[str, Any]], None], ProblemKind, str]] = [
    (BOT_APP, misspell_https_only, ProblemKind.UNKNOWN_PROPERTY, "'httpOnly'"),
    (BOT_APP, misspell_web_sockets, ProblemKind.UNKNOWN_PROPERTY, "did you mean 'webSocketsEnabled'?"),
    (BOT_APP, drop_storage_sku, ProblemKind.MISSING_REQUIRED, "sku"),
    (BOT_APP, set_read_only_default_host_name, ProblemKind.READ_ONLY_SET, "defaultHostName"),
    (BOT_APP, wrong_container_access, ProblemKind.WRONG_VALUE, "'Private' is not one of"),
    (BOT_APP, wrong_access_tier, ProblemKind.WRONG_VALUE, "'Warm' is not one of"),
    (BOT_APP, web_sockets_as_string, ProblemKind.WRONG_TYPE, "expected a boolean"),
    (AZURE_BOT, capacity_as_string, ProblemKind.WRONG_TYPE, "expected an integer"),
    (AZURE_BOT, unknown_channel, ProblemKind.WRONG_VALUE, "'TelefonyChannel' is not one of"),
    (AZURE_BOT, misspell_phone_number_field, ProblemKind.UNKNOWN_PROPERTY, "'acsEndPoint'"),
    (AZURE_BOT, old_api_version, ProblemKind.UNKNOWN_RESOURCE_TYPE, "no definition"),
    (BOT_APP, drop_component_kind, ProblemKind.MISSING_REQUIRED, "kind"),
    (BOT_APP, misspell_workspace_resource_id, ProblemKind.UNKNOWN_PROPERTY, "did you mean 'WorkspaceResourceId'?"),
    (BOT_APP, set_read_only_connection_string, ProblemKind.READ_ONLY_SET, "ConnectionString"),
    (BOT_APP, wrong_application_type, ProblemKind.WRONG_VALUE, "'website' is not one of the known values"),
    (BOT_APP, misspell_workspace_sku, ProblemKind.WRONG_VALUE, "'PerGB2019' is not one of the known values"),
    (BOT_APP, retention_as_string, ProblemKind.WRONG_TYPE, "expected an integer"),
    (BOT_APP, drop_workbook_data, ProblemKind.MISSING_REQUIRED, "serializedData"),
    (BOT_APP, workbook_as_object, ProblemKind.WRONG_TYPE, "expected a string"),
    (BOT_APP, wrong_workbook_kind, ProblemKind.WRONG_VALUE, "'user' is not one of the known values"),
    (BOT_APP, misspell_rbac_authorization, ProblemKind.UNKNOWN_PROPERTY, "did you mean 'enableRbacAuthorization'?"),
    (BOT_APP, wrong_vault_sku_family, ProblemKind.WRONG_VALUE, "'B' is not"),
    (BOT_APP, secret_value_at_the_top, ProblemKind.UNKNOWN_PROPERTY, "'value'"),
    (BOT_APP, give_an_identity_properties, ProblemKind.READ_ONLY_SET, "properties"),
    (BOT_APP, misspell_shared_key_access, ProblemKind.UNKNOWN_PROPERTY, "'allowSharedKeyAcess'"),
]


@pytest.mark.parametrize(
    "path, plant, kind, detail", TYPOS, ids=[plant.__name__ for _, plant, _, _ in TYPOS]
)
def test_a_planted_typo_is_caught_and_named(path: Path, plant, kind: ProblemKind, detail: str):
    template = copy.deepcopy(load(path))
    assert not problems_in(template, path.name)
    plant(template)
    problems = problems_in(template, path.name)
    assert [p.kind for p in problems] == [kind], "\n".join(map(str, problems)) or "nothing reported"
    assert detail in problems[0].detail, str(problems[0])


def test_an_expression_stands_for_any_type():
    template = copy.deepcopy(load(BOT_APP))
    site_config = first(template, "Microsoft.Web/sites")["properties"]["siteConfig"]
    site_config["webSocketsEnabled"] = "[parameters('webSockets')]"
    first(template, "Microsoft.Storage/storageAccounts")["sku"] = "[parameters('sku')]"
    assert not problems_in(template, BOT_APP.name)


def test_an_open_enum_takes_its_known_values_in_any_case():
    """Azure compares enum values ignoring case (`inner` for `Inner`), open enums included."""
    template = copy.deepcopy(load(BOT_APP))
    first(template, "Microsoft.OperationalInsights/workspaces")["properties"]["sku"]["name"] = "pergb2018"
    first(template, "Microsoft.Insights/workbooks")["kind"] = "Shared"
    assert not problems_in(template, BOT_APP.name)
