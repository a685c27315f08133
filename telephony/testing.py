"""A fake Telephony channel for testing a phone bot's dialogs, shipped with the library.

`FakeChannel` plays the channel's part against a real `TelephonyBot`, on
either SDK (`telephony.sdk`): it connects the call, presses keys, speaks, answers
recording commands (by hand, or by the channel's own rules), reports transfer
outcomes, stays silent, and hangs up. Timers run on a `FakeClock`, so no test
waits for real time. Everything the bot sends is kept in order, for asserting
on exactly what the channel would receive. With `channel="webchat"` (or any
other id) it is a chat instead, and it can refuse what the bot sends, or drop
the connection, as a real channel may (`fail_sends`).

    channel = FakeChannel(lambda adapter, storage, sleep: make_my_bot(adapter, storage, sleep))
    await channel.connect()
    await channel.answer(RecordingCommand.START)
    assert texts(await channel.press("1")) == [...]
"""

from __future__ import annotations

import asyncio
import copy
import heapq
import itertools
from typing import Any, Awaitable, Callable

from ._bot import DIALOGS_PROPERTY, TelephonyBot
from ._channel_rules import ChannelRecordingState, Refusal, channel_answer
from ._recorder import CallRecorder
from ._timers import TIMER_EVENT, CallTimers, Sleep
from ._wire import (
    COMMAND_ACTIVITY,
    COMMAND_RESULT_ACTIVITY,
    DTMF_ENTITY_TYPE,
    HANDOFF_INITIATE,
    HANDOFF_STATUS,
    TELEPHONY_CHANNEL,
    RecordingCommand,
)
from .sdk import (
    Activity,
    ActivityTypes,
    BotAdapter,
    ChannelAccount,
    ComponentDialog,
    ConversationAccount,
    ConversationState,
    Dialog,
    DialogState,
    DialogTurnResult,
    Entity,
    MemoryStorage,
    ResourceResponse,
    Storage,
    TurnContext,
    WaterfallDialog,
    WaterfallStepContext,
    continuation_activity,
)

CALLER = "+14255550123"
CALLED = "+14255550199"

#: Builds the bot under test on the fake channel's adapter, storage and clock.
BotFactory = Callable[[BotAdapter, Storage, Sleep], TelephonyBot]


class RefusedSend(Exception):
    """What a refused send raises: an error carrying the channel's HTTP `status`, as a connector's does."""

    def __init__(self, status: int):
        super().__init__(f"the channel answered {status}")
        self.status = status


class FakeAdapter(BotAdapter):
    """The adapter under `FakeChannel`: keeps what the bot sends, and may refuse it or drop the connection.

    Neither SDK's test adapter serves both (the Agents SDK has none), so this is the
    little of one a call needs: what the channel posts is addressed as `template` is
    (from the caller to the bot, in the call's conversation) and runs through the
    middleware to `logic`; the bot's own turns (its timers) run through them too.
    """

    def __init__(self, template: Activity):
        super().__init__()
        self.template = template
        self.logic: Callable[[TurnContext], Awaitable[None]] | None = None
        self.activity_buffer: list[Activity] = []  # everything the bot sent, in order
        self.send_faults: dict[str, int | None] = {}
        self.undelivered: list[Activity] = []
        self._ids = itertools.count(1)

    async def receive_activity(self, activity: Activity) -> None:
        template = self.template
        activity.channel_id = activity.channel_id or template.channel_id
        activity.service_url = activity.service_url or template.service_url
        activity.from_property = activity.from_property or template.from_property
        activity.recipient = activity.recipient or template.recipient
        activity.conversation = activity.conversation or template.conversation
        activity.id = activity.id or str(next(self._ids))
        await self.run_pipeline(TurnContext(self, activity), self.logic)

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[ResourceResponse]:
        for activity in activities:
            kind = activity.name or activity.type
            if kind in self.send_faults:
                self.undelivered.append(activity)
                status = self.send_faults[kind]
                if status is None:
                    raise ConnectionResetError("the channel dropped the connection")
                raise RefusedSend(status)
        responses = []
        for activity in activities:
            if activity.type != ActivityTypes.trace:
                self.activity_buffer.append(activity)
            responses.append(ResourceResponse(id=str(next(self._ids))))
        return responses

    async def update_activity(self, context: TurnContext, activity: Activity):
        raise NotImplementedError("words a caller has heard cannot be changed")

    async def delete_activity(self, context: TurnContext, reference: Any):
        raise NotImplementedError("words a caller has heard cannot be taken back")

    async def continue_conversation(self, reference: Any, callback: Callable, *_: Any, **__: Any) -> None:
        """A turn the bot starts itself (its timers); botbuilder's name for it."""
        await self.run_pipeline(TurnContext(self, continuation_activity(reference)), callback)

    async def continue_conversation_with_claims(
        self, claims_identity: Any, continuation: Activity, callback: Callable, audience: str | None = None
    ) -> None:
        """The Agents SDK's name for the same (`telephony.sdk.continue_conversation`)."""
        await self.run_pipeline(TurnContext(self, continuation), callback)


