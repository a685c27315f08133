"""ARM template expressions, evaluated offline for the part that depends on parameters only.

A switch such as `telemetry=off` acts through `condition`s and `if()`s: whether it really
leaves a resource out or a setting empty is a question of evaluating them. This evaluates the
template language (function calls, string literals, property and index access) for the
functions that need no Azure: `parameters`, `variables`, `if` (only the branch taken, as ARM
does), `equals`, `not`, `and`, `or`, `empty`, `concat`, `format`, `take`, `replace`,
`createObject`, `union`, `length`, `tryGet` and `fail` (which stops the deployment with its
message: `DeploymentFailed`). Every other function (`reference`, `resourceId`, `guid`,
`listKeys`, ...) becomes a `Deferred` value that records what it was called with, so a test can
still say which resource a value comes from; or, when the scope is given `azure`, what that
function answers for it (what `reference()` returns for an existing resource, say).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[(),.\[\]]))")


@dataclass(frozen=True)
class Deferred:
    """What only Azure can compute: `function(*args)`, then `.path` of its result."""

    function: str
    args: tuple[Any, ...] = ()
    path: tuple[Any, ...] = ()

    def at(self, key: Any) -> "Deferred":
        return Deferred(self.function, self.args, (*self.path, key))


class Unevaluable(ValueError):
    """An expression that needs a `Deferred` value where a concrete one is required."""


class DeploymentFailed(RuntimeError):
    """The template called `fail(message)`: ARM stops the deployment with that message."""


@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class _Access:
    target: Any
    key: Any


@dataclass(frozen=True)
class _Literal:
    value: Any


def _parse(text: str) -> Any:
    tokens, at = [], 0
    while at < len(text.rstrip()):
        match = TOKEN.match(text, at)
        if match is None:
            raise ValueError(f"cannot read {text[at:]!r} in {text!r}")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        at = match.end()
    position = 0

    def peek() -> str | None:
        return tokens[position][1] if position < len(tokens) else None

    def take(expected: str | None = None) -> tuple[str, str]:
        nonlocal position
        kind, value = tokens[position]
        if expected is not None and value != expected:
            raise ValueError(f"expected {expected!r} at {value!r} in {text!r}")
        position += 1
        return kind, value

    def expression() -> Any:
        kind, value = take()
        if kind == "string":
            node: Any = _Literal(value[1:-1].replace("''", "'"))
        elif kind == "number":
            node = _Literal(int(value))
        elif kind == "name":
            take("(")
            args = []
            while peek() != ")":
                args.append(expression())
                if peek() == ",":
                    take(",")
            take(")")
            node = _Call(value, tuple(args))
        else:
            raise ValueError(f"unexpected {value!r} in {text!r}")
        while peek() in (".", "["):
            if take()[1] == ".":
                node = _Access(node, _Literal(take()[1]))
            else:
                node = _Access(node, expression())
                take("]")
        return node

    tree = expression()
    if position != len(tokens):
        raise ValueError(f"trailing text in {text!r}")
    return tree


class Scope:
    """One template's parameters (given values over defaults) and variables.

    `azure`, when given, answers the calls only Azure can (`reference(...)`): a value, or None
    to leave the call `Deferred`.
    """

    def __init__(
        self,
        template: dict[str, Any],
        given: dict[str, Any],
        azure: Callable[[Deferred], Any] | None = None,
    ):
        declared = template.get("parameters", {})
        unknown = set(given) - set(declared)
        if unknown:
            raise KeyError(f"not parameters of the template: {sorted(unknown)}")
        self._parameters = {
            name: given[name] if name in given else spec.get("defaultValue", Deferred("parameters", (name,)))
            for name, spec in declared.items()
        }
        self._variables = template.get("variables", {})
        self._azure = azure

    def value(self, node: Any) -> Any:
        """A template value (string, object, array) with its expressions evaluated."""
        if isinstance(node, str):
            if node.startswith("[["):
                return node[1:]
            if node.startswith("[") and node.endswith("]"):
                return self._evaluate(_parse(node[1:-1]))
            return node
        if isinstance(node, dict):
            return {self.value(k): self.value(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.value(item) for item in node]
        return node

    def _evaluate(self, node: Any) -> Any:
        if isinstance(node, _Literal):
            return node.value
        if isinstance(node, _Access):
            target, key = self._evaluate(node.target), self._evaluate(node.key)
            return target.at(key) if isinstance(target, Deferred) else target[key]
        if node.name == "if":
            condition, then, otherwise = node.args
            return self._evaluate(then if _concrete(self._evaluate(condition)) else otherwise)
        args = tuple(self._evaluate(arg) for arg in node.args)
        if node.name == "parameters":
            return self._parameters[args[0]]
        if node.name == "variables":
            return self.value(self._variables[args[0]])
        if node.name == "fail":
            raise DeploymentFailed(args[0])
        function = _FUNCTIONS.get(node.name)
        if function is None or any(isinstance(arg, Deferred) for arg in args):
            deferred = Deferred(node.name, args)
            answer = self._azure(deferred) if self._azure is not None and function is None else None
            return deferred if answer is None else answer
        return function(*args)


def _concrete(value: Any) -> Any:
    if isinstance(value, Deferred):
        raise Unevaluable(f"{value} is known only at deployment")
    return value


def _format(template: str, *args: Any) -> str:
    return re.sub(r"\{(\d+)\}", lambda m: str(args[int(m.group(1))]), template)


def _try_get(value: Any, *keys: Any) -> Any:
    """ARM's `tryGet`: the value at `keys`, or null where one is missing."""
    for key in keys:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        else:
            return None
    return value


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "equals": lambda a, b: a == b,
    "not": lambda a: not a,
    "and": lambda *values: all(values),
    "or": lambda *values: any(values),
    "empty": lambda value: value is None or len(value) == 0,
    "concat": lambda *parts: "".join(parts),
    "format": _format,
    "take": lambda value, count: value[:count],
    "replace": lambda value, old, new: value.replace(old, new),
    "length": len,
    "createObject": lambda *pairs: dict(zip(pairs[::2], pairs[1::2])),
    "union": lambda *objects: {key: value for o in objects for key, value in o.items()},
    "tryGet": _try_get,
    "true": lambda: True,
    "false": lambda: False,
}
