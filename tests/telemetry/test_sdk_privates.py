"""OpenTelemetry's log export, which `telemetry/setup.py` uses, is still where it was (docs/sdk-workarounds.md).

OpenTelemetry's logs API and SDK are underscore modules in 1.45: the names may move in any release.
"""

from __future__ import annotations

import logging

import pytest


# 1.45 warns that `ConsoleLogExporter` and the SDK's `LoggingHandler` will go (docs/sdk-workarounds.md).
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_log_export_names_setup_imports_exist_and_work_together():
    from opentelemetry._logs import set_logger_provider
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, ConsoleLogExporter

    provider = LoggerProvider()
    provider.add_log_record_processor(BatchLogRecordProcessor(ConsoleLogExporter()))
    handler = LoggingHandler(logger_provider=provider)

    assert isinstance(handler, logging.Handler)
    assert callable(set_logger_provider) and callable(OTLPLogExporter)
    provider.shutdown()
