"""`BOT_SDK`: the bot runs on either SDK, loads nothing of the other, and says clearly which it runs on."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from config import ConfigError, DefaultConfig
from telephony.sdk import SDK, SdkName

ROOT = Path(__file__).resolve().parents[1]

#: Top-level packages of each SDK (botbuilder's brings msrest).
PACKAGES = {
    SdkName.BOTBUILDER: ("botbuilder", "botframework", "msrest"),
    SdkName.AGENTS: ("microsoft_agents",),
}

LOADED = """
import sys
from app import create_app
from config import DefaultConfig
create_app(DefaultConfig(CALLBACK_BASE_URL="https://bot.example", ACS_CONNECTION_STRING="endpoint=https://acs.example/;accesskey=a2V5",
                         ACS_RESOURCE_ID="resource", EVENTGRID_SECRET="secret", COGNITIVE_SERVICES_ENDPOINT="https://ai.example/"))
import telephony.testing, telemetry.wiring, recordings.worker
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "BOT_SDK"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**environment, **env}, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("sdk", list(SdkName), ids=[sdk.value for sdk in SdkName])
def test_the_whole_app_on_one_sdk_loads_no_module_of_the_other(sdk):
    loaded = run_python(LOADED, BOT_SDK=sdk.value)
    assert loaded.returncode == 0, loaded.stderr
    other = next(name for name in SdkName if name is not sdk)
    modules = set(loaded.stdout.split())
    assert modules.isdisjoint(PACKAGES[other]), modules & set(PACKAGES[other])
    assert set(PACKAGES[sdk]) & modules


def test_the_sdk_is_botbuilder_when_nothing_names_one():
    loaded = run_python("from telephony.sdk import SDK; print(SDK.value)", BOT_SDK="")
    assert loaded.stdout.strip() == "botbuilder"


def test_an_unknown_sdk_stops_start_up_naming_the_setting():
    started = run_python("import app; app.main()", BOT_SDK="bots-r-us", PORT="1")
    assert started.returncode != 0
    assert "BOT_SDK='bots-r-us' is invalid: expected botbuilder or agents" in started.stderr
    assert "Traceback" not in started.stderr


def test_an_app_for_the_sdk_this_process_did_not_load_is_refused():
    other = next(name for name in SdkName if name is not SDK)
    with pytest.raises(ConfigError, match="BOT_SDK"):
        create_app(dataclasses.replace(DefaultConfig(), BOT_SDK=other.value))
