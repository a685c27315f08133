"""The bot's web app: wiring only.

config → storage → adapter → bot → aiohttp routes. `python app.py` serves it;
App Service serves `APP` with gunicorn's aiohttp worker. The bot runs on the SDK
`BOT_SDK` names (`telephony.sdk`); its hosting is that SDK's (`channel_hosting`).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any, Awaitable, Callable, Protocol

import aiohttp
from aiohttp import web
from aiohttp.web import Request, Response
from azure.core.credentials_async import AsyncTokenCredential

from app_identity import app_credential
from bots import CallBot
from callautomation import setup_call_automation  # part: call-automation
from config import ConfigError, DefaultConfig
from dialogs.dependencies import CallDependencies
from dialogs.main_menu import MAIN_MENU
from dialogs.prompts import Prompts
from dialogs.recording_policy import recording_policy
from hosting.collector import TurnPacedCollector
from hosting.request_guards import IDLE_CONNECTION_TIMEOUT_S, guard_requests
from hosting.server_logs import install_server_log_filters
from hosting.state.conversation_state import ConversationState
from hosting.state.storage import create_leases, create_storage
from hosting.state.turn_lease import TurnLeaseMiddleware
from recordings.webhook import setup_recordings  # part: recordings
from services.accounts import JsonAccountDirectory
from services.payments import DemoPaymentGateway
from telemetry import start_telemetry  # part: telemetry
from telephony import CallRecorder, CallTimers, Menu, Sealer, SerialTurnsMiddleware, Sleep, Voice, install_redaction
from telephony import sdk
from telephony.sdk import BotAdapter, Middleware, Storage, TurnContext

log = logging.getLogger(__name__)

#: How the app reaches ACS hosts (Call Automation, recording downloads); tests point it at a stand-in.
Connector = Callable[[], aiohttp.BaseConnector]


class Telemetry(Protocol):
    """What telemetry adds when it is on (`telemetry.start_telemetry`): a first middleware, traced state, metrics."""

    metrics: Any  # the call metrics, which Call Automation also counts with

    def turn_middleware(self) -> Middleware: ...

    def traced(self, storage: Storage) -> Storage: ...


class ChannelHosting(Protocol):
    """What each SDK's hosting gives the app (`hosting/bot_framework.py`, `hosting/agents/`)."""

    adapter: BotAdapter

    def messages(self, bot: CallBot) -> Callable[[Request], Awaitable[web.StreamResponse]]: ...

    async def stop_serving(self) -> None: ...

    async def close(self) -> None: ...


ADAPTER = web.AppKey("adapter", BotAdapter)
BOT = web.AppKey("bot", CallBot)
TIMERS = web.AppKey("timers", CallTimers)
CONFIG = web.AppKey("config", DefaultConfig)
HOSTING = web.AppKey("hosting", ChannelHosting)
STORAGE = web.AppKey("storage", Storage)
COLLECTOR = web.AppKey("collector", TurnPacedCollector)
CREDENTIAL = web.AppKey("credential", AsyncTokenCredential)


def channel_hosting(config: DefaultConfig) -> ChannelHosting:
    """The hosting of the SDK this process runs on; only that SDK's modules are imported."""
    if sdk.SDK is not config.sdk:
        raise ConfigError(
            "BOT_SDK",
            f"the SDK this process loaded when it first imported the bot ({sdk.SDK.value}): "
            "set BOT_SDK in the environment or .env before starting it",
            config.BOT_SDK,
        )
    if sdk.SDK is sdk.SdkName.AGENTS:
        from hosting.agents import AgentsHosting

        return AgentsHosting(config)
    from hosting.bot_framework import BotFrameworkHosting

    return BotFrameworkHosting(config)


def create_bot(
    config: DefaultConfig,
    adapter: BotAdapter,
    storage: Storage,
    sleep: Sleep = asyncio.sleep,
    menu: Menu = MAIN_MENU,
    sealer: Sealer | None = None,
    telemetry: Telemetry | None = None,
    collector: TurnPacedCollector | None = None,
) -> CallBot:
    """The bot, on any adapter (the tests use `telephony.testing.FakeChannel`'s); `sleep` drives its timers.

    A bad `menu` table stops start-up here with a `MenuError` naming the row. `sealer`
    defaults to one from `CARD_DATA_KEY`. With `telemetry`, every turn is traced and observed;
    with `collector`, garbage is collected between turns (`use_turn_middleware`).
    """
    use_turn_middleware(adapter, storage, telemetry=telemetry, collector=collector)
    conversation_state = ConversationState(telemetry.traced(storage) if telemetry is not None else storage)
    bot: CallBot | None = None

    async def run_turn(context: TurnContext) -> None:
        await bot.on_turn(context)

    recorder = CallRecorder(conversation_state)
    deps = CallDependencies(
        config,
        recorder,
        recording_policy(config, recorder),
        CallTimers(adapter, run_turn, config.MicrosoftAppId, sleep=sleep),
        Prompts(Voice(config.VOICE_NAME, config.VOICE_LOCALE, config.VOICE_STYLE or None)),
        accounts=JsonAccountDirectory(),
        payments=DemoPaymentGateway(),
        sealer=sealer or Sealer.from_config(config.CARD_DATA_KEY, setting="CARD_DATA_KEY"),
    )
    bot = CallBot(conversation_state, deps, menu)
    adapter.on_turn_error = bot.on_turn_error
    return bot


