"""When telemetry is on, and where it goes: the standard OpenTelemetry and App Service variables.

Nothing is set by default, so nothing runs. Any one of these turns it on:

- `APPLICATIONINSIGHTS_CONNECTION_STRING` (App Service's convention): Azure Monitor,
  through the Azure Monitor OpenTelemetry distro;
- `OTEL_EXPORTER_OTLP_ENDPOINT` (or its `_TRACES_`/`_METRICS_`/`_LOGS_` forms): OTLP over HTTP;
- `OTEL_TRACES_EXPORTER`, `OTEL_METRICS_EXPORTER`, `OTEL_LOGS_EXPORTER` set to `otlp` or
  `console` (the console is for local use).

`OTEL_SDK_DISABLED=true` turns all of it off again. The variables are read from the
process environment, as the OpenTelemetry SDK itself reads them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from typing import Mapping

from config import ConfigError


class Exporter(str, Enum):
    OTLP = "otlp"
    CONSOLE = "console"
    NONE = "none"


class TelemetrySettingError(ConfigError):
    """An OpenTelemetry variable has a value this app cannot honour: start-up stops naming it, as for any setting."""


_SIGNALS = ("TRACES", "METRICS", "LOGS")


@dataclass(frozen=True)
class TelemetrySettings:
    """Which exporter each signal uses; all NONE and no connection string means off."""

    traces: Exporter = Exporter.NONE
    metrics: Exporter = Exporter.NONE
    logs: Exporter = Exporter.NONE
    azure_monitor_connection_string: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.azure_monitor_connection_string) or any(
            exporter is not Exporter.NONE for exporter in (self.traces, self.metrics, self.logs)
        )

    @property
    def azure_monitor(self) -> bool:
        return bool(self.azure_monitor_connection_string)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "TelemetrySettings":
        env = os.environ if env is None else env
        if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
            return cls()
        chosen = {signal: _exporter(env, signal) for signal in _SIGNALS}
        return cls(
            traces=chosen["TRACES"],
            metrics=chosen["METRICS"],
            logs=chosen["LOGS"],
            azure_monitor_connection_string=env.get("APPLICATIONINSIGHTS_CONNECTION_STRING", "").strip(),
        )

    def __repr__(self) -> str:  # the connection string holds an instrumentation key
        return (
            f"TelemetrySettings(traces={self.traces.value}, metrics={self.metrics.value}, "
            f"logs={self.logs.value}, azure_monitor={self.azure_monitor})"
        )


def _exporter(env: Mapping[str, str], signal: str) -> Exporter:
    """The signal's exporter: as named, else OTLP when an endpoint is set (the spec's default), else none."""
    name = f"OTEL_{signal}_EXPORTER"
    raw = env.get(name, "").strip().lower()
    if raw:
        try:
            return Exporter(raw)
        except ValueError:
            raise TelemetrySettingError(name, "otlp, console or none", raw) from None
    if env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip() or env.get(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT", "").strip():
        return Exporter.OTLP
    return Exporter.NONE
