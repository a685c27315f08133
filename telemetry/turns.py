"""A span per bot turn, on every path (HTTP, WebSocket, Call Automation), and one per reply sent.

The middleware runs first on each adapter: it puts the call observer into the
turn's state, so the library's hooks reach it, and times the turn. A timer's
turn starts a trace of its own, linked to the turn that armed it: it belongs to
the call, not to that turn. Spans carry names and ids, never text: no speech,
no prompt, no keys.
"""

from __future__ import annotations

import time
from typing import Awaitable, Callable, List

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode, Tracer

from telephony import OBSERVER_KEY, TIMER_EVENT, CallObserver
from telephony.sdk import Activity, ActivityEventNames, Middleware, ResourceResponse, TurnContext, call_next

from .calls import ATTR_CONVERSATION
from .instruments import CallMetrics


#: A timer's turn: a continuation while middleware runs, named `TIMER_EVENT` once the bot sees it.
_TIMER_NAMES = (TIMER_EVENT, ActivityEventNames.continue_conversation)


class TurnTelemetry(Middleware):
    def __init__(self, tracer: Tracer, metrics: CallMetrics, observer: CallObserver):
        self.tracer = tracer
        self.metrics = metrics
        self.observer = observer

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable]):
        context.turn_state[OBSERVER_KEY] = self.observer
        activity = context.activity
        attributes = {
            ATTR_CONVERSATION: (activity.conversation.id if activity.conversation else "") or "",
            "ivr.activity.type": _plain(activity.type),
            "ivr.channel": _plain(activity.channel_id),
        }
        if activity.name:
            attributes["ivr.activity.name"] = activity.name
        parent, links = None, ()
        if activity.name in _TIMER_NAMES:
            armed_by = trace.get_current_span().get_span_context()
            parent = otel_context.Context()  # a new trace
            links = (Link(armed_by),) if armed_by.is_valid else ()
        context.on_send_activities(self._trace_replies)
        started = time.monotonic()
        with self.tracer.start_as_current_span(
            "bot.turn",
            context=parent,
            kind=SpanKind.INTERNAL,
            attributes=attributes,
            links=links,
            record_exception=False,  # an exception's message may quote the caller
            set_status_on_exception=False,
        ) as span:
            try:
                return await call_next(logic, context)
            except Exception as error:
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                raise
            finally:
                self.metrics.turn_duration.record(
                    time.monotonic() - started,
                    {"ivr.activity.type": attributes["ivr.activity.type"], "ivr.channel": attributes["ivr.channel"]},
                )

    async def _trace_replies(
        self, context: TurnContext, activities: List[Activity], send: Callable[[], Awaitable[List[ResourceResponse]]]
    ):
        kinds = sorted({_plain(activity.name or activity.type) for activity in activities})
        with self.tracer.start_as_current_span(
            "bot.reply",
            attributes={"ivr.reply.activities": len(activities), "ivr.reply.kinds": kinds},
            record_exception=False,
            set_status_on_exception=False,
        ):
            return await send()


def _plain(value: object) -> str:
    """An activity field as its wire string: botbuilder fills some with `str` enums."""
    return str(getattr(value, "value", value) or "")
