"""docs/deploy-to-azure.md, read in order as a new user pastes it.

Nobody can run the guide here (it needs an Azure subscription), but what makes a pasted guide
fail first can be checked offline: a variable used before it is set, a template or parameters
file that does not exist, a parameter the template does not declare (ARM refuses the
deployment) or a required one left out (the CLI stops to ask for it), a resource provider the
templates need that was never registered, and a step missing from one of the two paths.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.deployment.test_templates import REPO, all_resources, load

GUIDE = REPO / "docs" / "deploy-to-azure.md"
BLOCK = re.compile(r"```bash\n(.*?)```", re.S)
ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(\(?)")
USE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Deployment:
    """One `az deployment … create|validate` of the guide."""

    action: str
    template: Path
    parameters_file: Path | None
    given: frozenset[str]


@dataclass
class Reading:
    """What a shell learns reading the guide's commands top to bottom."""

    variables: dict[str, str] = field(default_factory=dict)
    arrays: dict[str, list[str]] = field(default_factory=dict)
    used_before_set: list[str] = field(default_factory=list)
    commands: list[list[str]] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)


def logical_lines(block: str) -> list[str]:
    """Lines with their `\\` continuations joined, and array assignments `X=( … )` in one line."""
    joined = re.sub(r"\\\n\s*", " ", block)
    lines: list[str] = []
    pending: list[str] = []
    for line in joined.splitlines():
        if pending:
            pending.append(line)
            if line.strip() == ")":
                lines.append(" ".join(pending))
                pending = []
        elif re.match(r"^[A-Za-z_][A-Za-z0-9_]*=\($", line.strip()):
            pending = [line]
        elif line.strip():
            lines.append(line)
    return lines


def expand(word: str, reading: Reading) -> str:
    return USE.sub(lambda m: reading.variables.get(m.group(1), m.group(0)), word)


def read_guide() -> Reading:
    reading = Reading()
    for block in BLOCK.findall(GUIDE.read_text(encoding="utf-8")):
        for line in logical_lines(block):
            words = shlex.split(line, comments=True)
            if not words:
                continue
            for word in words:
                for name in USE.findall(word):
                    if name not in reading.variables and name not in reading.arrays:
                        reading.used_before_set.append(f"{name} in: {line.strip()[:80]}")
            assignment = ASSIGNMENT.match(line.strip())
            if assignment and assignment.group(2):
                body = line.strip()[len(assignment.group(0)):].rstrip().removesuffix(")")
                reading.arrays[assignment.group(1)] = shlex.split(body, comments=True)
            elif assignment:
                reading.variables[assignment.group(1)] = expand(words[0].split("=", 1)[1], reading)
            if len(words) > 2 and words[0] == "for" and words[2] == "in":
                reading.variables[words[1]] = f"${words[1]}"
            if words[0] in ("az", "for"):
                reading.commands.append([w.rstrip(";") for w in words])
            elif "$(az" in words[0]:  # X=$(az …): the command whose output is kept
                reading.commands.append(["az", *words[1:]])
            if words[:2] == ["az", "deployment"] and words[3] in ("create", "validate"):
                reading.deployments.append(deployment(words, reading))
    return reading


def deployment(words: list[str], reading: Reading) -> Deployment:
    template, parameters_file, given = None, None, set()
    for i, word in enumerate(words):
        if word == "--template-file":
            template = REPO / expand(words[i + 1], reading)
    for i, word in enumerate(words):
        if word != "--parameters":
            continue
        for token in words[i + 1:]:
            if token.startswith("--"):
                break
            if token.startswith("@"):
                parameters_file = REPO / expand(token[1:], reading)
                continue
            array = re.fullmatch(r"\$\{(\w+)\[@\]\}", token)
            for item in reading.arrays[array.group(1)] if array else [token]:
                given.add(item.split("=", 1)[0])
    assert template is not None, " ".join(words)
    return Deployment(words[3], template, parameters_file, frozenset(given))


READING = read_guide()


def test_every_variable_is_set_before_it_is_used():
    assert not READING.used_before_set, "\n".join(READING.used_before_set)


@pytest.mark.parametrize(
    "template", ["template-BotApp-with-rg.json", "template-AzureBot-with-rg.json", "template-IncomingCalls-with-rg.json",
                 "template-BotApp-new-rg.json", "template-AzureBot-new-rg.json", "template-IncomingCalls-new-rg.json"]
)
def test_every_template_is_deployed_by_the_guide(template: str):
    assert any(d.template.name == template and d.action == "create" for d in READING.deployments)


def test_each_template_of_the_existing_group_path_is_validated_before_it_is_created():
    for created in [d for d in READING.deployments if d.action == "create" and "-with-rg" in d.template.name]:
        before = READING.deployments[: READING.deployments.index(created)]
        assert any(d.action == "validate" and d.template == created.template and d.given == created.given
                   for d in before), f"{created.template.name} is created without a pre-flight validate"


@pytest.mark.parametrize("index", range(len(READING.deployments)))
def test_each_deployment_names_only_declared_parameters_and_every_required_one(index: int):
    d = READING.deployments[index]
    assert d.template.is_file(), d.template
    declared = load(d.template)["parameters"]
    unknown = d.given - set(declared)
    assert not unknown, f"{d.template.name}: the guide passes undeclared {sorted(unknown)}"
    required = {name for name, p in declared.items() if "defaultValue" not in p}
    missing = required - d.given
    assert not missing, f"{d.template.name}: the guide leaves out required {sorted(missing)}"
    assert d.parameters_file is not None and d.parameters_file.is_file()
    assert d.parameters_file.name == d.template.name.replace("template-", "parameters-for-template-")


