"""The recording state machine: every (state, event) pair, and random calls
against a model of the channel's rules that never see a refused command."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telephony import ChannelError, CommandResult, Goal, Recording, RecordingCommand, RecordingState

S = RecordingState
C = RecordingCommand

IN_FLIGHT_FROM = {  # a plausible settled state each in-flight state was entered from
    S.STARTING: S.IDLE,
    S.PAUSING: S.RECORDING,
    S.RESUMING: S.PAUSED,
    S.STOPPING: S.RECORDING,
}
IN_FLIGHT_COMMAND = {S.STARTING: C.START, S.PAUSING: C.PAUSE, S.RESUMING: C.RESUME, S.STOPPING: C.STOP}


def machine_in(state: RecordingState) -> Recording:
    recording = Recording(state=state)
    if state in IN_FLIGHT_FROM:
        recording.settled_before = IN_FLIGHT_FROM[state]
        recording.command_id = "id-1"
    if state is S.OPTED_OUT:
        recording.opted_out = True
    return recording


# (state, request) -> (next state, command sent)
REQUESTS = {
    (S.IDLE, Goal.RECORDING): (S.STARTING, C.START),
    (S.IDLE, Goal.PAUSED): (S.IDLE, None),
    (S.IDLE, Goal.STOPPED): (S.IDLE, None),
    (S.IDLE, "opt-out"): (S.OPTED_OUT, None),
    (S.RECORDING, Goal.RECORDING): (S.RECORDING, None),
    (S.RECORDING, Goal.PAUSED): (S.PAUSING, C.PAUSE),
    (S.RECORDING, Goal.STOPPED): (S.STOPPING, C.STOP),
    (S.RECORDING, "opt-out"): (S.STOPPING, C.STOP),
    (S.PAUSED, Goal.RECORDING): (S.RESUMING, C.RESUME),
    (S.PAUSED, Goal.PAUSED): (S.PAUSED, None),
    (S.PAUSED, Goal.STOPPED): (S.STOPPING, C.STOP),
    (S.PAUSED, "opt-out"): (S.STOPPING, C.STOP),
    (S.STOPPED, Goal.RECORDING): (S.STOPPED, None),  # never a second recording file
    (S.STOPPED, Goal.PAUSED): (S.STOPPED, None),
    (S.STOPPED, Goal.STOPPED): (S.STOPPED, None),
    (S.STOPPED, "opt-out"): (S.OPTED_OUT, None),
    (S.FAILED, Goal.RECORDING): (S.FAILED, None),  # no retry after a refused start
    (S.FAILED, Goal.PAUSED): (S.FAILED, None),
    (S.FAILED, Goal.STOPPED): (S.FAILED, None),
    (S.FAILED, "opt-out"): (S.OPTED_OUT, None),
    (S.OPTED_OUT, Goal.RECORDING): (S.OPTED_OUT, None),
    (S.OPTED_OUT, Goal.PAUSED): (S.OPTED_OUT, None),
    (S.OPTED_OUT, Goal.STOPPED): (S.OPTED_OUT, None),
    (S.OPTED_OUT, "opt-out"): (S.OPTED_OUT, None),
}
# While a command is in flight nothing else is sent, whatever the bot wants.
for _state in IN_FLIGHT_FROM:
    for _request in (*Goal, "opt-out"):
        REQUESTS[(_state, _request)] = (_state, None)

GENERIC = "Internal server error"
# (in-flight state, outcome) -> next state; outcome None is success
RESULTS = {
    (S.STARTING, None): S.RECORDING,
    (S.STARTING, GENERIC): S.FAILED,
    (S.STARTING, ChannelError.ALREADY_IN_PROGRESS.value): S.RECORDING,
    (S.STARTING, ChannelError.NOT_STARTED.value): S.FAILED,
    (S.PAUSING, None): S.PAUSED,
    (S.PAUSING, GENERIC): S.RECORDING,
    (S.PAUSING, ChannelError.ALREADY_IN_PROGRESS.value): S.RECORDING,
    (S.PAUSING, ChannelError.NOT_STARTED.value): S.STOPPED,
    (S.RESUMING, None): S.RECORDING,
    (S.RESUMING, GENERIC): S.PAUSED,
    (S.RESUMING, ChannelError.ALREADY_IN_PROGRESS.value): S.PAUSED,
    (S.RESUMING, ChannelError.NOT_STARTED.value): S.STOPPED,
    (S.STOPPING, None): S.STOPPED,
    (S.STOPPING, GENERIC): S.RECORDING,
    (S.STOPPING, ChannelError.ALREADY_IN_PROGRESS.value): S.RECORDING,
    (S.STOPPING, ChannelError.NOT_STARTED.value): S.STOPPED,
}
OUTCOMES = (None, GENERIC, ChannelError.ALREADY_IN_PROGRESS.value, ChannelError.NOT_STARTED.value)


def result(command: RecordingCommand, error: str | None, command_id: str | None = "id-1") -> CommandResult:
    return CommandResult(command, command_id, error_code="E" if error else None, error_message=error)


@pytest.mark.parametrize("state, request_", sorted(REQUESTS, key=str))
def test_every_request_in_every_state(state, request_):
    recording = machine_in(state)
    sent = recording.opt_out() if request_ == "opt-out" else recording.request(request_)
    expected_state, expected_command = REQUESTS[(state, request_)]
    assert recording.state is expected_state
    assert (sent.command if sent else None) is expected_command
    if sent:
        assert sent.command_id == recording.command_id


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("command", list(C))
@pytest.mark.parametrize("error", OUTCOMES)
def test_every_result_in_every_state(state, command, error):
    recording = machine_in(state)
    outcome = recording.apply(result(command, error))
    if IN_FLIGHT_COMMAND.get(state) is command:
        assert outcome.matched
        assert recording.state is RESULTS[(state, error)]
        assert recording.in_flight is None
    else:
        assert not outcome.matched, "a result for nothing in flight is ignored"
        assert recording == machine_in(state)


def test_a_result_with_the_wrong_command_id_is_matched_by_name():
    recording = machine_in(S.PAUSING)
    assert recording.apply(result(C.PAUSE, None, command_id="someone-else")).matched
    assert recording.state is S.PAUSED


def test_a_wish_made_while_a_command_is_in_flight_is_acted_on_when_the_result_arrives():
    recording = Recording()
    recording.request(Goal.RECORDING)
    assert recording.request(Goal.PAUSED) is None
    outcome = recording.apply(result(C.START, None, recording.command_id))
    assert outcome.send and outcome.send.command is C.PAUSE
    assert recording.state is S.PAUSING


def test_opting_out_while_starting_stops_as_soon_as_the_start_lands():
    recording = Recording()
    recording.request(Goal.RECORDING)
    assert recording.opt_out() is None
    outcome = recording.apply(result(C.START, None))
    assert outcome.send and outcome.send.command is C.STOP
    recording.apply(result(C.STOP, None))
    assert recording.state is S.OPTED_OUT
    assert recording.request(Goal.RECORDING) is None


def test_a_refused_command_is_not_retried():
    recording = machine_in(S.PAUSING)
    recording.goal = Goal.PAUSED
    outcome = recording.apply(result(C.PAUSE, GENERIC))
    assert outcome.send is None and recording.state is S.RECORDING


@pytest.mark.parametrize("state", list(S))
def test_state_survives_storage(state):
    recording = machine_in(state)
    recording.goal = Goal.PAUSED
    assert Recording.from_dict(recording.to_dict()) == recording


def test_only_settled_states_without_recording_are_safe_for_sensitive_input():
    safe = {s for s in S if not machine_in(s).may_be_capturing}
    assert safe == {S.IDLE, S.PAUSED, S.STOPPED, S.OPTED_OUT, S.FAILED}


# ---- random calls against the channel's rules ---------------------------------


@dataclass
class ChannelModel:
    """The Telephony channel's recording rules, from the protocol document."""

    status: str = "none"  # none | recording | paused | stopped
    refused: list[str] = field(default_factory=list)

    def refusal(self, command: RecordingCommand) -> str | None:
        if command is C.START:
            return ChannelError.ALREADY_IN_PROGRESS.value if self.status in ("recording", "paused") else None
        if command is C.PAUSE:
            if self.status in ("none", "stopped"):
                return ChannelError.NOT_STARTED.value
            return "Recording is already paused" if self.status == "paused" else None
        if command is C.RESUME:
            if self.status in ("none", "stopped"):
                return ChannelError.NOT_STARTED.value
            return "Recording is not paused" if self.status == "recording" else None
        return ChannelError.NOT_STARTED.value if self.status in ("none", "stopped") else None

    def execute(self, command: RecordingCommand) -> str | None:
        refusal = self.refusal(command)
        if refusal:
            self.refused.append(f"{command.name} while {self.status}: {refusal}")
            return refusal
        self.status = {C.START: "recording", C.PAUSE: "paused", C.RESUME: "recording", C.STOP: "stopped"}[command]
        return None


