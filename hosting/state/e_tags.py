"""The `e_tag` rules both state stores follow, on either SDK.

An item's `e_tag` is a key of a dict item or an attribute of a `StoreItem`. A write
without one, or with `"*"`, is unconditional; `ABSENT_E_TAG` writes only if nothing
is stored under the key; any other value must match the stored version. Otherwise
the write fails with `StateConflictError`. After a write the writer's item carries
the new version, so a second save in the same turn is no conflict.

The Agents SDK's stores keep an item as its `store_item_to_json()` and read it back
with the reader's `target_cls.from_json_to_store_item`; its conversation state is such
an item, holding the state dict as `state`. `as_stored` and `read_as` follow that contract,
and the `e_tag` of such an item is the one in its `state`.
"""

from __future__ import annotations

from typing import Any, Optional

from telephony.sdk import StoreItem

E_TAG = "e_tag"
ANY_E_TAG = "*"
# What a reader that found nothing holds: its first write must not overwrite another's.
ABSENT_E_TAG = "(absent)"


class StateConflictError(KeyError):
    """Another writer changed the item since it was read.

    A `KeyError`, like the SDK's `MemoryStorage` conflict, so code written against the
    SDK's stores catches it the same way.
    """

    def __init__(self, key: str):
        super().__init__(f"state for {key!r} was changed by another writer")
        self.key = key


def get_e_tag(value: Any) -> Optional[str]:
    value = _state_of(value)
    if isinstance(value, dict):
        return value.get(E_TAG)
    return getattr(value, E_TAG, None)


def set_e_tag(value: Any, e_tag: str) -> None:
    value = _state_of(value)
    if isinstance(value, dict):
        value[E_TAG] = e_tag
    elif isinstance(value, StoreItem) or hasattr(value, E_TAG):
        setattr(value, E_TAG, e_tag)


def as_stored(value: Any) -> Any:
    """What a store keeps of `value`: an Agents SDK `StoreItem` says so with `store_item_to_json`."""
    to_json = getattr(value, "store_item_to_json", None)
    return to_json() if callable(to_json) else value


def read_as(value: Any, target_cls: type | None) -> Any:
    """`value` as stored, handed to an Agents SDK reader as the `target_cls` it asked for."""
    return value if target_cls is None else target_cls.from_json_to_store_item(value)


def _state_of(value: Any) -> Any:
    state = getattr(value, "state", None)
    return state if isinstance(state, dict) and hasattr(value, "store_item_to_json") else value


def without_e_tag(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != E_TAG}
    return value


def required_version(key: str, value: Any) -> Optional[str]:
    """The stored version a write of `value` is conditional on (None: unconditional)."""
    e_tag = get_e_tag(value)
    if e_tag == "":
        raise ValueError(f"state for {key!r} has an empty e_tag")
    return None if e_tag in (None, ANY_E_TAG) else e_tag
