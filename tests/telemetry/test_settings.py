"""When telemetry is on: off by default, on with the standard variables, and a bad value is named."""

from __future__ import annotations

import pytest

from simulator import ChannelOptions, ChannelSimulator, Transport
from telemetry import TelemetrySettings, start_telemetry
from telemetry.settings import Exporter, TelemetrySettingError

from ..simulator.fixtures import running_bot
from ..simulator.test_e2e_payment import at_menu


def test_nothing_set_means_off_and_nothing_is_started():
    assert not TelemetrySettings.from_env({}).enabled
    assert start_telemetry({}) is None


@pytest.mark.parametrize(
    "env, traces, metrics",
    [
        ({"OTEL_TRACES_EXPORTER": "console"}, Exporter.CONSOLE, Exporter.NONE),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, Exporter.OTLP, Exporter.OTLP),
        ({"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://collector:4318/v1/metrics"}, Exporter.NONE, Exporter.OTLP),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_METRICS_EXPORTER": "none"}, Exporter.OTLP, Exporter.NONE),
        ({"OTEL_TRACES_EXPORTER": "none"}, Exporter.NONE, Exporter.NONE),
    ],
)
def test_the_standard_variables_choose_each_signals_exporter(env, traces, metrics):
    settings = TelemetrySettings.from_env(env)
    assert (settings.traces, settings.metrics) == (traces, metrics)
    assert settings.enabled is (traces is not Exporter.NONE or metrics is not Exporter.NONE)


def test_a_connection_string_turns_on_azure_monitor_and_is_never_shown():
    secret = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x/"
    settings = TelemetrySettings.from_env({"APPLICATIONINSIGHTS_CONNECTION_STRING": secret})
    assert settings.enabled and settings.azure_monitor
    assert "InstrumentationKey" not in repr(settings)


def test_otel_sdk_disabled_wins():
    env = {"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "console", "APPLICATIONINSIGHTS_CONNECTION_STRING": "x"}
    assert not TelemetrySettings.from_env(env).enabled


def test_an_exporter_this_app_does_not_ship_is_named():
    with pytest.raises(TelemetrySettingError, match="OTEL_TRACES_EXPORTER='zipkin' is invalid: expected otlp, console"):
        TelemetrySettings.from_env({"OTEL_TRACES_EXPORTER": "zipkin"})


async def test_the_console_exporter_prints_a_calls_turn_spans_from_the_real_process(tmp_path):
    log = tmp_path / "app.log"
    async with running_bot(log, OTEL_TRACES_EXPORTER="console", OTEL_SERVICE_NAME="ivr-test") as bot:
        async with ChannelSimulator(bot.url, transport=Transport.HTTP, options=ChannelOptions(timeout_s=15)) as channel:
            call = await at_menu(channel)
            await call.hang_up()
    printed = log.read_text()
    assert '"name": "bot.turn"' in printed and '"ivr.conversation.id": "sim-' in printed
    assert '"service.name": "ivr-test"' in printed


async def test_with_nothing_set_the_real_process_prints_no_span(tmp_path):
    log = tmp_path / "app.log"
    async with running_bot(log) as bot:
        async with ChannelSimulator(bot.url, transport=Transport.HTTP, options=ChannelOptions(timeout_s=15)) as channel:
            call = await at_menu(channel)
            await call.hang_up()
    assert '"name": "bot.turn"' not in log.read_text()
