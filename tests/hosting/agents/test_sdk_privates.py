"""The Agents SDK 1.9.0 internals the template relies on, and the hazards it works around (docs/sdk-workarounds.md).

Each test names one private part, or one behaviour of 1.9.0 the template works around,
and checks exactly that. Under the pinned version they cannot change; they fail first
when the pin moves, naming what to check again (a hazard fixed upstream fails its test
too: the workaround may then go).
"""

from __future__ import annotations

import inspect
import logging

import pytest
from aiohttp import ClientSession
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import ConnectorClient, ConversationState, MemoryStorage, UserTokenClient
from microsoft_agents.hosting.core.state.agent_state import AgentState
from pydantic import ValidationError

from hosting.agents.hosting import QUIETENED_SDK_LOGGERS


def test_agent_state_keeps_its_storage_and_turn_state_key_and_its_accessors_read_cached_state():
    """`hosting.state.conversation_state` reads `_storage` and `_context_service_key`, and sets
    `_cached_state`, which the SDK's accessors read right after `load`."""
    storage = MemoryStorage()
    state = ConversationState(storage)

    assert state._storage is storage and state._context_service_key
    for reader in (AgentState.get_value, AgentState.set_value, AgentState.delete_value):
        assert "self._cached_state" in inspect.getsource(reader), reader.__name__


def test_1_9_0_saves_whichever_state_was_loaded_last():
    """The hazard `telephony.sdk.ConversationState` and `hosting.state.conversation_state` work around."""
    assert "cached_state = self._cached_state" in inspect.getsource(AgentState.save)


def test_1_9_0_continue_conversation_takes_claims_from_the_app_id_alone():
    """Why `telephony.sdk.continue_conversation` passes claims: with no app id the SDK asks MSAL for a tenant."""
    from microsoft_agents.hosting.core import ChannelServiceAdapter

    assert "self.create_claims_identity(agent_app_id)" in inspect.getsource(ChannelServiceAdapter.continue_conversation)


def test_the_sdks_activity_model_logs_what_it_cannot_read_and_raises():
    """Why `microsoft_agents.activity.activity` is quietened: `read_activity` answers those 400 with the reason."""
    with pytest.raises(ValidationError):
        Activity.model_validate({"type": 5})


@pytest.mark.parametrize("name", QUIETENED_SDK_LOGGERS)
def test_each_quietened_logger_is_the_one_its_module_logs_to(name):
    module = __import__(name, fromlist=["logger"])
    assert module.logger is logging.getLogger(name)


async def test_the_sdks_clients_take_a_session_and_keep_it_as_client():
    """`hosting.agents.clients` hands them its own sessions and closes them through `client`."""
    session = ClientSession(base_url="http://127.0.0.1:1/")
    try:
        assert ConnectorClient("http://127.0.0.1:1/", "", session=session).client is session
        assert UserTokenClient("http://127.0.0.1:1/", "", app_id="app", session=session).client is session
    finally:
        await session.close()
