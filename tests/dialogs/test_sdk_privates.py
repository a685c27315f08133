"""The botbuilder-dialogs internal `dialogs/` relies on still has its shape (docs/sdk-workarounds.md)."""

from __future__ import annotations

from botbuilder.dialogs import ComponentDialog, WaterfallDialog


def test_a_component_dialog_finds_its_own_steps_at_once_through_dialogs_find_dialog():
    """`dialogs.call` asks the step running inside a component whether it may be interrupted,
    within a synchronous check: the public `ComponentDialog.find_dialog` is a coroutine."""
    step = WaterfallDialog("card-number", [])
    component = ComponentDialog("payment")
    component.add_dialog(step)

    assert component._dialogs.find_dialog("card-number") is step
    assert component._dialogs.find_dialog("no-such-step") is None