bot_actions = st.sampled_from(["record", "pause", "resume", "stop", "opt-out"])
channel_actions = st.sampled_from(["answer", "fail", "drop", "duplicate", "wrong-id"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(bot_actions, channel_actions), max_size=40))
def test_random_calls_never_send_a_command_the_channel_would_refuse(steps):
    channel = ChannelModel()
    recording = Recording()
    queue: list[tuple[CommandResult, str]] = []  # results not yet delivered, with the status before
    delivered: list[CommandResult] = []

    def send(command):
        if command is None:
            return
        before = channel.status
        refusal = channel.execute(command.command)
        queue.append((CommandResult(command.command, command.command_id, "E" if refusal else None, refusal), before))

    for step in steps:
        if step == "opt-out":
            send(recording.opt_out())
        elif step in ("record", "pause", "resume", "stop"):
            goal = {"record": Goal.RECORDING, "pause": Goal.PAUSED, "resume": Goal.RECORDING, "stop": Goal.STOPPED}
            send(recording.request(goal[step]))
        elif step == "answer" and queue:
            answer, _ = queue.pop(0)
            delivered.append(answer)
            send(recording.apply(answer).send)
        elif step == "fail" and queue:
            # The channel failed internally: the command did nothing.
            answer, before = queue.pop(0)
            channel.status = before
            failure = CommandResult(answer.command, answer.command_id, "500", "Internal error")
            send(recording.apply(failure).send)
        elif step == "drop" and queue:
            queue.pop(0)  # the result never comes; the command did take effect
        elif step == "duplicate" and delivered:
            send(recording.apply(delivered[-1]).send)
        elif step == "wrong-id" and queue:
            answer, _ = queue.pop(0)
            send(recording.apply(CommandResult(answer.command, "wrong", answer.error_code, answer.error_message)).send)

    assert channel.refused == []
    if recording.in_flight is None and not queue and "drop" not in steps:
        # Settled with every result delivered: the bot knows the truth.
        assert _believed(recording.state) == _audible(channel.status)


def _believed(state: RecordingState) -> str:
    return {S.RECORDING: "recording", S.PAUSED: "paused"}.get(state, "not recording")


def _audible(status: str) -> str:
    return status if status in ("recording", "paused") else "not recording"
