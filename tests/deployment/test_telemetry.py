"""Application Insights in the BotApp templates: created with the workbook, reused, or off.

The app exports to Azure Monitor when `APPLICATIONINSIGHTS_CONNECTION_STRING` is set
(docs/observability.md). The `telemetry` parameter decides where that value comes from: a new
workspace-based Application Insights resource (with the call telemetry workbook on it), an
existing resource's connection string, or nowhere. The connection string holds the resource's
instrumentation key, so like every secret it is kept in the Key Vault and the app setting is a
reference to it (`test_secrets.py`). Each choice is checked by evaluating the template's
conditions and expressions as ARM would (`arm_expressions.py`), through the new-group wrapper's
parameters too, since that is what a user deploys.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devtools.deployment_templates import WORKBOOK, expected_files
from tests.deployment import evaluation
from tests.deployment.arm_expressions import Deferred, Scope
from tests.deployment.evaluation import one
from tests.deployment.test_templates import BOT_APP_PATHS, app_settings, load, relative

SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
WORKSPACES = "Microsoft.OperationalInsights/workspaces"
COMPONENTS = "Microsoft.Insights/components"
WORKBOOKS = "Microsoft.Insights/workbooks"
TELEMETRY_TYPES = (WORKSPACES, COMPONENTS, WORKBOOKS)
CHOICES = ["newApplicationInsights", "existingApplicationInsights", "off"]
# A connection string of the shape Azure gives (not a real resource's).
EXISTING = (
    "InstrumentationKey=3f2504e0-4f89-41d3-9a0c-0305e82c3301;"
    "IngestionEndpoint=https://westus2-2.in.applicationinsights.azure.com/"
)


def deployed(path: Path, telemetry: str, connection_string: str = "") -> tuple[dict[str, Any], Scope]:
    """The template that deploys the Web App, and its scope, as a user's parameters reach it."""
    given = {"telemetry": telemetry, "appServiceName": "contoso-ivr-bot",
             "applicationInsightsConnectionString": connection_string}
    if "groupName" in load(path)["parameters"]:
        given.update(groupName="contoso-ivr-app", groupLocation="westus2")
    return evaluation.deployed(path, given)


def vaulted(template: dict[str, Any], scope: Scope) -> Any:
    """The connection string the deployment writes into the Key Vault ("" writes none)."""
    secrets, secrets_scope = evaluation.nested(template, scope, "secretsDeploymentName")
    value = secrets_scope.value("[parameters('applicationInsightsConnectionString')]")
    written = secrets_scope.value(secrets["resources"]["applicationInsights"]["condition"])
    assert written == (value != "") if isinstance(value, str) else written == Deferred("not", (Deferred("empty", (value,)),))
    return value


def resource_id(scope: Scope, resource: dict[str, Any]) -> Deferred:
    return Deferred("resourceId", (resource["type"], scope.value(resource["name"])))


def deployed_setting(path: Path, template: dict[str, Any], scope: Scope) -> Any:
    assert app_settings(path).keys() == scope.value(one(template, "Microsoft.Web/sites/config")["properties"]).keys()
    return scope.value(one(template, "Microsoft.Web/sites/config")["properties"][SETTING])


def reference_to_vault(scope: Scope) -> Any:
    return evaluation.key_vault_reference(scope.value("[variables('keyVaultName')]"), "applicationinsights-connection-string")


