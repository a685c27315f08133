"""The deployment templates deliver recording events to the recordings webhook, with its secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from recordings.webhook import EVENTS_PATH

from ..deployment.test_templates import (
    assert_secret_webhook,
    AZURE_BOT_PATHS,
    INCOMING_CALLS_PATHS,
    RECORDING_EVENT,
    load,
    relative,
    resources_of_type,
    webhook_url,
)


@pytest.mark.parametrize("path", AZURE_BOT_PATHS + INCOMING_CALLS_PATHS, ids=relative)
def test_recording_events_reach_the_webhook_with_the_shared_secret(path: Path):
    template = load(path)
    (topic,) = resources_of_type(template, "Microsoft.EventGrid/systemTopics")
    assert topic["properties"]["topicType"] == "Microsoft.Communication.CommunicationServices"
    subscriptions = resources_of_type(template, "Microsoft.EventGrid/systemTopics/eventSubscriptions")
    (subscription,) = [
        s for s in subscriptions if s["properties"]["filter"]["includedEventTypes"] == [RECORDING_EVENT]
    ]
    assert_secret_webhook(*webhook_url(template, subscription), EVENTS_PATH)
