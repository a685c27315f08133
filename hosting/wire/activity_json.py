"""Activities from and to JSON in one direct pass, with msrest's results.

msrest reads and writes the schema's models by walking their attribute maps
anew for every value: copying each map entry, running key extractors and
transformers, looking types up by name, and choosing a converter per value.
For an activity that was about a quarter of a paced turn's CPU time (reading
the caller's activity, writing the bot's reply). Here each model's map is
compiled once into a plan of (attribute, JSON key, converter), and a value is
converted by the plan alone.

The plans take exactly the values JSON holds and the schema declares (a `str`
for a string field, a `dict` for a model, and so on): on those msrest's result
is known, and the equivalence tests compare the two over every shape of
activity a call produces. Anything else (a number where a string is declared,
an enum member, a tuple for a list, a model type the plans do not cover) is
left to msrest, which converts, coerces or refuses it as it always has.
"""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Any, Callable, Optional

from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError
from msrest.serialization import Deserializer, Model, Serializer

from hosting.wire.iso_time import read_iso

Convert = Callable[[Any], Any]
_MISSING = object()


class _Unusual(Exception):
    """A value outside what the plans take: msrest converts the whole model instead."""


_MODELS: dict[str, type] = Activity._infer_class_models()  # noqa: SLF001 - the names msrest resolves types by
_MSREST_READER = Deserializer(_MODELS)
_MSREST_WRITER = Serializer(_MODELS)


def read_model(cls: type[Model], document: Any) -> Model:
    """`cls` from parsed JSON, as `cls.deserialize(document)` makes it (msrest's errors included)."""
    plan = _reading_plan(cls)
    if plan is not None:
        try:
            return plan(document)
        except _Unusual:
            pass
    return _MSREST_READER._deserialize(cls.__name__, document)  # noqa: SLF001 - what `deserialize` runs on a dict


def write_model(model: Model, serializer: Serializer = _MSREST_WRITER) -> dict[str, Any]:
    """The JSON object `serializer` (msrest) makes of `model`; made by `serializer` itself when unusual."""
    plan = _writing_plan(type(model))
    if plan is not None:
        try:
            return plan(model)
        except _Unusual:
            pass
    return serializer._serialize(model, is_xml=False)  # noqa: SLF001 - the path `Serializer.body` ends in


def read_activity_json(document: Any) -> Activity:
    """The `Activity` in parsed JSON, as `Activity.deserialize(document)` makes it."""
    return read_model(Activity, document)


# --- reading -----------------------------------------------------------------------------------

_READ_PLANS: dict[type, Optional[Convert]] = {}
_WRITE_PLANS: dict[type, Optional[Convert]] = {}


def _plain_model(cls: type) -> bool:
    """A model whose map msrest reads key by key: no flattened keys, no validation, no subtypes."""
    if not (isinstance(cls, type) and issubclass(cls, Model)) or _MODELS.get(cls.__name__) is not cls:
        return False
    if cls._validation or cls.__dict__.get("_subtype_map") or cls.is_xml_model():  # noqa: SLF001
        return False
    return all(
        "." not in entry["key"] and entry["key"] != "" and set(entry) == {"key", "type"}
        for entry in cls._attribute_map.values()  # noqa: SLF001
    )


def _reading_plan(cls: type) -> Optional[Convert]:
    if cls not in _READ_PLANS:
        _READ_PLANS[cls] = None  # meanwhile: a model that contains itself is left to msrest
        _READ_PLANS[cls] = _compile_reader(cls) if _plain_model(cls) else None
    return _READ_PLANS[cls]


def _compile_reader(cls: type[Model]) -> Optional[Convert]:
    fields = []
    for attribute, entry in cls._attribute_map.items():  # noqa: SLF001
        convert = _reader_for(entry["type"])
        if convert is None:
            return None
        fields.append((attribute, entry["key"], convert))
    known = frozenset(key for _, key, _ in fields)

    def read(value: Any) -> Model:
        if type(value) is not dict:
            raise _Unusual
        found = {}
        for attribute, key, convert in fields:
            raw = value.get(key)
            found[attribute] = None if raw is None else convert(raw)
        model = cls(**found)
        if not known.issuperset(value):  # msrest keeps keys the schema does not name, as they came
            model.additional_properties = {key: item for key, item in value.items() if key not in known}
        return model

    return read


def _reader_for(type_name: str) -> Optional[Convert]:
    if type_name.startswith("[") and type_name.endswith("]"):
        item = _reader_for(type_name[1:-1])
        return None if item is None else _list_of(item)
    if type_name.startswith("{") and type_name.endswith("}"):
        item = _reader_for(type_name[1:-1])
        return None if item is None else _dict_of(item)
    basic = _BASIC_READERS.get(type_name)
    if basic is not None:
        return basic
    model = _MODELS.get(type_name)
    return None if model is None else _reading_plan(model)  # None too for a model that contains itself


