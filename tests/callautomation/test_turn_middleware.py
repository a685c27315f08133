"""A turn over Call Automation passes through the same middleware as a turn on the channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable


from app import create_app
from config import DefaultConfig
from hosting.collector import TurnPacedCollector
from hosting.state.turn_lease import TurnLeaseMiddleware
from telephony import SerialTurnsMiddleware
from telephony.sdk import BotAdapter, Middleware, Storage, TurnContext

# Call Automation and shared state configured; nothing is reached until the app starts.
SETTINGS = {
    "CALLBACK_BASE_URL": "https://bot.example",
    "ACS_CONNECTION_STRING": "endpoint=https://acs.example/;accesskey=a2V5",
    "ACS_RESOURCE_ID": "00000000-0000-0000-0000-000000000001",
    "COGNITIVE_SERVICES_ENDPOINT": "https://ai.example/",
    "EVENTGRID_SECRET": "secret",
    "STORAGE": "blob",
    "AZURE_STORAGE_CONNECTION_STRING": (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
        "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;"
    ),
}


class TracesTurns(Middleware):
    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable]) -> None:
        await logic()


class Telemetry:
    """What the app asks of telemetry: a turn middleware, storage (here untraced), and the metrics (none here)."""

    metrics = None

    def turn_middleware(self) -> Middleware:
        return TracesTurns()

    def traced(self, storage: Storage) -> Storage:
        return storage


def middleware_of_each_adapter(monkeypatch, settings: dict[str, str]) -> list[list[Middleware]]:
    """The app's adapters, each as the middleware it was given, in order."""
    given: dict[int, list[Middleware]] = {}
    use = BotAdapter.use

    def recording_use(adapter: BotAdapter, middleware: Middleware) -> BotAdapter:
        given.setdefault(id(adapter), []).append(middleware)
        return use(adapter, middleware)

    monkeypatch.setattr(BotAdapter, "use", recording_use)
    create_app(DefaultConfig.from_env(settings, env_file=None), telemetry=Telemetry())
    return list(given.values())


def test_the_channel_and_call_automation_adapters_get_the_same_middleware_in_the_same_order(monkeypatch):
    channel, call_automation = middleware_of_each_adapter(monkeypatch, SETTINGS)

    kinds = [type(middleware) for middleware in channel]
    assert kinds == [TracesTurns, SerialTurnsMiddleware, TurnLeaseMiddleware, TurnPacedCollector]
    assert [type(middleware) for middleware in call_automation] == kinds


def test_one_collector_paces_collection_between_the_turns_of_both_adapters(monkeypatch):
    channel, call_automation = middleware_of_each_adapter(monkeypatch, SETTINGS)

    assert channel[-1] is call_automation[-1]


def test_with_state_in_memory_neither_adapter_takes_leases(monkeypatch):
    channel, call_automation = middleware_of_each_adapter(monkeypatch, {**SETTINGS, "STORAGE": "memory"})

    assert [type(middleware) for middleware in channel] == [TracesTurns, SerialTurnsMiddleware, TurnPacedCollector]
    assert [type(middleware) for middleware in call_automation] == [type(middleware) for middleware in channel]
