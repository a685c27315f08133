"""Reading a JSON request body within limits a caller cannot push the server past.

`json.loads` alone lets a caller choose how much work and memory a request costs,
and turns some bodies into exceptions no handler expects: nesting a few thousand
levels deep raises `RecursionError`, an integer of 5,000 digits raises the
interpreter's digit-limit `ValueError`, `NaN` parses into a float no serializer
accepts back, and bytes are decoded as UTF-16 or UTF-32 when they look like it,
whatever the Content-Type said. Here every such body is one `JsonBodyError`, whose
message is a one-line reason fit to send back.
"""

from __future__ import annotations

import json
from typing import Any

# Activities and Event Grid events nest a handful of levels; 32 leaves ample room.
MAX_DEPTH = 32
# A JSON number longer than this is not an id, an index or a timestamp.
MAX_NUMBER_CHARS = 40


class JsonBodyError(ValueError):
    """The body is not JSON this server reads; the message says why, in one line."""


def parse_json(raw: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON document in `raw` (UTF-8), nested at most `max_depth` levels."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonBodyError("the body is not UTF-8") from None
    if not text.strip():
        raise JsonBodyError("the body is empty")
    try:
        document = json.loads(
            text, parse_int=_bounded(int), parse_float=_bounded(float), parse_constant=_no_constant
        )
    except RecursionError:
        raise JsonBodyError(f"the body nests deeper than {max_depth} levels") from None
    except json.JSONDecodeError as error:
        raise JsonBodyError(f"the body is not valid JSON ({error.msg} at line {error.lineno})") from None
    except ValueError as error:
        raise JsonBodyError(str(error)) from None
    if _depth_exceeds(document, max_depth):
        raise JsonBodyError(f"the body nests deeper than {max_depth} levels")
    return document


def _bounded(convert):
    def parse(token: str):
        if len(token) > MAX_NUMBER_CHARS:
            raise ValueError(f"the body holds a number longer than {MAX_NUMBER_CHARS} characters")
        return convert(token)

    return parse


def _no_constant(name: str) -> Any:
    raise ValueError(f"the body holds {name}, which is not JSON")


def _depth_exceeds(document: Any, max_depth: int) -> bool:
    """True when containers nest more than `max_depth` levels (checked without recursion)."""
    level: list[Any] = [document]
    for _ in range(max_depth):
        level = [
            child
            for node in level
            if isinstance(node, (dict, list))
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, (dict, list))
        ]
        if not level:
            return False
    return True