def created(template: dict[str, Any], scope: Scope) -> dict[str, bool]:
    return {t: scope.value(one(template, t).get("condition", True)) for t in TELEMETRY_TYPES}


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_telemetry_is_on_by_default_and_can_reuse_a_resource_or_be_off(path: Path):
    parameters = load(path)["parameters"]
    assert parameters["telemetry"]["allowedValues"] == CHOICES
    assert parameters["telemetry"]["defaultValue"] == "newApplicationInsights"
    existing = parameters["applicationInsightsConnectionString"]
    assert existing["type"] == "securestring", "deployment history would show it"
    assert existing["defaultValue"] == ""


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_a_new_workspace_based_application_insights_feeds_its_connection_string_to_the_app(path: Path):
    template, scope = deployed(path, "newApplicationInsights")
    assert created(template, scope) == dict.fromkeys(TELEMETRY_TYPES, True)
    workspace, component = one(template, WORKSPACES), one(template, COMPONENTS)
    assert scope.value(component["properties"]["WorkspaceResourceId"]) == resource_id(scope, workspace)
    assert component["kind"] == component["properties"]["Application_Type"] == "web"
    assert scope.value(component["location"]) == scope.value(workspace["location"])

    assert deployed_setting(path, template, scope) == reference_to_vault(scope)
    connection_string = Deferred("reference", (resource_id(scope, component), component["apiVersion"]), ("ConnectionString",))
    assert vaulted(template, scope) == connection_string
    (secrets,) = [r for r in template["resources"] if "secretsDeploymentName" in r["name"]]
    assert resource_id(scope, component) in [scope.value(d) for d in secrets["dependsOn"]]


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_the_workbook_is_shared_on_the_new_component_under_a_name_that_never_changes(path: Path):
    template, scope = deployed(path, "newApplicationInsights")
    workbook, component = one(template, WORKBOOKS), one(template, COMPONENTS)
    assert workbook["kind"] == "shared"
    assert scope.value(workbook["properties"]["sourceId"]) == resource_id(scope, component)
    name = scope.value(workbook["name"])
    assert name.function == "guid" and resource_id(scope, component) in name.args
    assert not {"utcNow", "newGuid"} & set(json.dumps(workbook["name"]).replace("(", " ").split()), (
        "a name that changes makes every redeploy add another workbook"
    )
    assert workbook["properties"]["version"] == json.loads(WORKBOOK.read_text())["version"]
    assert workbook["properties"]["category"] == "workbook"


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_the_deployed_workbook_is_the_workbook_file(path: Path):
    serialized = one(load(path), WORKBOOKS)["properties"]["serializedData"]
    assert isinstance(serialized, str) and not serialized.startswith("["), "ARM would evaluate it"
    assert json.loads(serialized) == json.loads(WORKBOOK.read_text(encoding="utf-8")), (
        "run .venv/bin/python -m devtools.deployment_templates"
    )


def test_every_generated_copy_is_what_the_generator_writes():
    stale = [str(path) for path, text in expected_files().items() if path.read_text(encoding="utf-8") != text]
    assert not stale, f"run .venv/bin/python -m devtools.deployment_templates: {stale}"


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_an_existing_connection_string_creates_nothing_and_reaches_the_app(path: Path):
    template, scope = deployed(path, "existingApplicationInsights", EXISTING)
    assert created(template, scope) == dict.fromkeys(TELEMETRY_TYPES, False)
    assert vaulted(template, scope) == EXISTING
    assert deployed_setting(path, template, scope) == reference_to_vault(scope)
    without, without_scope = deployed(path, "existingApplicationInsights", "")
    assert vaulted(without, without_scope) == "" and deployed_setting(path, without, without_scope) == ""


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_telemetry_off_creates_nothing_and_leaves_the_app_without_a_connection_string(path: Path):
    """ARM cannot leave one key out of the settings object: the setting is empty, which the app reads as unset."""
    template, scope = deployed(path, "off", EXISTING)
    assert created(template, scope) == dict.fromkeys(TELEMETRY_TYPES, False)
    for resource in evaluation.resources_of_type(template, COMPONENTS) + evaluation.resources_of_type(template, WORKBOOKS):
        assert scope.value(resource.get("condition", True)) is False
    setting = deployed_setting(path, template, scope)
    assert setting == "" and vaulted(template, scope) == ""


@pytest.mark.parametrize("telemetry", CHOICES)
@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_outputs_say_whether_telemetry_is_connected_without_printing_the_connection_string(path: Path, telemetry: str):
    template, scope = deployed(path, telemetry, EXISTING)
    outputs = {name: scope.value(output["value"]) for name, output in template["outputs"].items()}
    assert EXISTING not in json.dumps(outputs, default=repr)
    setting = deployed_setting(path, template, scope)
    assert template["outputs"]["telemetryConnected"]["type"] == "bool"
    assert outputs["telemetryConnected"] is (telemetry != "off") is (setting != "")
    assert not vaulted(template, scope) or vaulted(template, scope) not in outputs.values()
    if telemetry == "newApplicationInsights":
        assert outputs["applicationInsightsName"] == scope.value(one(template, COMPONENTS)["name"])
    else:
        assert outputs["applicationInsightsName"] == ""
