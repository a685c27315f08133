"""The deployment templates deliver incoming calls to the bridge's webhook, with its secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from callautomation.settings import INCOMING_PATH

from ..deployment.test_templates import (
    assert_secret_webhook,
    INCOMING_CALL_EVENT,
    INCOMING_CALLS_PATHS,
    load,
    relative,
    resources_of_type,
    webhook_url,
)


@pytest.mark.parametrize("path", INCOMING_CALLS_PATHS, ids=relative)
def test_incoming_calls_for_the_bots_number_only_reach_the_bridge_with_the_secret(path: Path):
    template = load(path)
    subscriptions = resources_of_type(template, "Microsoft.EventGrid/systemTopics/eventSubscriptions")
    (calls,) = [s for s in subscriptions if s["properties"]["filter"]["includedEventTypes"] == [INCOMING_CALL_EVENT]]
    (only_number,) = calls["properties"]["filter"]["advancedFilters"]
    assert only_number == {"operatorType": "StringIn", "key": "data.to.PhoneNumber.Value",
                           "values": ["[parameters('phoneNumber')]"]}
    assert_secret_webhook(*webhook_url(template, calls), INCOMING_PATH)
