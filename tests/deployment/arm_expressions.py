"""ARM template expressions, evaluated offline for the part that depends on parameters only.

A switch such as `telemetry=off` acts through `condition`s and `if()`s: whether it really
leaves a resource out or a setting empty is a question of evaluating them. This evaluates the
template language (function calls, string literals, property and index access) for the
functions that need no Azure: `parameters`, `variables`, `if` (only the branch taken, as ARM
does), `equals`, `not`, `and`, `or`, `empty`, `concat`, `take`. Every other function
(`reference`, `resourceId`, `guid`, `listKeys`, ...) becomes a `Deferred` value that records
what it was called with, so a test can still say which resource a value comes from.
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
    """One template's parameters (given values over defaults) and variables."""

    def __init__(self, template: dict[str, Any], given: dict[str, Any]):
        declared = template.get("parameters", {})
        unknown = set(given) - set(declared)
        if unknown:
            raise KeyError(f"not parameters of the template: {sorted(unknown)}")
        self._parameters = {
            name: given[name] if name in given else spec.get("defaultValue", Deferred("parameters", (name,)))
            for name, spec in declared.items()
        }
        self._variables = template.get("variables", {})

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
        function = _FUNCTIONS.get(node.name)
        if function is None or any(isinstance(arg, Deferred) for arg in args):
            return Deferred(node.name, args)
        return function(*args)


def _concrete(value: Any) -> Any:
    if isinstance(value, Deferred):
        raise Unevaluable(f"{value} is known only at deployment")
    return value


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "equals": lambda a, b: a == b,
    "not": lambda a: not a,
    "and": lambda *values: all(values),
    "or": lambda *values: any(values),
    "empty": lambda value: len(value) == 0,
    "concat": lambda *parts: "".join(parts),
    "take": lambda value, count: value[:count],
    "true": lambda: True,
    "false": lambda: False,
}
