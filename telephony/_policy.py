"""When a call is recorded, in one object.

Every step that touches the recording asks the policy instead of deciding for
itself: the call's start (`starts_recording`), the caller's opt-out
(`is_opt_out`, `opt_out`), a transfer (`before_transfer`,
`after_failed_transfer`) and the hang-up (`before_hang_up`). A fork changes
its recording rules here. Card entry is not a policy choice: `SecureStep`
always pauses.
"""

from __future__ import annotations

from ._menu import Menu, MenuOption
from ._recorder import CallRecorder
from ._recording import Goal, RecordingState
from ._wire import TELEPHONY_CHANNEL
from .sdk import Activity, ActivityTypes, TurnContext

#: States a recording the bot started can be in while the caller is still
#: with the bot: the bot's to resume if a transfer fails.
_LIVE = frozenset({RecordingState.RECORDING, RecordingState.PAUSING, RecordingState.PAUSED, RecordingState.RESUMING})


class RecordingPolicy:
    """The call's recording rules.

    `opt_out` is the row that stops the recording for good: its key, the words
    that tell the caller about it (e.g. in the welcome), and phrases that mean
    the same when said. It is checked like any menu row.
    """

    def __init__(
        self,
        recorder: CallRecorder,
        *,
        opt_out: MenuOption,
        record_calls: bool = True,
        stop_on_hang_up: bool = False,
        pause_for_transfer: bool = True,
    ):
        self.recorder = recorder
        self._opt_out = Menu(opt_out)  # the same checks as any menu row: its words must name its key
        self.record_calls = record_calls
        self.stop_on_hang_up = stop_on_hang_up
        self.pause_for_transfer = pause_for_transfer

    def starts_recording(self, context: TurnContext) -> bool:
        """Whether this call is recorded from the start: on the phone, when the line records calls."""
        return self.record_calls and context.activity.channel_id == TELEPHONY_CHANNEL

    def is_opt_out(self, activity: Activity) -> bool:
        """The caller pressed the opt-out key or said one of its phrases."""
        return activity.type == ActivityTypes.message and self._opt_out.choose(activity) is not None

    async def opt_out(self, context: TurnContext) -> None:
        """Stop the recording if one runs, and never record this call again."""
        await self.recorder.opt_out(context)

    async def before_transfer(self, context: TurnContext) -> bool:
        """Pause before the caller reaches a person; True when a failed transfer should resume.

        Only the bot pauses a recording, so one that is live or paused now is
        the bot's to resume if the caller stays (after a payment, say).
        """
        if not self.pause_for_transfer:
            return False
        recording = await self.recorder.get(context)
        resume = recording.state in _LIVE
        await self.recorder.request(context, Goal.PAUSED)
        return resume

    async def after_failed_transfer(self, context: TurnContext, resume: bool) -> None:
        if resume:
            await self.recorder.request(context, Goal.RECORDING)

    async def before_hang_up(self, context: TurnContext) -> None:
        """The channel stops a recording when the call ends; some lines want the stop on the recording."""
        if self.stop_on_hang_up:
            await self.recorder.request(context, Goal.STOPPED)
