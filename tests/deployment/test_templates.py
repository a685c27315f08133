"""The ARM templates in deploymentTemplates/, checked offline.

A template that is wrong fails only when someone runs `az deployment`, minutes in, with
half the resources created. These tests catch what can be caught without Azure: broken
JSON, dangling `parameters()`/`variables()` references, settings `config.py` reads that
the Web App never gets, web sockets left off (callers then hear silence), a start command
that does not serve the app, parameters files that drifted from their templates, host
names guessed instead of read from the Web App, and a Call Automation deployment that
would leave the bridge without a setting or Event Grid without a route to it.
(`test_schema.py` checks every resource against Azure's resource type definitions.)
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from config import DefaultConfig
from devtools.processes import ServerProcess, serve

REPO = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = REPO / "deploymentTemplates"
EXISTING_GROUP = TEMPLATES_DIR / "deployUseExistResourceGroup"
NEW_GROUP = TEMPLATES_DIR / "deployWithNewResourceGroup"

TEMPLATE_PATHS = sorted(TEMPLATES_DIR.glob("*/template-*.json"))
PARAMETERS_PATHS = sorted(TEMPLATES_DIR.glob("*/parameters-for-template-*.json"))
BOT_APP_PATHS = [p for p in TEMPLATE_PATHS if "-BotApp-" in p.name]
AZURE_BOT_PATHS = [p for p in TEMPLATE_PATHS if "-AzureBot-" in p.name]
INCOMING_CALLS_PATHS = [p for p in TEMPLATE_PATHS if "-IncomingCalls-" in p.name]
KINDS = ("AzureBot", "BotApp", "IncomingCalls")

# How the BotBuilder-Samples Python templates start an aiohttp bot in App Service.
SAMPLES_START_COMMAND = (
    "gunicorn --bind 0.0.0.0 --worker-class aiohttp.worker.GunicornWebWorker --timeout 600 app:APP"
)
# Regions the Telephony channel accepts a Speech resource from.
TELEPHONY_SPEECH_REGIONS = {"eastus", "westus2"}
RECORDING_EVENT = "Microsoft.Communication.RecordingFileStatusUpdated"
INCOMING_CALL_EVENT = "Microsoft.Communication.IncomingCall"
# The built-in role "Cognitive Services User" (the same id in every tenant).
COGNITIVE_SERVICES_USER = "a97b65f3-24c7-4388-baec-2e87135dc908"
# What the bridge needs that the Telephony channel does not (config.py refuses to start without them).
CALL_AUTOMATION_SETTINGS = ("CALLBACK_BASE_URL", "ACS_RESOURCE_ID", "COGNITIVE_SERVICES_ENDPOINT")

# Settings deployed with a value other than the local default, on purpose: Azure no longer
# creates MultiTenant bots, App Service's Python image routes traffic to port 8000, and
# instances share state and recordings in Blob storage instead of one process's memory and disk.
AZURE_OVERRIDES = {
    "HOST": "0.0.0.0",
    "PORT": "8000",
    "STORAGE": "blob",
    "RECORDINGS_STORE": "blob",
}

API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
PARAMETER_REF = re.compile(r"(?<![\w.])parameters\(\s*'([^']+)'\s*\)")
VARIABLE_REF = re.compile(r"(?<![\w.])variables\(\s*'([^']+)'\s*\)")


# ---------------------------------------------------------------- reading templates


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON allows repeated keys and keeps the last; in a template that hides a mistake."""
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"repeated keys: {repeated}")
    return dict(pairs)


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_reject_duplicate_keys)


def is_expression(text: str) -> bool:
    """ARM evaluates `[...]` strings; `[[` escapes a literal bracket."""
    return text.startswith("[") and text.endswith("]") and not text.startswith("[[")


def _is_inner_scope(resource: dict[str, Any]) -> bool:
    options = resource.get("properties", {}).get("expressionEvaluationOptions", {})
    return resource.get("type") == "Microsoft.Resources/deployments" and options.get("scope") == "inner"


