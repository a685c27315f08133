"""When the channel will not take what the bot sends.

A channel may refuse an activity (an HTTP 4xx: Microsoft's Agents Playground
answers 400 to `endOfConversation`, to events and to commands) or stop being
reachable (the chat window closed, the socket dropped). Each adapter reports
it its own way: botbuilder's connector and this template's raise msrest's
`ErrorResponseException`, the Agents SDK's aiohttp's `ClientResponseError`,
a streaming connector an error with a `status`, a lost connection `ConnectionError`, aiohttp's `ClientConnectionError` or a
timeout. `guard_sends` turns all of them, and only when they come from a
send, into one `Undelivered` that says what was sent and how it failed, so
the bot decides by what was sent:

| what was sent | refused (4xx, 5xx) | not reachable |
|---|---|---|
| a closing activity (`endOfConversation`, `handoff.initiate`) | the conversation is over | over |
| a recording command | the command's refusal (`CallRecorder`) | over |
| a transfer on the phone | no agent: the caller stays (`TransferStep`) | over |
| anything else | the bot's error recovery, without a traceback | over |

"Over" is one warning line, the call forgotten and its timer cancelled: no
apology and no second attempt, since nobody would see either.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import List

from aiohttp import ClientConnectionError

from ._wire import HANDOFF_INITIATE
from .sdk import UNREACHABLE, Activity, ActivityTypes, ResourceResponse, TurnContext, refusal_status

#: Errors that mean the channel could not be reached at all (after the transport's own retry).
_LOST = (ConnectionError, TimeoutError, asyncio.TimeoutError, ClientConnectionError, *UNREACHABLE)


@dataclass(frozen=True)
class SendFailure:
    """How a send failed: the channel's HTTP status, or None when it could not be reached."""

    status: int | None
    cause: str  # the error's type name: never its message, which may quote what was sent

    @property
    def lost(self) -> bool:
        return self.status is None

    def describe(self) -> str:
        return f"answered HTTP {self.status}" if self.status is not None else f"could not be reached ({self.cause})"


def send_failure(error: BaseException) -> SendFailure | None:
    """What `error`, raised while sending, says about the channel; None when it is not the channel's answer."""
    status = _status(error)
    if status is not None and status >= 400:
        return SendFailure(status, type(error).__name__)
    if isinstance(error, _LOST):
        return SendFailure(None, type(error).__name__)
    return None


def _status(error: BaseException) -> int | None:
    status = refusal_status(error)
    if status is None:
        status = getattr(error, "status", None)
    return status if isinstance(status, int) and not isinstance(status, bool) else None


def is_closing(activity: Activity) -> bool:
    """An activity after which the bot has nothing more to say in the conversation."""
    return activity.type == ActivityTypes.end_of_conversation or (
        activity.type == ActivityTypes.event and activity.name == HANDOFF_INITIATE
    )


def kind_of(activity: Activity) -> str:
    """An activity's type, and its name when it has one: what a log line may say about it."""
    kind = getattr(activity.type, "value", activity.type) or ActivityTypes.message.value
    return f"{kind} {activity.name}" if activity.name else str(kind)


class Undelivered(Exception):
    """The channel did not take `activities`; `failure` says how. Raised by a guarded turn's sends."""

    def __init__(self, failure: SendFailure, activities: List[Activity]):
        self.failure = failure
        self.kinds = tuple(kind_of(activity) for activity in activities)
        self.closing = any(is_closing(activity) for activity in activities)
        super().__init__(f"The channel {failure.describe()} to the bot's {', '.join(self.kinds)}")

    @property
    def ends_conversation(self) -> bool:
        """Nothing more can be said: a closing activity did not go, or the channel is gone."""
        return self.closing or self.failure.lost


def guard_sends(context: TurnContext) -> None:
    """Make this turn's sends raise `Undelivered` when the channel refuses them or cannot be reached.

    botbuilder-python runs `on_send_activities` handlers before the send, so
    none of them can see how it went: the turn's own `send_activities` is
    wrapped instead, which every `send_activity` goes through, on any adapter.
    """
    send = context.send_activities

    async def send_activities(activities: List[Activity]) -> List[ResourceResponse]:
        try:
            return await send(activities)
        except Exception as error:
            failure = send_failure(error)
            if failure is None:
                raise
            raise Undelivered(failure, activities) from error

    context.send_activities = send_activities
