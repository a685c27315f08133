"""The templates as ARM evaluates them for one user's choices (`arm_expressions.py`).

A user deploys either template of a pair: the existing-group one, or the new-group wrapper
that passes its parameters on to it. `deployed` evaluates the template that deploys the
resources, with the parameters as they reach it either way; `nested` does the same one level
down, for a nested deployment (Key Vault references passed to it stay as they are: ARM, not
the template, resolves them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

from tests.deployment.arm_expressions import Deferred, Scope
from tests.deployment.test_templates import _is_inner_scope, declared, load, resources_of_type

__all__ = ["deployed", "nested", "nested_in", "one", "resources_of_type", "settings"]

# What a user passes (or the template passes on) as a securestring: found anywhere else, it leaked.
APP_SECRET = "app-secret-b7e2c0d4-not-a-real-one"
INSIGHTS_CONNECTION_STRING = (
    "InstrumentationKey=3f2504e0-4f89-41d3-9a0c-0305e82c3301;"
    "IngestionEndpoint=https://westus2-2.in.applicationinsights.azure.com/"
)
APP_ID = "00000000-0000-0000-0000-0000000000a1"
APP_NAME = "contoso-ivr-bot"

Azure = Callable[[Deferred], Any]


def deployed(path: Path, given: dict[str, Any], azure: Azure | None = None) -> tuple[dict[str, Any], Scope]:
    """The template that deploys the resources, and its scope, as a user's parameters reach it."""
    template = load(path)
    scope = Scope(template, given, azure)
    if "subscriptionDeploymentTemplate" in template["$schema"]:  # the new-group wrapper passes its parameters on
        (deployment,) = [r for r in template["resources"] if _is_inner_scope(r)]
        return nested_in(deployment, scope, azure)
    return template, scope


def nested_in(deployment: dict[str, Any], scope: Scope, azure: Azure | None = None) -> tuple[dict[str, Any], Scope]:
    """A nested deployment's template, and its scope with what its parent passes."""
    passed = {
        name: scope.value(entry["value"]) if "value" in entry else entry
        for name, entry in deployment["properties"]["parameters"].items()
    }
    inner = deployment["properties"]["template"]
    return inner, Scope(inner, passed, azure)


def nested(template: dict[str, Any], scope: Scope, name_variable: str, azure: Azure | None = None) -> tuple[dict[str, Any], Scope]:
    """The nested deployment named by `variables(name_variable)` (or whose name uses it)."""
    (deployment,) = [
        r for r in declared(template)
        if r["type"] == "Microsoft.Resources/deployments" and f"variables('{name_variable}')" in r["name"]
    ]
    return nested_in(deployment, scope, azure)


def one(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    (resource,) = resources_of_type(template, resource_type)
    return resource


def settings(template: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """The Web App's app settings as deployed."""
    return scope.value(one(template, "Microsoft.Web/sites/config")["properties"])


def deferred_calls(value: Any) -> Iterator[Deferred]:
    """Every call only Azure can compute, anywhere in `value`."""
    if isinstance(value, Deferred):
        yield value
        for arg in value.args:
            yield from deferred_calls(arg)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from deferred_calls(key)
            yield from deferred_calls(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from deferred_calls(item)


def key_vault_reference(vault: Any, secret: str) -> Any:
    """An app setting App Service resolves from Key Vault with the app's identity."""
    parts = ("@Microsoft.KeyVault(VaultName=", vault, ";SecretName=", secret, ")")
    return Deferred("concat", parts) if isinstance(vault, Deferred) else "".join(parts)


ACS_PRINCIPAL = "7d1c1c3e-6e0a-4f7e-9a55-acs0identity"


def acs_resource(identity: dict[str, Any] | None) -> Azure:
    """Azure's answer to `reference(<the ACS resource>, ..., 'Full')`: the resource with `identity` (None: none at all)."""

    def answer(call: Deferred) -> Any:
        if call.function != "reference" or call.args[-1] != "Full":
            return None
        target = call.args[0]
        if isinstance(target, Deferred) and "Microsoft.Communication/communicationServices" in target.args:
            resource: dict[str, Any] = {"apiVersion": call.args[1], "location": "global", "properties": {}}
            if identity is not None:
                resource["identity"] = identity
            return resource
        return None

    return answer


ACS_WITH_IDENTITY = acs_resource({"type": "SystemAssigned", "principalId": ACS_PRINCIPAL, "tenantId": "t"})