def use_turn_middleware(
    adapter: BotAdapter,
    storage: Storage,
    *,
    telemetry: Telemetry | None = None,
    collector: TurnPacedCollector | None = None,
) -> None:
    """Every turn middleware, in the one order every adapter gets (the channel's, Call Automation's).

    Telemetry first, so a turn's span encloses the rest; then one turn at a time per call,
    in this process and, when instances share state, across them (the lease); the
    collector last, so that it sees a turn end only after everything else has.
    """
    if telemetry is not None:
        adapter.use(telemetry.turn_middleware())
    adapter.use(SerialTurnsMiddleware())
    leases = create_leases(storage)
    if leases.shared_by_instances:
        adapter.use(TurnLeaseMiddleware(leases))
    if collector is not None:
        adapter.use(collector)


def create_app(
    config: DefaultConfig, *, acs_connector: Connector | None = None, telemetry: Telemetry | None = None
) -> web.Application:
    """The app; `acs_connector` decides how ACS hosts are reached (tests point it at a stand-in).

    `telemetry` (from `start_telemetry`, None when off) traces and observes every call path.
    A `config` whose `BOT_SDK` is not the SDK this process loaded is refused (`ConfigError`).
    """
    hosting = channel_hosting(config)
    adapter = hosting.adapter
    credential = app_credential(config)  # None while every Azure service is reached with a key
    storage = create_storage(config, credential)
    sealer = Sealer.from_config(config.CARD_DATA_KEY, setting="CARD_DATA_KEY")
    collector = TurnPacedCollector()  # one for the process: it paces collection between every adapter's turns
    bot = create_bot(config, adapter, storage, sealer=sealer, telemetry=telemetry, collector=collector)

    app = web.Application(middlewares=[guard_requests])
    app[CONFIG] = config
    app[ADAPTER] = adapter
    app[BOT] = bot
    app[TIMERS] = bot.timers
    app[HOSTING] = hosting
    app[STORAGE] = storage
    app[COLLECTOR] = collector
    if credential is not None:
        app[CREDENTIAL] = credential
        app.cleanup_ctx.append(_close_credential)  # first in, so closed after everything that signs in
    if config.SERVE_API_MESSAGES:  # the Telephony channel (on botbuilder) and HTTP channels
        messages = hosting.messages(bot)
        app.router.add_post("/api/messages", messages)
        app.router.add_get("/api/messages", messages)
    app.router.add_get("/healthz", healthz)

    def bot_on(other: BotAdapter) -> CallBot:
        """The same bot on another adapter (Call Automation's), with this app's storage, sealer and telemetry."""
        return create_bot(config, other, storage, sealer=sealer, telemetry=telemetry, collector=collector)

    # Parts README's "Make it smaller" takes out: each line of one ends in its `# part:` comment.
    recordings = setup_recordings(app, config, connector=acs_connector, credential=credential)  # part: recordings
    if config.call_automation:  # part: call-automation
        setup_call_automation(  # part: call-automation
            app, config, storage, bot_on, sealer, connector=acs_connector, credential=credential,  # part: call-automation
            telemetry=telemetry,  # part: call-automation
            claim_recordings=recordings.claim_call,  # part: call-automation, recordings
        )  # part: call-automation
    install_server_log_filters(app)  # both ways of serving (`python app.py`, gunicorn) build the app here
    app.on_shutdown.append(lambda _: hosting.stop_serving())
    app.cleanup_ctx.append(_collect_between_turns)
    app.cleanup_ctx.append(_close_on_shutdown)
    return app


async def healthz(request: Request) -> Response:
    return web.json_response({"status": "ok"})


async def _close_credential(app: web.Application):
    yield
    await app[CREDENTIAL].close()


async def _collect_between_turns(app: web.Application):
    app[COLLECTOR].start()
    yield
    app[COLLECTOR].stop()


async def _close_on_shutdown(app: web.Application):
    yield
    await app[TIMERS].close()
    await app[HOSTING].close()
    close_storage = getattr(app[STORAGE], "close", None)
    if close_storage is not None:
        await close_storage()


def load_config() -> DefaultConfig:
    """Settings from the environment, with logging set up; exits with the bad variable named."""
    try:
        config = DefaultConfig.from_env()
    except ConfigError as error:
        sys.exit(f"Configuration error: {error}")
    logging.basicConfig(level=config.LOG_LEVEL.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The Azure SDKs log every request and response at INFO.
    logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)
    install_redaction()  # long digit runs never reach a log line, whatever logs them
    return config


def configured_app() -> web.Application:
    """The app as the environment (and `.env`) configures it; exits naming a bad setting."""
    config = load_config()
    try:
        return create_app(
            config,
            telemetry=start_telemetry(),  # part: telemetry
        )
    except ConfigError as error:  # telemetry's settings too
        sys.exit(f"Configuration error: {error}")


async def APP() -> web.Application:  # noqa: N802 - the name App Service's start command uses
    """The app factory for `gunicorn --worker-class aiohttp.worker.GunicornWebWorker app:APP`."""
    return configured_app()


def main() -> None:
    app = configured_app()
    config = app[CONFIG]
    web.run_app(app, host=config.HOST, port=config.PORT, keepalive_timeout=IDLE_CONNECTION_TIMEOUT_S)


if __name__ == "__main__":
    main()