def _list_of(item: Convert) -> Convert:
    def read(value: Any) -> list:
        if type(value) is not list:
            raise _Unusual
        return [None if element is None else item(element) for element in value]

    return read


def _dict_of(item: Convert) -> Convert:
    def read(value: Any) -> dict:
        if type(value) is not dict:
            raise _Unusual
        return {key: None if element is None else item(element) for key, element in value.items()}

    return read


def _exactly(kind: type) -> Convert:
    def read(value: Any) -> Any:
        if type(value) is not kind:
            raise _Unusual
        return value

    return read


def _read_float(value: Any) -> float:
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    raise _Unusual


def _read_time(value: Any) -> datetime.datetime:
    if type(value) is datetime.datetime:
        return value
    if type(value) is not str:
        raise _Unusual
    try:
        return read_iso(value)
    except DeserializationError:
        raise _Unusual from None


def _json_copy(value: Any) -> Any:
    """What msrest's `deserialize_object` makes of parsed JSON: new containers, the same leaves."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is float or kind is bool:
        return value
    if kind is dict:
        return {key: _json_copy(item) for key, item in value.items()}
    if kind is list:
        return [_json_copy(item) for item in value]
    raise _Unusual


_BASIC_READERS: dict[str, Convert] = {
    "str": _exactly(str),
    "bool": _exactly(bool),
    "int": _exactly(int),
    "float": _read_float,
    "iso-8601": _read_time,
    "object": _json_copy,
}


# --- writing -----------------------------------------------------------------------------------


def _writing_plan(cls: type) -> Optional[Convert]:
    if cls not in _WRITE_PLANS:
        _WRITE_PLANS[cls] = None
        _WRITE_PLANS[cls] = _compile_writer(cls) if _plain_model(cls) else None
    return _WRITE_PLANS[cls]


def _compile_writer(cls: type[Model]) -> Optional[Convert]:
    fields = []
    for attribute, entry in cls._attribute_map.items():  # noqa: SLF001
        convert = _writer_for(entry["type"])
        if convert is None:
            return None
        fields.append((attribute, entry["key"], convert))

    def write(model: Model) -> dict[str, Any]:
        written = {}
        for attribute, key, convert in fields:
            value = getattr(model, attribute, _MISSING)
            if value is _MISSING:
                raise _Unusual
            if value is not None:  # msrest leaves out what is None
                written[key] = convert(value)
        return written

    return write


def _writer_for(type_name: str) -> Optional[Convert]:
    if type_name.startswith("[") and type_name.endswith("]"):
        item = _writer_for(type_name[1:-1])
        return None if item is None else _write_list_of(item)
    if type_name.startswith("{") and type_name.endswith("}"):
        item = _writer_for(type_name[1:-1])
        return None if item is None else _write_dict_of(item)
    basic = _BASIC_WRITERS.get(type_name)
    if basic is not None:
        return basic
    model = _MODELS.get(type_name)
    if model is None or not _plain_model(model):
        return None
    return _write_nested_model


def _write_nested_model(value: Any) -> dict[str, Any]:
    """msrest writes a model by its own class's map, whatever the field declared."""
    if not isinstance(value, Model):
        raise _Unusual
    plan = _writing_plan(type(value))
    if plan is None:
        raise _Unusual
    return plan(value)


def _write_list_of(item: Convert) -> Convert:
    def write(value: Any) -> list:
        if type(value) is not list:
            raise _Unusual
        return [None if element is None else item(element) for element in value]

    return write


def _write_dict_of(item: Convert) -> Convert:
    def write(value: Any) -> dict:
        if type(value) is not dict:
            raise _Unusual
        return {_write_key(key): None if element is None else item(element) for key, element in value.items()}

    return write


def _write_key(key: Any) -> str:
    if type(key) is not str:
        raise _Unusual
    return key


def _write_text(value: Any) -> str:
    """msrest writes an enum member in a string field as its value (`ActivityTypes.message` → "message")."""
    if type(value) is str:
        return value
    if isinstance(value, Enum) and type(value.value) is str:
        return value.value
    raise _Unusual


def _write_float(value: Any) -> float:
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    raise _Unusual


def _write_time(value: Any) -> str:
    if type(value) is not datetime.datetime:
        raise _Unusual
    return Serializer.serialize_iso(value)


def _write_object(value: Any) -> Any:
    """What msrest's `serialize_object` makes of JSON-like values and models."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is float or kind is bool:
        return value
    if kind is dict:
        return {_write_key(key): _write_object(item) for key, item in value.items()}
    if kind is list:
        return [_write_object(item) for item in value]
    if isinstance(value, Model):
        return _write_nested_model(value)
    raise _Unusual


_BASIC_WRITERS: dict[str, Convert] = {
    "str": _write_text,
    "bool": _exactly(bool),
    "int": _exactly(int),
    "float": _write_float,
    "iso-8601": _write_time,
    "object": _write_object,
}
