"""ARM template resources, checked against Azure's published resource type definitions.

`az deployment group validate` catches a misspelt property only with an Azure account, and
some resource providers ignore unknown properties altogether: the template deploys and the
setting silently does nothing. The definitions in `azure_types/` (Azure/bicep-types-az,
generated from the Azure REST API specifications, MIT) describe every property of every
resource type for one apiVersion, so the same mistakes can be caught offline.

Each resource's body is walked against the definition for its exact type and apiVersion:
unknown properties, missing required ones, read-only ones set, values outside an enum or
literal (an open enum's known values included), and scalars of the wrong JSON type are reported. A string that ARM evaluates
(`[...]`) may become anything, so it matches any type.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

TYPES_DIR = Path(__file__).resolve().parent / "azure_types"

# Property flags in the definitions.
REQUIRED = 1
READ_ONLY = 2

# Keys of a template's resource element that ARM reads itself: they are not sent in the
# resource's body. `type` and `apiVersion` choose the definition the body is checked against;
# `@options` (template language 2.0) holds deployment options such as `onlyIfNotExists`.
TEMPLATE_KEYS = frozenset(
    {"type", "apiVersion", "condition", "dependsOn", "comments", "copy", "resourceGroup",
     "subscriptionId", "scope", "resources", "@options", "existing"}
)


class ProblemKind(enum.Enum):
    UNKNOWN_RESOURCE_TYPE = "unknown resource type or apiVersion"
    UNKNOWN_PROPERTY = "unknown property"
    MISSING_REQUIRED = "missing required property"
    READ_ONLY_SET = "read-only property set"
    WRONG_VALUE = "value not allowed"
    WRONG_TYPE = "wrong type"


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind.value}: {self.detail}"


def is_expression(value: object) -> bool:
    """ARM evaluates `[...]` strings at deployment; `[[` escapes a literal bracket."""
    return isinstance(value, str) and value.startswith("[") and value.endswith("]") and not value.startswith("[[")


class _TypeFile:
    """One `types.json`: a list of type nodes that point at each other by index."""

    def __init__(self, path: Path):
        self.nodes: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))

    def resolve(self, reference: dict[str, str]) -> dict[str, Any]:
        ref = reference["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"cross-file reference {ref!r} is not supported")
        return self.nodes[int(ref[2:])]


class TypeLibrary:
    """Every resource type definition under `root`, by `type@apiVersion` (case-insensitive)."""

    def __init__(self, root: Path = TYPES_DIR):
        self._root = root

    @cached_property
    def _bodies(self) -> dict[str, tuple[_TypeFile, dict[str, Any]]]:
        bodies = {}
        for path in sorted(self._root.glob("*/*/*types.json")):
            types = _TypeFile(path)
            for node in types.nodes:
                if node["$type"] == "ResourceType" and node.get("writableScopes", 1):
                    bodies[node["name"].lower()] = (types, types.resolve(node["body"]))
        return bodies

    def knows(self, resource_type: str, api_version: str) -> bool:
        return f"{resource_type}@{api_version}".lower() in self._bodies

    def check(self, resource: dict[str, Any], where: str) -> list[Problem]:
        """The problems of one template resource element, each named by its path."""
        resource_type, api_version = resource.get("type", ""), resource.get("apiVersion", "")
        where = f"{where}: {resource_type}@{api_version} {resource.get('name', '?')!r}"
        found = self._bodies.get(f"{resource_type}@{api_version}".lower())
        if found is None:
            return [Problem(ProblemKind.UNKNOWN_RESOURCE_TYPE, where, "no definition in azure_types/")]
        types, body = found
        sent = {key: value for key, value in resource.items() if key not in TEMPLATE_KEYS}
        return _Walker(types).walk(sent, body, where, top_level=True)


class _Walker:
    def __init__(self, types: _TypeFile):
        self._types = types

    def walk(self, value: Any, node: dict[str, Any], where: str, top_level: bool = False) -> list[Problem]:
        if is_expression(value):
            return []
        kind = node["$type"]
        if kind == "AnyType":
            return []
        if kind == "StringType":
            return self._string(value, node, where)
        if kind == "StringLiteralType":
            if value == node["value"]:
                return []
            return [Problem(ProblemKind.WRONG_VALUE, where, f"{value!r} is not {node['value']!r}")]
        if kind == "IntegerType":
            return self._integer(value, node, where)
        if kind == "BooleanType":
            return [] if isinstance(value, bool) else [_wrong_type(where, "a boolean", value)]
        if kind == "ArrayType":
            if not isinstance(value, list):
                return [_wrong_type(where, "an array", value)]
            item = self._types.resolve(node["itemType"])
            return [p for i, v in enumerate(value) for p in self.walk(v, item, f"{where}[{i}]")]
        if kind == "UnionType":
            return self._union(value, node, where)
        if kind == "ObjectType":
            return self._object(value, node["properties"], node.get("additionalProperties"), where, top_level)
        if kind == "DiscriminatedObjectType":
            return self._discriminated(value, node, where, top_level)
        raise ValueError(f"{where}: type node {kind!r} is not supported")

    def _string(self, value: Any, node: dict[str, Any], where: str) -> list[Problem]:
        if not isinstance(value, str):
            return [_wrong_type(where, "a string", value)]
        if "minLength" in node and len(value) < node["minLength"] or len(value) > node.get("maxLength", len(value)):
            return [Problem(ProblemKind.WRONG_VALUE, where, f"{value!r} has a length outside "
                            f"{node.get('minLength', 0)}..{node.get('maxLength', 'any')}")]
        return []

    def _integer(self, value: Any, node: dict[str, Any], where: str) -> list[Problem]:
        if isinstance(value, bool) or not isinstance(value, int):
            return [_wrong_type(where, "an integer", value)]
        if value < node.get("minValue", value) or value > node.get("maxValue", value):
            return [Problem(ProblemKind.WRONG_VALUE, where, f"{value} is outside "
                            f"{node.get('minValue', '-')}..{node.get('maxValue', '-')}")]
        return []

    def _union(self, value: Any, node: dict[str, Any], where: str) -> list[Problem]:
        elements = [self._types.resolve(e) for e in node["elements"]]
        known = [e["value"] for e in elements if e["$type"] == "StringLiteralType"]
        if known and isinstance(value, str) and _is_open_enum(elements) and value.lower() not in {
            k.lower() for k in known
        }:
            # Azure accepts other values of an open enum (a later apiVersion may add some) and
            # compares them ignoring case, but a template that names one outside this
            # apiVersion's list has almost always misspelt it.
            return [Problem(ProblemKind.WRONG_VALUE, where, f"{value!r} is not one of the known values {known}")]
        attempts = [self.walk(value, element, where) for element in elements]
        if any(not problems for problems in attempts):
            return []
        literals = [e["value"] for e in elements if e["$type"] == "StringLiteralType"]
        if literals and len(literals) == len(elements):
            return [Problem(ProblemKind.WRONG_VALUE, where, f"{value!r} is not one of {literals}")]
        return min(attempts, key=len)

    def _object(
        self,
        value: Any,
        properties: dict[str, Any],
        additional: dict[str, str] | None,
        where: str,
        top_level: bool,
    ) -> list[Problem]:
        if not isinstance(value, dict):
            return [_wrong_type(where, "an object", value)]
        problems = []
        for name, prop in properties.items():
            if prop.get("flags", 0) & REQUIRED and name not in value:
                problems.append(Problem(ProblemKind.MISSING_REQUIRED, where, name))
        for name, item in value.items():
            path = f"{where}.{name}"
            prop = properties.get(name)
            if prop is None:
                if additional is not None:
                    problems += self.walk(item, self._types.resolve(additional), path)
                else:
                    close = [p for p in properties if p.lower() == name.lower()]
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    problems.append(Problem(ProblemKind.UNKNOWN_PROPERTY, where, f"{name!r}{hint}"))
                continue
            if prop.get("flags", 0) & READ_ONLY:
                problems.append(Problem(ProblemKind.READ_ONLY_SET, where, name))
                continue
            if top_level and name == "name":
                # A child resource is named `parent/child` in a template; its definition
                # describes the last segment only.
                item = item if is_expression(item) else str(item).rsplit("/", 1)[-1]
            problems += self.walk(item, self._types.resolve(prop["type"]), path)
        return problems

    def _discriminated(self, value: Any, node: dict[str, Any], where: str, top_level: bool) -> list[Problem]:
        if not isinstance(value, dict):
            return [_wrong_type(where, "an object", value)]
        key = node["discriminator"]
        chosen = value.get(key)
        if top_level and key == "name" and isinstance(chosen, str):
            chosen = _last_name_segment(chosen)
        if chosen is None:
            return [Problem(ProblemKind.MISSING_REQUIRED, where, key)]
        if is_expression(chosen):
            return []  # which variant is chosen is only known at deployment
        element = node["elements"].get(chosen)
        if element is None:
            return [Problem(ProblemKind.WRONG_VALUE, f"{where}.{key}",
                            f"{chosen!r} is not one of {sorted(node['elements'])}")]
        variant = self._types.resolve(element)
        properties = {**node["baseProperties"], **variant["properties"]}
        return self._object(value, properties, variant.get("additionalProperties"), where, top_level)


def _is_open_enum(elements: list[dict[str, Any]]) -> bool:
    """String literals and a plain string: the definitions' form of an extensible enum."""
    kinds = {e["$type"] for e in elements}
    return kinds == {"StringLiteralType", "StringType"} and all(
        not ({"minLength", "maxLength", "pattern"} & set(e)) for e in elements if e["$type"] == "StringType"
    )


def _last_name_segment(name: str) -> str:
    """`site/appsettings`, or the literal that ends `[concat(..., '/appsettings')]`."""
    if is_expression(name):
        match = re.search(r"'/?([^'/]+)'\s*\)\]$", name)
        return match.group(1) if match else name
    return name.rsplit("/", 1)[-1]


def _wrong_type(where: str, expected: str, value: Any) -> Problem:
    return Problem(ProblemKind.WRONG_TYPE, where, f"expected {expected}, got {json.dumps(value)[:60]}")
