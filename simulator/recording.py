"""One call's recording: its state, the files it makes, and what they hold.

The recording changes state at the moment the channel answers a command with
success, not when the command arrives: a prompt the bot sends between
`recording.start` and its result plays before the recording begins, which is
how a consent notice can be heard before anything is recorded.
"""

from __future__ import annotations

from telephony import RecordingCommand

from . import rules
from .metadata import AcsResource, EndReason, PauseInterval, RecordingFile, recording_metadata
from .rules import RecordingState, Refusal
from .timeline import EventKind, RecordedSpan, Tick, Timeline, TimelineEvent


class CallRecording:
    """The recording side of one call, driven by the channel."""

    def __init__(self, timeline: Timeline, *, call_id: str, participants: list[str], resource: AcsResource) -> None:
        self._timeline = timeline
        self._call_id = call_id
        self._participants = participants
        self._resource = resource
        self.state = RecordingState.STOPPED
        self.files: list[RecordingFile] = []

    @property
    def is_recording(self) -> bool:
        return self.state is RecordingState.RECORDING

    def check(self, command: RecordingCommand) -> Refusal | None:
        """The refusal the channel would answer right now, if any."""
        outcome = rules.apply(self.state, command)
        return outcome if isinstance(outcome, Refusal) else None

    def apply(self, command: RecordingCommand, tick: Tick) -> Refusal | None:
        """Carry out `command` at `tick`, or return why it is refused."""
        outcome = rules.apply(self.state, command)
        if isinstance(outcome, Refusal):
            return outcome
        if command is RecordingCommand.START:
            self.files.append(RecordingFile(len(self.files), tick))
        elif command is RecordingCommand.PAUSE:
            self.files[-1].pauses.append(PauseInterval(tick))
        elif command is RecordingCommand.RESUME:
            self.files[-1].pauses[-1].end = tick
        elif command is RecordingCommand.STOP:
            self._close(tick, EndReason.STOPPED)
        self._set(outcome, tick)
        return None

    def end(self, tick: Tick, reason: EndReason) -> None:
        """The call ended or was transferred: the channel stops any recording."""
        if self.state is not RecordingState.STOPPED:
            self._close(tick, reason)
            self._set(RecordingState.STOPPED, tick)

    def _close(self, tick: Tick, reason: EndReason) -> None:
        current = self.files[-1]
        if current.pauses and current.pauses[-1].end is None:
            current.pauses[-1].end = tick
        current.end, current.end_reason = tick, reason

    def _set(self, state: RecordingState, tick: Tick) -> None:
        self.state = state
        self._timeline.add(tick, EventKind.RECORDING, state.value, recorded=self.is_recording)

    @property
    def spans(self) -> list[RecordedSpan]:
        """The stretches during which the recording ran (pauses cut them)."""
        spans: list[RecordedSpan] = []
        for file in self.files:
            start = file.start
            for pause in file.pauses:
                spans.append(RecordedSpan(start, pause.start))
                if pause.end is None:
                    break
                start = pause.end
            else:
                spans.append(RecordedSpan(start, file.end))
        # A pause that is still open has no span after it.
        return [s for s in spans if s.end is None or s.start.seq < s.end.seq]

    @property
    def timeline(self) -> Timeline:
        return self._timeline

    @property
    def recorded_events(self) -> list[TimelineEvent]:
        return [e for e in self._timeline if e.recorded and e.kind in (EventKind.PROMPT, EventKind.KEY, EventKind.SPEECH)]

    @staticmethod
    def any_recorded(events: list[TimelineEvent]) -> bool:
        """Did any of these events (say, the card digits a test pressed) get recorded?"""
        return any(e.recorded for e in events)

    def metadata(self) -> list[dict[str, object]]:
        """One ACS metadata document per recording file made on this call."""
        return [
            recording_metadata(f, call_id=self._call_id, resource=self._resource, participants=self._participants)
            for f in self.files
        ]
