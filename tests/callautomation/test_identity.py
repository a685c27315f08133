"""Call Automation with the app's managed identity instead of the resource's access key.

In Azure the app is given `ACS_ENDPOINT` and no connection string: the Call Automation
SDK then sends a bearer token of the app's identity, which ACS accepts when that identity
has a role on the resource. Here App Service's token endpoint is a local stand-in
(`simulator/managed_identity.py`), found by the app's real `DefaultAzureCredential` through
the same environment variables App Service sets, and the ACS stand-in checks each token
and the identity's role as the resource does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from dialogs import prompts as P
from dialogs.main_menu import MAIN_MENU
from simulator.managed_identity import Identity, ManagedIdentityEndpoint

from .caller import Caller
from .conftest import serve

ACS_AUDIENCE = "https://communication.azure.com/"  # the SDK's scope, https://communication.azure.com//.default


@pytest.fixture
async def tokens(monkeypatch) -> AsyncIterator[ManagedIdentityEndpoint]:
    async with ManagedIdentityEndpoint() as endpoint:
        yield endpoint


def signed_in_as(identity: Identity, tokens: ManagedIdentityEndpoint, monkeypatch, standin) -> dict[str, str]:
    """App Service's environment for an app with `identity`, and the app's settings: ACS by endpoint, no key."""
    environment = tokens.environment(identity)
    for name in ("IDENTITY_ENDPOINT", "IDENTITY_HEADER"):
        monkeypatch.setenv(name, environment[name])
    return {"ACS_CONNECTION_STRING": "", "ACS_ENDPOINT": standin.endpoint, "AZURE_CLIENT_ID": identity.client_id}


async def test_a_call_is_answered_and_recorded_with_the_apps_identity_and_no_access_key(standin, tokens, monkeypatch):
    identity = tokens.add_identity()
    standin.grant(tokens, identity.principal_id)
    async with serve(standin, **signed_in_as(identity, tokens, monkeypatch, standin)) as line:
        caller = Caller(await line.call())
        await caller.hears(P.WELCOME)
        await caller.hears(MAIN_MENU.spoken)
        await caller.recording_is("active")
        await caller.say("goodbye")
        await caller.hears(P.GOODBYE)
        assert await caller.ended() == "disconnected"
    assert standin.roles.accepted >= 4, "answer, recognition, recording and hang-up all went in with the identity's token"
    assert {(issued.client_id, issued.resource) for issued in tokens.issued} == {(identity.client_id, ACS_AUDIENCE)}


async def test_an_identity_without_a_role_on_the_resource_cannot_answer(standin, tokens, monkeypatch, caplog):
    caplog.set_level(logging.WARNING)
    identity = tokens.add_identity()  # never granted a role on the resource
    async with serve(standin, **signed_in_as(identity, tokens, monkeypatch, standin)) as line:
        call = await standin.place_call(line.incoming_url)
        await asyncio.sleep(0.5)
        assert call.state != "connected"
    assert "Could not answer a call (ClientAuthenticationError)" in caplog.text  # ACS answered 401
    assert tokens.issued, "the app asked for a token: it is the role that is missing"
