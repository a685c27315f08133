"""When the sample records a call (docs/call-flow.md, sections 1, 6, 7 and 8).

The one place a fork changes its recording rules: the opt-out key and its
words, whether calls are recorded at all, whether the bot stops the recording
itself before hanging up, and whether a transfer pauses it. Card entry always
runs with the recording paused (`telephony.SecureStep`), whatever this says.
"""

from __future__ import annotations

from config import DefaultConfig
from telephony import CallRecorder, MenuOption, RecordingPolicy

OPT_OUT = MenuOption(
    "opt-out",
    key="*",
    words="To stop the recording at any time, press star.",
    synonyms=("stop recording", "do not record", "dont record"),
)


def recording_policy(config: DefaultConfig, recorder: CallRecorder) -> RecordingPolicy:
    return RecordingPolicy(
        recorder,
        opt_out=OPT_OUT,
        record_calls=True,
        stop_on_hang_up=config.STOP_RECORDING_ON_HANGUP,
        pause_for_transfer=True,
    )
