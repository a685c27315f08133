"""What the deployment templates set for Application Insights turns telemetry on, or leaves it off, as chosen."""

from __future__ import annotations

from pathlib import Path

import pytest

from telemetry.settings import TelemetrySettings

from ..deployment.test_telemetry import EXISTING, SETTING, deployed, deployed_setting, vaulted
from ..deployment.test_templates import BOT_APP_PATHS, relative


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_an_existing_application_insights_connection_string_turns_azure_monitor_on(path: Path):
    template, scope = deployed(path, "existingApplicationInsights", EXISTING)

    assert TelemetrySettings.from_env({SETTING: vaulted(template, scope)}).azure_monitor


@pytest.mark.parametrize("path", BOT_APP_PATHS, ids=relative)
def test_telemetry_off_deploys_a_setting_that_leaves_telemetry_off(path: Path):
    template, scope = deployed(path, "off", EXISTING)

    setting = deployed_setting(path, template, scope)
    assert setting == vaulted(template, scope) == ""
    assert not TelemetrySettings.from_env({SETTING: setting}).enabled
