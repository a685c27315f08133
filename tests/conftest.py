"""Which tests run on which SDK.

`pytest` runs every test on the SDK `BOT_SDK` names (botbuilder by default). With
`BOT_SDK=agents` it runs only the suites that do not need the Bot Framework streaming
protocol (the Agents SDK has none), listed here; within them, a test marked
`botbuilder_only` (a WebSocket, a botbuilder internal) is left out too. `make test`
runs both: the whole suite on botbuilder, then these on the Agents SDK.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from telephony.sdk import SDK, SdkName

TESTS = Path(__file__).resolve().parent

#: What runs on both SDKs, relative to tests/.
BOTH_SDKS = (
    "telephony/",
    "dialogs/",
    "bots/",
    "simulator/test_e2e_calls.py",
    "simulator/test_e2e_payment.py",
    "simulator/test_chat_channels.py",
    "callautomation/",
    "telemetry/test_card_data_leaks.py",
    "scale/test_two_instances.py",
    "hosting/state/test_concurrent_calls.py",
    "hosting/agents/",
    "test_app_http.py",
    "test_caller_mistakes.py",
    "test_sdks.py",
    "test_make_it_smaller.py",
)


def runs_on_both_sdks(path: Path) -> bool:
    relative = path.resolve().relative_to(TESTS).as_posix()
    return any(relative == entry or relative.startswith(entry) for entry in BOTH_SDKS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SDK is SdkName.BOTBUILDER:
        for item in items:
            if item.path.resolve().is_relative_to(TESTS / "hosting" / "agents"):
                item.add_marker(pytest.mark.skip(reason="the Agents SDK's hosting: run with BOT_SDK=agents"))
        return
    kept, left = [], []
    for item in items:
        on_agents = runs_on_both_sdks(item.path) and item.get_closest_marker("botbuilder_only") is None
        (kept if on_agents else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