def expressions_in_scope(node: Any) -> Iterator[str]:
    """Every expression (keys included) evaluated in the scope `node` belongs to.

    A nested deployment with inner scope is evaluated against its own parameters and
    variables: only the values passed to it belong to the enclosing scope.
    """
    if isinstance(node, dict):
        if _is_inner_scope(node):
            for key, value in node.items():
                if key != "properties":
                    yield from expressions_in_scope(value)
            properties = dict(node["properties"])
            properties.pop("template", None)
            yield from expressions_in_scope(properties)
            return
        for key, value in node.items():
            if is_expression(key):
                yield key
            yield from expressions_in_scope(value)
    elif isinstance(node, list):
        for item in node:
            yield from expressions_in_scope(item)
    elif isinstance(node, str) and is_expression(node):
        yield node


def declared(template: dict[str, Any]) -> list[dict[str, Any]]:
    """A template's own resources: a list, or (template language 2.0) an object keyed by symbolic name."""
    resources = template.get("resources", [])
    return list(resources.values()) if isinstance(resources, dict) else list(resources)


def scopes(template: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The template and every inner-scope template nested in it, each named by its path."""
    yield where, template
    for resource in all_resources(template):
        if _is_inner_scope(resource):
            yield from scopes(resource["properties"]["template"], f"{where} > {resource['name']}")


def all_resources(template: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Resources at every level: child resources and nested deployments included."""
    for resource in declared(template):
        yield resource
        yield from all_resources(resource)
        nested = resource.get("properties", {}).get("template")
        if resource.get("type") == "Microsoft.Resources/deployments" and nested:
            yield from all_resources(nested)


def resources_of_type(template: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [r for r in all_resources(template) if r.get("type") == resource_type]


def app_settings(path: Path) -> dict[str, str]:
    """The Web App's settings: its `appsettings` config resource (duplicates are refused by `load`)."""
    template = load(path)
    sites = resources_of_type(template, "Microsoft.Web/sites")
    assert len(sites) == 1, f"{path.name}: expected one Web App, found {len(sites)}"
    assert "appSettings" not in sites[0]["properties"]["siteConfig"], (
        f"{path.name}: settings belong in the appsettings resource, which can read the app's host name"
    )
    (settings,) = [
        c for c in resources_of_type(template, "Microsoft.Web/sites/config") if c["name"].endswith("/appsettings')]")
    ]
    return dict(settings["properties"])


def settings_for(path: Path, channel: str) -> dict[str, Any]:
    """The settings as deployed for one channel (the Telephony channel with its app registration),
    evaluated as ARM would: what only Azure knows stays `Deferred`."""
    from tests.deployment.evaluation import ACS_WITH_IDENTITY, APP_ID, deployed, settings

    given = {"channel": channel, "appServiceName": "contoso-ivr-bot", "agentPhoneNumber": "+14255550123",
             "appId": APP_ID if channel == "telephony" else ""}
    if "groupName" in load(path)["parameters"]:
        given.update(groupName="contoso-ivr-app", groupLocation="westus2")
    return settings(*deployed(path, given, ACS_WITH_IDENTITY))


def env_value(value: object) -> str:
    """A setting's value as `config.py` reads it from the environment."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def config_defaults() -> dict[str, str]:
    defaults = DefaultConfig()
    return {f.name: env_value(getattr(defaults, f.name)) for f in dataclasses.fields(DefaultConfig)}


def relative(path: Path) -> str:
    return str(path.relative_to(TEMPLATES_DIR))


# ---------------------------------------------------------------- the folder layout


def test_both_deployment_sets_have_each_template_with_its_parameters_file_and_readme():
    for folder, suffix in ((EXISTING_GROUP, "with-rg"), (NEW_GROUP, "new-rg")):
        for kind in KINDS:
            assert (folder / f"template-{kind}-{suffix}.json").is_file()
            assert (folder / f"parameters-for-template-{kind}-{suffix}.json").is_file()
        assert (folder / "readme.md").is_file()


# ---------------------------------------------------------------- every file


@pytest.mark.parametrize("path", TEMPLATE_PATHS + PARAMETERS_PATHS, ids=relative)
def test_file_is_valid_json_with_schema_and_content_version(path: Path):
    document = load(path)
    assert document["$schema"].startswith("https://schema.management.azure.com/schemas/")
    assert document["contentVersion"] == "1.0.0.0"
    assert isinstance(document["parameters"], dict)


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=relative)
def test_every_reference_names_a_declared_parameter_or_variable(path: Path):
    for where, template in scopes(load(path), path.name):
        declared_parameters = set(template.get("parameters", {}))
        declared_variables = set(template.get("variables", {}))
        for expression in expressions_in_scope(template):
            for name in PARAMETER_REF.findall(expression):
                assert name in declared_parameters, f"{where}: {expression} names no parameter {name!r}"
            for name in VARIABLE_REF.findall(expression):
                assert name in declared_variables, f"{where}: {expression} names no variable {name!r}"


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=relative)
def test_every_parameter_and_variable_is_used(path: Path):
    for where, template in scopes(load(path), path.name):
        used = " ".join(expressions_in_scope(template))
        used_parameters = set(PARAMETER_REF.findall(used))
        used_variables = set(VARIABLE_REF.findall(used))
        assert set(template.get("parameters", {})) <= used_parameters, (
            f"{where}: unused parameters {sorted(set(template['parameters']) - used_parameters)}"
        )
        assert set(template.get("variables", {})) <= used_variables, (
            f"{where}: unused variables {sorted(set(template['variables']) - used_variables)}"
        )


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=relative)
def test_every_resource_has_a_type_and_a_dated_api_version(path: Path):
    resources = list(all_resources(load(path)))
    assert resources
    for resource in resources:
        assert re.fullmatch(r"[A-Za-z.]+/[A-Za-z/]+", resource.get("type", "")), resource
        assert API_VERSION.match(resource.get("apiVersion", "")), (
            f"{path.name}: {resource['type']} has apiVersion {resource.get('apiVersion')!r}"
        )


# ---------------------------------------------------------------- parameters files


@pytest.mark.parametrize("path", PARAMETERS_PATHS, ids=relative)
def test_parameters_file_lists_exactly_the_template_parameters(path: Path):
    template_path = path.with_name(path.name.replace("parameters-for-template-", "template-"))
    declared = load(template_path)["parameters"]
    given = load(path)["parameters"]
    assert set(given) == set(declared), (
        f"{path.name}: missing {sorted(set(declared) - set(given))}, "
        f"unknown {sorted(set(given) - set(declared))}"
    )
    for name, entry in given.items():
        value = entry["value"]
        expected_type = dict if declared[name]["type"] in ("object", "secureObject") else str
        assert isinstance(value, expected_type), f"{path.name}: {name} should be {expected_type.__name__}"
        allowed = declared[name].get("allowedValues")
        if allowed and value != "":
            assert value in allowed, f"{path.name}: {name}={value!r} is not one of {allowed}"


def test_new_group_templates_deploy_the_existing_group_templates_unchanged():
    """One set of resources to maintain: the new-group template only wraps the other."""
    for kind in KINDS:
        wrapper = load(NEW_GROUP / f"template-{kind}-new-rg.json")
        inner = load(EXISTING_GROUP / f"template-{kind}-with-rg.json")
        deployments = [r for r in wrapper["resources"] if r["type"] == "Microsoft.Resources/deployments"]
        assert len(deployments) == 1
        assert deployments[0]["properties"]["template"] == inner, (
            f"template-{kind}-new-rg.json: copy template-{kind}-with-rg.json into the nested "
            "deployment's properties.template"
        )
        assert set(deployments[0]["properties"]["parameters"]) == set(inner["parameters"])
        assert set(wrapper["outputs"]) == set(inner["outputs"]), f"template-{kind}-new-rg.json: pass the outputs on"
        for name, output in wrapper["outputs"].items():
            assert f"'{deployments[0]['name']}'" in output["value"] and f".outputs.{name}.value" in output["value"]


# ---------------------------------------------------------------- the Web App


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_web_app_gets_every_setting_config_reads(path: Path):
    missing = {f.name for f in dataclasses.fields(DefaultConfig)} - set(app_settings(path))
    assert not missing, f"{path.name}: add app settings for {sorted(missing)}"


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=relative)
def test_web_sockets_are_on_wherever_a_web_app_is_configured(path: Path):
    template = load(path)
    for site in resources_of_type(template, "Microsoft.Web/sites"):
        assert site["properties"]["siteConfig"]["webSocketsEnabled"] is True, (
            f"{path.name}: web sockets are off on the Web App: callers would hear silence"
        )
    for config in resources_of_type(template, "Microsoft.Web/sites/config"):
        assert config["properties"].get("webSocketsEnabled", True) is True, (
            f"{path.name}: {config['name']} turns web sockets off: callers would hear silence"
        )


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_web_app_runs_python_311_and_starts_like_the_sdk_samples(path: Path):
    (site,) = resources_of_type(load(path), "Microsoft.Web/sites")
    site_config = site["properties"]["siteConfig"]
    assert site["kind"] == "app,linux"
    assert site_config["linuxFxVersion"] == "PYTHON|3.11"
    assert site_config["appCommandLine"] == SAMPLES_START_COMMAND
    assert site_config["alwaysOn"] is True


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_deployed_settings_keep_config_defaults_except_the_azure_overrides(path: Path):
    settings = app_settings(path)
    parameters = load(path)["parameters"]
    defaults = config_defaults()
    for name, default in defaults.items():
        if name not in settings:
            continue  # reported by test_web_app_gets_every_setting_config_reads
        deployed = settings[name]
        if is_expression(deployed):
            match = re.fullmatch(r"\[parameters\('([^']+)'\)\]", deployed)
            if not match or "defaultValue" not in parameters[match.group(1)]:
                continue
            deployed = parameters[match.group(1)]["defaultValue"]
        assert deployed == AZURE_OVERRIDES.get(name, default), f"{path.name}: {name}={deployed!r}"


# Plausible values for what only Azure knows at deployment, and for what App Service puts in
# place of each Key Vault reference (the secret itself).
STAND_INS = {
    "CALLBACK_BASE_URL": "https://contoso-ivr-bot-a1b2c3.westus2-01.azurewebsites.net",
    "ACS_RESOURCE_ID": "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "ACS_ENDPOINT": "https://contoso-acs.unitedstates.communication.azure.com/",
    "AZURE_STORAGE_ACCOUNT_URL": "https://contosoivrstate.blob.core.windows.net/",
    "AZURE_CLIENT_ID": "5c2e7c1a-1f57-4c7e-9d31-0a9a1e5a7f10",
    "COGNITIVE_SERVICES_ENDPOINT": "https://contoso-ivr-ai.cognitiveservices.azure.com/",
    "MicrosoftAppTenantId": "00000000-0000-0000-0000-0000000000b2",
    "MicrosoftAppPassword": "the-app-registration-secret",
    "CARD_DATA_KEY": "a" * 43 + "=",
    "EVENTGRID_SECRET": "f" * 64,
    "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=3f2504e0-4f89-41d3-9a0c-0305e82c3301",
}


def as_app_service_sets(name: str, value: Any) -> str:
    """The environment variable App Service gives the app: computed values and Key Vault references resolved."""
    from tests.deployment.arm_expressions import Deferred

    if isinstance(value, Deferred) or str(value).startswith("@Microsoft.KeyVault("):
        return STAND_INS[name]
    return env_value(value)


@pytest.mark.parametrize("channel", ["telephony", "callAutomation"])
@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_config_accepts_the_deployed_settings(path: Path, channel: str):
    defaults = config_defaults()
    env = {name: as_app_service_sets(name, value) for name, value in settings_for(path, channel).items() if name in defaults}
    config = DefaultConfig.from_env(env, env_file=None)
    assert config.STORAGE == "blob" and config.RECORDINGS_STORE == "blob"
    assert config.storage_by_identity and config.acs_by_identity, "no key: the app signs in with its identity"
    assert config.PORT == 8000
    assert config.call_automation == (channel == "callAutomation")
    assert config.SERVE_API_MESSAGES == (channel == "telephony"), "Call Automation needs no app registration"
    assert config.recordings_scope.value == ("own-calls" if channel == "callAutomation" else "resource")


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_call_automation_gets_every_setting_the_bridge_needs_and_telephony_none(path: Path):
    from tests.deployment.arm_expressions import Deferred

    telephony, call_automation = settings_for(path, "telephony"), settings_for(path, "callAutomation")
    for name in CALL_AUTOMATION_SETTINGS:
        assert telephony[name] == "", f"{path.name}: {name} would turn Call Automation on for telephony"
        assert isinstance(call_automation[name], Deferred), f"{path.name}: {name} is not set for callAutomation"
    assert "defaultHostName" in repr(call_automation["CALLBACK_BASE_URL"])
    assert call_automation["ACS_RESOURCE_ID"].path == ("immutableResourceId",)
    assert call_automation["COGNITIVE_SERVICES_ENDPOINT"].path == ("endpoint",)


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_tunable_settings_are_parameters(path: Path):
    """A redeploy replaces every app setting: a value changed anywhere but the parameters is lost."""
    settings = app_settings(path)
    for name in ("RECORDING_RESULT_TIMEOUT_S", "NO_INPUT_TIMEOUT_S", "MAX_RETRIES", "TRANSFER_DELAY_S",
                 "STOP_RECORDING_ON_HANGUP", "VOICE_NAME", "VOICE_LOCALE", "VOICE_STYLE", "LOG_LEVEL",
                 "AGENT_PHONE_NUMBER"):
        assert re.fullmatch(r"\[parameters\('\w+'\)\]", settings[name]), f"{path.name}: {name}={settings[name]!r}"


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_call_automation_is_the_default_path_and_needs_no_app_registration(path: Path):
    parameters = load(path)["parameters"]
    assert parameters["channel"]["defaultValue"] == "callAutomation"
    assert parameters["appId"]["defaultValue"] == "" and parameters["appSecret"]["defaultValue"] == ""
    deployed_settings = settings_for(path, "callAutomation")
    assert deployed_settings["SERVE_API_MESSAGES"] == "false"
    assert (deployed_settings["MicrosoftAppId"], deployed_settings["MicrosoftAppPassword"],
            deployed_settings["MicrosoftAppTenantId"]) == ("", "", "")
    assert deployed_settings["MicrosoftAppType"] == "MultiTenant", "config.py's value for no identity at all"


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_the_telephony_channel_without_an_app_id_stops_the_deployment_saying_why(path: Path):
    """Deployed, it would serve /api/messages unauthenticated; the deployment fails instead, naming appId."""
    from tests.deployment.arm_expressions import DeploymentFailed
    from tests.deployment.evaluation import ACS_WITH_IDENTITY, deployed, settings

    given = {"channel": "telephony", "appServiceName": "contoso-ivr-bot"}
    if "groupName" in load(path)["parameters"]:
        given.update(groupName="contoso-ivr-app", groupLocation="westus2")
    with pytest.raises(DeploymentFailed, match="appId is empty: the Telephony channel"):
        settings(*deployed(path, given, ACS_WITH_IDENTITY))


def without_prose(node: Any) -> Any:
    """The template minus descriptions and comments: what Azure acts on."""
    if isinstance(node, dict):
        return {k: without_prose(v) for k, v in node.items() if k not in ("metadata", "comments")}
    if isinstance(node, list):
        return [without_prose(item) for item in node]
    return node


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=relative)
def test_no_host_name_is_guessed_and_no_cors_is_served(path: Path):
    """New apps may get `<name>-<hash>.<region>.azurewebsites.net`; sovereign clouds differ."""
    used = json.dumps(without_prose(load(path)))
    assert "azurewebsites.net" not in used, f"{path.name}: read the Web App's defaultHostName instead"
    assert '"cors"' not in used, f"{path.name}: no browser calls the bot"


# ---------------------------------------------------------------- Call Automation


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_call_automation_gets_an_ai_services_resource_acs_may_use(path: Path):
    template = load(path)
    (ai,) = resources_of_type(template, "Microsoft.CognitiveServices/accounts")
    assert ai["condition"] == "[variables('callAutomation')]"
    inner = [t for _, t in scopes(template, path.name) if ai in inner_resources(t)][0]
    kind = inner["parameters"][PARAMETER_REF.findall(ai["kind"])[0]]
    assert kind["allowedValues"] == ["AIServices", "CognitiveServices"], "the multi-service kinds ACS can connect"
    assert kind["defaultValue"] == "AIServices"
    assert ai["properties"]["customSubDomainName"] == ai["name"], "a managed identity needs the custom subdomain"
    (role,) = [r for r in resources_of_type(template, "Microsoft.Authorization/roleAssignments")
               if r.get("condition") == "[variables('callAutomation')]"]
    assert COGNITIVE_SERVICES_USER in inner["variables"][VARIABLE_REF.findall(role["properties"]["roleDefinitionId"])[0]]
    assert role["properties"]["principalType"] == "ServicePrincipal"
    assert role["scope"] == f"[concat('Microsoft.CognitiveServices/accounts/', {ai['name'][1:-1]})]"
    assert "parameters('aiServicesAccountName')" in inner["variables"]["aiServicesAccountName"]


def acs_role_principal(path: Path, channel: str, identity: dict[str, Any] | None) -> Any:
    """The principal the ACS identity's role on the AI resource names, with ACS's identity as Azure reports it."""
    from tests.deployment.evaluation import acs_resource, deployed

    given = {"channel": channel, "appServiceName": "contoso-ivr-bot", "appId": "a"}
    if "groupName" in load(path)["parameters"]:
        given.update(groupName="contoso-ivr-app", groupLocation="westus2")
    template, scope = deployed(path, given, acs_resource(identity))
    (role,) = [r for r in resources_of_type(template, "Microsoft.Authorization/roleAssignments")
               if r.get("condition") == "[variables('callAutomation')]"]
    return scope.value(role["properties"]["principalId"])


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_the_acs_identity_gets_the_role_and_without_it_the_deployment_says_what_to_turn_on(path: Path):
    """ARM's own error for a missing property is a template-language error `validate` does not catch."""
    from tests.deployment.arm_expressions import DeploymentFailed
    from tests.deployment.evaluation import ACS_PRINCIPAL

    assert acs_role_principal(path, "callAutomation", {"type": "SystemAssigned", "principalId": ACS_PRINCIPAL}) == ACS_PRINCIPAL
    for missing in (None, {"type": "None"}):
        with pytest.raises(DeploymentFailed) as failed:
            acs_role_principal(path, "callAutomation", missing)
        assert "has no system-assigned managed identity" in str(failed.value)
        assert "az communication identity assign --name " in str(failed.value)
    assert acs_role_principal(path, "telephony", None) == "", "the Telephony path never asks"


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_a_new_acs_resource_is_created_with_its_managed_identity_on(path: Path):
    (acs,) = resources_of_type(load(path), "Microsoft.Communication/communicationServices")
    assert acs["condition"] == "[variables('createAcsResource')]"
    assert acs["identity"] == {"type": "SystemAssigned"}
    assert acs["location"] == "global"


def test_state_and_recording_containers_are_the_ones_the_app_is_told_to_use():
    template = load(EXISTING_GROUP / "template-BotApp-with-rg.json")
    variables = template["variables"]
    containers = {
        variables[VARIABLE_REF.findall(c["name"])[-1]]
        for c in resources_of_type(template, "Microsoft.Storage/storageAccounts/blobServices/containers")
    }
    settings = app_settings(EXISTING_GROUP / "template-BotApp-with-rg.json")
    told = {
        variables[VARIABLE_REF.findall(settings[name])[0]]
        for name in ("STATE_BLOB_CONTAINER", "RECORDINGS_BLOB_CONTAINER")
    }
    assert told == containers


# ---------------------------------------------------------------- the Azure Bot


@pytest.mark.parametrize("path", AZURE_BOT_PATHS, ids=relative)
def test_bot_messaging_endpoint_is_api_messages_on_the_apps_own_host_name(path: Path):
    template = load(path)
    (bot,) = resources_of_type(template, "Microsoft.BotService/botServices")
    endpoint = bot["properties"]["endpoint"]
    assert "'/api/messages'" in endpoint, f"{path.name}: endpoint is {endpoint}"
    assert "reference(variables('siteId'), '2022-09-01').defaultHostName" in endpoint


def inner_resources(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Resources declared in this scope, not in scopes nested in it."""
    found = []
    for resource in declared(template):
        found.append(resource)
        if not _is_inner_scope(resource):
            found.extend(inner_resources(resource.get("properties", {}).get("template", {})))
    return found


@pytest.mark.parametrize("path", AZURE_BOT_PATHS, ids=relative)
def test_telephony_channel_binds_the_number_to_a_speech_resource_in_a_supported_region(path: Path):
    template = load(path)
    (channel,) = resources_of_type(template, "Microsoft.BotService/botServices/channels")
    assert channel["properties"]["channelName"] == "TelephonyChannel"
    assert channel["name"].endswith("'/TelephonyChannel')]")
    (number,) = channel["properties"]["properties"]["phoneNumbers"]
    for field in ("phoneNumber", "acsEndpoint", "acsSecret", "cognitiveServiceSubscriptionKey",
                  "cognitiveServiceRegion", "defaultLocale"):
        assert number.get(field), f"{path.name}: phone number entry lacks {field}"
    (region_parameter,) = PARAMETER_REF.findall(number["cognitiveServiceRegion"])
    declared = [t for _, t in scopes(template, path.name) if channel in inner_resources(t)][0]["parameters"]
    assert set(declared[region_parameter]["allowedValues"]) <= TELEPHONY_SPEECH_REGIONS
    (speech,) = resources_of_type(template, "Microsoft.CognitiveServices/accounts")
    assert speech["kind"] == "SpeechServices"
    assert speech["location"] == number["cognitiveServiceRegion"]


def test_one_locale_parameter_sets_the_voice_and_the_recognition_of_both_paths():
    """BotApp's `locale` is VOICE_LOCALE (SSML, Call Automation's recognition); the Telephony channel
    recognises speech in that same setting of the Web App, read when the AzureBot template deploys."""
    for path in BOT_APP_PATHS:
        assert app_settings(path)["VOICE_LOCALE"] == "[parameters('locale')]"
    for path in AZURE_BOT_PATHS:
        (channel,) = resources_of_type(load(path), "Microsoft.BotService/botServices/channels")
        (number,) = channel["properties"]["properties"]["phoneNumbers"]
        assert number["defaultLocale"] == (
            "[list(concat(variables('siteId'), '/config/appsettings'), '2022-09-01').properties.VOICE_LOCALE]"
        )
    for path in TEMPLATE_PATHS:
        locales = {name for name in load(path)["parameters"] if "locale" in name.lower()}
        assert locales <= {"locale"}, f"{path.name}: a second language parameter {locales}"


def webhook_url(template: dict[str, Any], subscription: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The subscription's URL as its (nested) template builds it, and what the parent passes that template."""
    destination = subscription["properties"]["destination"]
    assert destination["endpointType"] == "WebHook"
    (deployment,) = [
        r for r in all_resources(template)
        if _is_inner_scope(r) and subscription in declared(r["properties"]["template"])
    ]
    inner = deployment["properties"]["template"]
    (url_variable,) = VARIABLE_REF.findall(destination["properties"]["endpointUrl"])
    return inner["variables"][url_variable], deployment["properties"]["parameters"]


def assert_secret_webhook(url: str, passed: dict[str, Any], path: str) -> None:
    """https://<the app's host name><path>?code=<the vault's webhook secret, URL-encoded>."""
    assert url == f"[concat('https://', parameters('hostName'), '{path}?code=', uriComponent(parameters('eventGridSecret')))]"
    assert passed["hostName"] == {"value": "[reference(variables('siteId'), '2022-09-01').defaultHostName]"}
    assert passed["eventGridSecret"]["reference"]["secretName"] == "eventgrid-secret"


# ---------------------------------------------------------------- the start command, for real


async def status_of_get(url: str, server: ServerProcess) -> int:
    """The status of one GET, waiting for gunicorn's worker to boot and answer it."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            async with session.get(url) as response:
                return response.status
    except (TimeoutError, aiohttp.ClientError) as error:
        pytest.fail(f"GET {url} got no answer ({error!r}):\n{server.process.output()}")


async def test_app_service_start_command_serves_the_bot(tmp_path: Path):
    """App Service runs exactly this command in the deployed folder; so does this test."""
    (site,) = resources_of_type(load(EXISTING_GROUP / "template-BotApp-with-rg.json"), "Microsoft.Web/sites")
    argv = shlex.split(site["properties"]["siteConfig"]["appCommandLine"])
    assert argv[0] == "gunicorn"
    argv[argv.index("--bind") + 1] = "127.0.0.1:{port}"  # loopback, on a free port
    env = {
        "HOME": str(tmp_path),  # gunicorn puts its control socket under ~/.gunicorn
        "MicrosoftAppId": "",
        "STORAGE": "memory",
        "RECORDINGS_STORE": "local",
        "RECORDINGS_DIR": str(tmp_path / "recordings"),
    }
    log = tmp_path / "gunicorn.log"
    gunicorn = [sys.executable, "-m", "gunicorn", *argv[1:]]
    async with serve(gunicorn, env, cwd=REPO, log=log, stop_signal=signal.SIGTERM, timeout_s=60) as server:
        status = await status_of_get(f"{server.url}/api/messages", server)
    # A GET without a WebSocket upgrade is the caller's mistake: any 4xx proves the bot's
    # routes are being served; 5xx or no answer would not.
    assert 400 <= status < 500, f"GET /api/messages answered {status}:\n{log.read_text(errors='replace')}"
