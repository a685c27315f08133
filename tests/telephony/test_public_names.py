"""What the library's names read as: `telephony.X`, the name a fork imports, not the private module behind it."""

from __future__ import annotations

import inspect
import json
import pickle
import traceback

import pytest
from jsonpickle import Pickler, Unpickler

import telephony
from telephony import CallObserver, Menu, MenuError, MenuOption, RecordingState, TransferOptions, TransferReason

PUBLIC = [
    name
    for name, value in ((name, getattr(telephony, name)) for name in telephony.__all__)
    if inspect.isclass(value) or inspect.isfunction(value)
]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_class_and_function_is_named_as_telephony_imports_it(name):
    value = getattr(telephony, name)

    assert f"{value.__module__}.{value.__qualname__}" == f"telephony.{name}"


def test_a_bad_menu_stops_with_a_traceback_that_names_telephony_menu_error():
    with pytest.raises(MenuError) as raised:
        Menu(MenuOption("pay", "1", "To pay, press 1."), MenuOption("pay", "2", "To pay, press 2."))

    (last_line,) = traceback.format_exception_only(raised.value)
    assert last_line.startswith("telephony.MenuError: two menu options are named 'pay'")


def test_a_library_object_reprs_as_telephony():
    assert repr(CallObserver()).startswith("<telephony.CallObserver object at ")


def test_pickled_values_name_telephony_and_read_back():
    options = TransferOptions(TransferReason.MISSES)

    pickled = pickle.dumps((options, RecordingState.PAUSED))

    assert b"telephony._" not in pickled
    assert pickle.loads(pickled) == (options, RecordingState.PAUSED)


def test_state_written_under_the_private_module_names_still_reads():
    """Blob state from before names moved to `telephony.X` holds `telephony._transfer.…`: it must still load."""
    written = json.dumps(Pickler(make_refs=False).flatten(TransferOptions(TransferReason.UNSECURED)))
    assert "telephony.TransferOptions" in written and "telephony.TransferReason" in written
    earlier = written.replace("telephony.TransferOptions", "telephony._transfer.TransferOptions").replace(
        "telephony.TransferReason", "telephony._transfer.TransferReason"
    )

    assert Unpickler().restore(json.loads(earlier)) == TransferOptions(TransferReason.UNSECURED)