def test_both_paths_deploy_the_web_app_for_their_channel():
    """One BotApp deployment serves either path through `channel=$PATH_CHOICE`."""
    (choice,) = [w for d in READING.commands for w in d if w.startswith("channel=")] or [
        item for item in READING.arrays["BOT_APP_PARAMETERS"] if item.startswith("channel=")
    ]
    assert choice == "channel=$PATH_CHOICE"
    assert READING.variables["PATH_CHOICE"] in ("callAutomation", "telephony")


def test_every_resource_provider_the_templates_use_is_registered_first():
    index, registered = next(
        (i, c) for i, c in enumerate(READING.commands)
        if c[0] == "for" and READING.commands[i + 1][:3] == ["az", "provider", "register"]
    )
    namespaces = {
        resource["type"].split("/")[0]
        for path in (REPO / "deploymentTemplates").glob("*/template-*.json")
        for resource in all_resources(load(path))
    } - {"Microsoft.Resources", "Microsoft.Authorization"}  # registered in every subscription
    assert namespaces <= set(registered), f"register {sorted(namespaces - set(registered))} in step 1"
    first_deployment = next(i for i, c in enumerate(READING.commands) if c[:2] == ["az", "deployment"])
    assert index < first_deployment


def test_the_app_registration_gets_its_service_principal():
    """Without one a SingleTenant bot gets no token: AADSTS7000229 on every reply."""
    commands = [" ".join(c[:4]) for c in READING.commands]
    assert commands.index("az ad sp create") > commands.index("az ad app create")
    first_deployment = next(i for i, c in enumerate(commands) if c.startswith("az deployment"))
    assert commands.index("az ad sp create") < first_deployment


def test_call_automation_turns_on_the_acs_identity_before_the_web_app_is_deployed():
    commands = [" ".join(c[:4]) for c in READING.commands]
    identity = commands.index("az communication identity assign")
    first_deployment = next(i for i, c in enumerate(commands) if c.startswith("az deployment"))
    assert identity < first_deployment


def test_no_setting_is_changed_outside_the_template():
    """A redeploy replaces every app setting: one set with the CLI is silently lost."""
    assert not [c for c in READING.commands if c[:4] == ["az", "webapp", "config", "appsettings"]]


GUIDE_TEXT = GUIDE.read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of the `## title` section, up to the next heading of the same level."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", GUIDE_TEXT, re.S | re.M)
    assert match, f"the guide has no section {title!r}"
    return match.group(1)


def test_the_guide_leads_with_call_automation_which_needs_no_app_registration():
    assert READING.variables["PATH_CHOICE"] == "callAutomation"
    assert GUIDE_TEXT.index("### 8a. Call Automation") < GUIDE_TEXT.index("### 8b. Telephony channel")
    assert GUIDE_TEXT.index("**Call Automation** (start here)") < GUIDE_TEXT.index("**Telephony channel**")
    first_step = section("1. Sign in, register the resource providers, choose names")
    assert re.search(r"^APP_ID=\s", first_step, re.M), "the commands work for Call Automation without an app id"


def test_no_secret_is_made_or_passed_in_the_shell():
    """The template generates them in the Key Vault, which the Event Grid templates read."""
    assert "openssl rand" not in GUIDE_TEXT
    for deployment in READING.deployments:
        assert not {"cardDataKey", "eventGridSecret"} & deployment.given


def test_before_you_start_says_what_subscription_a_number_needs_and_what_bills():
    before = section("Before you start")
    assert "paid Azure subscription" in before and "billing address" in before
    assert "free trial" in before and "credit" in before
    costs = before[before.index("### What it costs"):]
    for bills in ("App Service plan", "Phone number", "PSTN minutes", "Call recording", "Log Analytics"):
        assert f"| {bills}" in costs, f"the cost table lacks {bills}"
    assert "**24/7**" in costs and "both ways" in costs and "To keep a trial cheap" in costs


def test_step_3_checks_the_calling_capabilities_with_a_query():
    (listing,) = [c for c in READING.commands if c[:4] == ["az", "communication", "phonenumber", "list"]]
    query = listing[listing.index("--query") + 1]
    assert "capabilities.calling" in query and "phoneNumber" in query


def test_remove_everything_covers_the_group_the_number_the_registration_and_the_soft_deleted_names():
    removal = section("Remove everything")
    for command in ("az group delete", "az keyvault purge", "az cognitiveservices account purge", "az ad app delete"):
        assert command in removal, f"Remove everything lacks {command}"
    assert "phone number is released for good" in removal


def test_troubleshooting_quotes_the_templates_own_message_for_a_missing_acs_identity():
    template = load(REPO / "deploymentTemplates" / "deployUseExistResourceGroup" / "template-BotApp-with-rg.json")
    (role,) = [r for r in all_resources(template) if r.get("condition") == "[variables('callAutomation')]"
               and r["type"] == "Microsoft.Authorization/roleAssignments"]
    message = re.search(r"has no system-assigned managed identity[^.]*\.", role["properties"]["principalId"]).group(0)
    troubleshooting = section("Troubleshooting")
    assert message in troubleshooting
    assert "The language expression property 'identity' doesn't exist" in troubleshooting