class FakeClock:
    """An event-loop clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future, asyncio.Task]] = []
        self._order = itertools.count()

    async def sleep(self, delay_s: float) -> None:
        future = asyncio.get_running_loop().create_future()
        sleeper = (self.now + delay_s, next(self._order), future, asyncio.current_task())
        heapq.heappush(self._sleepers, sleeper)
        try:
            await future
        except asyncio.CancelledError:  # a cancelled timer: forget it, so a long test keeps a short heap
            self._sleepers.remove(sleeper)
            heapq.heapify(self._sleepers)
            raise

    async def advance(self, seconds: float) -> None:
        """Move on; every sleep that ends meanwhile wakes, and its work runs to completion."""
        await asyncio.sleep(0)  # timers armed since the last step start sleeping now
        self.now += seconds
        woken = []
        while self._sleepers and self._sleepers[0][0] <= self.now:
            _, _, future, task = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
                woken.append(task)
        if woken:
            await asyncio.wait(woken)


class FakeChannel:
    """One phone call to the bot `build` makes.

    `answer_commands=True` answers every recording command as the channel
    would (see `_channel_rules`), right after the turn that sent it; `refuse`
    and `ignore` change the answer to the next command of a kind. Left False,
    the test answers each command itself with `answer`, to check what the bot
    does while it waits.
    """

    def __init__(
        self,
        build: BotFactory,
        *,
        channel: str = TELEPHONY_CHANNEL,
        conversation_id: str = "call-1",
        storage: Storage | None = None,
        answer_commands: bool = False,
        real_time: bool = False,
    ):
        self.channel = channel
        self.conversation_id = conversation_id
        self.storage = storage if storage is not None else MemoryStorage()
        self.clock = FakeClock()
        self.adapter = FakeAdapter(
            Activity(
                type=ActivityTypes.message,
                channel_id=channel,
                service_url="https://channel.invalid/",
                from_property=ChannelAccount(id=CALLER, name=CALLER),
                recipient=ChannelAccount(id="bot-id", name=CALLED),
                conversation=ConversationAccount(id=conversation_id),
            )
        )
        self.bot = build(self.adapter, self.storage, asyncio.sleep if real_time else self.clock.sleep)
        self.adapter.logic = self.bot.on_turn
        self.adapter.on_turn_error = self.bot.on_turn_error
        self.sent: list[Activity] = []  # everything the bot sent on this call, in order
        self.timer_tokens: list[str] = []  # every timer the bot armed, oldest first
        self.answer_commands = answer_commands
        self.recording = ChannelRecordingState.STOPPED  # as the channel sees it, when it answers
        self._faults: dict[RecordingCommand, Refusal | None] = {}
        self._note_timer_tokens()

    @classmethod
    def for_dialog(cls, make: Callable[[CallTimers, CallRecorder], Dialog], **options) -> "FakeChannel":
        """A channel to a bot that runs one dialog per call and keeps its results in `results`.

        `make` builds the dialog from the bot's timers and recorder.
        """
        results: list[Any] = []

        def build(adapter: BotAdapter, storage: Storage, sleep: Sleep) -> TelephonyBot:
            state = ConversationState(storage)
            bot: TelephonyBot | None = None

            async def run_turn(context: TurnContext) -> None:
                await bot.on_turn(context)

            timers = CallTimers(adapter, run_turn, sleep=sleep)
            recorder = CallRecorder(state)
            bot = TelephonyBot(state, _Results(make(timers, recorder), results), recorder, timers)
            return bot

        channel = cls(build, **options)
        channel.results = results
        return channel

    @property
    def timers(self) -> CallTimers:
        return self.bot.timers

    @property
    def result(self) -> Any:
        """The one result of a `for_dialog` channel's dialog."""
        (result,) = self.results
        return result

    def next_call(self, conversation_id: str) -> "FakeChannel":
        """Another call to the same bot (same timers, storage and adapter)."""
        other = copy.copy(self)
        other.conversation_id = conversation_id
        other.sent = []
        other.recording = ChannelRecordingState.STOPPED
        other._faults = {}
        return other

    # ---- the caller ------------------------------------------------------------
    async def connect(self) -> list[Activity]:
        member = ChannelAccount(id=CALLER, name=CALLER)
        return await self._receive(Activity(type=ActivityTypes.conversation_update, members_added=[member]))

    async def press(self, keys: str) -> list[Activity]:
        """Each key its own message, with a DTMF entity on the phone (a typed key elsewhere)."""
        replies: list[Activity] = []
        for key in keys:
            entities = [Entity(type=DTMF_ENTITY_TYPE)] if self.channel == TELEPHONY_CHANNEL else None
            replies += await self._receive(Activity(type=ActivityTypes.message, text=key, entities=entities))
        return replies

    async def say(self, text: str) -> list[Activity]:
        """Words the caller said (what speech-to-text wrote), or text typed in the Emulator."""
        return await self._receive(Activity(type=ActivityTypes.message, text=text))

    async def hang_up(self) -> list[Activity]:
        return await self._receive(Activity(type=ActivityTypes.end_of_conversation))

    async def silence(self) -> list[Activity]:
        """The caller says nothing until the pending timer runs out."""
        before = len(self.adapter.activity_buffer)
        fired = await self.timers.fire_now(self.conversation_id)
        assert fired, "no timer was pending"
        return await self._collect(before)

    async def wait(self, seconds: float) -> list[Activity]:
        """Let `seconds` pass on the fake clock; timers due meanwhile fire."""
        before = len(self.adapter.activity_buffer)
        await self.clock.advance(seconds)
        return await self._collect(before)

    async def late_timer(self, token: str) -> list[Activity]:
        """A timer event carrying `token` arrives now, as one that fired late (or elsewhere) would."""
        return await self._receive(Activity(type=ActivityTypes.event, name=TIMER_EVENT, value={"token": token}))

    # ---- the channel -------------------------------------------------------------
    async def answer(
        self, command: RecordingCommand, *, error: str | None = None, command_id: str | None = None, no_value=False
    ) -> list[Activity]:
        """Answer the last `command` the bot sent: success, or a refusal with `error` as its message."""
        sent = self.last_command(command)
        value = None
        if not no_value:
            value = {"commandId": command_id or (sent.value["commandId"] if sent else "none")}
            if error is not None:
                value["error"] = {"code": "RecordingError", "message": error}
        return await self._receive(Activity(type=COMMAND_RESULT_ACTIVITY, name=command.value, value=value))

    def refuse(self, command: RecordingCommand, refusal: Refusal) -> None:
        """With `answer_commands`, refuse the next `command` with `refusal`."""
        self._faults[command] = refusal

    def ignore(self, command: RecordingCommand) -> None:
        """With `answer_commands`, never answer the next `command`."""
        self._faults[command] = None

    def fail_sends(self, kind: str, status: int | None = None) -> None:
        """From now on, answer every activity of `kind` with HTTP `status`, or drop the connection (None).

        `kind` is an activity's type ("endOfConversation", "message") or its
        name ("handoff.initiate", a recording command's). What the channel did
        not take is kept in `undelivered`, not in `sent`.
        """
        self.adapter.send_faults[kind] = status

    @property
    def undelivered(self) -> list[Activity]:
        """Every activity the bot tried to send and the channel did not take, in order."""
        return self.adapter.undelivered

    async def handoff_failed(self, message: str = "No answer") -> list[Activity]:
        value = {"state": "failed", "message": message}
        return await self._receive(Activity(type=ActivityTypes.event, name=HANDOFF_STATUS, value=value))

    # ---- what the bot sent ---------------------------------------------------------
    def commands(self) -> list[RecordingCommand]:
        return [RecordingCommand(a.name) for a in self.sent if a.type == COMMAND_ACTIVITY]

    def last_command(self, command: RecordingCommand) -> Activity | None:
        matching = [a for a in self.sent if a.type == COMMAND_ACTIVITY and a.name == command.value]
        return matching[-1] if matching else None

    def transfers(self) -> list[Activity]:
        return [a for a in self.sent if a.type == ActivityTypes.event and a.name == HANDOFF_INITIATE]

    def texts(self) -> list[str]:
        return texts(self.sent)

    async def dialog_stack(self) -> list[str]:
        """The ids of the dialogs the call is in now, outermost first, through component dialogs.

        What step a caller is in, read from the call's saved state: empty once the call is over.
        """
        key = f"{self.channel}/conversations/{self.conversation_id}"
        saved = (await self.storage.read([key])).get(key) or {}
        state: DialogState | None = saved.get(DIALOGS_PROPERTY)
        ids: list[str] = []
        while state is not None and state.dialog_stack:
            active = state.dialog_stack[0]  # both SDKs keep the active dialog first
            ids.append(active.id)
            state = active.state.get(ComponentDialog.persisted_dialog_state)
        return ids

    # ---- internals -------------------------------------------------------------------
    async def _receive(self, activity: Activity) -> list[Activity]:
        activity.conversation = activity.conversation or ConversationAccount(id=self.conversation_id)
        before = len(self.adapter.activity_buffer)
        await self.adapter.receive_activity(activity)
        return await self._collect(before)

    async def _collect(self, before: int) -> list[Activity]:
        new = list(self.adapter.activity_buffer[before:])
        self.sent += new
        if self.answer_commands:
            for activity in list(new):  # each turn answers its own commands, follow-ups included
                if activity.type == COMMAND_ACTIVITY:
                    new += await self._answer_by_the_rules(activity)
        return new

    async def _answer_by_the_rules(self, activity: Activity) -> list[Activity]:
        command = RecordingCommand(activity.name)
        if command in self._faults:
            refusal = self._faults.pop(command)
            if refusal is None:
                return []
            answer: ChannelRecordingState | Refusal = refusal
        else:
            answer = channel_answer(self.recording, command)
        value: dict[str, Any] = {"commandId": activity.value["commandId"]}
        if isinstance(answer, Refusal):
            value["error"] = answer.to_json()
        else:
            self.recording = answer
        return await self._receive(Activity(type=COMMAND_RESULT_ACTIVITY, name=command.value, value=value))

    def _note_timer_tokens(self) -> None:
        arm = self.timers.arm

        def arm_and_note(context: TurnContext, delay_s: float) -> str:
            token = arm(context, delay_s)
            self.timer_tokens.append(token)
            return token

        self.timers.arm = arm_and_note


class _Results(ComponentDialog):
    """Runs a dialog under test and keeps what it ends with."""

    def __init__(self, dialog: Dialog, results: list[Any]):
        super().__init__(f"{dialog.id}.under-test")
        self.add_dialog(dialog)
        self.add_dialog(WaterfallDialog(f"{dialog.id}.steps", [self._begin, self._keep]))
        self.initial_dialog_id = f"{dialog.id}.steps"
        self._inner = dialog.id
        self._results = results

    async def _begin(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog(self._inner)

    async def _keep(self, step: WaterfallStepContext) -> DialogTurnResult:
        self._results.append(step.result)
        return await step.end_dialog(step.result)


def texts(activities: list[Activity]) -> list[str]:
    """The text of each message, in order."""
    return [a.text for a in activities if a.type == ActivityTypes.message]


def kinds(activities: list[Activity]) -> list[str]:
    """A compact picture of a turn: message texts, recording command names, event names."""
    out = []
    for a in activities:
        if a.type == ActivityTypes.message:
            out.append(a.text)
        elif a.type == COMMAND_ACTIVITY:
            out.append(RecordingCommand(a.name).name.lower())
        else:
            out.append(a.name or a.type)
    return out
