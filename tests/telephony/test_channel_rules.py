"""The channel's recording rules, as the library tables them, are the ones the protocol documents.

Each case quotes the protocol's "Rules the channel enforces", so neither the
simulator nor the fake channel (both answer by this table) can drift into
accepting what the real channel refuses.
"""

from __future__ import annotations

import itertools

import pytest

from telephony import CHANNEL_RULES, ChannelError, ChannelRecordingState, RecordingCommand, Refusal, channel_answer

S, C = ChannelRecordingState, RecordingCommand


def test_every_state_and_command_has_a_rule():
    assert set(CHANNEL_RULES) == set(itertools.product(ChannelRecordingState, RecordingCommand))


@pytest.mark.parametrize("state", [S.RECORDING, S.PAUSED])
def test_start_while_a_recording_is_in_progress_is_refused(state):
    # "start while a recording is in progress → "Recording is already in progress""
    outcome = channel_answer(state, C.START)
    assert isinstance(outcome, Refusal)
    assert outcome.message == ChannelError.ALREADY_IN_PROGRESS.value


@pytest.mark.parametrize("command", [C.PAUSE, C.STOP, C.RESUME])
def test_pause_stop_or_resume_with_no_recording_is_refused(command):
    # "pause or stop with no recording in progress → "Recording has not started""
    outcome = channel_answer(S.STOPPED, command)
    assert isinstance(outcome, Refusal)
    assert outcome.message == ChannelError.NOT_STARTED.value


def test_pausing_a_paused_recording_is_refused():
    # "pausing a paused recording, or resuming a running one, is refused as well."
    assert isinstance(channel_answer(S.PAUSED, C.PAUSE), Refusal)


def test_resuming_a_running_recording_is_refused():
    assert isinstance(channel_answer(S.RECORDING, C.RESUME), Refusal)


@pytest.mark.parametrize(
    ("state", "command", "after"),
    [
        (S.STOPPED, C.START, S.RECORDING),
        (S.RECORDING, C.PAUSE, S.PAUSED),
        (S.PAUSED, C.RESUME, S.RECORDING),
        (S.RECORDING, C.STOP, S.STOPPED),
        (S.PAUSED, C.STOP, S.STOPPED),
    ],
)
def test_allowed_commands_move_the_recording(state, command, after):
    assert channel_answer(state, command) is after


def test_only_the_documented_transitions_are_accepted():
    accepted = {pair for pair, outcome in CHANNEL_RULES.items() if isinstance(outcome, ChannelRecordingState)}
    assert accepted == {
        (S.STOPPED, C.START),
        (S.RECORDING, C.PAUSE),
        (S.PAUSED, C.RESUME),
        (S.RECORDING, C.STOP),
        (S.PAUSED, C.STOP),
    }


def test_refusals_carry_a_code_and_a_message():
    for outcome in CHANNEL_RULES.values():
        if isinstance(outcome, Refusal):
            assert outcome.code and outcome.message
            assert set(outcome.to_json()) == {"code", "message"}
