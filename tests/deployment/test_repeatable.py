"""Deploying again, and deploying a second bot beside the first.

A redeploy of the BotApp template with new settings must not undo what was done since: the
plan's instance count (a PUT of the plan with the template's SKU would reset it to the SKU's
capacity, and any autoscale with it), the secrets (a new card-data key breaks every payment in
progress, a new webhook secret every subscription) and the Event Grid subscriptions (not the
BotApp template's to touch). A second bot on the same ACS resource must get subscriptions of
its own instead of taking over the first bot's, and every nested deployment's name must fit
ARM's 64 characters whatever the names given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.deployment.arm_expressions import Scope
from tests.deployment.evaluation import ACS_WITH_IDENTITY, APP_ID, deployed
from tests.deployment.test_templates import (
    AZURE_BOT_PATHS,
    BOT_APP_PATHS,
    INCOMING_CALLS_PATHS,
    TEMPLATE_PATHS,
    all_resources,
    declared,
    load,
    relative,
    resources_of_type,
)

NEW_GROUP = {"groupName": "contoso-ivr-app", "groupLocation": "westus2"}
# The longest names Azure allows: a Web App 60 characters, a bot handle 64.
LONGEST_APP = "a" * 56 + "-bot"
LONGEST_BOT = "b" * 60 + "-ivr"
MAX_DEPLOYMENT_NAME = 64
MAX_SUBSCRIPTION_NAME = 64


def given_for(path: Path, app: str, **more: Any) -> dict[str, Any]:
    declared_parameters = load(path)["parameters"]
    given = {"appServiceName": app, "phoneNumber": "+14255550199", "acsResourceName": "contoso-acs", "appId": APP_ID,
             "azureBotId": LONGEST_BOT, "speechAccountName": "contoso-speech", **NEW_GROUP, **more}
    return {k: v for k, v in given.items() if k in declared_parameters}


# ---------------------------------------------------------------- the plan


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_a_new_plan_is_created_once_and_never_put_again(path: Path):
    """The only serverfarms resource is create-only: its SKU and instance count apply when it is made."""
    template, scope = deployed(path, given_for(path, "contoso-ivr-bot"), ACS_WITH_IDENTITY)
    (plan,) = resources_of_type(template, "Microsoft.Web/serverfarms")
    (deployment,) = [r for r in declared(template) if r["type"] == "Microsoft.Resources/deployments"
                     and "planDeploymentName" in r["name"]]
    inner = deployment["properties"]["template"]
    assert inner["languageVersion"] == "2.0" and plan in inner["resources"].values()
    assert plan["@options"] == {"onlyIfNotExists": []}
    assert scope.value(deployment["condition"]) is True
    site = resources_of_type(template, "Microsoft.Web/sites")[0]
    assert f"[resourceId('Microsoft.Resources/deployments', variables('planDeploymentName'))]" in site["dependsOn"]
    if "existingAppServicePlanName" not in load(path)["parameters"]:
        return  # the new-group wrapper always creates its plan
    existing, existing_scope = deployed(path, given_for(path, "contoso-ivr-bot", existingAppServicePlanName="shared",
                                                        existingAppServicePlanLocation="westus2"), ACS_WITH_IDENTITY)
    (existing_deployment,) = [r for r in declared(existing) if r["type"] == "Microsoft.Resources/deployments"
                              and "planDeploymentName" in r["name"]]
    assert existing_scope.value(existing_deployment["condition"]) is False, "an existing plan is not the template's"


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_a_settings_redeploy_touches_no_event_grid_subscription(path: Path):
    types = {r["type"] for r in all_resources(load(path))}
    assert not {t for t in types if t.startswith("Microsoft.EventGrid/")}, "subscriptions are the Event Grid templates'"


# ---------------------------------------------------------------- a second bot on one ACS resource


def subscriptions(path: Path, app: str) -> tuple[set[str], set[str]]:
    """(system topic names, subscription names) a deployment for `app` puts."""
    template, scope = deployed(path, given_for(path, app))
    (events,) = resources_of_type(template, "Microsoft.Resources/deployments")
    inner = events["properties"]["template"]
    passed = {name: scope.value(entry["value"]) for name, entry in events["properties"]["parameters"].items() if "value" in entry}
    inner_scope = Scope(inner, passed)
    topics = {inner_scope.value(r["name"]) for r in declared(inner) if r["type"] == "Microsoft.EventGrid/systemTopics"}
    names = {inner_scope.value(r["name"]).split("/", 1)[1] for r in declared(inner)
             if r["type"] == "Microsoft.EventGrid/systemTopics/eventSubscriptions"}
    return topics, names


@pytest.mark.parametrize("path", AZURE_BOT_PATHS + INCOMING_CALLS_PATHS, ids=relative)
def test_a_second_bot_on_the_same_acs_resource_gets_subscriptions_of_its_own(path: Path):
    first_topics, first = subscriptions(path, "contoso-ivr-bot")
    second_topics, second = subscriptions(path, "fabrikam-ivr-bot")
    assert first_topics == second_topics, "one ACS resource has one system topic: both bots share it"
    assert not first & second, f"the second bot would take over {first & second}"
    assert all(len(name) <= MAX_SUBSCRIPTION_NAME for name in first | subscriptions(path, LONGEST_APP)[1])


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=relative)
def test_nested_deployment_names_fit_arms_limit_whatever_the_names_given(path: Path):
    template, scope = deployed(path, given_for(path, LONGEST_APP), ACS_WITH_IDENTITY)
    names = [scope.value(r["name"]) for r in declared(template) if r["type"] == "Microsoft.Resources/deployments"]
    assert names or "IncomingCalls" not in path.name
    for name in names:
        assert isinstance(name, str) and len(name) <= MAX_DEPLOYMENT_NAME, f"{path.name}: {name!r} ({len(name)})"
    assert len(set(names)) == len(names)
