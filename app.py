"""The bot's web app: wiring only.

config → storage → adapter → bot → aiohttp routes. `python app.py` serves it;
App Service serves `APP` with gunicorn's aiohttp worker.
"""

from __future__ import annotations

import json
import logging
import sys

from aiohttp import web
from aiohttp.web import Request, Response, WebSocketResponse
from botbuilder.core import BotAdapter, Storage, TurnContext

from bots import CallBot
from bots.turn_errors import turn_error_handler
from config import ConfigError, DefaultConfig
from dialogs.balance import BalanceDialog
from dialogs.call import CallDialog
from dialogs.dependencies import CallDependencies
from dialogs.main_menu import MenuChoiceValue
from dialogs.payment import PaymentDialog
from dialogs.prompts import Prompts
from hosting.adapter import StreamingCloudAdapter
from hosting.auth import create_authentication
from hosting.collector import TurnPacedCollector
from hosting.guarded_auth import GuardedAuthentication
from hosting.state import ConversationState
from hosting.storage import create_storage
from recordings.webhook import setup_recordings
from services.accounts import JsonAccountDirectory
from services.payments import DemoPaymentGateway
from telephony.recorder import CallRecorder
from telephony.redaction import install_redaction
from telephony.sealed import Sealer
from telephony.serial_turns import SerialTurnsMiddleware
from telephony.ssml import Voice
from telephony.timers import CallTimers

log = logging.getLogger(__name__)

ADAPTER = web.AppKey("adapter", StreamingCloudAdapter)
BOT = web.AppKey("bot", CallBot)
TIMERS = web.AppKey("timers", CallTimers)
CONFIG = web.AppKey("config", DefaultConfig)
AUTHENTICATION = web.AppKey("authentication", GuardedAuthentication)
STORAGE = web.AppKey("storage", Storage)
COLLECTOR = web.AppKey("collector", TurnPacedCollector)


def create_bot(config: DefaultConfig, adapter: BotAdapter, storage: Storage) -> tuple[CallBot, CallTimers]:
    """The bot and its timers, on any adapter (the tests use botbuilder's TestAdapter)."""
    conversation_state = ConversationState(storage)
    bot: CallBot | None = None

    async def run_turn(context: TurnContext) -> None:
        await bot.on_turn(context)

    timers = CallTimers(adapter, run_turn, config.MicrosoftAppId)
    voice = Voice(config.VOICE_NAME, config.VOICE_LOCALE, config.VOICE_STYLE or None)
    deps = CallDependencies(
        config,
        CallRecorder(conversation_state),
        timers,
        Prompts(voice),
        accounts=JsonAccountDirectory(),
        payments=DemoPaymentGateway(),
        sealer=Sealer.from_config(config.CARD_DATA_KEY, setting="CARD_DATA_KEY"),
    )
    tasks = {
        MenuChoiceValue.PAYMENT: PaymentDialog(deps),
        MenuChoiceValue.BALANCE: BalanceDialog(deps),
    }
    call_dialog = CallDialog(deps, tasks)
    bot = CallBot(conversation_state, call_dialog, deps)
    adapter.use(SerialTurnsMiddleware())
    adapter.on_turn_error = turn_error_handler(conversation_state, deps)
    return bot, timers


def create_app(config: DefaultConfig) -> web.Application:
    authentication = GuardedAuthentication(create_authentication(config), local_mode=config.local_mode)
    adapter = StreamingCloudAdapter(authentication)
    storage = create_storage(config)
    bot, timers = create_bot(config, adapter, storage)

    app = web.Application(middlewares=[_caller_errors_are_4xx])
    app[CONFIG] = config
    app[ADAPTER] = adapter
    app[BOT] = bot
    app[TIMERS] = timers
    app[AUTHENTICATION] = authentication
    app[STORAGE] = storage
    app[COLLECTOR] = TurnPacedCollector()
    adapter.use(app[COLLECTOR])
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    setup_recordings(app, config)
    app.on_shutdown.append(lambda _: adapter.close_sockets())
    app.cleanup_ctx.append(_collect_between_turns)
    app.cleanup_ctx.append(_close_on_shutdown)
    return app


async def messages(request: Request) -> Response:
    """Bot Framework activities: POST (HTTP) or GET upgraded to a WebSocket (streaming)."""
    adapter = request.app[ADAPTER]
    bot = request.app[BOT]
    if request.method == "GET":
        if request.headers.get("Upgrade", "").lower() != "websocket":
            raise web.HTTPMethodNotAllowed("GET", ["POST"], text="GET needs a WebSocket upgrade")
        socket = WebSocketResponse()
        await adapter.process(request, bot, socket)
        return socket
    await _check_activity_body(request)
    response = await adapter.process(request, bot)
    return response or Response(status=201)


async def healthz(request: Request) -> Response:
    return web.json_response({"status": "ok"})


async def _check_activity_body(request: Request) -> None:
    """Refuse what is not a JSON activity before the SDK turns it into a 500."""
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="Content-Type must be application/json")
    raw = await request.read()
    if not raw.strip():
        raise web.HTTPBadRequest(text="The body is empty: expected a JSON activity")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise web.HTTPBadRequest(text="The body is not valid JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
        raise web.HTTPBadRequest(text="The body is not an activity: it needs a string 'type'")


@web.middleware
async def _caller_errors_are_4xx(request: Request, handler) -> Response:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except PermissionError:
        raise web.HTTPUnauthorized(text="Unauthorized") from None
    except Exception:
        log.exception("Request to %s failed", request.path)
        raise web.HTTPInternalServerError(text="Internal error") from None


async def _collect_between_turns(app: web.Application):
    app[COLLECTOR].start()
    yield
    app[COLLECTOR].stop()


async def _close_on_shutdown(app: web.Application):
    yield
    await app[TIMERS].close()
    await app[AUTHENTICATION].close()
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


async def APP() -> web.Application:  # noqa: N802 - the name App Service's start command uses
    """The app factory for `gunicorn --worker-class aiohttp.worker.GunicornWebWorker app:APP`."""
    return create_app(load_config())


def main() -> None:
    config = load_config()
    web.run_app(create_app(config), host="0.0.0.0", port=config.PORT)


if __name__ == "__main__":
    main()
