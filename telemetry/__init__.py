"""What the phone line does, as OpenTelemetry traces, metrics and a per-call recording audit.

Off unless the environment asks for it (`TelemetrySettings`): then `start_telemetry`
sets up the providers and the aiohttp instrumentation once per process, and the
app wires the returned `Telemetry` into each adapter (a turn middleware that
also installs the call observer) and around its state storage. Off, nothing of
this runs. docs/observability.md names every span, metric and attribute.
"""

from .settings import TelemetrySettings
from .setup import start_telemetry

__all__ = ["TelemetrySettings", "start_telemetry"]  # `Telemetry` is in `telemetry.wiring`, loaded only when on
